"""A HOWTO's diff goes back into git exactly as `save` wrote it, whatever the user's git
configuration; a change git could not carry through a diff file is refused naming the file it
is about, not blamed on something that did not happen."""

from __future__ import annotations

import pytest

from howtoctl.model import patch


@pytest.mark.parametrize("setting", ["error", "fix"])
def test_restore_is_not_changed_by_the_users_apply_whitespace(repo, setting):
    """With the user's `apply.whitespace=error` (a documented git setting) and a HOWTO whose
    change ends a line with spaces - a diff `save` wrote itself - `restore` refused ('git
    apply --numstat -z - failed: <stdin>:15: trailing whitespace', exit 2); `fix` would
    strip the spaces silently. The apply side is pinned as the diff side is."""
    r = repo
    r.add_howto("ws", {"ex/train.py": ("line 9\n", "line 9   \n")})
    r.git("branch", "-D", "howto/ws")
    r.git("config", "apply.whitespace", setting)
    res = r.cli("restore", "ws")
    assert res.code == 0, res
    assert "line 9   \n" in r.git("show", "howto/ws:ex/train.py", strip_newline_in_stdout=False)
    assert r.cli("check").code == 0


def test_a_howto_adding_a_crlf_file_is_not_blamed_on_conversion(repo):
    """A HOWTO that adds a Windows batch file with CRLF line endings (the file's real content;
    core.autocrlf unset) could not be saved: 'line 7: CRLF line endings: the diff was
    converted (check core.autocrlf ...)'. Nothing was converted: the refusal names the file
    and says that HOWTO diffs support LF-only files (a diff file holding CR bytes would not
    survive a checkout that converts line endings)."""
    r = repo
    r.git("switch", "-q", "-c", "howto/win", "main")
    r.write("ex/run.bat", "@echo off\r\necho hi\r\n")
    r.commit("a batch file")
    r.git("switch", "-q", "main")
    before = r.snapshot()
    res = r.cli("save", "win")
    assert res.code == 2, res
    assert "ex/run.bat" in res.err and "converted" not in res.err and "LF" in res.err, res
    assert r.snapshot() == before


GOOD = (
    b"diff --git a/ex/a.py b/ex/a.py\n"
    b"index 1111111..2222222 100644\n"
    b"--- a/ex/a.py\n"
    b"+++ b/ex/a.py\n"
    b"@@ -1 +1 @@\n"
    b"-x = 1\n"
    b"+x = 2\n"
    b"diff --git a/ex/b.bat b/ex/b.bat\n"
    b"index 1111111..2222222 100644\n"
    b"--- a/ex/b.bat\n"
    b"+++ b/ex/b.bat\n"
    b"@@ -1 +1 @@\n"
    b"-echo 1\n"
    b"+echo 2\n"
)


def test_a_file_with_cr_endings_is_named_a_converted_diff_is_called_so():
    with pytest.raises(patch.PatchError) as e:
        patch.parse(GOOD.replace(b"echo 2\n", b"echo 2\r\n"))
    assert "ex/b.bat" in e.value.message and "converted" not in e.value.message
    assert e.value.line == 14
    with pytest.raises(patch.PatchError) as e:
        patch.parse(GOOD.replace(b"\n", b"\r\n"))
    assert "converted" in e.value.message and e.value.line == 1
