"""Conflict markers a change adds: the one scan behind `save`, `check`, `resolve --continue`
and auto-resolve's no-markers check (`verify.markers`). Pure: bytes in, findings out.

What counts, on an added line only (a line a diff removes, or keeps as context, never does, so
a file that documents markers can still be edited):

- git's and wiggle's line markers, as `git diff --check` sees them: exactly 7 of `<`, `|`,
  `>` (git, diff3's `|||||||`) or `&` (wiggle --show-wiggles' `&&&&&&&`), then a space or the
  end of the line;
- `=======`, but only between an added `<<<<<<<` and the `>>>>>>>` that closes it: alone it
  is a reStructuredText or Markdown underline;
- wiggle's word markers `<<<---` and `--->>>` anywhere in the line (`<<<---found|||expected===
  replacement--->>>`; its `|||` and `===` are common code, and never come without those two).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping

_LINE = re.compile(rb"^([<|>&])\1{6}(?:\s|$)")
_SEPARATOR = re.compile(rb"^={7}(?:\s|$)")
_WORDS = (b"<<<---", b"--->>>")
_HUNK = re.compile(rb"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclasses.dataclass(frozen=True)
class Marker:
    path: str
    line: int  # in the file as the change leaves it
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: conflict marker {self.text!r}"


def scan(path: str, lines: Iterable[tuple[int, bytes, bool]]) -> list[Marker]:
    """The markers among `lines`: (line number, text, added?) of one file, in order."""
    found = []
    inside = False  # between an added `<<<<<<<` and its `>>>>>>>`
    for number, text, added in lines:
        if not added:
            continue
        m = _LINE.match(text)
        if m:
            inside = {b"<": True, b">": False}.get(m.group(1), inside)
        marked = bool(m) or (inside and _SEPARATOR.match(text)) or any(w in text for w in _WORDS)
        if marked:
            shown = text.decode(errors="replace").strip()[:40]
            found.append(Marker(path, number, shown))
    return found


def in_files(files: Mapping[str, bytes]) -> list[Marker]:
    """Markers anywhere in whole files (every line counts as added), by path."""
    found = []
    for path, data in sorted(files.items()):
        found += scan(path, ((n, ln, True) for n, ln in enumerate(data.splitlines(), 1)))
    return found


def in_diff(diff: bytes) -> list[Marker]:
    """Markers on the lines a `git diff` (unified, any context) adds, in its order."""
    found: list[Marker] = []
    path = ""
    lines: list[tuple[int, bytes, bool]] = []
    old_left = new_left = 0
    number = 0
    for line in diff.split(b"\n"):
        if old_left > 0 or new_left > 0:  # inside a hunk: its counts say where it ends
            tag = line[:1]
            if tag == b"+":
                lines.append((number, line[1:], True))
                number, new_left = number + 1, new_left - 1
            elif tag == b"-":
                old_left -= 1
            elif tag in (b" ", b""):
                lines.append((number, line[1:], False))
                number, old_left, new_left = number + 1, old_left - 1, new_left - 1
            continue
        if line.startswith(b"diff --git "):
            found += scan(path, lines)
            path, lines = "", []
        elif line.startswith(b"+++ "):
            path = _path(line[4:])
        elif m := _HUNK.match(line):
            old_left = 1 if m.group(1) is None else int(m.group(1))
            number = int(m.group(2))
            new_left = 1 if m.group(3) is None else int(m.group(3))
    return found + scan(path, lines)


def _path(name: bytes) -> str:
    text = name.decode(errors="replace").rstrip("\t")
    if text.startswith('"') and text.endswith('"'):  # git quotes unusual names
        text = text[1:-1]
    return text.removeprefix("b/")


def describe(found: list[Marker], shown: int = 3) -> str:
    """The first few findings on one line, and how many more there are."""
    more = len(found) - shown
    return "; ".join(map(str, found[:shown])) + (f" (and {more} more)" if more > 0 else "")
