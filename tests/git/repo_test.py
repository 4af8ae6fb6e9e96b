"""git/repo.py: what opening a repository reads, in one process."""

from __future__ import annotations

import subprocess

import pytest

from howtoctl.errors import HowtoError
from howtoctl.git import Repo


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


def test_not_a_repository(tmp_path):
    with pytest.raises(HowtoError, match="not inside a git repository"):
        Repo(str(tmp_path))


def test_git_older_than_needed_is_named_with_both_versions(repo):
    old = Repo(str(repo.path), version=(2, 37, 1))
    with pytest.raises(HowtoError) as refused:
        old.require_version((2, 38), "rebasing in memory")
    assert refused.value.message == (
        "rebasing in memory needs git 2.38 or newer; this is git 2.37.1"
    )
