"""The static checks a merged file must pass before an automatic resolution is trusted.

Pure functions of file contents (the names check runs ruff, or pyflakes where ruff is absent).
Each returns "" when the check passes, else what failed, in words a maintainer can act on.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping

from howtoctl.runs import process

# pyflakes rules (through ruff) about names: unused imports, redefinitions, undefined names,
# undefined names in __all__, names used before assignment, unused variables.
NAME_RULES = ("F401", "F811", "F821", "F822", "F823", "F841")


def markers(files: Mapping[str, bytes], also_in: Iterable[bytes] = ()) -> str:
    """No file holds a conflict marker, git's or wiggle's (see `conflict_markers`), beyond
    those each of the versions `also_in` holds already (the sides a merge started from)."""
    from howtoctl.model import conflict_markers

    had: collections.Counter[str] = collections.Counter()
    for version in also_in:
        seen = collections.Counter(m.text for m in conflict_markers.in_files({"": version}))
        had |= seen
    for path, data in sorted(files.items()):
        found = conflict_markers.in_files({path: data})
        extra = collections.Counter(m.text for m in found) - had
        for marker in found:
            if extra[marker.text] > 0:
                return str(marker)
    return ""


def compiles(files: Mapping[str, bytes]) -> str:
    """Every Python file compiles (with this interpreter's grammar)."""
    for path, data in sorted(files.items()):
        if not path.endswith(".py"):
            continue
        try:
            compile(data, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as e:
            line = getattr(e, "lineno", None)
            return f"{path}{f':{line}' if line else ''}: does not compile: {getattr(e, 'msg', e)}"
    return ""


def _ruff() -> list[str] | None:
    found = shutil.which("ruff") or shutil.which("ruff", path=os.path.dirname(sys.executable))
    return [found] if found else None


def name_problems(path: str, data: bytes) -> collections.Counter[tuple[str, str]] | None:
    """(rule, message) of every pyflakes name problem in a file; None when no checker exists."""
    ruff = _ruff()
    if ruff is not None:
        proc = process.run_tool(
            [
                *ruff,
                *("check", "--isolated", "--no-cache", "--output-format", "json"),
                *("--select", ",".join(NAME_RULES), "--stdin-filename", path, "-"),
            ],
            input=data,
        )
        if proc.returncode not in (0, 1):
            return collections.Counter({("E999", "ruff failed"): 1})
        return collections.Counter((d["code"], d["message"]) for d in json.loads(proc.stdout))
    try:
        from pyflakes import api, reporter
    except ImportError:
        return None
    import io

    out = io.StringIO()
    api.check(data.decode(errors="replace"), path, reporter.Reporter(out, io.StringIO()))
    return collections.Counter(
        ("pyflakes", line.split(":", 3)[-1].strip()) for line in out.getvalue().splitlines()
    )


def new_names(merged: Mapping[str, bytes], unmerged: Mapping[str, Iterable[bytes | None]]) -> str:
    """No Python file has a name problem that neither unmerged version of it had.

    `unmerged` gives, per path, the versions the merge started from (the new base's, the
    branch's); a problem counts as new when the merged file has it more often than either.
    """
    for path, data in sorted(merged.items()):
        if not path.endswith(".py"):
            continue
        found = name_problems(path, data)
        if found is None:
            return "no checker for names: install ruff (pip install ruff) or pyflakes"
        before: collections.Counter = collections.Counter()
        for version in unmerged.get(path, ()):
            if version is not None:
                before |= name_problems(path, version) or collections.Counter()
        new = found - before
        if new:
            (rule, message), *_ = sorted(new)
            return f"{path}: {rule} {message}"
    return ""


def round_trip(
    merged: bytes, ours: bytes, base: bytes, theirs: bytes, undo: Callable[..., object]
) -> str:
    """A merge of two sides' changes must be undoable: taking the new base's change (base ->
    ours) back out of it gives the branch's file, and taking the branch's change (base ->
    theirs) out gives the new base's. A hunk put in the wrong place or dropped (what
    `patch --fuzz` does when it matches the wrong context) fails this. `undo(result, before,
    after)` returns an object with `.data` and `.unresolved` (see merge_tools.undo)."""
    for change, expected, side in ((ours, theirs, "branch's"), (theirs, ours, "new base's")):
        back = undo(merged, base, change)
        if back.unresolved or _lines(back.data) != _lines(expected):
            return f"taking the other side's change back out does not give the {side} file"
    return ""


def _lines(data: bytes) -> list[bytes]:
    """The lines, trailing whitespace ignored. Leading whitespace counts: in Python (and YAML)
    a line's indentation is its place in the program."""
    return [line.rstrip() for line in data.splitlines()]


_TOKEN = re.compile(r"\w+|[^\w\s]")
GRAM = 4  # tokens: `compute_loss ( state ,` is the shape of a call an API port rewrote


def _tokens(data: bytes) -> list[str]:
    return _TOKEN.findall(data.decode(errors="replace"))


def _grams(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + GRAM]) for i in range(len(tokens) - GRAM + 1)}


def _added_grams(before: list[str], after: list[str]) -> set[tuple[str, ...]]:
    """Token sequences lying wholly inside text `after` adds to `before`."""
    import difflib

    grams: set[tuple[str, ...]] = set()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, _, _, j1, j2 in matcher.get_opcodes():
        if op in ("insert", "replace"):
            grams |= _grams(after[j1:j2])
    return grams


def removals_stay_removed(merged: bytes, ours: bytes, base: bytes, theirs: bytes) -> str:
    """The branch adds nothing, and the merge keeps nothing, that the new base removed everywhere.

    An API port on the base rewrites every `f(state, ...)` as `f(state.params, ...)`; a line the
    branch adds in the old style merges cleanly, defines no new name, compiles, and is wrong.
    Token sequences (GRAM tokens) of the old base's file that are nowhere in the new base's
    are what such a port removed: none of them may be in text the branch added, if the merge
    kept that text.
    """
    base_t, ours_t = _tokens(base), _tokens(ours)
    gone = _grams(base_t) - _grams(ours_t)
    back = _added_grams(base_t, _tokens(theirs)) & gone & _grams(_tokens(merged))
    if back:
        return "brings back " + repr(" ".join(min(back))) + ", which the new base removed"
    return ""
