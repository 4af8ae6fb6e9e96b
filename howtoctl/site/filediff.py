"""One file of a HOWTO diff, prepared for display: highlighted lines, rows and changed words.

Highlighting lexes whole text. When the caller has the file as it is on the base branch and
every hunk matches it, both sides are lexed as whole files (the new side rebuilt by applying
the hunks), so a hunk that starts inside a docstring is still coloured right. Otherwise each
hunk's old and new side is lexed as one text on its own.

Rows for the side-by-side view: context lines face themselves; in a run of removed lines
followed by added ones, a removed line faces an added line only when the two are similar
(difflib's ratio, the most similar pair first, in order, as difflib's ndiff pairs lines for
HtmlDiff); every other line faces an empty cell. Paired lines get their changed words marked
(difflib on word tokens).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Sequence

from howtoctl.model.patch import FilePatch, Hunk
from howtoctl.site import highlight

# Below this similarity two paired lines are simply different: marking every word would be noise.
MIN_WORD_DIFF_RATIO = 0.4
_WORD_RE = re.compile(r"\w+|\s+|[^\w\s]")
# Below this similarity (difflib's ratio on the stripped lines) a removed and an added line
# are shown on rows of their own: a renamed variable pairs, an unrelated new comment does not.
MIN_PAIR_RATIO = 0.5
# Runs longer than this are paired in order (k-th with k-th, when similar): the best-pair
# search compares every removed line with every added one.
MAX_PAIR_SEARCH = 10_000


@dataclasses.dataclass(frozen=True)
class Cell:
    number: int
    html: str


@dataclasses.dataclass(frozen=True)
class UnifiedLine:
    kind: str  # 'ctx', 'del', 'add' or 'meta' ("\ No newline at end of file")
    old_number: int | None
    new_number: int | None
    html: str


@dataclasses.dataclass(frozen=True)
class Row:
    """A side-by-side row; `old` or `new` is None where that side has no line."""

    kind: str  # 'ctx', 'change' (a removed line facing an added one), 'del' or 'add'
    old: Cell | None
    new: Cell | None


@dataclasses.dataclass(frozen=True)
class HunkView:
    header: str  # "@@ -12,7 +12,9 @@"
    section: str  # the function or class git names after the header
    lines: tuple[UnifiedLine, ...]
    rows: tuple[Row, ...]


@dataclasses.dataclass(frozen=True)
class FileView:
    path: str
    old_path: str | None
    new_path: str | None
    status: str  # 'modified', 'new', 'deleted', 'renamed' or 'mode'
    added: int
    removed: int
    notes: tuple[str, ...]  # mode changes and the like, as plain text
    hunks: tuple[HunkView, ...]
    whole_file: bool  # highlighted from the whole file (else hunk by hunk)


def split_source(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _decode(line: bytes) -> tuple[str, str]:
    return line[:1].decode("ascii", "replace"), line[1:].decode("utf-8", "replace")


def _old_lines(body: Sequence[tuple[str, str]]) -> list[str]:
    return [t for tag, t in body if tag in (" ", "-")]


def _new_lines(body: Sequence[tuple[str, str]]) -> list[str]:
    return [t for tag, t in body if tag in (" ", "+")]


def _old_offset(h: Hunk) -> int:
    """0-based index of the hunk's first old line (git numbers an empty side by the line before)."""
    return h.old_start if h.old_count == 0 else h.old_start - 1


def _new_offset(h: Hunk) -> int:
    return h.new_start if h.new_count == 0 else h.new_start - 1


def _apply(old: list[str], hunks: Sequence[Hunk], bodies) -> list[str] | None:
    """The new file, or None when the hunks do not match `old` exactly where they say."""
    new: list[str] = []
    pos = 0
    for h, body in zip(hunks, bodies, strict=True):
        start = _old_offset(h)
        want = _old_lines(body)
        if start < pos or old[start : start + len(want)] != want:
            return None
        new.extend(old[pos:start])
        if len(new) != _new_offset(h):
            return None
        new.extend(_new_lines(body))
        pos = start + len(want)
    new.extend(old[pos:])
    return new


