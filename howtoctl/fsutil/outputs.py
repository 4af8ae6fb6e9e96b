"""Files the user or the environment names for output (--junit, --out, $GITHUB_OUTPUT,
$GITHUB_STEP_SUMMARY): never inside git's own directories, and a pipe or device written into
as a shell would, never replaced by a regular file."""

from __future__ import annotations

import errno
import os
import stat

from howtoctl.errors import HowtoError
from howtoctl.fsutil.paths import require_outside_git
from howtoctl.fsutil.write import write_atomic


def check_output(path: str, option: str, git_dirs: tuple[str, ...]) -> None:
    """Refuse, before any work, an output path that cannot be written: empty, a directory, in
    a directory that does not exist, or inside git's own directories (require_outside_git)."""
    if not path or path.endswith(os.sep) or os.path.isdir(path):
        raise HowtoError(
            f"{option} {path!r}: name a file to write", f"for example {option} results.xml"
        )
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise HowtoError(f"{option} {path}: there is no directory {parent}")
    require_outside_git(path, option, git_dirs)


def write_output(path: str, data: bytes, option: str, git_dirs: tuple[str, ...]) -> None:
    """Write `data` to an output file the user named (such as `--junit FILE`), never inside
    git's own directories (require_outside_git, asked again: the name may lead elsewhere now).

    A regular file, or a name that does not exist yet, is replaced whole (write_atomic). A
    device, pipe or terminal, or a symbolic link the user gave (/dev/stdout), is written into
    as a shell's `>` would: never replaced by a regular file."""
    require_outside_git(path, option, git_dirs)
    path = os.path.abspath(path)
    try:
        st = os.stat(path)  # what the name leads to
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise HowtoError(f"cannot write {path}: {e.strerror}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise HowtoError(f"cannot write {path}: it is a directory", "name a file")
    link = os.path.islink(path)
    if not link and (st is None or stat.S_ISREG(st.st_mode)):
        write_atomic(path, data)
        return
    regular = st is None or stat.S_ISREG(st.st_mode)  # (a dangling link: its target is made)
    try:
        # O_NONBLOCK: a pipe nobody reads is refused (ENXIO), not waited on for ever.
        flags = os.O_WRONLY | os.O_NONBLOCK | (os.O_TRUNC | os.O_CREAT if regular else 0)
        fd = os.open(path, flags, 0o644)
    except OSError as e:
        why = "nothing reads that pipe" if e.errno == errno.ENXIO else e.strerror
        raise HowtoError(f"cannot write {path}: {why}") from None
    try:
        _write_all(fd, data)
    except OSError as e:
        raise HowtoError(f"cannot write {path}: {e.strerror}") from None
    finally:
        os.close(fd)


def append_output(path: str, text: str, variable: str, git_dirs: tuple[str, ...]) -> None:
    """Append to a file the environment names for output (GitHub's $GITHUB_OUTPUT), never one
    inside git's own directories (require_outside_git)."""
    require_outside_git(path, f"${variable}", git_dirs)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o644)
    except OSError as e:
        raise HowtoError(f"cannot write {path}: {e.strerror}") from None
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def check_report(path: str, what: str) -> None:
    """Refuse, before any work, a report file the environment names (GitHub's
    $GITHUB_STEP_SUMMARY) that is neither a regular file, a pipe, nor a name to create."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise HowtoError(f"{what} {path}: there is no directory {parent}") from None
        return
    except OSError as e:
        raise HowtoError(f"cannot write {what} {path}: {e.strerror}") from None
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        raise HowtoError(
            f"cannot write {what} {path}: not a regular file or a pipe",
            f"point {what} at a file",
        )


def append_report(path: str, text: str, what: str) -> None:
    """Append `text` to a report file (check_report): a regular file is appended to (made if
    missing), a pipe written into as a shell's `>>` would; a device or directory is refused."""
    check_report(path, what)
    try:
        # O_NONBLOCK: a pipe nobody reads is refused (ENXIO), not waited on for ever.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o644)
    except OSError as e:
        why = "nothing reads that pipe" if e.errno == errno.ENXIO else e.strerror
        raise HowtoError(f"cannot write {what} {path}: {why}") from None
    try:
        mode = os.fstat(fd).st_mode  # what was opened, should the name have changed since
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            raise HowtoError(f"cannot write {what} {path}: not a regular file or a pipe")
        _write_all(fd, text.encode())
    except OSError as e:
        raise HowtoError(f"cannot write {what} {path}: {e.strerror}") from None
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    """All of `data` to `fd`, opened non-blocking (to refuse a pipe nobody reads) and now
    blocking again: a pipe takes a large write in parts."""
    os.set_blocking(fd, True)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
