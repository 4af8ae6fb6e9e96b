import os

import pytest

from tests.conftest import tree_digest


def _resolve_in_worktree(r, name="beta") -> str:
    """Start the resolve, write a resolution over git's conflict and `git add` it."""
    res = r.cli("resolve", name)
    assert res.code == 0 and "conflict" in res.out, res
    wt = res.out.split("waiting for you in:\n", 1)[1].split("\n", 1)[0].strip()
    _resolve_conflict(r, wt, "line 20 main and beta\n")
    return wt


def _resolve_conflict(r, wt: str, resolution: str) -> None:
    """Put `resolution` in place of git's conflict in ex/train.py, and `git add` it."""
    text = open(os.path.join(wt, "ex/train.py")).read()
    assert "<<<<<<<" in text
    with open(os.path.join(wt, "ex/train.py"), "w") as f:
        f.write(text.split("<<<<<<<")[0] + resolution + text.split(">>>>>>>")[1].split("\n", 1)[1])
    r.git("-C", wt, "add", "ex/train.py")


def test_resolve_continue_moves_the_branch(conflicted):
    r = conflicted
    old = r.rev("howto/beta")
    before_tree = tree_digest(r.path)
    wt = _resolve_in_worktree(r)  # git's conflict there, resolved and added
    assert os.path.isdir(wt)
    assert tree_digest(r.path) == before_tree
    assert r.rev("howto/beta") == old  # nothing moves before --continue
    res = r.cli("resolve", "beta", "--continue")
    assert res.code == 0, res
    assert not os.path.exists(wt)
    assert r.git("merge-base", "--is-ancestor", "main", "howto/beta") == ""
    assert "line 20 main and beta" in r.git("show", "howto/beta:ex/train.py")
    assert old in r.refs("refs/howtoctl/backup/").values()
    assert r.cli("save", "beta").code == 0
    assert r.cli("check", "beta").code == 0


def test_continue_with_unresolved_conflicts_keeps_waiting(conflicted):
    r = conflicted
    r.cli("resolve", "beta")
    old = r.rev("howto/beta")
    res = r.cli("resolve", "beta", "--continue")
    assert res.code == 1 and "conflict" in res.out
    assert r.rev("howto/beta") == old


def test_abort_leaves_everything_as_before(conflicted):
    r = conflicted
    before = r.snapshot()
    r.cli("resolve", "beta")
    res = r.cli("resolve", "beta", "--abort")
    assert res.code == 0
    assert r.snapshot() == before
    assert len(r.git("worktree", "list").splitlines()) == 1


def test_second_resolve_refuses(conflicted):
    r = conflicted
    r.cli("resolve", "beta")
    res = r.cli("resolve", "beta")
    assert res.code == 2 and "already being resolved" in res.err
    r.cli("resolve", "beta", "--abort")


def test_resolve_errors(conflicted):
    assert conflicted.cli("resolve", "nope").code == 2
    assert conflicted.cli("resolve", "beta", "--continue").code == 2
    assert conflicted.cli("resolve", "../x").code == 2


def test_resolve_an_up_to_date_branch_does_nothing(repo_with_howto):
    r = repo_with_howto
    assert r.cli("rebase-all").code == 0
    before = r.snapshot()
    res = r.cli("resolve", "alpha")
    assert res.code == 0 and "up-to-date" in res.out
    assert r.snapshot() == before


def test_resolve_without_conflicts_then_continue(repo_with_howto):
    r = repo_with_howto
    r.replace("ex/train.py", "line 30\n", "line 30 main\n")
    r.commit("base moves, no conflict")
    old = r.rev("howto/alpha")
    res = r.cli("resolve", "alpha")
    assert res.code == 0 and "no conflicts left" in res.out
    assert r.rev("howto/alpha") == old
    assert r.cli("resolve", "alpha", "--continue").code == 0
    assert r.git("merge-base", "--is-ancestor", "main", "howto/alpha") == ""