def _highlighted_sides(fp: FilePatch, bodies, old_source: str | None):
    """({old line number: segments}, {new line number: segments}, whole_file)."""
    path = fp.path
    if fp.old_path is not None and old_source is not None:
        old = split_source(old_source)
        new = _apply(old, fp.hunks, bodies)
        if new is not None:
            old_lex = highlight.lex_lines(old, fp.old_path)
            new_lex = highlight.lex_lines(new, fp.new_path or fp.old_path)
            old_map = {i + 1: seg for i, seg in enumerate(old_lex)}
            new_map = {i + 1: seg for i, seg in enumerate(new_lex)}
            return old_map, new_map, True
    old_map: dict[int, highlight.Line] = {}
    new_map: dict[int, highlight.Line] = {}
    for h, body in zip(fp.hunks, bodies, strict=True):
        for i, seg in enumerate(highlight.lex_lines(_old_lines(body), fp.old_path or path)):
            old_map[h.old_start + i] = seg
        for i, seg in enumerate(highlight.lex_lines(_new_lines(body), fp.new_path or path)):
            new_map[h.new_start + i] = seg
    # A new or deleted file's single hunk is the whole file: this was whole-file lexing too.
    whole = fp.old_path is None or fp.new_path is None
    return old_map, new_map, whole


