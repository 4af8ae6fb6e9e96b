"""A HOWTO's diff goes back into git exactly as `save` wrote it, whatever the user's git
configuration."""

from __future__ import annotations

import pytest


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