def test_abort_never_deletes_a_directory_that_replaced_the_work_tree(conflicted):
    r = conflicted
    res = r.cli("resolve", "beta")
    wt = res.out.split("waiting for you in:\n", 1)[1].split("\n", 1)[0].strip()
    import shutil

    shutil.rmtree(wt)  # the user removes it by hand and puts their own files there
    os.makedirs(wt)
    with open(os.path.join(wt, "notes.txt"), "w") as f:
        f.write("mine\n")
    res = r.cli("resolve", "beta", "--abort")
    assert res.code == 0, res
    assert "left" in res.out and wt in res.out
    assert open(os.path.join(wt, "notes.txt")).read() == "mine\n"
    assert r.cli("resolve", "beta", "--abort").code == 2  # the resolve is over


def test_abort_never_deletes_another_git_work_tree_at_the_path(conflicted, tmp_path):
    r = conflicted
    res = r.cli("resolve", "beta", "--path", str(tmp_path / "wt"))
    assert res.code == 0
    r.git("worktree", "remove", "--force", "--force", str(tmp_path / "wt"))
    r.git("worktree", "add", "-q", "--detach", str(tmp_path / "wt"), "main")  # the user's own
    (tmp_path / "wt" / "mine.txt").write_text("mine\n")
    res = r.cli("resolve", "beta", "--abort")
    assert res.code == 0, res
    assert (tmp_path / "wt" / "mine.txt").read_text() == "mine\n"


def test_advice_after_a_conflict_names_resolve(conflicted):
    r = conflicted
    res = r.cli("check", "beta")
    assert res.code == 1 and "howtoctl resolve beta" in res.out, res
    res = r.cli("save", "beta", "--force")
    assert "howtoctl resolve beta" in res.err, res


def _waiting_in(res) -> str:
    return res.out.split("waiting for you in:\n", 1)[1].split("\n", 1)[0].strip()


def _gits_own_conflict(r, tmp_path, path: str) -> str:
    """The file as `git rebase` of the branch onto main leaves it, in a work tree of its own."""
    manual = str(tmp_path / "manual")
    r.git("worktree", "add", "-q", "--detach", manual, "howto/beta")
    r.git("-C", manual, "rebase", "main", with_exceptions=False)
    text = open(os.path.join(manual, path)).read()
    r.git("-C", manual, "rebase", "--abort")
    r.git("worktree", "remove", "--force", manual)
    return text


def test_resolve_starts_from_gits_conflict_in_a_work_tree_beside_the_repository(
    conflicted, tmp_path
):
    r = conflicted
    expected = _gits_own_conflict(r, tmp_path, "ex/train.py")
    res = r.cli("resolve", "beta")
    assert res.code == 0, res
    wt = _waiting_in(res)
    # Where a git user looks for a work tree (`git worktree add ../repo-beta`), not in .git/.
    assert wt == str(r.path.parent / "repo-resolve-beta"), wt
    assert ".git" not in os.path.relpath(wt, r.path.parent).split(os.sep)
    assert wt in r.git("worktree", "list")
    text = open(os.path.join(wt, "ex/train.py")).read()
    assert text == expected  # git's merge, markers and all
    lines = text.splitlines()
    assert (
        lines[19] == "<<<<<<< HEAD" and lines[21] == "=======" and lines[23].startswith(">>>>>>> ")
    )
    assert "<<<---" not in text and "--->>>" not in text
    assert "--from-candidate" not in res.out  # no candidate kept: none is offered
    assert r.cli("resolve", "beta", "--abort").code == 0
    assert not os.path.exists(wt)


def test_from_candidate_without_a_candidate_changes_nothing(conflicted):
    r = conflicted
    before = r.snapshot()
    res = r.cli("resolve", "beta", "--from-candidate")
    assert res.code == 2 and "no auto-resolve candidate for rebasing howto/beta" in res.err, res
    assert r.snapshot() == before
    assert not os.path.exists(r.path.parent / "repo-resolve-beta")
    assert r.cli("resolve", "beta", "--abort").code == 2  # no resolve was started
    res = r.cli("resolve", "beta", "--continue", "--from-candidate")
    assert res.code == 2 and "--from-candidate" in res.err


