"""Several files written as one step (`write_files`): all of them, or none, the old content
put back should a rename fail midway."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

from howtoctl import signals
from howtoctl.errors import EXIT_PROBLEMS, HowtoError
from howtoctl.fsutil.paths import require_inside
from howtoctl.fsutil.read import read_private
from howtoctl.fsutil.write import (
    KEPT_PREFIX,
    create_private,
    remove_file,
    scratch_for,
    temporary_file,
    write_durably,
)


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

    def __init__(self, message: str, hint: str, kept: Sequence[str]) -> None:
        super().__init__(message, hint)
        self.kept = list(kept)  # the old contents that could not be put back, left where kept


@dataclasses.dataclass
class _Staged:
    """One write on its way: the temporary with its new content, the old file kept."""

    write: FileWrite
    new: str | None = None
    kept: str | None = None


def write_files(
    writes: Sequence[FileWrite], inside: str, scratch_dir: str | None = None
) -> list[str]:
    """`_write_files` with Ctrl-C and SIGTERM deferred until it is done: a signal lands before
    the step or after it, never between two renames or in the clean-up."""
    with signals.deferred():
        return _write_files(writes, inside, scratch_dir)


def _write_files(
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
    staged: list[_Staged] = []  # each registered before its files are made: all are cleaned up
    left: set[str] = set()
    try:
        for w in writes:
            entry = _Staged(w)
            staged.append(entry)
            if w.data is not None:
                entry.new = _staged_copy(w.path, w.data, scratch_dir)
            if not w.create and os.path.lexists(w.path):
                entry.kept = _keep_link(w.path, scratch_for(os.path.dirname(w.path), scratch_dir))
        return _rename_into_place(staged)
    except PartlyWrittenError as e:
        left = set(e.kept)
        raise
    except BaseException:
        for directory in reversed(made):
            try:
                os.rmdir(directory)  # only when empty: a file put back keeps its directory
            except OSError:
                pass
        raise
    finally:
        for entry in staged:
            for tmp in (entry.new, entry.kept):
                if tmp is not None and tmp not in left:
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
    fd, tmp = temporary_file(path, os.path.dirname(path) or ".", scratch_dir)
    try:
        write_durably(fd, data)
        os.chmod(tmp, os.stat(path).st_mode & 0o777 if os.path.isfile(path) else 0o644)
    except BaseException as e:
        remove_file(tmp)
        if not isinstance(e, OSError):
            raise
        raise HowtoError(
            f"cannot write {path}: {e.strerror}; every file was left as it was",
            "check the directory's permissions and free space",
        ) from None
    return tmp


def _keep_link(path: str, directory: str) -> str:
    """A hard link in `directory` (on its file system) to the file (or link) at `path`: its
    old content, to put back with one rename. Where no hard link can be made (a file system
    without them, a file of another user's), a copy."""
    kept = os.path.join(directory, f"{KEPT_PREFIX}{os.path.basename(path)}-{os.urandom(6).hex()}")
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
    except BaseException as e:
        remove_file(kept)
        if not isinstance(e, OSError):
            raise
        raise HowtoError(
            f"cannot keep a copy of {path} to put back should a later write fail: {e.strerror}; "
            "every file was left as it was",
            "check the directory's permissions and free space",
        ) from None
    return kept


def _rename_into_place(staged: list[_Staged]) -> list[str]:
    done: list[tuple[FileWrite, str | None]] = []
    written = []
    failed = ""
    try:
        for entry in staged:
            w, new = entry.write, entry.new
            failed = w.path
            # Recorded before the rename: a Ctrl-C raised as it returns finds it to undo. A
            # rename that fails took no effect (it is atomic): nothing to undo there.
            done.append((w, entry.kept))
            try:
                if new is None:
                    remove_file(w.path)
                elif w.create:
                    os.link(new, w.path)  # never replaces a file that appeared meanwhile
                else:
                    os.replace(new, w.path)
            except OSError as e:
                done.pop()
                if w.create and isinstance(e, FileExistsError):
                    continue
                raise
            written.append(w.path)
    except BaseException as e:
        left = _put_back(done)
        if left:
            kept_of = {w.path: k for w, k in done if k is not None}
            raise PartlyWrittenError(
                f"cannot write {failed}, and putting back the files already written failed: "
                f"{', '.join(left)} are left as this command wrote them"
                + "".join(f"; the old {p} is kept as {kept_of[p]}" for p in left if p in kept_of),
                "check the directory's permissions and free space, then run the command again",
                [kept_of[p] for p in left if p in kept_of],
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
