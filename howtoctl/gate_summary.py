"""The PR gate's job summary: a Markdown table of the HOWTOs a step ran on, appended to the file
GitHub Actions names in $GITHUB_STEP_SUMMARY (nothing is written where it is unset).

Each gate step (`check`, `test`, `prove`) adds a table of the same shape, filling its own time
column: each HOWTO still applies, was auto-resolved (awaiting review), or needs its author,
with the command that author runs.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

from howtoctl import fsutil
from howtoctl.statuses import Gate

VARIABLE = "GITHUB_STEP_SUMMARY"
APPLIES = Gate.APPLIES
AUTO_RESOLVED = Gate.AUTO_RESOLVED
NEEDS_AUTHOR = Gate.NEEDS_AUTHOR
STEPS = ("check", "smoke test", "prove")


@dataclasses.dataclass(frozen=True)
class Row:
    name: str
    state: Gate
    step: str  # one of STEPS: the column `seconds` goes in
    seconds: float
    detail: str = ""
    todo: str = ""  # what its author runs: a command, or a sentence naming one


def target() -> str | None:
    return os.environ.get(VARIABLE) or None


def check_target(git_dirs: tuple[str, ...]) -> None:
    """Refuse a bad summary file before any work, as `--junit FILE` is: not a regular file, a
    pipe or a name to create, or inside git's directories (`git_dirs`)."""
    path = target()
    if path:
        fsutil.require_outside_git(path, f"${VARIABLE}", git_dirs)
        fsutil.check_report(path, f"${VARIABLE}")


def _cell(text: str) -> str:
    # A pipe would end the cell, a line break the row.
    return " ".join(text.split()).replace("|", "\\|")


def _todo(text: str) -> str:
    if not text:
        return ""
    if text.startswith("howtoctl ") and "`" not in text:
        return f"`{_cell(text)}`"
    return _cell(text)


def markdown(title: str, rows: Sequence[Row]) -> str:
    lines = [f"### {_cell(title)}", ""]
    if not rows:
        return "\n".join([*lines, "No HOWTO affected.", "", ""])
    lines += [
        "| HOWTO | state | " + " | ".join(f"{s} (s)" for s in STEPS) + " | detail | to do |",
        "|---|---|" + "--:|" * len(STEPS) + "---|---|",
    ]
    for r in rows:
        times = [f"{r.seconds:.1f}" if s == r.step else "" for s in STEPS]
        cells = [f"`{r.name}`", r.state, *times, _cell(r.detail), _todo(r.todo)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join([*lines, "", ""])


def write(title: str, rows: Sequence[Row]) -> None:
    """Append the table to the job summary, where GitHub Actions names one (`check_target`
    vetted it before the command's work)."""
    path = target()
    if path:
        fsutil.append_report(path, markdown(title, rows), f"${VARIABLE}")
