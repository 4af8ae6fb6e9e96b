"""What each HOWTO has cost to keep, from its timeline on the base branch (pure, no git).

The history layer (`cost_history`) turns the base branch's first-parent history into one
`Step` per commit that changed a HOWTO's diff file or a file its diff touches, each with
whether the diff applied after it; `figures` turns those steps into the numbers
`howtoctl cost` reports. Definitions (also in the README):

- a *base move* is a commit that changed a file the HOWTO's diff touches while the diff
  existed; it *left the diff applying* or *broke* it (or found it already broken);
- a *broken stretch* runs from the commit after which the diff stopped applying to the commit
  after which it applied again, counted in base commits and in days (committer dates); it
  ends by a *human fix* (a commit rewrote the diff), an *auto-resolution* (the rewritten diff
  is one `rebase-all --auto-resolve` made, by its commit trailers), a *base fix* (a later base
  change alone made it apply again) or the diff's removal; a stretch still open at the end of
  the range is counted up to its last commit;
- **cost** = human fixes, plus one if the diff is broken at the end of the range: the times
  a person had to (or has to) mend the HOWTO because the base moved. HOWTOs are ordered by
  cost, then by days broken, then by name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

COST_DEFINITION = (
    "human fixes (commits that rewrote the diff after the base broke it), plus one if the "
    "diff is broken at the end of the range"
)
SCHEMA_VERSION = 1
DAY = 86400


@dataclasses.dataclass(frozen=True)
class Commit:
    oid: str
    time: int  # committer time, seconds since the epoch
    index: int  # position on the base branch's first-parent line


@dataclasses.dataclass(frozen=True)
class Step:
    """One base commit that changed a HOWTO's diff file or a file its diff touches."""

    commit: Commit
    author: str
    diff_before: str | None  # blob of the diff file before the commit (None: absent)
    diff_after: str | None
    files_changed: bool  # the commit changed a file the diff touches
    applies_old: bool | None  # the old diff on the new files (None: no old diff or no move)
    applies_new: bool | None  # the new diff on the new files (None: no diff after)
    added: int = 0  # the diff's + and - lines after the commit
    removed: int = 0
    auto: str = ""  # how howtoctl auto-resolved the new diff (its trailers), or ""


@dataclasses.dataclass
class Stretch:
    broke_at: Commit
    broke_by: str  # "base": a base move; "diff": the diff was written broken
    fixed_at: Commit | None = None
    fixed_by: str = ""  # "human" | "auto-resolve" | "base" | "removed" | "" (still broken)
    base_moves: int = 1

    def commits(self, last: Commit) -> int:
        end = self.fixed_at.index if self.fixed_at else last.index + 1
        return end - self.broke_at.index

    def days(self, last: Commit) -> float:
        end = self.fixed_at.time if self.fixed_at else last.time
        return max(0, end - self.broke_at.time) / DAY


@dataclasses.dataclass
class Figures:
    name: str
    exists: bool = False  # the diff file is there at the end of the range
    base_moves: int = 0
    moves_applying: int = 0  # base moves that left the diff applying
    breaks: int = 0  # base moves that broke it
    moves_while_broken: int = 0
    human_fixes: int = 0
    auto_resolved: int = 0
    base_fixes: int = 0
    human_edits: int = 0  # rewrites of a diff that applied (improvements, not repairs)
    stretches: list[Stretch] = dataclasses.field(default_factory=list)
    lines: list[dict] = dataclasses.field(default_factory=list)
    last_human_touch: dict | None = None
    removed: Commit | None = None  # the commit that deleted the diff file (the last time)
    awaiting_review: str = ""  # an auto-resolution on its branch nobody saved yet: its method
    broken_now: bool = False
    smoke_seconds: float | None = None
    gate_share: float | None = None

    @property
    def cost(self) -> int:
        return self.human_fixes + (1 if self.broken_now else 0)


class _Tracker:
    """A HOWTO's figures as its steps come, oldest first: whether the diff is broken now, and
    the broken stretch that is open."""

    def __init__(self, name: str, first: Commit, applies_at_start: bool | None):
        self.f = Figures(name)
        self.broken = applies_at_start is False
        # Broken before the range: counted from its first commit.
        self.open: Stretch | None = Stretch(first, "before", base_moves=0) if self.broken else None

    def close(self, at: Commit, how: str) -> None:
        assert self.open is not None
        _close(self.f, self.open, at, how)
        self.open, self.broken = None, False

    def base_move(self, s: Step) -> None:
        f = self.f
        f.base_moves += 1
        if self.broken:
            f.moves_while_broken += 1
            assert self.open is not None
            self.open.base_moves += 0 if s.applies_old else 1  # the one mending it is not counted
        elif s.applies_old:
            f.moves_applying += 1
        else:
            f.breaks += 1
            self.broken, self.open = True, Stretch(s.commit, "base")
        if self.broken and s.applies_old and s.diff_before == s.diff_after:
            f.base_fixes += 1
            self.close(s.commit, "base")

    def diff_change(self, s: Step) -> None:
        f, c = self.f, s.commit
        if s.diff_after is None:
            f.removed = c
            if self.open is not None:
                self.close(c, "removed")
            self.broken = False
            return
        f.lines.append({"commit": c.oid, "time": c.time, "added": s.added, "removed": s.removed})
        if not s.auto:
            f.last_human_touch = {"commit": c.oid, "time": c.time, "author": s.author}
        if self.broken and s.applies_new:
            if s.auto:
                f.auto_resolved += 1
            else:
                f.human_fixes += 1
            self.close(c, "auto-resolve" if s.auto else "human")
        elif not self.broken and s.diff_before is not None and s.applies_new:
            f.human_edits += 0 if s.auto else 1
        elif not self.broken and not s.applies_new:
            # Written broken (or created broken).
            self.broken, self.open = True, Stretch(c, "diff", base_moves=0)


