"""git/remote.py: a remote's refs, and pushes leased on what the remote has."""

from __future__ import annotations

import subprocess

import pytest

from howtoctl.errors import HowtoError
from howtoctl.git import CommitId, RefUpdate, Repo


@pytest.fixture
def with_remote(repo, tmp_path):
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    repo.git("push", "-q", "origin", "main:refs/heads/howto/a")
    return repo, bare


def test_remote_refs_under_the_prefixes_are_typed(with_remote):
    repo, bare = with_remote
    r = Repo(str(repo.path))
    assert r.remote_url() == str(bare)
    refs = r.remote_refs("origin", ["refs/heads/howto/"])
    assert refs == {"refs/heads/howto/a": repo.rev("main")}
    assert all(isinstance(o, CommitId) for o in refs.values())


def test_a_push_whose_lease_no_longer_holds_changes_nothing(with_remote):
    repo, _ = with_remote
    r = Repo(str(repo.path))
    main = r.rev_parse("main")
    stale = "1" * 40
    with pytest.raises(HowtoError):
        r.push_with_lease(
            "origin",
            [
                RefUpdate.create("refs/heads/howto/b", main),
                RefUpdate.delete("refs/heads/howto/a", stale),
            ],
        )
    assert r.remote_refs("origin", ["refs/heads/howto/"]) == {"refs/heads/howto/a": main}
    r.push_with_lease("origin", [RefUpdate.create("refs/heads/howto/b", main)])
    assert set(r.remote_refs("origin", ["refs/heads/howto/"])) == {
        "refs/heads/howto/a",
        "refs/heads/howto/b",
    }
