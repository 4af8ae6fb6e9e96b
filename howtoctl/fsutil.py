"""Every file access howtoctl makes goes through here (tests/file_access_test.py holds the rest
of the package to it): files in the repository's work tree, in a temporary work tree, in
howtoctl's state directory and temporary directories, and paths the user names. The rules:
follow no symbolic link that could lead out (or into `.git`), never read or replace a device,
pipe or socket where a regular file is meant, read with a bound, write whole or not at all."""

from __future__ import annotations

import dataclasses
import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Sequence

from howtoctl.errors import EXIT_PROBLEMS, HowtoError

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


def _same_device(a: str, b: str) -> bool:
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return False


def is_inside(path: str, root: str) -> bool:
    """Whether `path`, with every symbolic link resolved, is `root` or below it."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def require_inside(path: str, root: str, what: str = "the repository") -> None:
    """Refuse a path that resolves (through a symbolic link) outside `root`, or into a `.git`
    directory below it: git's own files are git's to write (howtoctl's state there is reached
    through the repository's common directory, never through a work-tree path)."""
    shown = os.path.relpath(path, root) if path.startswith(root) else path
    if not is_inside(path, root):
        raise HowtoError(
            f"{shown} leads outside {what} (to {os.path.realpath(path)}); howtoctl only reads "
            f"and writes files inside {what}",
            "replace the symbolic link with a real file or directory",
        )
    inner = os.path.relpath(os.path.realpath(path), os.path.realpath(root))
    if ".git" in inner.split(os.sep):
        raise HowtoError(
            f"{shown} leads into git's own directory (to {os.path.realpath(path)}); howtoctl "
            f"only reads and writes the files of {what}'s work tree there",
            "replace the symbolic link with a real file or directory",
        )


def require_outside_git(path: str, what: str, git_dirs: tuple[str, ...]) -> None:
    """Refuse an output path the user or the environment names (--junit, --out, $GITHUB_OUTPUT)
    that resolves into the repository's git directory or its common directory (`git_dirs`,
    from git itself: a linked work tree's or a submodule's are not `.git` below the top).
    git's files are git's to write; howtoctl's own state there is reached by its own paths,
    which no user names, never through this. Real paths are compared: a link (or a name that
    does not exist yet below one) counts where it leads.

    A `.git` anywhere on the real path is git's too: where `.git` is a gitfile (a submodule, a
    linked work tree, --separate-git-dir) it is the only way git finds the repository, and
    neither directory holds it; a nested repository's `.git` is no output's either."""
    real = os.path.realpath(os.path.abspath(path))
    # Only below what the path shares with git's own directories: a repository may itself live
    # under a plain directory that happens to be named .git.
    dirs = [os.path.realpath(d) for d in git_dirs if d]
    shared = os.path.commonpath([real, *dirs]) if dirs else os.sep
    if ".git" in os.path.relpath(real, shared).split(os.sep):
        raise HowtoError(
            f"{what} {path} is git's own file or directory ({real}); howtoctl writes nothing "
            "there that you name",
            "name a path outside .git",
        )
    for top in git_dirs:
        if top and is_inside(real, top):
            raise HowtoError(
                f"{what} {path} is inside git's own directory ({os.path.realpath(top)}); "
                "howtoctl writes nothing there that you name",
                "name a path outside .git",
            )


def require_directory(path: str, what: str) -> None:
    """Refuse a path that exists but is not a directory (a file, or any symbolic link)."""
    if os.path.islink(path):
        raise HowtoError(
            f"{what} {path} is a symbolic link; howtoctl writes only into a real directory",
            "name a real directory",
        )
    if os.path.lexists(path) and not os.path.isdir(path):
        raise HowtoError(f"{what} {path} exists and is not a directory", "move it out of the way")


def check_creatable(path: str, root: str) -> None:
    """Refuse, before anything is written, a new file `path` below `root` that could not be
    made: a file (not a directory) in the way on its path, a directory at its name, or a
    directory to make it in that this process may not write."""
    shown = os.path.relpath(path, root)
    if os.path.isdir(path):
        raise HowtoError(f"cannot write {shown}: it is a directory", "move it out of the way")
    parent = os.path.dirname(path)
    while not os.path.isdir(parent):
        if os.path.lexists(parent):
            raise HowtoError(
                f"cannot write {shown}: {os.path.relpath(parent, root)} is not a directory",
                "move that file out of the way, then run the command again",
            )
        parent = os.path.dirname(parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise HowtoError(
            f"cannot write {shown}: {os.path.relpath(parent, root)} is not writable",
            "fix the directory's permissions",
        )


def read_regular(path: str, root: str, limit: int, limit_name: str = "") -> bytes | None:
    """The bytes of a regular file of at most `limit` bytes that resolves inside `root`.

    None when there is no file. A symbolic link leading outside `root`, a device, a pipe or a
    directory, or a file over the limit, is a HowtoError: never read until memory runs out.
    """
    if not os.path.lexists(path):
        parent = os.path.dirname(path)
        while parent and not os.path.lexists(parent):
            parent = os.path.dirname(parent)
        if parent and not os.path.isdir(parent):
            raise HowtoError(
                f"{parent} is not a directory",
                "move the file out of the way, or configure another path",
            )
        return None
    require_inside(path, root)
    shown = os.path.relpath(path, root)
    try:
        # O_NONBLOCK: opening a pipe must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        raise HowtoError(f"cannot read {shown}: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise HowtoError(
                f"{shown} is not a regular file", "replace it with a regular file, or remove it"
            )
        if st.st_size > limit:
            raise HowtoError(
                f"{shown} is {st.st_size:,} bytes, over the limit of {limit:,}",
                f"raise it with [tool.howtoctl] {limit_name} if the file is right"
                if limit_name
                else None,
            )
        chunks, left = [], limit + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise HowtoError(f"{shown} grew over the limit of {limit:,} bytes while being read")
        return data
    finally:
        os.close(fd)


def _scratch_for(directory: str, scratch_dir: str | None) -> str:
    """Where a file to be renamed into `directory` is made: `scratch_dir` on the same file
    system (a rename cannot cross one), else `directory` itself."""
    if scratch_dir is not None and _same_device(scratch_dir, directory):
        return scratch_dir
    return directory


def _temporary_file(path: str, directory: str, scratch_dir: str | None) -> tuple[int, str]:
    """A new temporary file for the bytes of `path`: in `scratch_dir` (e.g. inside .git, so
    that a killed process leaves nothing in the work tree) when that is on the same file
    system as `directory`, else in `directory` itself. Both are made if missing."""
    try:
        os.makedirs(directory, exist_ok=True)
        if scratch_dir is not None:
            os.makedirs(scratch_dir, exist_ok=True)
        return tempfile.mkstemp(
            prefix=".howtoctl-", suffix=".tmp", dir=_scratch_for(directory, scratch_dir)
        )
    except OSError as e:
        raise HowtoError(
            f"cannot write {path}: {e.strerror}", "check the directory's permissions and free space"
        ) from None


def write_atomic(
    path: str, data: bytes, scratch_dir: str | None = None, inside: str | None = None
) -> None:
    """Replace `path` with `data` so that readers see the old or the new file, never a part.

    The bytes go to a temporary file, are flushed to disk, then renamed over the target. The
    temporary file lives in `scratch_dir` (e.g. inside .git, so that a killed process leaves
    nothing in the work tree) when that is on the same file system, else next to the target.
    On any failure (disk full, read-only directory) the temporary file is removed and the
    target is left as it was. With `inside`, the target must resolve inside that directory.
    """
    directory = os.path.dirname(path) or "."
    if inside is not None:
        require_inside(directory, inside)
        if os.path.lexists(path) and os.path.isdir(path):
            raise HowtoError(f"cannot write {path}: it is a directory")
    fd, tmp = _temporary_file(path, directory, scratch_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if os.path.exists(path):
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise HowtoError(
            f"cannot write {path}: {e.strerror}; the file was left as it was",
            "check the directory's permissions and free space",
        ) from None


@dataclasses.dataclass(frozen=True)
class FileWrite:
    """One file of a `write_files` step: `data` for `path`, or None to remove it; with
    `create`, the file is made only where none is (one found there is left, not replaced)."""

    path: str
    data: bytes | None
    create: bool = False


class PartlyWrittenError(HowtoError):
    """A multi-file write failed, and putting back what it had replaced failed too."""

    exit_code = EXIT_PROBLEMS


def write_files(
    writes: Sequence[FileWrite], inside: str, scratch_dir: str | None = None
) -> list[str]:
    """Write several files inside `inside` as one step: all of them, or none.

    Every new content goes to a temporary file first (beside its target, or in `scratch_dir`
    on the same file system, as for `write_atomic`), and every file to be replaced or removed
    gets a hard link of its own, so that it can be put back; a failure there removes the
    temporaries, and nothing has changed. Only then is each renamed into place. Should one of
    those renames fail (or a Ctrl-C come), the files already replaced get their old content
    back and the new ones are removed. HowtoError: nothing changed; PartlyWrittenError: not
    even that worked, and the message names what is left. Returns the paths written (a
    `create` that found a file is not)."""
    for w in writes:
        require_inside(os.path.dirname(w.path) if w.data is not None else w.path, inside)
        if os.path.isdir(w.path) and not os.path.islink(w.path):
            raise HowtoError(f"cannot write {w.path}: it is a directory; nothing was written")
    made = _missing_directories(os.path.dirname(w.path) for w in writes if w.data is not None)
    staged: list[tuple[FileWrite, str | None, str | None]] = []  # (write, new, kept old)
    try:
        for w in writes:
            new = kept = None
            if w.data is not None:
                new = _staged_copy(w.path, w.data, scratch_dir)
            if not w.create and os.path.lexists(w.path):
                kept = _keep_link(w.path, _scratch_for(os.path.dirname(w.path), scratch_dir))
            staged.append((w, new, kept))
        return _rename_into_place(staged)
    except BaseException:
        for directory in reversed(made):
            try:
                os.rmdir(directory)  # only when empty: a file put back keeps its directory
            except OSError:
                pass
        raise
    finally:
        for _, new, kept in staged:
            for tmp in (new, kept):
                if tmp is not None:
                    remove_file(tmp)


def _missing_directories(directories) -> list[str]:
    """The directories that do not exist yet on the way to `directories`, outermost first."""
    missing: list[str] = []
    for directory in directories:
        chain = []
        while directory and not os.path.lexists(directory):
            chain.append(directory)
            directory = os.path.dirname(directory)
        missing += [d for d in reversed(chain) if d not in missing]
    return missing


def _staged_copy(path: str, data: bytes, scratch_dir: str | None) -> str:
    """A temporary file holding `data`, with `path`'s mode, ready to be renamed over it."""
    fd, tmp = _temporary_file(path, os.path.dirname(path) or ".", scratch_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, os.stat(path).st_mode & 0o777 if os.path.isfile(path) else 0o644)
    except OSError as e:
        remove_file(tmp)
        raise HowtoError(
            f"cannot write {path}: {e.strerror}; every file was left as it was",
            "check the directory's permissions and free space",
        ) from None
    return tmp


def _keep_link(path: str, directory: str) -> str:
    """A hard link in `directory` (on its file system) to the file (or link) at `path`: its
    old content, to put back with one rename. Where no hard link can be made (a file system
    without them, a file of another user's), a copy."""
    kept = os.path.join(directory, f".howtoctl-{os.path.basename(path)}-{os.urandom(6).hex()}")
    try:
        try:
            os.link(path, kept, follow_symlinks=False)
        except OSError:
            if os.path.islink(path):
                os.symlink(os.readlink(path), kept)
            else:
                data = read_private(path, 1 << 31)
                if data is None:
                    raise
                with os.fdopen(create_private(kept), "wb") as f:
                    f.write(data)
                os.chmod(kept, os.stat(path).st_mode & 0o777)
    except OSError as e:
        remove_file(kept)
        raise HowtoError(
            f"cannot keep a copy of {path} to put back should a later write fail: {e.strerror}; "
            "every file was left as it was",
            "check the directory's permissions and free space",
        ) from None
    return kept


def _rename_into_place(staged: list[tuple[FileWrite, str | None, str | None]]) -> list[str]:
    done: list[tuple[FileWrite, str | None]] = []
    written = []
    failed = ""
    try:
        for w, new, kept in staged:
            failed = w.path
            if new is None:
                remove_file(w.path)
            elif w.create:
                try:
                    os.link(new, w.path)  # never replaces a file that appeared meanwhile
                except FileExistsError:
                    continue
            else:
                os.replace(new, w.path)
            done.append((w, kept))
            written.append(w.path)
    except BaseException as e:
        left = _put_back(done)
        if left:
            raise PartlyWrittenError(
                f"cannot write {failed}, and putting back the files already written failed: "
                f"{', '.join(left)} are left as this command wrote them",
                "check the directory's permissions and free space, then run the command again",
            ) from None
        if isinstance(e, OSError):
            raise HowtoError(
                f"cannot write {failed}: {e.strerror}; every file was left as it was",
                "check the directory's permissions and free space",
            ) from None
        raise
    return written


def _put_back(done: list[tuple[FileWrite, str | None]]) -> list[str]:
    """Undo the renames of `done`, newest first; the paths that could not be put back."""
    left = []
    for w, kept in reversed(done):
        try:
            if kept is not None:
                os.replace(kept, w.path)
            else:
                remove_file(w.path)
        except OSError:
            left.append(w.path)
    return left


def read_or_none(path: str, limit: int = 1 << 26) -> bytes | None:
    """A file of howtoctl's own state (read_private: no link, no pipe, bounded); None if none."""
    return read_private(path, limit)


def clear_stale(directory: str) -> None:
    """Remove leftovers of a killed run from howtoctl's scratch directory (call under the lock)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if name.startswith(".howtoctl-"):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass


def write_new(
    path: str, data: bytes, inside: str | None = None, scratch_dir: str | None = None
) -> bool:
    """Create `path` with `data`, whole or not at all; False (nothing written) if it exists.

    The bytes go to a temporary file, which is then hard-linked into place: unlike a rename, a
    link never replaces a file that appeared meanwhile. The temporary file lives in
    `scratch_dir` when that is on the same file system (as for `write_atomic`), else next to
    the target. With `inside`, the target must resolve inside that directory (a symbolic link
    on the way may not lead out).
    """
    directory = os.path.dirname(path) or "."
    if inside is not None:
        require_inside(path, inside)
    fd, tmp = _temporary_file(path, directory, scratch_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    except OSError as e:
        raise HowtoError(f"cannot write {path}: {e.strerror}") from None
    finally:
        os.unlink(tmp)


def create_private(path: str) -> int:
    """A new file at `path` for this process alone (a descriptor to write to). Whatever stands
    there is removed first, never followed: in a work tree checked out from a branch, a
    committed symbolic link at the same name would otherwise lead the write outside."""
    try:
        os.unlink(path)  # a link itself, not what it points to
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        raise HowtoError(
            f"{path} is a directory; howtoctl needs that name for its own file"
        ) from None
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)


def read_private(path: str, limit: int, tail: bool = False) -> bytes | None:
    """At most `limit` bytes of the regular file at `path` (its last ones with `tail`); None
    when there is none, or it is a link, a pipe, a device or a directory: never followed,
    never waited on, never read without bound."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        if tail and st.st_size > limit:
            os.lseek(fd, st.st_size - limit, os.SEEK_SET)
        chunks, left = [], limit
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


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
        os.set_blocking(fd, True)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as e:
        raise HowtoError(f"cannot write {path}: {e.strerror}") from None
    finally:
        os.close(fd)


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


def write_private(path: str, data: bytes) -> str:
    """A new file in a directory of howtoctl's own (create_private); its path."""
    with os.fdopen(create_private(path), "wb") as f:
        f.write(data)
    return path


def remove_file(path: str) -> bool:
    """Remove the file (or link) at `path`, never what a link points to; False if none."""
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False


def remove_tree(path: str) -> None:
    """Remove a directory howtoctl made, with everything in it; links in it are removed, never
    followed, and a link in its place is removed itself."""
    if os.path.islink(path):
        remove_file(path)
    else:
        shutil.rmtree(path, ignore_errors=True)


def make_directories(path: str) -> None:
    os.makedirs(path, exist_ok=True)


def copy_file(source: str, target: str) -> None:
    """Copy a regular file into a directory of howtoctl's own (git's index, to apply patches
    to a copy of it and leave the real one alone)."""
    data = read_private(source, 1 << 31)
    if data is None:
        raise HowtoError(f"cannot read {source}: not a regular file")
    write_private(target, data)


def write_in_tree(root: str, rel: str, data: bytes | None) -> None:
    """Write (or, with None, remove) the file `rel` of the work tree at `root`, whole, refusing
    a path that a link on the way leads outside `root`."""
    path = os.path.join(root, rel)
    require_inside(os.path.dirname(path), root, f"the work tree {root}")
    if data is None:
        remove_file(path)
    else:
        write_atomic(path, data)


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
        os.set_blocking(fd, True)
        view = memoryview(text.encode())
        while view:
            view = view[os.write(fd, view) :]
    except OSError as e:
        raise HowtoError(f"cannot write {what} {path}: {e.strerror}") from None
    finally:
        os.close(fd)


def open_lock_file(path: str) -> int:
    """A descriptor of the lock file `path` (made if missing), never through a link."""
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)


def extract_tar(data: bytes, directory: str) -> None:
    """Unpack a tar archive (`git archive`'s) into `directory`, which it creates: regular files,
    directories and links that stay inside it only (tarfile's "data" filter)."""
    import io
    import tarfile

    make_directories(directory)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(directory, filter="data")
