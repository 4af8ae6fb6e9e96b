"""Small file-system helpers."""

from __future__ import annotations

import os
import tempfile

from howtoctl.errors import HowtoError


def write_atomic(path: str, data: bytes) -> None:
    """Replace `path` with `data` so that readers see the old or the new file, never a part.

    The bytes go to a temporary file in the same directory, are flushed to disk, then renamed
    over the target. On any failure (disk full, read-only directory) the temporary file is
    removed and the target is left as it was.
    """
    directory = os.path.dirname(path) or "."
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".howtoctl-", suffix=".tmp", dir=directory)
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
