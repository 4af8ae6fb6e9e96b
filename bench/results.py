"""The one way a benchmark keeps its figures: bench/results/NAME.json, rendered by the docs.

    run = results.Run("rebase_all", what="...", goal="...")   # before measuring
    ...
    run.write(measured={...}, baseline={...}, ratio=..., ratio_means="...", goal_met=..., **more)

Every file says what was measured, on which machine (CPU count, load average when the run
started and when it ended, git and Python versions: this machine is shared, so a figure means
little without them), the baseline measured in the same run, the ratio of the two and the goal.
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import platform
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
FOLDER = pathlib.Path("bench", "results")


def _git_version() -> str:
    proc = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False)
    return proc.stdout.strip().removeprefix("git version ")


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def destination(name: str, root: pathlib.Path = ROOT) -> pathlib.Path:
    """ROOT/bench/results/NAME.json; a ValueError for a name that would land anywhere else."""
    folder = (root / FOLDER).resolve()
    path = (folder / f"{name}.json").resolve()  # a symlink out of the folder is refused too
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name) or path.parent != folder:
        raise ValueError(f"{name!r}: a benchmark writes only bench/results/NAME.json")
    return path


class Run:
    """One benchmark run: notes the machine's load when it starts, writes the figures at the end."""

    def __init__(self, name: str, what: str, goal: str, root: pathlib.Path = ROOT):
        self.path = destination(name, root)  # refused now, not after minutes of measuring
        self.what = what
        self.goal = goal
        self.started = datetime.datetime.now(datetime.UTC)
        self.load_start = _load()

    def machine(self) -> dict:
        return {
            "cpus": os.cpu_count(),
            "load_average_start": self.load_start,
            "load_average_end": _load(),
            "load_average_means": "1, 5 and 15 minute load averages (os.getloadavg)",
            "python": platform.python_version(),
            "git": _git_version(),
            "platform": platform.platform(),
        }

    def write(
        self,
        *,
        measured: dict,
        baseline: dict | None,
        ratio: float | None,
        ratio_means: str,
        goal_met: bool | None,
        **figures,
    ) -> pathlib.Path:
        """Write the file (scalars first, so the docs' table of them opens the section) and
        print where. `baseline` is None only where nothing comparable runs in the same run."""
        doc = {
            "what": self.what,
            "goal": self.goal,
            "goal_met": goal_met,
            "ratio": ratio,
            "ratio_means": ratio_means,
            "date": self.started.isoformat(timespec="seconds"),
            "seconds": round(
                (datetime.datetime.now(datetime.UTC) - self.started).total_seconds(), 1
            ),
            "measured": measured,
            "baseline": baseline,
            **figures,
            "machine": self.machine(),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"wrote {self.path}", file=sys.stderr)
        return self.path


def is_scalar(value) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def ratio(numerator: float, denominator: float, digits: int = 2) -> float | None:
    return round(numerator / denominator, digits) if denominator else None
