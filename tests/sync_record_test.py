"""The sync record is a cache: failing to write it never reads as "nothing changed"."""

from __future__ import annotations


def test_restore_that_cannot_write_its_sync_record_says_the_branch_was_made(repo_with_howto):
    """restore moves refs first; a record it then cannot write (a directory in its place, a
    full disk) is a warning, with the branch reported made."""
    r = repo_with_howto
    r.git("branch", "-D", "howto/alpha")
    sync = r.path / ".git/howtoctl/sync/alpha"
    sync.unlink()
    sync.mkdir()
    res = r.cli("restore", "alpha")
    assert res.code == 0, res
    assert r.rev("howto/alpha")
    assert "warning:" in res.err and "alpha" in res.out, res
