"""git/diff.py: diffs pinned against the user's configuration, patches, temporary indexes."""

from __future__ import annotations

import os

import pytest

from howtoctl.errors import HowtoError
from howtoctl.git import Repo, TreeId
from howtoctl.model.names import STAGED


def test_path_lists_ignore_the_users_diff_configuration(repo):
    r = Repo(str(repo.path))
    base = r.rev_parse("HEAD")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{base},sm")
    repo.git("config", "diff.ignoreSubmodules", "all")
    repo.git("config", "diff.relative", "true")
    assert r.paths_differing(base, STAGED) == {"sm"}


def test_patch_paths_is_gits_reading_of_the_headers(repo_with_howto):
    r = repo_with_howto
    diff = r.read("howtos/diffs/alpha.diff").encode()
    repo = Repo(str(r.path))
    assert repo.patch_paths(diff) == {"ex/train.py"}
    copy = b"diff --git a/ex/README.md b/ex/README.md\nsimilarity index 100%\n"
    copy += b"copy from ex/README.md\ncopy to ex/evil.md\n"
    assert repo.patch_paths(diff + copy) == {"ex/train.py", "ex/evil.md"}


def test_trees_built_in_a_temporary_index_are_typed_and_leave_no_index(repo_with_howto):
    r = Repo(str(repo_with_howto.path))
    diff = repo_with_howto.read("howtos/diffs/alpha.diff").encode()
    base = r.rev_parse("main")
    tree = r.tree_with_patch(base, diff)
    assert isinstance(tree, TreeId)
    assert b"line 5 changed by alpha" in r.show_file(tree, "ex/train.py")
    edited = r.tree_with_files(tree, {"ex/README.md": None, "ex/new.txt": b"new\n"})
    assert isinstance(edited, TreeId)
    changed = set(r.tree_paths(edited)) ^ set(r.tree_paths(tree))
    assert changed == {"ex/README.md", "ex/new.txt"}
    with r.temporary_index(base) as env:
        index = env["GIT_INDEX_FILE"]
        assert os.path.isfile(index)
    assert not os.path.exists(os.path.dirname(index))


def test_a_patch_that_does_not_apply_is_refused(repo):
    r = Repo(str(repo.path))
    bad = b"--- a/ex/train.py\n+++ b/ex/train.py\n@@ -1 +1 @@\n-no such line\n+x\n"
    with pytest.raises(HowtoError, match="the diff does not apply"):
        r.tree_with_patch(r.rev_parse("main"), bad)
