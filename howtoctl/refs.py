"""Names for git's things, so that a short name is never passed where a full ref is expected.

Pure: nothing here runs git.
"""

from __future__ import annotations

from typing import NamedTuple

HEADS = "refs/heads/"


def short_branch(ref: str) -> str:
    """`refs/heads/howto/x` -> `howto/x` (the one place that strips the prefix)."""
    return ref.removeprefix(HEADS)


class Staged:
    """The staged tree (the index): what the next commit holds. Use the one instance `STAGED`;
    unlike a string such as "index", it cannot be mistaken for a branch name."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "STAGED"


STAGED = Staged()


class Oid(str):
    """A full object id (hex)."""

    __slots__ = ()

    @property
    def short(self) -> str:
        return self[:12]


class BranchRef(str):
    """A full branch ref name, `refs/heads/...`."""

    __slots__ = ()

    @classmethod
    def of(cls, branch: str) -> BranchRef:
        """The ref of branch `branch` (a short name like `howto/x`)."""
        return cls(HEADS + branch)

    @property
    def short(self) -> str:
        return short_branch(self)


class RefUpdate(NamedTuple):
    """One change in a ref transaction (`Repo.update_refs`).

    `new` None deletes the ref; `old` None means the ref must not exist yet (for a deletion: it
    may have any value). Build them with `create`, `move` and `delete` to say which.
    """

    ref: str
    new: str | None
    old: str | None

    @classmethod
    def create(cls, ref: str, new: str) -> RefUpdate:
        return cls(ref, new, None)

    @classmethod
    def move(cls, ref: str, new: str, old: str) -> RefUpdate:
        return cls(ref, new, old)

    @classmethod
    def delete(cls, ref: str, old: str | None) -> RefUpdate:
        return cls(ref, None, old)
