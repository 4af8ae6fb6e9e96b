"""Temporary directories, and the runs that own them: each name carries its owner's pid and a
token whose liveness lock tells a later run whether the owner still runs (stale.py sweeps
what killed runs left)."""

from __future__ import annotations

import os
import re
import tempfile

from howtoctl.errors import HowtoError
from howtoctl.fsutil.write import remove_file

# Temporary work trees, JAX caches, object directories, index copies and the files git reads
# its input from carry their owner's pid and a token of its own, so that a later run can tell
# what a killed one (SIGKILL runs no cleanup) left behind (stale.clear_stale_runs). "P"
# before them: a HOWTO name, all lower case, never starts so, and a work tree kept with
# `test --keep` for a HOWTO called "42-x" is no run's.
OWNED = re.compile(r"howtoctl-[a-z]+(?:-[a-z]+)*-P(\d+)(?:\.([0-9a-f]{16}))?-")

# Whether the owner still runs is told by a lock it holds for as long as it lives (the kernel
# drops it when the process dies), not by its pid: a process in another PID namespace that
# shares the temporary directory (containers do) has a pid this one cannot see.
_ALIVE = "howtoctl-alive-{token}.lock"
_alive: tuple[int, str, int] | None = None  # (pid, token, descriptor held) of this process


def temporary_root() -> str:
    """The temporary directory (TMPDIR, else /tmp, ...): a clear error when there is none to
    write in (a full disk), where tempfile would raise a bare FileNotFoundError."""
    try:
        return tempfile.gettempdir()
    except OSError:
        raise HowtoError(
            "no usable temporary directory: none of TMPDIR, /tmp, /var/tmp, /usr/tmp or the "
            "current directory can be written (a full disk?)",
            "free some space, or point TMPDIR at a writable directory",
        ) from None


def _owner_token() -> str:
    """This process's token, its liveness lock taken on first use (again after a fork)."""
    global _alive
    import fcntl
    import secrets

    if _alive is not None and _alive[0] == os.getpid():
        return _alive[1]
    token = secrets.token_hex(8)
    try:
        path = os.path.join(temporary_root(), _ALIVE.format(token=token))
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        fcntl.flock(fd, fcntl.LOCK_SH)
    except (OSError, HowtoError):
        return ""  # no lock to hold: the pid alone tells (as for runs of older versions)
    _alive = (os.getpid(), token, fd)
    import atexit

    atexit.register(_release_owner_token, path)
    return token


def _release_owner_token(path: str) -> None:
    """At a normal exit, the liveness lock goes with the process (a killed one's, the next
    sweep removes)."""
    if _alive is not None and _alive[0] == os.getpid():
        remove_file(path)


def owned_prefix(prefix: str, pid: int | None = None) -> str:
    """`prefix` ("howtoctl-test-", ...) with the owner's pid and token (this process's by
    default; a given `pid` gets no token)."""
    if pid is not None:
        return f"{prefix}P{pid}-"
    token = _owner_token()
    return f"{prefix}P{os.getpid()}{'.' + token if token else ''}-"


def owner_gone(name: str, directory: str | None = None) -> bool | None:
    """Whether the run that owns `name` (a file name OWNED matches) has ended: its liveness
    lock can be taken, or, for a name without a token (older versions), its pid names no
    process. None: not an owned name.

    The lock is looked for in `directory`, where the leftover lies (its owner made the lock in
    the same TMPDIR), then in this process's TMPDIR. A token whose lock is in neither is not
    known to be dead: its owner may run on with another TMPDIR in another PID namespace (a
    container sharing the repository), where its pid means nothing here. Its lock is removed
    only once nothing of its own is left beside it (remove_dead_locks), so a lost lock is no
    sign of a killed run."""
    import fcntl

    m = OWNED.match(name)
    if m is None:
        return None
    pid, token = int(m.group(1)), m.group(2)
    if token:
        places = dict.fromkeys(d for d in (directory, temporary_root()) if d)
        for place in places:
            try:
                fd = os.open(
                    os.path.join(place, _ALIVE.format(token=token)),
                    os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK,
                )
            except FileNotFoundError:
                continue
            except OSError:
                return False
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            finally:
                os.close(fd)
            return True
        return False  # no lock to ask: the owner is unknown, so what it left stays
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False


def remove_dead_locks() -> None:
    """Remove the liveness locks of runs that ended (after their leftovers were swept)."""
    tmp = temporary_root()
    try:
        names = os.listdir(tmp)
    except OSError:
        return
    for name in names:
        if name.startswith("howtoctl-alive-") and name.endswith(".lock"):
            token = name[len("howtoctl-alive-") : -len(".lock")]
            if owner_gone(f"howtoctl-x-P0.{token}-") and not any(
                f".{token}-" in other for other in names if other != name
            ):
                remove_file(os.path.join(tmp, name))


def temporary_directory(kind: str, directory: str | None = None) -> tempfile.TemporaryDirectory:
    """A temporary directory `howtoctl-KIND-P<pid>-...`, removed when the block ends; a
    killed run's is swept by the next (stale.clear_stale_runs)."""
    prefix = owned_prefix(f"howtoctl-{kind}-")
    try:
        return tempfile.TemporaryDirectory(prefix=prefix, dir=directory or temporary_root())
    except OSError as e:
        raise _no_temporary_directory(directory, e) from None


def make_temporary_directory(prefix: str) -> str:
    """A temporary directory that outlives the block that made it (a smoke test's work tree):
    `prefix` carries the owner's pid (owned_prefix), or none for one the user keeps."""
    try:
        return tempfile.mkdtemp(prefix=prefix, dir=temporary_root())
    except OSError as e:
        raise _no_temporary_directory(None, e) from None


def _no_temporary_directory(directory: str | None, e: OSError) -> HowtoError:
    return HowtoError(
        f"cannot make a temporary directory in {directory or temporary_root()}: {e.strerror}",
        "free some space, or point TMPDIR at a writable directory",
    )
