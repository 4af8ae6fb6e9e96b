"""git's object format, in Python: ids, typed by kind, and commit objects parsed and built.

Pure: nothing here runs git or writes a file. The git facade (`git/odb.py`) hands git the bytes
built here and checks git's ids against `object_id`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence


class Oid(str):
    """A full object id (hex)."""

    __slots__ = ()

    @property
    def short(self) -> str:
        return self[:12]


class CommitId(Oid):
    """The id of a commit."""

    __slots__ = ()


class TreeId(Oid):
    """The id of a tree."""

    __slots__ = ()


class BlobId(Oid):
    """The id of a blob (a file's content)."""

    __slots__ = ()


@dataclasses.dataclass(frozen=True)
class RawCommit:
    oid: CommitId
    tree: TreeId
    parents: tuple[CommitId, ...]
    headers: tuple[
        tuple[str, str], ...
    ]  # every header but tree/parent, in order, continued lines joined
    message: bytes

    @property
    def subject(self) -> str:
        """The message's first line, as git log shows it."""
        return self.message.split(b"\n", 1)[0].decode(errors="replace")


def object_id(kind: str, content: bytes, object_format: str = "sha1") -> str:
    """The id git gives `content` as an object of type `kind`."""
    import hashlib  # here: only commands that write commits need it

    algo = hashlib.sha256 if object_format == "sha256" else hashlib.sha1
    return algo(b"%s %d\0" % (kind.encode(), len(content)) + content).hexdigest()


def parse_commit(oid: str, body: bytes) -> RawCommit:
    head, sep, message = body.partition(b"\n\n")
    if not sep:
        head, message = body.rstrip(b"\n"), b""
    tree = ""
    parents: list[CommitId] = []
    headers: list[tuple[str, str]] = []
    for line in head.split(b"\n"):
        if line.startswith(b" ") and headers:  # continuation of a multi-line header (gpgsig)
            key, value = headers[-1]
            headers[-1] = (key, value + "\n" + line[1:].decode(errors="surrogateescape"))
            continue
        key, _, value = line.decode(errors="surrogateescape").partition(" ")
        if key == "tree":
            tree = value
        elif key == "parent":
            parents.append(CommitId(value))
        else:
            headers.append((key, value))
    return RawCommit(CommitId(oid), TreeId(tree), tuple(parents), tuple(headers), message)


def build_commit(
    tree: str, parents: Sequence[str], headers: Sequence[tuple[str, str]], message: bytes
) -> bytes:
    lines = [f"tree {tree}"] + [f"parent {p}" for p in parents]
    for key, value in headers:
        lines.append(f"{key} " + value.replace("\n", "\n "))
    return "\n".join(lines).encode(errors="surrogateescape") + b"\n\n" + message
