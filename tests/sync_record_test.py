"""howtoctl's sync records (<git dir>/howtoctl/sync/NAME: the tip and diff a HOWTO was last
saved or restored at) are its own state, but another tool, a torn write or a damaged disk may
leave anything there: a record that cannot be read is no record, never a crash; and being a
cache, a record that cannot be written never makes a command say "nothing changed"."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "command", [("check",), ("list",), ("save", "alpha"), ("restore", "alpha")]
)
def test_a_sync_record_that_is_not_utf8_is_no_record(repo_with_howto, command):
    """state.read decoded the record as strict UTF-8: bytes that are not made restore, check,
    save and list end in "hit a bug" (UnicodeDecodeError, exit 3). Such a record reads as
    none, as one without its tip or diff field does."""
    r = repo_with_howto
    sync = r.path / ".git/howtoctl/sync/alpha"
    assert sync.exists()
    sync.write_bytes(b"tip \xff\xfe\ndiff \xff\n")
    res = r.cli(*command)
    assert "hit a bug" not in res.err, res
    assert res.code in (0, 1, 2), res


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
