"""The git facade on real repositories: what it reads on opening, merges, objects and refs."""

from __future__ import annotations

import os
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from howtoctl import git as git_mod
from howtoctl.errors import HowtoError
from howtoctl.git import Repo
from howtoctl.refs import STAGED


def test_environment_appends_to_configuration_the_caller_set():
    env = git_mod.git_environment(
        {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "user.name", "GIT_CONFIG_VALUE_0": "X"}
    )
    assert env["GIT_CONFIG_KEY_0"] == "user.name"
    assert env["GIT_CONFIG_KEY_1"] == "core.warnAmbiguousRefs"
    assert env["GIT_CONFIG_COUNT"] == str(1 + len(git_mod._CONFIG_OVERRIDES))
    assert git_mod.git_environment({})["GIT_CONFIG_KEY_0"] == "core.warnAmbiguousRefs"


def test_caller_configuration_still_reaches_git(repo, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "remote.probe.url")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "seen")
    assert Repo(str(repo.path)).remote_url("probe") == "seen"


@given(st.lists(st.integers(), max_size=50), st.integers(min_value=1, max_value=8))
def test_split_keeps_order_and_leaves_no_part_empty(items, parts):
    chunks = git_mod.split_evenly(items, parts)
    assert [x for c in chunks for x in c] == items
    assert len(chunks) <= parts and all(chunks)
    if chunks:
        assert max(map(len, chunks)) - min(map(len, chunks)) <= 1


def test_opening_reads_the_facts_in_one_go(repo, tmp_path):
    sub = repo.path / "ex"
    r = Repo(str(sub))
    assert r.toplevel == str(repo.path)
    assert r.objects_dir == str(repo.path / ".git" / "objects")
    assert r.object_format == "sha1" and not r.is_bare and not r.is_shallow
    assert r.checked_out_branches() == {"refs/heads/main": str(repo.path)}

    inside = Repo(str(repo.path / ".git"))
    assert inside.toplevel is None and inside.objects_dir == str(repo.path / ".git" / "objects")

    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True)
    b = Repo(str(bare))
    assert b.is_bare and b.toplevel is None and b.checked_out_branches() == {}


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


def test_not_a_repository(tmp_path):
    with pytest.raises(HowtoError, match="not inside a git repository"):
        Repo(str(tmp_path))


def _branches_moving_apart(repo, n: int) -> list[tuple[str, str]]:
    """n one-commit branches off main, then main moves; (new main, branch commit) pairs."""
    tips = []
    for i in range(n):
        repo.git("switch", "-q", "-c", f"b{i}", "main")
        line = 2 + i % 30
        repo.replace("ex/train.py", f"line {line}\n", f"line {line} by b{i}\n")
        tips.append(repo.commit(f"b{i}"))
    repo.git("switch", "-q", "main")
    repo.replace("ex/train.py", "line 10\n", "line 10 on main\n")
    main = repo.commit("main moves")
    return [(main, t) for t in tips]


def test_merges_split_over_processes_give_the_same_results(repo):
    pairs = _branches_moving_apart(repo, 12)
    r = Repo(str(repo.path))
    one = r.merge_trees(pairs, processes=1)
    three = r.merge_trees(pairs, processes=3)
    assert one == three
    # b8 edits line 10 too; b7 and b9 edit the lines next to it, which git also calls a conflict.
    assert [i for i, m in enumerate(one) if not m.clean] == [7, 8, 9]
    assert all(m.conflicted_paths == ("ex/train.py",) for m in one if not m.clean)


def test_merges_and_commits_are_written_by_git_as_loose_objects(repo):
    pairs = _branches_moving_apart(repo, 3)
    r = Repo(str(repo.path))
    packs = set(os.listdir(r.objects_dir + "/pack"))
    merges = r.merge_trees(pairs)
    body = f"tree {merges[0].tree}\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nm\n"
    (commit,) = r.write_commits([body.encode()])
    assert set(os.listdir(r.objects_dir + "/pack")) == packs  # howtoctl writes no pack
    assert repo.git("cat-file", "-t", commit) == "commit"
    assert repo.git("rev-parse", f"{commit}^{{tree}}") == merges[0].tree
    subprocess.run(
        ["git", "-C", str(repo.path), "fsck", "--strict"], check=True, capture_output=True
    )


