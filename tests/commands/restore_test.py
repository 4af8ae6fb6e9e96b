import subprocess

import pytest

from tests.conftest import tree_digest
from tests.gitrepo import GitRepo


def _clone(src: GitRepo, dest) -> GitRepo:
    subprocess.run(["git", "clone", "-q", str(src.path), str(dest)], check=True)
    clone = GitRepo(dest, src.base)
    clone.git("config", "user.name", "T")
    clone.git("config", "user.email", "t@example.com")
    return clone


@pytest.fixture
def two_howtos(repo):
    repo.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 alpha\n")}, commits=1)
    repo.add_howto(
        "beta",
        {
            "ex/train.py": ("line 20\n", "line 20 beta\n"),
            "ex/README.md": ("An example.", "Beta example."),
        },
        commits=2,
    )
    return repo


def test_round_trip_on_a_fresh_clone_is_byte_identical(two_howtos, tmp_path):
    clone = _clone(two_howtos, tmp_path / "clone")
    assert clone.branches() == {}
    saved = {n: clone.read(f"howtos/diffs/{n}.diff") for n in ("alpha", "beta")}
    before_tree = tree_digest(clone.path)
    res = clone.cli("restore", "--all")
    assert res.code == 0, res
    assert set(clone.branches()) == {"refs/heads/howto/alpha", "refs/heads/howto/beta"}
    assert tree_digest(clone.path) == before_tree  # work tree and index untouched
    assert clone.git("status", "--porcelain") == ""
    res = clone.cli("save", "--all")
    assert res.code == 0 and res.out.count("unchanged") == 2
    assert {n: clone.read(f"howtos/diffs/{n}.diff") for n in saved} == saved
    assert clone.cli("check").code == 0


def test_restored_commit_message_names_the_howto(two_howtos, tmp_path):
    clone = _clone(two_howtos, tmp_path / "clone")
    clone.write("howtos/manifest.toml", '[howtos.alpha]\ntitle = "Alpha things"\n')
    clone.commit("manifest")
    clone.cli("restore", "alpha")
    assert clone.git("log", "-1", "--format=%s", "howto/alpha") == "HOWTO alpha: Alpha things"
    assert clone.git("rev-parse", "howto/alpha~1") == clone.rev("main")


def test_restore_leaves_a_matching_branch_alone(two_howtos):
    before = two_howtos.branches()
    res = two_howtos.cli("restore", "--all")
    assert res.code == 0 and res.out.count("matches") == 2
    assert two_howtos.branches() == before


def test_restore_refuses_to_replace_unsaved_work(two_howtos):
    r = two_howtos
    r.git("switch", "-q", "howto/alpha")
    r.replace("ex/train.py", "line 9\n", "line 9 unsaved\n")
    r.commit("unsaved work")
    r.git("switch", "-q", "main")
    before = r.snapshot()
    res = r.cli("restore", "--all")
    assert res.code == 2 and "holds work that is not in" in res.err and "save alpha" in res.err
    assert r.snapshot() == before


def test_restore_force_keeps_a_backup(two_howtos):
    r = two_howtos
    r.git("switch", "-q", "howto/alpha")
    r.replace("ex/train.py", "line 9\n", "line 9 unsaved\n")
    old = r.commit("unsaved work")
    r.git("switch", "-q", "main")
    res = r.cli("restore", "alpha", "--force")
    assert res.code == 0
    backups = r.refs("refs/howtoctl/backup/")
    assert old in backups.values()
    assert r.rev("howto/alpha") != old


def test_a_restore_force_git_refuses_writes_no_backup(two_howtos):
    # Another program holds the branch's ref lock: the transaction fails, nothing changes.
    r = two_howtos
    r.git("switch", "-q", "howto/alpha")
    r.replace("ex/train.py", "line 9\n", "line 9 unsaved\n")
    r.commit("unsaved work")
    r.git("switch", "-q", "main")
    lock = r.path / ".git" / "refs" / "heads" / "howto" / "alpha.lock"
    lock.write_text("")
    before = r.snapshot()
    try:
        res = r.cli("restore", "alpha", "--force")
        assert res.code == 2, res
        assert r.snapshot() == before
    finally:
        lock.unlink()


