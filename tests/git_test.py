"""The git facade on real repositories: what it reads on opening, merges, objects and refs."""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from howtoctl import git as git_mod
from howtoctl.errors import HowtoError
from howtoctl.git import Repo


def test_environment_appends_to_configuration_the_caller_set():
    env = git_mod._git_environment(
        {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "user.name", "GIT_CONFIG_VALUE_0": "X"}
    )
    assert env["GIT_CONFIG_KEY_0"] == "user.name"
    assert env["GIT_CONFIG_KEY_1"] == "core.warnAmbiguousRefs"
    assert env["GIT_CONFIG_COUNT"] == "2"
    assert git_mod._git_environment({})["GIT_CONFIG_KEY_0"] == "core.warnAmbiguousRefs"


def test_caller_configuration_still_reaches_git(repo, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "howtoctl.probe")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "seen")
    r = Repo(str(repo.path))
    assert r.run("config", "howtoctl.probe").strip() == "seen"
    assert r.run("config", "core.warnAmbiguousRefs").strip() == "false"


@given(st.lists(st.integers(), max_size=50), st.integers(min_value=1, max_value=8))
def test_split_keeps_order_and_leaves_no_part_empty(items, parts):
    chunks = git_mod._split(items, parts)
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


def test_merges_split_over_processes_give_the_same_results(repo, monkeypatch):
    pairs = _branches_moving_apart(repo, 12)
    r = Repo(str(repo.path))
    monkeypatch.setattr(git_mod, "_merge_processes", lambda n: 1)
    one = r.merge_trees(pairs)
    monkeypatch.setattr(git_mod, "_merge_processes", lambda n: 3)
    three = r.merge_trees(pairs)
    assert one == three
    # b8 edits line 10 too; b7 and b9 edit the lines next to it, which git also calls a conflict.
    assert [i for i, m in enumerate(one) if not m.clean] == [7, 8, 9]
    assert all(m.conflicted_paths == ("ex/train.py",) for m in one if not m.clean)


def test_quarantine_moves_kept_objects_in_as_one_pack(repo):
    pairs = _branches_moving_apart(repo, 3)
    r = Repo(str(repo.path))
    packs = set(os.listdir(r.objects_dir + "/pack"))
    with r.quarantine():
        merges = r.merge_trees(pairs)
        body = f"tree {merges[0].tree}\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nm\n"
        (commit,) = r.write_commits([body.encode()])
        assert os.environ.get("GIT_OBJECT_DIRECTORY") is None  # only git calls see the quarantine
    new = set(os.listdir(r.objects_dir + "/pack")) - packs
    assert len(new) == 2  # one .pack, one .idx
    assert repo.git("cat-file", "-t", commit) == "commit"
    assert repo.git("rev-parse", f"{commit}^{{tree}}") == merges[0].tree
    subprocess.run(
        ["git", "-C", str(repo.path), "fsck", "--strict"], check=True, capture_output=True
    )


def test_dry_run_quarantine_leaves_no_object(repo):
    pairs = _branches_moving_apart(repo, 2)
    r = Repo(str(repo.path))
    before = repo.git("count-objects", "-v")
    with r.quarantine(keep=False):
        tree = r.merge_trees(pairs)[0].tree
    assert repo.git("count-objects", "-v") == before
    assert subprocess.run(["git", "-C", str(repo.path), "cat-file", "-e", tree]).returncode != 0


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


def test_quarantines_of_dead_runs_are_removed_live_ones_kept(repo, tmp_path, monkeypatch):
    import fcntl
    import time

    monkeypatch.setattr(git_mod, "_quarantine_base", lambda: str(tmp_path))

    def quarantine_dir(name: str, lock: str | None) -> pathlib.Path:
        d = tmp_path / f"howtoctl-objects-{name}"
        (d / "objects").mkdir(parents=True)
        if lock:
            (d / lock).write_text("")
        return d

    dead = quarantine_dir("dead", "in-use.lock")  # its run was killed: nobody holds the lock
    live = quarantine_dir("live", "in-use.lock")
    holder = os.open(live / "in-use.lock", os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # a run in another container, say: its pid means nothing
    starting = quarantine_dir("starting", None)  # made a moment ago, lock not there yet
    ancient = quarantine_dir("ancient", None)
    day_old = time.time() - 2 * 86400
    os.utime(ancient, (day_old, day_old))
    other = tmp_path / "someone-elses-dir"
    other.mkdir()
    try:
        with Repo(str(repo.path)).quarantine(keep=False):
            pass
    finally:
        os.close(holder)
    assert not dead.exists() and not ancient.exists()
    assert live.is_dir() and starting.is_dir() and other.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "repo") == sorted(
        [live.name, starting.name, other.name]
    )  # and our own quarantine is gone


def test_git_without_merge_tree_stdin_merges_one_pair_per_process(repo):
    pairs = _branches_moving_apart(repo, 4)
    batch = Repo(str(repo.path)).merge_trees(pairs)
    old = Repo(str(repo.path))
    old._version = (2, 38, 0)  # as git 2.38 reports itself: --write-tree, no --stdin
    assert old.merge_trees(pairs) == batch


def test_git_without_merge_tree_write_tree_is_refused_clearly(repo):
    pairs = _branches_moving_apart(repo, 1)
    old = Repo(str(repo.path))
    old._version = (2, 37, 1)
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
    assert r.paths_differing(base, "index") == {"sm"}


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
    from howtoctl.git import Repo

    r = repo_with_howto
    diff = r.read("howtos/diffs/alpha.diff").encode()
    repo = Repo(str(r.path))
    assert repo.patch_paths(diff) == {"ex/train.py"}
    copy = b"diff --git a/ex/README.md b/ex/README.md\nsimilarity index 100%\n"
    copy += b"copy from ex/README.md\ncopy to ex/evil.md\n"
    assert repo.patch_paths(diff + copy) == {"ex/train.py", "ex/evil.md"}
