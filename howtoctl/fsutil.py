"""Small file-system helpers."""

from __future__ import annotations

import os
import tempfile

from howtoctl.errors import HowtoError


def _same_device(a: str, b: str) -> bool:
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return False


def write_atomic(path: str, data: bytes, scratch_dir: str | None = None) -> None:
    """Replace `path` with `data` so that readers see the old or the new file, never a part.

    The bytes go to a temporary file, are flushed to disk, then renamed over the target. The
    temporary file lives in `scratch_dir` (e.g. inside .git, so that a killed process leaves
    nothing in the work tree) when that is on the same file system, else next to the target.
    On any failure (disk full, read-only directory) the temporary file is removed and the
    target is left as it was.
    """
    directory = os.path.dirname(path) or "."
    try:
        os.makedirs(directory, exist_ok=True)
        if scratch_dir is not None:
            os.makedirs(scratch_dir, exist_ok=True)
        tmp_dir = (
            scratch_dir
            if scratch_dir is not None and _same_device(scratch_dir, directory)
            else directory
        )
        fd, tmp = tempfile.mkstemp(prefix=".howtoctl-", suffix=".tmp", dir=tmp_dir)
    except OSError as e:
        raise HowtoError(
            f"cannot write {path}: {e.strerror}", "check the directory's permissions and free space"
        ) from None
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


def read_or_none(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


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


def write_new(path: str, data: bytes) -> bool:
    """Create `path` with `data`, whole or not at all; False (nothing written) if it exists.

    The bytes go to a temporary file next to the target, which is then hard-linked into place:
    unlike a rename, a link never replaces a file that appeared meanwhile.
    """
    directory = os.path.dirname(path) or "."
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".howtoctl-", suffix=".tmp", dir=directory)
    except OSError as e:
        raise HowtoError(f"cannot write {path}: {e.strerror}") from None
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
