"""Whether a merged HOWTO still makes the HOWTO's change (the `intent` check of auto-resolve).

The other checks prove that a merge did no harm: it compiles, brings nothing back, can be undone.
None of them sees a merge that quietly dropped the HOWTO: a candidate equal to the new base passes
them all. This one compares the HOWTO's change (old fork point -> old tip) with the candidate's
(new base -> candidate tip), line by line, whitespace ignored, as multisets:

- the candidate changes something;
- every file the HOWTO adds is in the candidate (at its path, or as it is at another path, where
  git's merge followed a directory the new base renamed);
- every line the HOWTO adds is still added, every line it removes still removed, unless the new
  base already made that change itself (it has more of the added line than the old base's file
  had, fewer of the removed one). Where the new base changed a line the HOWTO changes too, the
  merged line carries the HOWTO's change when it has the words the HOWTO's line added, not
  those it removed, and is mostly the HOWTO's line (`features=32` from the base, `dropout=0.5`
  from the HOWTO);
- where the file moved (renamed, split or merged into another on the new base), each hunk counts
  only where its added lines landed together, in one file, next to some of their old context:
  words scattered over a file that merely look alike are no carried hunk.

Pure functions of file contents; the caller reads them from git.
"""

from __future__ import annotations

import collections
import dataclasses
import difflib
import re
from collections.abc import Callable, Iterable, Mapping

Pair = tuple[bytes | None, bytes | None]  # a file (before, after) a change; None: absent
SHOWN = 3  # lines named per loss, in words and in --json
CONTEXT = 3  # lines of a hunk's context that may stand next to it where it landed

EMPTY, FILE, ADDED, REMOVED, SCATTERED = "empty", "file", "added", "removed", "scattered"


@dataclasses.dataclass(frozen=True)
class Lost:
    path: str  # the HOWTO's file ("" when the whole change is gone)
    kind: str  # EMPTY, FILE (an added file is missing), ADDED, REMOVED, SCATTERED (a hunk)
    lines: tuple[str, ...] = ()  # the lines lost (stripped), all of them

    def as_dict(self) -> dict:
        return {"path": self.path, "kind": self.kind, "lines": list(self.lines[:SHOWN])}

    def describe(self) -> str:
        if self.kind == EMPTY:
            return (
                "the merge leaves no change against the new base: the HOWTO is gone "
                "(or the new base already makes all of it)"
            )
        if self.kind == FILE:
            return f"{self.path}: the file the HOWTO adds is missing"
        shown = ", ".join(f"`{ln}`" for ln in self.lines[:SHOWN])
        more = f" (and {len(self.lines) - SHOWN} more)" if len(self.lines) > SHOWN else ""
        what = {
            ADDED: "lines the HOWTO adds are missing",
            REMOVED: "lines the HOWTO removes are still there",
            SCATTERED: "a hunk of the HOWTO did not land whole next to its context",
        }[self.kind]
        return f"{self.path}: {what}: {shown}{more}"


def describe(losses: list[Lost]) -> str:
    return "; ".join(loss.describe() for loss in losses[:SHOWN]) + (
        f"; and {len(losses) - SHOWN} more" if len(losses) > SHOWN else ""
    )


@dataclasses.dataclass(frozen=True)
class _Line:
    key: bytes  # the line without any whitespace: what is compared
    text: str  # the line as shown


def _lines(data: bytes | None) -> list[_Line]:
    """The non-blank lines of a file (blank lines carry no intent, and merges shift them)."""
    out = []
    for raw in (data or b"").splitlines():
        key = b"".join(raw.split())
        if key:
            out.append(_Line(key, raw.strip().decode(errors="replace")))
    return out


@dataclasses.dataclass
class _Hunk:
    removed: list[_Line]
    added: list[_Line]
    before: list[bytes]  # the context lines just before and after it (keys)
    after: list[bytes]


