"""git/odb.py: objects git writes, their typed ids, and the throwaway object directory."""

from __future__ import annotations

import os
import subprocess

from howtoctl.git import BlobId, CommitId, Repo, TreeId
from tests.git.helpers import branches_moving_apart


def test_merges_and_commits_are_written_by_git_as_loose_objects(repo):
    pairs = branches_moving_apart(repo, 3)
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
    pairs = branches_moving_apart(repo, 2)
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


def test_written_objects_come_back_typed(repo):
    r = Repo(str(repo.path))
    blob = r.write_blob(b"data\n")
    assert isinstance(blob, BlobId) and r.read_blob(blob) == b"data\n"
    main = r.rev_parse("main")
    tree = r.read_commits([main])[main].tree
    commit = r.commit_tree(tree, [main], "derived\n")
    assert isinstance(commit, CommitId) and repo.git("cat-file", "-t", commit) == "commit"
    assert r.commits_not_in([commit], "main") == {commit: (main,)}
    assert all(
        isinstance(c, CommitId) and all(isinstance(p, CommitId) for p in ps)
        for c, ps in r.commits_not_in([commit], "main").items()
    )


def test_commits_read_back_carry_typed_ids(repo):
    r = Repo(str(repo.path))
    main = r.rev_parse("main")
    (raw,) = r.read_commits([main]).values()
    assert isinstance(raw.oid, CommitId) and isinstance(raw.tree, TreeId)
    assert raw.tree == repo.rev("main^{tree}") and raw.parents == ()