def figures(
    name: str, steps: Sequence[Step], first: Commit, applies_at_start: bool | None
) -> Figures:
    """A HOWTO's figures from its steps in the range that starts at commit `first`, oldest
    first; `applies_at_start`: whether the diff applied then (None: there was no diff)."""
    t = _Tracker(name, first, applies_at_start)
    for s in steps:
        if s.files_changed and s.diff_before is not None:
            t.base_move(s)
        if s.diff_after != s.diff_before:
            t.diff_change(s)
    f = t.f
    if t.open is not None:
        f.stretches.append(t.open)
    f.exists = steps[-1].diff_after is not None if steps else applies_at_start is not None
    f.broken_now = f.exists and t.broken
    return f


def _close(f: Figures, stretch: Stretch, at: Commit, how: str) -> None:
    stretch.fixed_at, stretch.fixed_by = at, how
    f.stretches.append(stretch)


def add_gate_times(all_figures: Sequence[Figures], seconds: Mapping[str, float]) -> None:
    """Each HOWTO's smoke-test time and its share of the gate (the sum over every HOWTO of the
    recorded run)."""
    total = sum(seconds.values())
    for f in all_figures:
        if f.name in seconds:
            f.smoke_seconds = seconds[f.name]
            f.gate_share = seconds[f.name] / total if total else 0.0


def ordered(all_figures: Sequence[Figures], last: Commit) -> list[Figures]:
    return sorted(all_figures, key=lambda f: (-f.cost, -broken_days(f, last), f.name))


def broken_days(f: Figures, last: Commit) -> float:
    return sum(s.days(last) for s in f.stretches)


def broken_commits(f: Figures, last: Commit) -> int:
    return sum(s.commits(last) for s in f.stretches)


def _commit_dict(c: Commit | None) -> dict | None:
    return None if c is None else {"commit": c.oid, "time": c.time}


def as_dict(f: Figures, last: Commit) -> dict:
    return {
        "name": f.name,
        "cost": f.cost,
        "exists": f.exists,
        "base_moves": f.base_moves,
        "moves_applying": f.moves_applying,
        "breaks": f.breaks,
        "moves_while_broken": f.moves_while_broken,
        "human_fixes": f.human_fixes,
        "auto_resolved": f.auto_resolved,
        "base_fixes": f.base_fixes,
        "human_edits": f.human_edits,
        "broken_now": f.broken_now,
        "broken_commits": broken_commits(f, last),
        "broken_days": round(broken_days(f, last), 3),
        "stretches": [
            {
                "broke_at": _commit_dict(s.broke_at),
                "broke_by": s.broke_by,
                "fixed_at": _commit_dict(s.fixed_at),
                "fixed_by": s.fixed_by,
                "base_moves": s.base_moves,
                "commits": s.commits(last),
                "days": round(s.days(last), 3),
            }
            for s in f.stretches
        ],
        "lines": f.lines,
        "last_human_touch": f.last_human_touch,
        "removed": _commit_dict(f.removed) if not f.exists else None,
        "awaiting_review": f.awaiting_review,
        "smoke_seconds": f.smoke_seconds,
        "gate_share": None if f.gate_share is None else round(f.gate_share, 4),
    }


_SUMMED = (
    "cost",
    "base_moves",
    "moves_applying",
    "breaks",
    "moves_while_broken",
    "human_fixes",
    "auto_resolved",
    "base_fixes",
    "human_edits",
    "broken_commits",
)


def report(
    all_figures: Sequence[Figures],
    last: Commit,
    *,
    base: str,
    first: Commit,
    since: str | None,
    commits: int,
) -> dict:
    """The whole `--json` document: HOWTOs ordered by cost, and the repository's total."""
    rows = [as_dict(f, last) for f in ordered(all_figures, last)]
    total: dict = {k: sum(r[k] for r in rows) for k in _SUMMED}
    total["broken_days"] = round(sum(r["broken_days"] for r in rows), 3)
    total["broken_now"] = sum(r["broken_now"] for r in rows)
    timed = [r["smoke_seconds"] for r in rows if r["smoke_seconds"] is not None]
    total["smoke_seconds"] = round(sum(timed), 3) if timed else None
    return {
        "schema": SCHEMA_VERSION,
        "cost_definition": COST_DEFINITION,
        "base": base,
        "range": {
            "since": since,
            "first": _commit_dict(first),
            "last": _commit_dict(last),
            "commits": commits,
        },
        "howtos": rows,
        "total": total,
    }


def since_time(text: str) -> int | None:
    """Seconds since the epoch for a --since date (YYYY-MM-DD, or an ISO 8601 date and time;
    UTC unless it says otherwise); None when `text` is no date (then it may name a commit)."""
    import datetime

    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return int(when.timestamp())


def start_index(times: Sequence[int], since: int) -> int:
    """Index of the first commit of the range: the first one committed at or after `since`."""
    for i, t in enumerate(times):
        if t >= since:
            return i
    return len(times)
