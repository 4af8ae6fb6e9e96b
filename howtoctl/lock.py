"""One howtoctl writer per repository at a time.

An advisory `flock` on a file in the git common dir (shared by all work trees of the clone).
The kernel drops the lock when the process dies, so a killed run never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator

from howtoctl import fsutil, store
from howtoctl.errors import HowtoError, LockedError


@contextlib.contextmanager
def repository_lock(common_dir: str, command: str, writes: bool = True) -> Iterator[None]:
    """Hold the repository's lock. A command that `writes` nothing (a dry run) may go on
    without it where the repository is read-only: nobody can change it then."""
    path = store.Store(common_dir).lock_path
    try:
        fd = fsutil.open_lock_file(path)
    except OSError as e:
        if not writes and e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            yield
            return
        raise HowtoError(
            f"cannot lock the repository for `howtoctl {command}`: {path}: {e.strerror}; "
            "nothing was changed",
            "the repository is read-only for this user: run the command where you can write it",
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            raise LockedError(
                f"another howtoctl command is changing this repository ({holder})",
                "wait for it to finish, then run the command again; nothing was changed",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}: howtoctl {command}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock
