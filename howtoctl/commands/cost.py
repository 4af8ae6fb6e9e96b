"""`howtoctl cost`: what each HOWTO has cost to keep, from the base branch's history (read-only).

Plan: read the timeline (`cost_history`) and any smoke-test times (`--junit`); report: the
figures (`cost`), HOWTOs ordered by cost, then the repository's total.
"""

from __future__ import annotations

import datetime
import os

from howtoctl import cost, cost_history, fsutil, output
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.runs import junit
from howtoctl.workspace import Workspace

_MAX_JUNIT_BYTES = 1 << 24


def _not_a_file(path: str) -> str:
    """Why a report could not be read: only a regular file is (no link, pipe or device)."""
    if os.path.islink(path):
        return "is a symbolic link; give the file it leads to"
    if os.path.isdir(path):
        return "is a directory, not a JUnit XML report"
    if os.path.lexists(path):
        return "is not a regular file (a pipe or a device?)"
    return "no such file"


def _gate_seconds(paths: tuple[str, ...]) -> dict[str, float]:
    """Each HOWTO's smoke-test seconds in the given `howtoctl test --junit` reports (a later
    report wins)."""
    seconds: dict[str, float] = {}
    for path in paths:
        data = fsutil.read_private(path, _MAX_JUNIT_BYTES)
        if data is None:
            raise HowtoError(f"--junit {path}: {_not_a_file(path)}")
        found = junit.seconds_by_howto(data)
        if found is None:
            raise HowtoError(f"--junit {path} is not a JUnit XML report")
        seconds.update(found)
    return seconds


def run(
    ws: Workspace,
    *,
    requested: tuple[str, ...],
    since: str | None = None,
    junit_paths: tuple[str, ...] = (),
    as_json: bool = False,
) -> int:
    seconds = _gate_seconds(junit_paths)
    history = cost_history.read(ws, requested, since)
    cost.add_gate_times(history.figures, seconds)
    if not history.commits:
        raise HowtoError(
            f"no commits on {ws.base} in the range (--since {since})",
            "give an earlier date or commit",
        )
    first, last = history.commits[0], history.commits[-1]
    doc = cost.report(
        history.figures, last, base=ws.base, first=first, since=since, commits=len(history.commits)
    )
    if as_json:
        output.emit_json(doc)
        return EXIT_OK
    rows = [
        (
            r["name"],
            str(r["cost"]),
            str(r["base_moves"]),
            str(r["breaks"]),
            str(r["human_fixes"]),
            str(r["auto_resolved"]),
            f"{r['broken_days']:.1f}",
            "yes" if r["broken_now"] else "",
            _date(r["last_human_touch"]),
            "" if r["smoke_seconds"] is None else f"{r['smoke_seconds']:.1f}s",
        )
        for r in doc["howtos"]
    ]
    output.table(
        [
            "HOWTO",
            "cost",
            "moves",
            "breaks",
            "human fixes",
            "auto",
            "days broken",
            "broken",
            "last human",
            "smoke",
        ],
        rows,
    )
    t = doc["total"]
    output.info(
        f"{len(rows)} HOWTO(s) over {len(history.commits)} commit(s) of {ws.base} "
        f"({_date({'time': first.time})} to {_date({'time': last.time})}): cost {t['cost']}, "
        f"{t['breaks']} break(s), {t['human_fixes']} human fix(es), "
        f"{t['auto_resolved']} auto-resolved, {t['broken_days']:.1f} day(s) broken"
    )
    output.info(f"cost = {cost.COST_DEFINITION}")
    return EXIT_OK


def _date(entry: dict | None) -> str:
    if not entry:
        return ""
    return datetime.datetime.fromtimestamp(entry["time"], datetime.UTC).strftime("%Y-%m-%d")