def test_restore_refuses_a_branch_checked_out_elsewhere(two_howtos, tmp_path):
    r = two_howtos
    r.git("switch", "-q", "howto/alpha")
    r.replace("ex/train.py", "line 9\n", "line 9 unsaved\n")
    r.commit("unsaved")
    r.git("switch", "-q", "main")
    r.git("worktree", "add", "-q", str(tmp_path / "wt"), "howto/alpha")
    before = r.snapshot()
    res = r.cli("restore", "alpha", "--force")
    assert res.code == 2 and "checked out in" in res.err
    assert r.snapshot() == before


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "empty"),
        (b"not a diff\n", "must start"),
        (None, "CRLF"),
        ("truncate", "truncated"),
        (b"diff --git a/x b/x\nindex 1..2 100644\nBinary files a/x and b/x differ\n", "binary"),
    ],
)
def test_restore_refuses_corrupt_diffs_and_writes_nothing(two_howtos, tmp_path, content, words):
    clone = _clone(two_howtos, tmp_path / "clone")
    good = (clone.path / "howtos/diffs/alpha.diff").read_bytes()
    if content is None:
        content = good.replace(b"\n", b"\r\n")
    elif content == "truncate":
        content = good[: len(good) // 2] + b"\n"
    (clone.path / "howtos/diffs/alpha.diff").write_bytes(content)
    before = clone.snapshot()
    res = clone.cli("restore", "--all")
    assert res.code == 2 and words.lower() in res.err.lower()
    assert clone.snapshot() == before
    assert clone.branches() == {}


def test_restore_of_a_diff_that_no_longer_applies_explains_what_to_do(two_howtos, tmp_path):
    # Restored where it was saved from, for rebase-all or resolve to bring forward (exit 1).
    clone = _clone(two_howtos, tmp_path / "clone")
    saved_on = clone.rev("main")
    clone.replace("ex/train.py", "line 5\n", "line 5 rewritten on main\n")
    clone.commit("conflicting base change")
    res = clone.cli("restore", "alpha")
    assert res.code == 1 and "does not apply" in res.out and "howtoctl resolve alpha" in res.out
    assert clone.rev("howto/alpha^") == saved_on


def test_restore_in_a_shallow_clone(two_howtos, tmp_path):
    dest = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{two_howtos.path}", str(dest)], check=True
    )
    clone = GitRepo(dest, "main")
    clone.git("config", "user.name", "T")
    clone.git("config", "user.email", "t@example.com")
    res = clone.cli("restore", "--all")
    assert res.code == 0, res
    assert clone.cli("check").code == 0
    res = clone.cli("rebase-all")
    assert res.code == 2 and "shallow" in res.err and "--unshallow" in res.err


def test_restore_unknown_name(two_howtos):
    res = two_howtos.cli("restore", "nope")
    assert res.code == 2 and "no diff file" in res.err


def test_restore_without_a_git_identity(two_howtos, tmp_path, monkeypatch):
    clone = _clone(two_howtos, tmp_path / "clone")
    clone.git("config", "--unset", "user.name")
    clone.git("config", "--unset", "user.email")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no global identity either
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("EMAIL", "")
    res = clone.cli("restore", "--all")
    assert res.code == 0, res
    assert (
        clone.git("log", "-1", "--format=%an <%ae>", "howto/alpha")
        == "howtoctl <howtoctl@localhost>"
    )


def _shorten_index_lines(text: str) -> str:
    import re

    return re.sub(
        r"^index ([0-9a-f]{7})[0-9a-f]+\.\.([0-9a-f]{7})[0-9a-f]+",
        r"index \1..\2",
        text,
        flags=re.M,
    )


def test_check_is_fresh_exactly_when_save_would_write_the_same_bytes(two_howtos, tmp_path):
    r = two_howtos
    short = _shorten_index_lines(r.read("howtos/diffs/alpha.diff"))
    assert short != r.read("howtos/diffs/alpha.diff")
    r.write("howtos/diffs/alpha.diff", short)
    r.commit("a diff with short index lines, as older tools wrote them")
    clone = _clone(r, tmp_path / "clone")
    assert clone.cli("restore", "--all").code == 0
    res = clone.cli("check", "alpha")
    assert res.code == 1 and "stale" in res.out and "howtoctl save alpha" in res.out, res
    res = clone.cli("save", "--all")
    assert res.code == 0 and "alpha" in res.out and "saved" in res.out, res
    assert clone.read("howtos/diffs/alpha.diff") != short
    assert clone.cli("check").code == 0
    # The original bytes back: not what save writes (stale), and save may rewrite them: same change.
    clone.git("checkout", "--", "howtos/diffs/alpha.diff")
    assert clone.read("howtos/diffs/alpha.diff") == short
    res = clone.cli("check", "alpha")
    assert res.code == 1 and "howtoctl save alpha" in res.out, res
    res = clone.cli("save", "alpha")
    assert res.code == 0, res
    assert clone.cli("check").code == 0
