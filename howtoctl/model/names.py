"""Names, pure: rules for HOWTO names and the branch and diff paths derived from them; git's ref
names (`BranchRef`) and the staged tree (`STAGED`), so that a short name is never passed where a
full ref is expected."""

from __future__ import annotations

import posixpath
import re

from howtoctl.errors import HowtoError

# Lower-case words joined by single '-', '_' or '.': safe as a branch component, a file name and
# a URL path segment on every platform. Anything else (slashes, spaces, '..', a leading '-')
# is refused rather than escaped.
_NAME_RE = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")
MAX_NAME_LENGTH = 64
DIFF_SUFFIX = ".diff"
HEADS = "refs/heads/"


def short_branch(ref: str) -> str:
    """`refs/heads/howto/x` -> `howto/x` (the one place that strips the prefix)."""
    return ref.removeprefix(HEADS)


class BranchRef(str):
    """A full branch ref name, `refs/heads/...`."""

    __slots__ = ()

    @classmethod
    def of(cls, branch: str) -> BranchRef:
        """The ref of branch `branch` (a short name like `howto/x`): the one place that adds
        `refs/heads/`. Of a branch prefix (`howto/`), the prefix of those branches' refs."""
        return cls(HEADS + branch)

    @classmethod
    def of_howto(cls, prefix: str, name: str) -> BranchRef:
        """The ref of HOWTO `name`'s branch, with branch prefix `prefix` (e.g. `howto/`)."""
        return cls.of(branch_name(prefix, name))

    @property
    def short(self) -> str:
        return short_branch(self)


class Staged:
    """The staged tree (the index): what the next commit holds. Use the one instance `STAGED`;
    unlike a string such as "index", it cannot be mistaken for a branch name."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "STAGED"


STAGED = Staged()


def validate_name(name: str) -> str:
    """Return `name` if it is a valid HOWTO name, else raise HowtoError saying why."""
    if not isinstance(name, str) or not name:
        raise HowtoError("a HOWTO name must not be empty")
    shown = repr(name)
    if len(name) > MAX_NAME_LENGTH:
        raise HowtoError(f"HOWTO name {shown} is longer than {MAX_NAME_LENGTH} characters")
    if not _NAME_RE.fullmatch(name) or name.endswith(".lock"):
        raise HowtoError(
            f"invalid HOWTO name {shown}",
            "use lower-case letters, digits and single '-', '_' or '.' between them, "
            "e.g. 'polyak-averaging'",
        )
    return name


def close_matches(name: str, known) -> list[str]:
    """The known names `name` is most likely a misspelling of, best first (at most three)."""
    import difflib

    return difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.7)


def branch_name(prefix: str, name: str) -> str:
    return f"{prefix}{name}"


def name_from_branch(prefix: str, branch: str) -> str | None:
    """The HOWTO name of a short branch name, or None when it is not a (valid) HOWTO branch."""
    if not branch.startswith(prefix):
        return None
    name = branch[len(prefix) :]
    try:
        return validate_name(name)
    except HowtoError:
        return None


def diff_path(diff_dir: str, name: str) -> str:
    """Repository-relative path of a HOWTO's diff file (always with '/' separators)."""
    return f"{diff_dir.rstrip('/')}/{name}{DIFF_SUFFIX}"


def name_from_diff_file(filename: str) -> str | None:
    if not filename.endswith(DIFF_SUFFIX):
        return None
    try:
        return validate_name(filename[: -len(DIFF_SUFFIX)])
    except HowtoError:
        return None


# A path given in configuration must not hold control characters (they would inject lines into
# git's line-based protocols) or wildcards (pathspec magic).
_PATH_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f*?\[\\]")


def repo_path(value: object, what: str, example: str = "howtos/diffs") -> str:
    """`value` as a normalized path inside the work tree, else HowtoError naming `what`.

    Inside means: relative, not climbing out with '..', and not in git's own directory (git
    tracks nothing under a '.git' folder, and howtoctl writes there only its own state)."""
    if not isinstance(value, str) or not value.strip():
        raise HowtoError(f"{what} must be a non-empty string")
    if _PATH_FORBIDDEN.search(value):
        raise HowtoError(
            f"{what} = {value!r} holds a control or wildcard character",
            f"use a plain path such as {example!r}",
        )
    posix = value.replace("\\", "/")
    norm = posixpath.normpath(posix).strip("/")
    parts = norm.split("/")
    if (
        posixpath.isabs(posix)
        or norm in ("", ".")
        or parts[0] == ".."
        or any(p.lower() == ".git" for p in parts)
    ):
        raise HowtoError(
            f"{what} = {value!r} must be a path inside the repository, outside .git",
            f"use a path relative to the repository root, such as {example!r}",
        )
    return norm