def _unchanged(r, old_tip: str, diff: bytes) -> None:
    assert r.rev("howto/beta") == old_tip
    assert (r.path / "howtos/diffs/beta.diff").read_bytes() == diff
    assert not r.refs("refs/howtoctl/backup/")


def test_continue_refuses_a_conflict_added_with_its_markers(conflicted):
    r = conflicted
    old_tip, diff = r.rev("howto/beta"), (r.path / "howtos/diffs/beta.diff").read_bytes()
    wt = _waiting_in(r.cli("resolve", "beta"))
    r.git("-C", wt, "add", "ex/train.py")  # git takes the file, markers and all
    res = r.cli("resolve", "beta", "--continue")
    assert res.code == 2, res
    assert "ex/train.py:20: conflict marker '<<<<<<< HEAD'" in res.err, res.err
    assert "ex/train.py:22" in res.err and "ex/train.py:24" in res.err
    _unchanged(r, old_tip, diff)
    assert r.git("-C", wt, "rev-parse", "--verify", "REBASE_HEAD")  # still stopped there
    assert r.git("-C", wt, "rev-parse", "HEAD") == r.rev("main")
    # Resolved, the same resolve finishes.
    _resolve_conflict(r, wt, "line 20 both\n")
    res = r.cli("resolve", "beta", "--continue")
    assert res.code == 0, res
    assert "line 20 both" in r.git("show", "howto/beta:ex/train.py")


def test_continue_refuses_markers_committed_in_the_work_tree(conflicted):
    r = conflicted
    old_tip, diff = r.rev("howto/beta"), (r.path / "howtos/diffs/beta.diff").read_bytes()
    wt = _waiting_in(r.cli("resolve", "beta"))
    r.git("-C", wt, "add", "ex/train.py")
    r.git("-C", wt, "-c", "core.editor=true", "rebase", "--continue")  # by hand, not howtoctl
    res = r.cli("resolve", "beta", "--continue")
    assert res.code == 2, res
    assert "ex/train.py:20: conflict marker '<<<<<<< HEAD'" in res.err, res.err
    assert "commit --amend" in res.err
    _unchanged(r, old_tip, diff)
    assert r.cli("resolve", "beta", "--abort").code == 0
    _unchanged(r, old_tip, diff)


def test_continue_after_the_branch_moved_keeps_the_resolution(conflicted):
    r = conflicted
    wt = _resolve_in_worktree(r)
    # Someone moves the branch meanwhile (a restore, a push from another clone...).
    r.git("branch", "-f", "howto/beta", "main~1")
    moved = r.rev("howto/beta")
    res = r.cli("resolve", "beta", "--continue")
    assert res.code == 2, res
    assert r.rev("howto/beta") == moved  # not moved over the other change
    (kept,) = r.refs("refs/howtoctl/resolved/").items()
    assert kept[0] in res.err
    assert "line 20 main and beta" in r.git("show", f"{kept[1]}:ex/train.py")
    assert r.git("merge-base", "--is-ancestor", "main", kept[1]) == ""
    assert os.path.isdir(wt)  # the work tree stays for a look
    # The way out it names: take the resolution, then drop the resolve.
    r.git("branch", "-f", "howto/beta", kept[0])
    assert r.cli("resolve", "beta", "--abort").code == 0
    assert "line 20 main and beta" in r.git("show", "howto/beta:ex/train.py")


@pytest.mark.parametrize("record", [b"{not json", b"[1, 2]", b'{"worktree": 3}', b""])
def test_a_damaged_resolve_record_is_a_clear_error_and_abort_drops_it(conflicted, record):
    r = conflicted
    state = r.path / ".git" / "howtoctl" / "resolve" / "beta.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_bytes(record)
    before = r.snapshot()
    if record:
        for args in (["beta"], ["beta", "--continue"]):
            res = r.cli("resolve", *args)
            assert res.code == 2 and "damaged" in res.err, res
            assert r.snapshot() == before
    res = r.cli("resolve", "beta", "--abort")
    assert res.code in (0, 2), res  # an empty record is no resolve in progress
    assert res.code == 2 or not state.exists()
    assert "Traceback" not in res.err and "hit a bug" not in res.err
