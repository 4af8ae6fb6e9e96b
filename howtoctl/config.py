"""Where a repository keeps its HOWTOs: `[tool.howtoctl]` in pyproject.toml, or defaults."""

from __future__ import annotations

import dataclasses
import os
import posixpath

from howtoctl.errors import HowtoError

DEFAULT_PREFIX = "howto/"
DEFAULT_DIFF_DIR = "howtos/diffs"
DEFAULT_MANIFEST = "howtos/manifest.toml"
# Tried in this order when no base branch is configured (Flax's 2020 layout used master).
DEFAULT_BASE_CANDIDATES = ("master", "main")


@dataclasses.dataclass(frozen=True)
class Config:
    base: str | None  # None: pick the first of DEFAULT_BASE_CANDIDATES that exists
    branch_prefix: str = DEFAULT_PREFIX
    diff_dir: str = DEFAULT_DIFF_DIR
    manifest: str = DEFAULT_MANIFEST
    auto_resolve: bool = False  # rebase-all tries verified automatic merges of conflicts

    @property
    def howtos_paths(self) -> tuple[str, ...]:
        """Paths whose changes on a HOWTO branch are bookkeeping, never part of its diff."""
        return (self.diff_dir, self.manifest)


_KEYS = {"auto-resolve", "base", "branch-prefix", "diff-dir", "manifest"}


def _clean_repo_path(key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise HowtoError(f"[tool.howtoctl] {key} must be a non-empty string")
    norm = posixpath.normpath(value.replace(os.sep, "/")).strip("/")
    if posixpath.isabs(value) or norm == ".." or norm.startswith("../") or norm in ("", "."):
        raise HowtoError(f"[tool.howtoctl] {key} = {value!r} must be a path inside the repository")
    return norm


def parse(table: dict, base_override: str | None = None) -> Config:
    """Build a Config from the `[tool.howtoctl]` table (already parsed TOML)."""
    unknown = set(table) - _KEYS
    if unknown:
        raise HowtoError(
            f"unknown key(s) in [tool.howtoctl]: {', '.join(sorted(unknown))}",
            f"known keys: {', '.join(sorted(_KEYS))}",
        )
    prefix = table.get("branch-prefix", DEFAULT_PREFIX)
    if not isinstance(prefix, str) or not prefix.endswith("/") or prefix.startswith("/"):
        raise HowtoError(
            f"[tool.howtoctl] branch-prefix = {prefix!r} must be a branch folder ending in '/'",
            "for example 'howto/'",
        )
    base = base_override or table.get("base")
    if base is not None and (not isinstance(base, str) or not base):
        raise HowtoError("[tool.howtoctl] base must be a branch name")
    auto_resolve = table.get("auto-resolve", False)
    if not isinstance(auto_resolve, bool):
        raise HowtoError("[tool.howtoctl] auto-resolve must be true or false")
    return Config(
        base=base,
        auto_resolve=auto_resolve,
        branch_prefix=prefix,
        diff_dir=_clean_repo_path("diff-dir", table.get("diff-dir", DEFAULT_DIFF_DIR)),
        manifest=_clean_repo_path("manifest", table.get("manifest", DEFAULT_MANIFEST)),
    )


def load(pyproject_text: str | None, base_override: str | None = None) -> Config:
    """Config from a pyproject.toml's text (None when the repository has none)."""
    if pyproject_text is None:
        return parse({}, base_override)
    import tomllib

    try:
        data = tomllib.loads(pyproject_text)
    except tomllib.TOMLDecodeError as e:
        raise HowtoError(f"pyproject.toml is not valid TOML: {e}") from None
    table = data.get("tool", {}).get("howtoctl", {})
    if not isinstance(table, dict):
        raise HowtoError("[tool.howtoctl] in pyproject.toml must be a table")
    return parse(table, base_override)
