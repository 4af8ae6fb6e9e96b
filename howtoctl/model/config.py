"""Where a repository keeps its HOWTOs: `[tool.howtoctl]` in pyproject.toml, or defaults."""

from __future__ import annotations

import dataclasses
import posixpath
import re

from howtoctl.errors import HowtoError
from howtoctl.model import names

DEFAULT_PREFIX = "howto/"
DEFAULT_DIFF_DIR = "howtos/diffs"
DEFAULT_MANIFEST = "howtos/manifest.toml"
# Tried in this order when no base branch is configured (Flax's 2020 layout used master).
DEFAULT_BASE_CANDIDATES = ("master", "main")
# A diff file larger than this is refused before it is parsed or rendered: real HOWTO diffs are
# a few kB, and a huge one (or a link to /dev/zero) would otherwise be read whole into memory.
DEFAULT_MAX_DIFF_BYTES = 1_000_000
# Backup runs (stamps) kept under refs/howtoctl/backup/; older ones are pruned after each run.
DEFAULT_KEEP_BACKUPS = 20


@dataclasses.dataclass(frozen=True)
class Config:
    base: str | None  # None: pick the first of DEFAULT_BASE_CANDIDATES that exists
    branch_prefix: str = DEFAULT_PREFIX
    diff_dir: str = DEFAULT_DIFF_DIR
    manifest: str = DEFAULT_MANIFEST
    max_diff_bytes: int = DEFAULT_MAX_DIFF_BYTES
    keep_backups: int = DEFAULT_KEEP_BACKUPS
    auto_resolve: bool = False  # rebase-all tries verified automatic merges of conflicts
    auto_resolve_prove: bool = False  # ... and accepts one only when every hunk is still proved
    # What `howtoctl new` puts in a new HOWTO's manifest entry unless told otherwise (`init`
    # saves them): the example directory HOWTOs modify, and their smoke-test command.
    example: str = ""
    test: str = ""

    @property
    def howtos_paths(self) -> tuple[str, ...]:
        """Paths whose changes on a HOWTO branch are bookkeeping, never part of its diff."""
        return (self.diff_dir, self.manifest, self.proof_dir)

    @property
    def proof_dir(self) -> str:
        """Where `prove --record` keeps each HOWTO's proof, beside the diff directory."""
        parent = posixpath.dirname(self.diff_dir.rstrip("/"))
        return posixpath.join(parent, "proofs") if parent else "proofs"


_KEYS = {
    "auto-resolve",
    "auto-resolve-prove",
    "base",
    "branch-prefix",
    "diff-dir",
    "example",
    "manifest",
    "max-diff-bytes",
    "keep-backups",
    "test",
}

# Characters that have no place in a branch or path name here: control characters would let a
# value inject lines into git's line-based protocols; the others are ref-format or pathspec magic.
_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//")


def _check_ref_part(key: str, value: str, hint: str) -> None:
    """Refuse what git's check-ref-format refuses, and names that look like options (pure)."""
    parts = value.rstrip("/").split("/")
    bad = (
        _REF_FORBIDDEN.search(value)
        or value.startswith("/")
        or any(not p or p.startswith((".", "-")) or p.endswith(".lock") for p in parts)
        or value.endswith(".")
    )
    if bad:  # repr shows control characters escaped
        raise HowtoError(f"[tool.howtoctl] {key} = {value!r} is not a valid branch name", hint)


def _positive_int(table: dict, key: str, default: int) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise HowtoError(f"[tool.howtoctl] {key} must be a whole number of at least 1")
    return value


def _clean_repo_path(key: str, value: object) -> str:
    return names.repo_path(value, f"[tool.howtoctl] {key}")


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
    _check_ref_part("branch-prefix", prefix, "for example 'howto/'")
    base = base_override or table.get("base")
    if base is not None and (not isinstance(base, str) or not base):
        raise HowtoError("[tool.howtoctl] base must be a branch name")
    if base is not None:
        key = "base" if base_override is None else "--base"
        _check_ref_part(key, base, "name an existing branch, e.g. 'main'")
    example = table.get("example", "")
    example = _clean_repo_path("example", example) if example != "" else ""
    test = table.get("test", "")
    if not isinstance(test, str):
        raise HowtoError("[tool.howtoctl] test must be a command, as a string")
    flags = {key: table.get(key, False) for key in ("auto-resolve", "auto-resolve-prove")}
    for key, value in flags.items():
        if not isinstance(value, bool):
            raise HowtoError(f"[tool.howtoctl] {key} must be true or false")
    return Config(
        base=base,
        auto_resolve=flags["auto-resolve"],
        auto_resolve_prove=flags["auto-resolve-prove"],
        branch_prefix=prefix,
        example=example,
        test=test,
        diff_dir=_clean_repo_path("diff-dir", table.get("diff-dir", DEFAULT_DIFF_DIR)),
        manifest=_clean_repo_path("manifest", table.get("manifest", DEFAULT_MANIFEST)),
        max_diff_bytes=_positive_int(table, "max-diff-bytes", DEFAULT_MAX_DIFF_BYTES),
        keep_backups=_positive_int(table, "keep-backups", DEFAULT_KEEP_BACKUPS),
    )


def parse_toml(text: str, where: str) -> dict:
    """The TOML document `text` (the file `where`); anything tomllib cannot read is bad input,
    named: a syntax error, or values nested too deep for its recursive parser (legal TOML)."""
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise HowtoError(f"{where} is not valid TOML: {e}") from None
    except RecursionError:
        raise HowtoError(
            f"{where} cannot be read: it nests arrays or tables too deep", "flatten it"
        ) from None


def load(pyproject_text: str | None, base_override: str | None = None) -> Config:
    """Config from a pyproject.toml's text (None when the repository has none)."""
    if pyproject_text is None:
        return parse({}, base_override)
    data = parse_toml(pyproject_text, "pyproject.toml")
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise HowtoError("[tool] in pyproject.toml must be a table")
    table = tool.get("howtoctl", {})
    if not isinstance(table, dict):
        raise HowtoError("[tool.howtoctl] in pyproject.toml must be a table")
    return parse(table, base_override)
