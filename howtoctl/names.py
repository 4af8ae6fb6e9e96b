"""Rules for HOWTO names, and the branch and diff paths derived from them (pure)."""

from __future__ import annotations

import re

from howtoctl.errors import HowtoError

# Lower-case words joined by single '-', '_' or '.': safe as a branch component, a file name and
# a URL path segment on every platform. Anything else (slashes, spaces, '..', a leading '-')
# is refused rather than escaped.
_NAME_RE = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")
MAX_NAME_LENGTH = 64
DIFF_SUFFIX = ".diff"


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