def test_throwaway_objects_leave_no_object_and_the_repo_unchanged(repo):
    pairs = _branches_moving_apart(repo, 2)
    r = Repo(str(repo.path))
    before = repo.git("count-objects", "-v")
    with r.throwaway_objects() as scratch:
        tree = scratch.merge_trees(pairs)[0].tree
        assert "train.py" in scratch.ls_tree_names(tree, "ex")
        assert r.ls_tree_names(tree, "ex") == []  # the facade itself is unchanged
    assert repo.git("count-objects", "-v") == before
    assert subprocess.run(["git", "-C", str(repo.path), "cat-file", "-e", tree]).returncode != 0


def test_throwaway_objects_read_the_repositorys_alternates_in_a_path_with_a_colon(repo, tmp_path):
    shared = tmp_path / "shared:objects.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(shared)], check=True)
    borrower = tmp_path / "borrow:er"
    subprocess.run(["git", "clone", "-q", "--shared", str(shared), str(borrower)], check=True)
    r = Repo(str(borrower))
    head = r.rev_parse("HEAD")
    with r.throwaway_objects() as scratch:
        assert scratch.read_commits([head])[head].tree  # found through two levels of alternates


def test_branch_updates_are_logged_backup_refs_are_not(tmp_path, repo):
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True)
    r = Repo(str(bare))
    main = r.rev_parse("main")
    r.update_refs(
        [("refs/heads/howto/x", main, None), ("refs/howtoctl/backup/s/howto/x", main, None)],
        "test",
    )
    logs = bare / "logs"
    assert (logs / "refs" / "heads" / "howto" / "x").is_file()  # even in a bare repository
    assert not (logs / "refs" / "howtoctl").exists()


def test_git_without_merge_tree_stdin_merges_one_pair_per_process(repo):
    pairs = _branches_moving_apart(repo, 4)
    batch = Repo(str(repo.path)).merge_trees(pairs)
    old = Repo(str(repo.path), version=(2, 38, 0))  # --write-tree, no --stdin
    assert old.merge_trees(pairs) == batch


def test_git_without_merge_tree_write_tree_is_refused_clearly(repo):
    pairs = _branches_moving_apart(repo, 1)
    old = Repo(str(repo.path), version=(2, 37, 1))
    with pytest.raises(HowtoError, match="needs git 2.38 or newer; this is git 2.37.1"):
        old.merge_trees(pairs)


def test_unborn_branch_checked_out_is_reported(repo):
    repo.git("switch", "-q", "--orphan", "howto/fresh")
    assert Repo(str(repo.path)).checked_out_branches() == {"refs/heads/howto/fresh": str(repo.path)}


def test_path_lists_ignore_the_users_diff_configuration(repo):
    r = Repo(str(repo.path))
    base = r.rev_parse("HEAD")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{base},sm")
    repo.git("config", "diff.ignoreSubmodules", "all")
    repo.git("config", "diff.relative", "true")
    assert r.paths_differing(base, STAGED) == {"sm"}


def test_branch_reflogs_and_backup_reflogs_when_the_user_logs_every_ref(tmp_path, repo):
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True)
    subprocess.run(
        ["git", "-C", str(bare), "config", "core.logAllRefUpdates", "always"], check=True
    )
    r = Repo(str(bare))
    main = r.rev_parse("main")
    r.update_refs(
        [("refs/heads/howto/x", main, None), ("refs/howtoctl/backup/s/howto/x", main, None)],
        "test",
    )
    assert (bare / "logs" / "refs" / "heads" / "howto" / "x").is_file()
    assert (bare / "logs" / "refs" / "howtoctl" / "backup" / "s" / "howto" / "x").is_file()


def test_patch_paths_is_gits_reading_of_the_headers(repo_with_howto):
    r = repo_with_howto
    diff = r.read("howtos/diffs/alpha.diff").encode()
    repo = Repo(str(r.path))
    assert repo.patch_paths(diff) == {"ex/train.py"}
    copy = b"diff --git a/ex/README.md b/ex/README.md\nsimilarity index 100%\n"
    copy += b"copy from ex/README.md\ncopy to ex/evil.md\n"
    assert repo.patch_paths(diff + copy) == {"ex/train.py", "ex/evil.md"}
