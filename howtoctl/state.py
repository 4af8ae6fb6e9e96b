"""What a HOWTO's branch and diff file were when howtoctl last synced them (save or restore).

Knowing both lets `check` and `save` tell which side moved since: new commits on the branch
(save them) or a new diff file, e.g. pulled from upstream (restore it), and refuse to overwrite
the one that is newer. Kept in `<git common dir>/howtoctl/sync/<name>`, per clone, never committed.
"""

from __future__ import annotations

import dataclasses
import os

from howtoctl import fsutil


@dataclasses.dataclass(frozen=True)
class SyncRecord:
    tip: str  # branch commit at the last sync
    diff_digest: str  # sha256 of the diff file's bytes at the last sync
    # Where the branch forked from the base, and how the diff was made (paths left out), at the
    # last sync. With tip and file unchanged too, the diff `save` would write is the same: a
    # quick answer to "is it fresh?" without running git diff. Empty in records of older versions.
    fork: str = ""
    recipe: str = ""


def digest(data: bytes) -> str:
    import hashlib  # lazily: loading OpenSSL costs start-up time on every command

    return hashlib.sha256(data).hexdigest()


def _path(common_dir: str, name: str) -> str:
    return os.path.join(common_dir, "howtoctl", "sync", name)


def read(common_dir: str, name: str) -> SyncRecord | None:
    data = fsutil.read_or_none(_path(common_dir, name))
    if data is None:
        return None
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return None  # torn or damaged: as good as no record (the next save writes a new one)
    fields = dict(line.split(" ", 1) for line in text.splitlines() if " " in line)
    if "tip" not in fields or "diff" not in fields:
        return None
    return SyncRecord(
        fields["tip"], fields["diff"], fields.get("fork", ""), fields.get("recipe", "")
    )


def write(
    common_dir: str, name: str, tip: str, diff: bytes, fork: str = "", recipe: str = ""
) -> None:
    text = f"tip {tip}\ndiff {digest(diff)}\nfork {fork}\nrecipe {recipe}\n"
    fsutil.write_atomic(_path(common_dir, name), text.encode())
