"""Backup refs: every ref howtoctl moves or replaces is first recorded under
`refs/howtoctl/backup/<stamp>/<branch>`, which also keeps its commits safe from `git gc`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

from howtoctl.git import RefUpdate, Repo
from howtoctl.names import BranchRef, short_branch

BACKUP_ROOT = "refs/howtoctl/backup/"
STAMP_FORMAT = "%Y%m%d-%H%M%S-%f"
# What new_stamp writes. Anything else under BACKUP_ROOT was made by someone else: it is no run,
# so it is never pruned and undo never restores from it.
_STAMP = re.compile(r"[0-9]{8}-[0-9]{6}-[0-9]{6}")


_last_stamp = ""


def new_stamp(after: str = "") -> str:
    """A sortable backup name: UTC time to the microsecond, and later than `after`.

    A run is newer than every run already recorded even when a clock was ahead when one of
    them was written (a stamp from the future): pruning keeps the newest runs and undo goes
    back to the newest, so the run just written must sort last. Not looked up otherwise: the
    backup refs are created with "must not exist yet", so a clash fails the whole transaction
    and moves nothing.
    """
    global _last_stamp
    while (stamp := datetime.datetime.now(datetime.UTC).strftime(STAMP_FORMAT)) == _last_stamp:
        pass
    latest = max(after, _last_stamp)
    if latest and stamp <= latest:
        try:
            step = datetime.datetime.strptime(latest, STAMP_FORMAT)
            stamp = (step + datetime.timedelta(microseconds=1)).strftime(STAMP_FORMAT)
        except (ValueError, OverflowError):
            pass  # no later stamp exists (year 9999, written by hand): prune still keeps this run
    _last_stamp = stamp
    return stamp


def _split(ref: str) -> tuple[str, str] | None:
    """(stamp, branch) of a backup ref howtoctl wrote, else None."""
    stamp, _, branch = ref[len(BACKUP_ROOT) :].partition("/")
    return (stamp, branch) if _STAMP.fullmatch(stamp) and branch else None


def backup_sets(repo: Repo) -> dict[str, dict[str, str]]:
    """{stamp: {branch ref: oid}} for every backup run howtoctl wrote, oldest first."""
    sets: dict[str, dict[str, str]] = {}
    for ref, oid in repo.refs(BACKUP_ROOT).items():
        parts = _split(ref)
        if parts is not None:
            sets.setdefault(parts[0], {})[BranchRef.of(parts[1])] = oid
    return dict(sorted(sets.items()))


def foreign_refs(repo: Repo) -> dict[str, str]:
    """Refs under BACKUP_ROOT that are not howtoctl's (no stamp of its form): left alone."""
    return {ref: oid for ref, oid in repo.refs(BACKUP_ROOT).items() if _split(ref) is None}


def backup_updates(repo: Repo, refs: Mapping[str, str]) -> tuple[str, list[RefUpdate]]:
    """A new stamp, and the ref creations that record each branch ref's current value under it."""
    stamp = new_stamp(after=max(backup_sets(repo), default=""))
    return stamp, [
        RefUpdate.create(f"{BACKUP_ROOT}{stamp}/{short_branch(ref)}", oid)
        for ref, oid in sorted(refs.items())
    ]


def prune(repo: Repo, keep: int, written: str | None = None) -> list[str]:
    """Delete every backup but the `keep` latest runs' (one transaction); return the stamps gone.
    The run `written` (the one the caller just made) is never deleted, whatever its stamp.

    Their commits become unreachable unless a branch or a newer backup holds them, and `git gc`
    may then drop them: that is the point of a limit.
    """
    sets = backup_sets(repo)
    old = [s for s in list(sets)[: max(0, len(sets) - keep)] if s != written]
    updates = [
        RefUpdate.delete(f"{BACKUP_ROOT}{stamp}/{short_branch(ref)}", oid)
        for stamp in old
        for ref, oid in sorted(sets[stamp].items())
    ]
    repo.update_refs(updates, "howtoctl: prune old backups", reflog=False)
    return old
