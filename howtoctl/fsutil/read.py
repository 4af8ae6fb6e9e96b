"""Reading files: regular files only (never a device, pipe or directory, never waited on), at
most a given number of bytes."""

from __future__ import annotations

import os
import stat

from howtoctl.errors import HowtoError
from howtoctl.fsutil.paths import require_inside


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


def read_or_none(path: str, limit: int = 1 << 26) -> bytes | None:
    """A file of howtoctl's own state (read_private: no link, no pipe, bounded); None if none."""
    return read_private(path, limit)
