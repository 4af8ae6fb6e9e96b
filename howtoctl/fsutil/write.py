"""Writing and removing single files and directories: whole or not at all (a temporary file
renamed or linked into place), never through a symbolic link that could lead out."""

from __future__ import annotations

import os
import shutil
import tempfile

from howtoctl.errors import HowtoError
from howtoctl.fsutil.paths import require_inside, same_device
from howtoctl.fsutil.read import read_private


def scratch_for(directory: str, scratch_dir: str | None) -> str:
    """Where a file to be renamed into `directory` is made: `scratch_dir` on the same file
    system (a rename cannot cross one), else `directory` itself."""
    if scratch_dir is not None and same_device(scratch_dir, directory):
        return scratch_dir
    return directory


def temporary_file(path: str, directory: str, scratch_dir: str | None) -> tuple[int, str]:
    """A new temporary file for the bytes of `path`: in `scratch_dir` (e.g. inside .git, so
    that a killed process leaves nothing in the work tree) when that is on the same file
    system as `directory`, else in `directory` itself. Both are made if missing."""
    try:
        os.makedirs(directory, exist_ok=True)
        if scratch_dir is not None:
            os.makedirs(scratch_dir, exist_ok=True)
        return tempfile.mkstemp(
            prefix=".howtoctl-", suffix=".tmp", dir=scratch_for(directory, scratch_dir)
        )
    except OSError as e:
        raise HowtoError(
            f"cannot write {path}: {e.strerror}", "check the directory's permissions and free space"
        ) from None


def write_durably(fd: int, data: bytes) -> None:
    """Write `data` to the new file `fd` and close it, on disk before any rename makes it seen."""
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


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
    fd, tmp = temporary_file(path, directory, scratch_dir)
    try:
        write_durably(fd, data)
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


KEPT_PREFIX = ".howtoctl-old-"  # an old file's content `write_files` keeps to put back


def clear_stale(directory: str) -> None:
    """Remove leftovers of a killed run from howtoctl's scratch directory (call under the lock)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        # An old file kept by a multi-file write that could not put it back is the user's.
        if name.startswith(".howtoctl-") and not name.startswith(KEPT_PREFIX):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass


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
