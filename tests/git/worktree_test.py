"""git/worktree.py: which branches are checked out where, and work trees howtoctl adds."""

from __future__ import annotations

import subprocess

from howtoctl.git import CommitId, Repo
from howtoctl.git.worktree import parse_worktree_list
from howtoctl.model.names import BranchRef


def test_detached_head_has_no_branch_checked_out_an_unborn_one_has(repo, tmp_path):
    repo.git("switch", "-q", "--detach")
    assert Repo(str(repo.path)).checked_out_branches() == {}
    unborn = tmp_path / "unborn"
    subprocess.run(["git", "init", "-q", "-b", "main", str(unborn)], check=True)
    # An unborn branch is checked out all the same: creating it elsewhere would be wrong.
    assert Repo(str(unborn)).checked_out_branches() == {"refs/heads/main": str(unborn)}


def test_linked_work_trees_are_asked_of_git(repo, tmp_path):
    repo.git("branch", "other")
    repo.git("worktree", "add", "-q", str(tmp_path / "wt"), "other")
    r = Repo(str(repo.path))
    assert r.checked_out_branches() == {
        "refs/heads/main": str(repo.path),
        "refs/heads/other": str(tmp_path / "wt"),
    }
    assert all(isinstance(b, BranchRef) for b in r.checked_out_branches())


def test_unborn_branch_checked_out_is_reported(repo):
    repo.git("switch", "-q", "--orphan", "howto/fresh")
    assert Repo(str(repo.path)).checked_out_branches() == {"refs/heads/howto/fresh": str(repo.path)}


def test_a_locked_work_tree_is_howtoctls_until_removed(repo, tmp_path):
    r = Repo(str(repo.path))
    path = str(tmp_path / "own")
    git_dir = r.add_locked_worktree(path, "main", "howtoctl test")
    head = r.worktree_head(path)
    assert isinstance(head, CommitId) and head == repo.rev("main")
    assert r.owns_worktree(path, git_dir, "howtoctl test")
    assert not r.owns_worktree(path, git_dir, "another reason")
    r.remove_own_worktree(path, owned=True)
    assert not (tmp_path / "own").exists()
    assert [w.path for w in r.worktrees()] == [str(repo.path)]


def test_worktree_list_is_parsed_with_typed_heads_and_branches():
    out = (
        "worktree /r\0HEAD " + "a" * 40 + "\0branch refs/heads/main\0\0"
        "worktree /w\0HEAD " + "b" * 40 + "\0detached\0locked why\0\0"
    )
    main, other = parse_worktree_list(out)
    assert main.branch == "refs/heads/main" and isinstance(main.branch, BranchRef)
    assert isinstance(main.head, CommitId)
    assert other.branch is None and other.locked == "why" and other.head == "b" * 40