def _hunks(old: list[_Line], new: list[_Line]) -> list[_Hunk]:
    a, b = [ln.key for ln in old], [ln.key for ln in new]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [
        _Hunk(old[i1:i2], new[j1:j2], a[max(0, i1 - CONTEXT) : i1], a[i2 : i2 + CONTEXT])
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
        if op != "equal"
    ]


def _removed(hunks: list[_Hunk]) -> collections.Counter:
    return collections.Counter(ln.key for h in hunks for ln in h.removed)


def _missing(
    wanted: list[_Line], have: collections.Counter, excused: collections.Counter
) -> tuple[str, ...]:
    """The lines of `wanted` beyond what `have` and `excused` account for, in order."""
    left = have + excused
    out = []
    for ln in wanted:
        if left[ln.key] > 0:
            left[ln.key] -= 1
        else:
            out.append(ln.text)
    return tuple(out)


_TOKEN = re.compile(r"\w+|[^\w\s]")
SIMILAR = 0.5  # how alike a merged line and the HOWTO's must be to be the same line, merged


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _carries(old: _Line | None, new: _Line, merged: _Line) -> bool:
    """Whether `merged` is the HOWTO's line `new`: as it is, or, where `new` replaced the old
    file's line `old` and the new base changed that line too, with the two sides' words merged
    (`features=32` from the base, `dropout=0.5` from the HOWTO)."""
    if merged.key == new.key:
        return True
    if old is None:
        return False
    was, want, got = (collections.Counter(_tokens(x.text)) for x in (old, new, merged))
    added, removed = want - was, was - want
    if any(got[t] < n for t, n in added.items()) or any(got[t] > want[t] for t in removed):
        return False
    return difflib.SequenceMatcher(None, _tokens(new.text), _tokens(merged.text)).ratio() >= SIMILAR


def _replaced(hunk: _Hunk, new: _Line) -> _Line | None:
    """The old line `new` replaced (the likeliest of the hunk's removed lines), if any."""
    return max(
        hunk.removed,
        key=lambda r: difflib.SequenceMatcher(None, _tokens(r.text), _tokens(new.text)).ratio(),
        default=None,
    )


def _missing_added(
    hunks: list[_Hunk], got: list[_Line], excused: collections.Counter
) -> tuple[str, ...]:
    """The lines the HOWTO adds that the candidate does not: neither as they are (`got`: the
    lines the candidate adds), nor taken by the new base (`excused`), nor merged word by word
    into a line the new base changed too."""
    left = collections.Counter(ln.key for ln in got)
    excused = collections.Counter(excused)
    unmatched = []
    for h in hunks:
        for ln in h.added:
            if left[ln.key] > 0:
                left[ln.key] -= 1
            elif excused[ln.key] > 0:
                excused[ln.key] -= 1
            else:
                unmatched.append((h, ln))
    spare = []
    for ln in got:
        if left[ln.key] > 0:
            left[ln.key] -= 1
            spare.append(ln)
    out = []
    for h, ln in unmatched:
        old = _replaced(h, ln)
        merged = next((c for c in spare if old is not None and _carries(old, ln, c)), None)
        if merged is None:
            out.append(ln.text)
        else:
            spare.remove(merged)
    return tuple(out)


def _landed_whole(hunk: _Hunk, wanted: list[_Line], files: list[list[_Line]]) -> bool:
    """Whether the lines `wanted` (a hunk's added lines; each as it is or merged word by word,
    see `_carries`) stand together in one of `files`, right after one of the hunk's leading
    context lines or right before one of its trailing ones."""
    olds = [_replaced(hunk, ln) for ln in wanted]
    n = len(wanted)
    for lines in files:
        for i in range(len(lines) - n + 1):
            if not all(
                _carries(o, w, c) for o, w, c in zip(olds, wanted, lines[i : i + n], strict=True)
            ):
                continue
            if not hunk.before and not hunk.after:
                return True
            if (i > 0 and lines[i - 1].key in hunk.before) or (
                i + n < len(lines) and lines[i + n].key in hunk.after
            ):
                return True
    return False


