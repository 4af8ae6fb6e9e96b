"""Optional HOWTO metadata: one small TOML file (default `howtos/manifest.toml`).

    [howtos.polyak-averaging]
    title = "Polyak averaging"
    summary = "Keep an exponential moving average of the parameters and evaluate it."
    example = "examples/mnist"              # the example directory the HOWTO modifies
    test = "python -m pytest -q examples/mnist"   # its smoke test (optional)
    devices = 8                             # devices its tests need: fewer is a failure, not a skip

    [[howtos.polyak-averaging.exempt]]      # a hunk `howtoctl prove` need not see a test fail for
    file = "examples/mnist/train.py"
    match = "jax.debug.print"               # text of one of its changed lines (or its header)
    reason = "logging only: no test can observe it"

A repository without the file still works: names then come from diff files and branches.
"""

from __future__ import annotations

import dataclasses
import json
import re

from howtoctl.errors import HowtoError
from howtoctl.model import names

_FIELDS = ("title", "summary", "example", "test")
_EXEMPT_FIELDS = ("file", "match", "reason")


@dataclasses.dataclass(frozen=True)
class Exemption:
    """A hunk that `prove` does not require a test for, and why (matched on content, not line
    numbers, so it survives rebases)."""

    file: str
    match: str
    reason: str


@dataclasses.dataclass(frozen=True)
class Entry:
    name: str
    title: str = ""
    summary: str = ""
    example: str = ""
    test: str = ""
    devices: int = 0  # devices the smoke test needs (0: no requirement)
    exempt: tuple[Exemption, ...] = ()


def parse(text: str | None, where: str = "manifest") -> dict[str, Entry]:
    if not text:
        return {}
    from howtoctl.model.config import parse_toml

    data = parse_toml(text, where)
    table = data.get("howtos", {})
    if not isinstance(table, dict):
        raise HowtoError(f"{where}: 'howtos' must be a table of [howtos.NAME] sections")
    entries = {}
    for name, fields in table.items():
        try:
            names.validate_name(name)
        except HowtoError as e:
            raise HowtoError(f"{where}: {e.message}", e.hint) from None
        if not isinstance(fields, dict):
            raise HowtoError(f"{where}: [howtos.{name}] must be a table")
        unknown = set(fields) - {*_FIELDS, "devices", "exempt"}
        if unknown:
            raise HowtoError(
                f"{where}: [howtos.{name}] has unknown key(s) {', '.join(sorted(unknown))}",
                f"known keys: {', '.join(_FIELDS)}, devices, exempt",
            )
        fields = dict(fields)
        devices = fields.pop("devices", 0)
        if isinstance(devices, bool) or not isinstance(devices, int) or devices < 0:
            raise HowtoError(f"{where}: [howtos.{name}] devices must be a whole number, like 8")
        exempt = _exemptions(fields.pop("exempt", []), f"{where}: [[howtos.{name}.exempt]]")
        for key, value in fields.items():
            if not isinstance(value, str):
                raise HowtoError(f"{where}: [howtos.{name}] {key} must be a string")
        if fields.get("example"):  # the smoke test runs there: never outside the repository
            fields["example"] = names.repo_path(
                fields["example"], f"{where}: [howtos.{name}] example", "examples/mnist"
            )
        entries[name] = Entry(name=name, devices=devices, exempt=exempt, **fields)
    return entries


def _exemptions(items: object, where: str) -> tuple[Exemption, ...]:
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise HowtoError(f"{where} must be an array of tables with file, match and reason")
    result = []
    for item in items:
        unknown = set(item) - set(_EXEMPT_FIELDS)
        if unknown:
            raise HowtoError(
                f"{where} has unknown key(s) {', '.join(sorted(unknown))}",
                f"known keys: {', '.join(_EXEMPT_FIELDS)}",
            )
        values = {k: item.get(k, "") for k in _EXEMPT_FIELDS}
        missing = [k for k, v in values.items() if not isinstance(v, str) or not v.strip()]
        if missing:
            raise HowtoError(
                f"{where} for {values['file'] or '?'!s} has no {' or '.join(missing)}",
                "every exemption names its file, a piece of a changed line to `match`, and a "
                "written `reason` why no test can prove that hunk",
            )
        result.append(Exemption(**values))
    return tuple(result)


def _toml_string(value: str) -> str:
    # JSON string escapes (\" \\ \n \t \uXXXX) are all valid TOML basic-string escapes.
    # JSON leaves DEL as it is, which TOML allows in no string.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def render_entry(entry: Entry) -> str:
    lines = [f"[howtos.{entry.name}]"]
    for key in _FIELDS:
        value = getattr(entry, key)
        if value:
            lines.append(f"{key} = {_toml_string(value)}")
    if entry.devices:
        lines.append(f"devices = {entry.devices}")
    for ex in entry.exempt:
        lines += ["", f"[[howtos.{entry.name}.exempt]]"]
        lines += [f"{k} = {_toml_string(getattr(ex, k))}" for k in _EXEMPT_FIELDS]
    return "\n".join(lines) + "\n"


def append_entry(text: str | None, entry: Entry) -> str:
    """The manifest text with `entry` added at the end (existing text kept byte for byte)."""
    if entry.name in parse(text):
        raise HowtoError(f"the manifest already has an entry for {entry.name!r}")
    if not text:
        text = "# HOWTO metadata for howtoctl: one [howtos.NAME] table per HOWTO.\n"
    if not text.endswith("\n"):
        text += "\n"
    return text + "\n" + render_entry(entry)


def remove_entry(text: str, name: str, where: str = "manifest") -> str:
    """The manifest text without [howtos.NAME] and its sub-tables, the rest kept byte for byte.

    A table ends where the next table header starts, its blank lines with it; comment lines
    right above that header introduce the next table and stay. Refused (HowtoError) when the
    entry is not written as such tables (dotted keys, an inline table): the result must read
    back as the old manifest minus the entry.
    """
    before = parse(text, where)
    header = re.compile(r"^\s*\[\[?\s*(?P<key>[^\]]+?)\s*\]\]?\s*(#.*)?$")
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    inside = False
    notes: list[str] = []  # the comment lines right above the line at hand, while inside
    for line in lines:
        match = header.match(line)
        if match:
            key = [p.strip().strip('"').strip("'") for p in match["key"].split(".")]
            if inside and key[:2] != ["howtos", name]:
                kept += notes  # they introduce the next table, not the entry
            inside = key[:2] == ["howtos", name]
        if not inside:
            kept.append(line)
        else:
            notes = [*notes, line] if line.lstrip().startswith("#") else []
    while inside and kept and not kept[-1].strip():  # the entry was last: no blank line left
        kept.pop()
    new = "".join(kept)
    after = parse(new, where)
    if name in after or after != {k: v for k, v in before.items() if k != name}:
        raise HowtoError(
            f"cannot take the entry for {name!r} out of {where} on its own; nothing was changed",
            f"remove its [howtos.{name}] table by hand, commit, then run the command again",
        )
    return new
