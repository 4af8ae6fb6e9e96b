"""Optional HOWTO metadata: one small TOML file (default `howtos/manifest.toml`).

    [howtos.polyak-averaging]
    title = "Polyak averaging"
    summary = "Keep an exponential moving average of the parameters and evaluate it."
    example = "examples/mnist"              # the example directory the HOWTO modifies
    test = "python -m pytest -q examples/mnist"   # its smoke test (optional)

A repository without the file still works: names then come from diff files and branches.
"""

from __future__ import annotations

import dataclasses
import json

from howtoctl import names
from howtoctl.errors import HowtoError

_FIELDS = ("title", "summary", "example", "test")


@dataclasses.dataclass(frozen=True)
class Entry:
    name: str
    title: str = ""
    summary: str = ""
    example: str = ""
    test: str = ""


def parse(text: str | None, where: str = "manifest") -> dict[str, Entry]:
    if not text:
        return {}
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise HowtoError(f"{where} is not valid TOML: {e}") from None
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
        unknown = set(fields) - set(_FIELDS)
        if unknown:
            raise HowtoError(
                f"{where}: [howtos.{name}] has unknown key(s) {', '.join(sorted(unknown))}",
                f"known keys: {', '.join(_FIELDS)}",
            )
        for key, value in fields.items():
            if not isinstance(value, str):
                raise HowtoError(f"{where}: [howtos.{name}] {key} must be a string")
        entries[name] = Entry(name=name, **fields)
    return entries


def _toml_string(value: str) -> str:
    # JSON string escapes (\" \\ \n \t \uXXXX) are all valid TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def render_entry(entry: Entry) -> str:
    lines = [f"[howtos.{entry.name}]"]
    for key in _FIELDS:
        value = getattr(entry, key)
        if value:
            lines.append(f"{key} = {_toml_string(value)}")
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