def lost(
    howto: Mapping[str, Pair],
    candidate: Mapping[str, Pair],
    new_base: Callable[[str], bytes | None],
    moved: Mapping[str, str],
) -> list[Lost]:
    """What of the HOWTO's change the candidate no longer makes ([] when nothing is lost).

    `howto`: {path: (old fork point's file, old tip's file)} for every path the HOWTO changes;
    `candidate`: the same from the new base to the candidate's tip; `new_base(path)` reads the
    new base's file; `moved`: {old path: new path} for the files the new base renamed (as git
    detects them from the old fork point).
    """
    if not candidate:
        return [Lost("", EMPTY)]

    def after(path: str) -> bytes | None:
        return candidate[path][1] if path in candidate else new_base(path)

    changed_files = [_lines(data) for _, data in candidate.values()]
    losses: list[Lost] = []
    for path, (old, new) in sorted(howto.items()):
        if old is None and new is not None and after(path) is None:
            if not _carried_elsewhere(new, candidate):
                losses.append(Lost(path, FILE))
            continue
        losses += _file_losses(path, old, new, new_base, after, moved, changed_files)
    return losses


def _carried_elsewhere(new: bytes, candidate: Mapping[str, Pair]) -> bool:
    """Whether a file the HOWTO adds is another path's new file in the candidate: carried
    along a directory the new base renamed."""
    keys = [ln.key for ln in _lines(new)]
    return any(b is None and [ln.key for ln in _lines(a)] == keys for b, a in candidate.values())


def _file_losses(
    path: str,
    old: bytes | None,
    new: bytes | None,
    new_base: Callable[[str], bytes | None],
    after: Callable[[str], bytes | None],
    moved: Mapping[str, str],
    changed_files: list,
) -> list[Lost]:
    """What the candidate lost of the HOWTO's change to one file it had before."""
    losses: list[Lost] = []
    gone = new_base(path) is None and old is not None
    target = moved.get(path) if gone else path
    before_lines, old_lines = _lines(new_base(target) if target else None), _lines(old)
    hunks = _hunks(old_lines, _lines(new))
    got = _hunks(before_lines, _lines(after(target) if target else None))
    # What the new base did itself: more of an added line than the old file had, fewer of a
    # removed one.
    in_new = collections.Counter(ln.key for ln in before_lines)
    in_old = collections.Counter(ln.key for ln in old_lines)
    took_added, took_removed = in_new - in_old, in_old - in_new
    lines_removed = [ln for h in hunks for ln in h.removed]
    missing = _missing(lines_removed, _removed(got), took_removed)
    if missing:
        losses.append(Lost(path, REMOVED, missing))
    if not gone:
        missing = _missing_added(hunks, [ln for h in got for ln in h.added], took_added)
        if missing:
            losses.append(Lost(path, ADDED, missing))
        return losses
    # Moved away: each hunk must have landed whole, next to its context, in one file.
    for h in hunks:
        wanted = [ln for ln in h.added if took_added[ln.key] <= 0]
        if wanted and not _landed_whole(h, wanted, changed_files):
            losses.append(Lost(path, SCATTERED, tuple(ln.text for ln in wanted)))
    return losses


def own_tests(test_ids: Iterable[str], files: Iterable[str]) -> list[str]:
    """The tests of `test_ids` (a JUnit report's 'dir/module.py::name', relative to wherever
    pytest put its root) that live in one of `files` (the HOWTO's changed files)."""
    from howtoctl.model.counted_hunks import (
        is_test_file,  # (pure; imported here to keep layers apart
    )

    # Only test files hold tests: a test under model/ is none of ex/model.py's.
    modules = {
        f[: -len(".py")].replace("/", ".") for f in files if f.endswith(".py") and is_test_file(f)
    }
    found = []
    for test in test_ids:
        where = test.split("::", 1)[0]
        parts = where.removesuffix(".py").replace("/", ".").split(".")
        # A class's tests carry its name after the module's: try each leading part.
        prefixes = {".".join(parts[:k]) for k in range(1, len(parts) + 1)}
        if any(m == p or m.endswith("." + p) for m in modules for p in prefixes):
            found.append(test)
    return found
