"""Web links of a repository, derived from its remote URL (pure).

    git@github.com:owner/repo.git          -> https://github.com/owner/repo
    ssh://git@github.com/owner/repo.git    -> https://github.com/owner/repo
    https://user:token@github.com/o/r.git  -> https://github.com/o/r   (credentials dropped)

Anything else (a local path, file://, an odd host or path) gives None: no link beats a wrong
one, and nothing from the remote URL reaches a page unless it is plain host and path text.
"""

from __future__ import annotations

import re
import urllib.parse

_HOST = r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?"
_SEGMENT = r"[A-Za-z0-9_.~-]+"
_PATH = rf"{_SEGMENT}(?:/{_SEGMENT})+"
_SCP_RE = re.compile(rf"^(?:[A-Za-z0-9_.-]+@)?(?P<host>{_HOST}):/?(?P<path>{_PATH})/?$")
_URL_RE = re.compile(
    rf"^(?P<scheme>https?|ssh|git)://(?:[^@/]+@)?(?P<host>{_HOST})(?::(?P<port>\d+))?/(?P<path>{_PATH})/?$"
)


def web_url(remote: str | None) -> str | None:
    """The https page of a repository hosted GitHub-style, or None."""
    if not remote:
        return None
    remote = remote.strip()
    m = _URL_RE.match(remote)
    if m:
        host, path = m.group("host"), m.group("path")
        scheme = m.group("scheme")
        # Keep an explicit port only for web URLs: an ssh port is not the web server's.
        if scheme in ("http", "https") and m.group("port"):
            host = f"{host}:{m.group('port')}"
        base_scheme = "http" if scheme == "http" else "https"
    else:
        m = _SCP_RE.match(remote)
        if not m or "." not in m.group("host"):
            return None
        host, path = m.group("host"), m.group("path")
        base_scheme = "https"
    path = path.removesuffix(".git")
    if any(seg in (".", "..", "") for seg in path.split("/")):
        return None
    return f"{base_scheme}://{host}/{path}"


def compare_url(web: str | None, base: str, branch: str) -> str | None:
    """The page comparing `branch` with `base`: <web>/compare/<base>...<branch>."""
    if not web:
        return None
    q = urllib.parse.quote
    return f"{web}/compare/{q(base, safe='/')}...{q(branch, safe='/')}"


def repo_label(web: str | None) -> str | None:
    """'owner/repo' of a web URL, for titles."""
    if not web:
        return None
    return urllib.parse.urlsplit(web).path.strip("/") or None