def word_marks(a: str, b: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Character ranges of `a` and `b` that differ, compared word by word."""
    ta, tb = _WORD_RE.findall(a), _WORD_RE.findall(b)
    sm = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    if sm.ratio() < MIN_WORD_DIFF_RATIO:
        return [], []
    oa, ob = [0], [0]
    for t in ta:
        oa.append(oa[-1] + len(t))
    for t in tb:
        ob.append(ob[-1] + len(t))
    ma, mb = [], []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        if i1 < i2:
            ma.append((oa[i1], oa[i2]))
        if j1 < j2:
            mb.append((ob[j1], ob[j2]))
    return ma, mb


def _similar(a: str, b: str) -> float:
    sm = difflib.SequenceMatcher(None, a.strip(), b.strip(), autojunk=False)
    # The cheap upper bounds first, as difflib's ndiff does.
    if sm.real_quick_ratio() < MIN_PAIR_RATIO or sm.quick_ratio() < MIN_PAIR_RATIO:
        return 0.0
    return sm.ratio()


def pair_lines(removed: Sequence[str], added: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Rows for a run of removed lines followed by added ones, as (removed index, added index),
    None for an empty side: the most similar pair at or above MIN_PAIR_RATIO faces itself,
    then the lines before it and after it are paired the same way (difflib's _fancy_replace);
    a line left without a similar partner gets a row of its own, removed lines first."""
    if len(removed) * len(added) > MAX_PAIR_SEARCH:
        rows: list[tuple[int | None, int | None]] = []
        for k in range(max(len(removed), len(added))):
            d = k if k < len(removed) else None
            a = k if k < len(added) else None
            if d is not None and a is not None and _similar(removed[d], added[a]) < MIN_PAIR_RATIO:
                rows += [(d, None), (None, a)]
            else:
                rows.append((d, a))
        return rows

    def pair(dlo: int, dhi: int, alo: int, ahi: int) -> list[tuple[int | None, int | None]]:
        best, at = MIN_PAIR_RATIO, None
        for d in range(dlo, dhi):
            for a in range(alo, ahi):
                score = _similar(removed[d], added[a])
                if score > best or (score == best and at is None):
                    best, at = score, (d, a)
        if at is None:
            return [(d, None) for d in range(dlo, dhi)] + [(None, a) for a in range(alo, ahi)]
        d, a = at
        return [*pair(dlo, d, alo, a), (d, a), *pair(d + 1, dhi, a + 1, ahi)]

    return pair(0, len(removed), 0, len(added))


Numbered = tuple[str, str, int | None, int | None]  # tag, text, old number, new number


def _number(h: Hunk, body) -> list[Numbered]:
    """Each line of a hunk with its numbers on the old and the new side."""
    old_no, new_no = h.old_start, h.new_start
    numbered: list[Numbered] = []
    for tag, text in body:
        if tag == " ":
            numbered.append((tag, text, old_no, new_no))
        elif tag == "-":
            numbered.append((tag, text, old_no, None))
        elif tag == "+":
            numbered.append((tag, text, None, new_no))
        else:
            numbered.append(("\\", text, None, None))
        old_no += tag in (" ", "-")
        new_no += tag in (" ", "+")
    return numbered


def _pair_runs(numbered: list[Numbered]):
    """(kind, old index, new index) for each side-by-side row, and the changed words of the
    lines paired as a change (index: marks): a run of removed lines followed by added ones is
    paired line by line."""
    marks: dict[int, list[tuple[int, int]]] = {}
    pairs = []
    i, n = 0, len(numbered)
    while i < n:
        tag = numbered[i][0]
        if tag not in (" ", "-", "+"):
            i += 1
            continue
        if tag == " ":
            pairs.append(("ctx", i, i))
            i += 1
            continue
        dels, i = _run(numbered, i, "-")
        adds, i = _run(numbered, i, "+")
        for d, a in pair_lines([numbered[d][1] for d in dels], [numbered[a][1] for a in adds]):
            d = dels[d] if d is not None else None
            a = adds[a] if a is not None else None
            if d is not None and a is not None:
                marks[d], marks[a] = word_marks(numbered[d][1], numbered[a][1])
                pairs.append(("change", d, a))
            else:
                pairs.append(("del", d, None) if d is not None else ("add", None, a))
    return pairs, marks


def _run(numbered: list[Numbered], i: int, tag: str) -> tuple[list[int], int]:
    """The indexes of the lines tagged `tag` from `i` on (skipping "\\ No newline" lines),
    and the index after them."""
    found = []
    while i < len(numbered) and numbered[i][0] in (tag, "\\"):
        if numbered[i][0] == tag:
            found.append(i)
        i += 1
    return found, i


def _hunk_view(h: Hunk, body, old_map, new_map) -> HunkView:
    numbered = _number(h, body)
    pairs, marks = _pair_runs(numbered)

    def cell(number: int | None, text: str, side_map, idx: int) -> Cell:
        segs = side_map.get(number) or highlight.plain(text)
        return Cell(number, highlight.line_html(segs, marks.get(idx, ())))

    rows = [
        Row(
            kind,
            cell(numbered[d][2], numbered[d][1], old_map, d) if d is not None else None,
            cell(numbered[a][3], numbered[a][1], new_map, a) if a is not None else None,
        )
        for kind, d, a in pairs
    ]
    lines = []
    for idx, (tag, text, o, nn) in enumerate(numbered):
        if tag == " ":
            segs = new_map.get(nn) or old_map.get(o) or highlight.plain(text)
            lines.append(UnifiedLine("ctx", o, nn, highlight.line_html(segs)))
        elif tag == "-":
            lines.append(UnifiedLine("del", o, None, cell(o, text, old_map, idx).html))
        elif tag == "+":
            lines.append(UnifiedLine("add", None, nn, cell(nn, text, new_map, idx).html))
        else:
            meta = highlight.line_html(highlight.plain("\\" + text))
            lines.append(UnifiedLine("meta", None, None, meta))
    return HunkView(h.ranges, h.section, tuple(lines), tuple(rows))


def file_view(fp: FilePatch, old_source: str | None = None) -> FileView:
    """Prepare one file of a parsed patch; `old_source` is the file on the base, if known."""
    bodies = [[_decode(ln) for ln in h.lines] for h in fp.hunks]
    old_map, new_map, whole = _highlighted_sides(fp, bodies, old_source)
    hunks = tuple(
        _hunk_view(h, body, old_map, new_map) for h, body in zip(fp.hunks, bodies, strict=True)
    )
    if fp.old_path is None:
        status = "new"
    elif fp.new_path is None:
        status = "deleted"
    elif fp.old_path != fp.new_path:
        status = "renamed"
    elif not fp.hunks:
        status = "mode"
    else:
        status = "modified"
    notes = tuple(
        h.decode("utf-8", "replace") for h in fp.headers if h.startswith((b"old mode", b"new mode"))
    )
    return FileView(
        path=fp.path,
        old_path=fp.old_path,
        new_path=fp.new_path,
        status=status,
        added=fp.added,
        removed=fp.removed,
        notes=notes,
        hunks=hunks,
        whole_file=whole,
    )
