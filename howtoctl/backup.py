"""Backup refs: every ref howtoctl moves or replaces is first recorded under
`refs/howtoctl/backup/<stamp>/<branch>`, which also keeps its commits safe from `git gc`.

What made a run (the command, the branches it backed up) is a small JSON blob under
`refs/howtoctl/backup-run/<stamp>`, written in the same transaction. Runs written before
there was one have none: their branches come from the refs, their command is unknown.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
from collections.abc import Mapping

from howtoctl.git import RefUpdate, Repo
from howtoctl.model import names
from howtoctl.model.names import BranchRef, short_branch

BACKUP_ROOT = "refs/howtoctl/backup/"
# Not under BACKUP_ROOT: a ref cannot be both `<stamp>` and the directory `<stamp>/`.
RUN_ROOT = "refs/howtoctl/backup-run/"
STAMP_FORMAT = "%Y%m%d-%H%M%S-%f"
# What new_stamp writes. Anything else under BACKUP_ROOT was made by someone else: it is no run,
# so it is never pruned and undo never restores from it.
_STAMP = re.compile(r"[0-9]{8}-[0-9]{6}-[0-9]{6}")


def _is_stamp(text: str) -> bool:
    """Whether `text` is a stamp new_stamp could have written: of its form, and a real time
    (20201301-... is no date, so no run of ours; Run.time could not read it)."""
    if not _STAMP.fullmatch(text):
        return False
    try:
        datetime.datetime.strptime(text, STAMP_FORMAT)
    except ValueError:
        return False
    return True


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
    return (stamp, branch) if _is_stamp(stamp) and branch else None


def backup_sets(repo: Repo) -> dict[str, dict[str, str]]:
    """{stamp: {branch ref: oid}} for every backup run howtoctl wrote, oldest first."""
    sets: dict[str, dict[str, str]] = {}
    for ref, oid in repo.refs(BACKUP_ROOT).items():
        parts = _split(ref)
        if parts is not None:
            sets.setdefault(parts[0], {})[BranchRef.of(parts[1])] = oid
    return dict(sorted(sets.items()))


def undoable_sets(
    repo: Repo, branch_prefix: str
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The backup runs, each cut to what undo may restore (a run left with nothing is
    dropped), and {ref: why not} for the rest: anyone can write a stamp-shaped backup ref, and
    it must not move `main`, create a branch no HOWTO has, or point a branch at a non-commit."""
    sets = backup_sets(repo)
    kinds = repo.object_types(oid for refs in sets.values() for oid in refs.values())
    usable: dict[str, dict[str, str]] = {}
    ignored: dict[str, str] = {}
    for stamp, refs in sets.items():
        mine = {}
        for ref, oid in refs.items():
            name = names.name_from_branch(branch_prefix, short_branch(ref))
            if name is None:
                ignored[ref] = f"which is no {branch_prefix}NAME branch of a HOWTO"
            elif kinds[oid] != "commit":
                ignored[ref] = f"at {oid[:12]}, which is no commit"
            else:
                mine[ref] = oid
        if mine:
            usable[stamp] = mine
    return usable, ignored


def foreign_refs(repo: Repo) -> dict[str, str]:
    """Refs under BACKUP_ROOT that are not howtoctl's (no stamp of its form): left alone."""
    return {ref: oid for ref, oid in repo.refs(BACKUP_ROOT).items() if _split(ref) is None}


def backup_updates(
    repo: Repo, refs: Mapping[str, str], command: str = ""
) -> tuple[str, list[RefUpdate]]:
    """A new stamp, and the ref creations that record each branch ref's current value under it,
    with the run's record: `command` (as typed after `howtoctl`) and the branches."""
    stamp = new_stamp(after=max(backup_sets(repo), default=""))
    updates = [
        RefUpdate.create(f"{BACKUP_ROOT}{stamp}/{short_branch(ref)}", oid)
        for ref, oid in sorted(refs.items())
    ]
    if updates:
        record = {"command": command, "branches": sorted(map(short_branch, refs))}
        blob = repo.write_blob(json.dumps(record).encode())
        updates.append(RefUpdate.create(RUN_ROOT + stamp, blob))
    return stamp, updates


@dataclasses.dataclass(frozen=True)
class Run:
    stamp: str
    branches: dict[str, str]  # {branch ref: oid} as the backup refs hold them
    command: str | None  # None: no record (an older howtoctl wrote the run, or it is unreadable)

    @property
    def time(self) -> str:
        """When the run was written, in UTC, ISO 8601 (from its stamp)."""
        moment = datetime.datetime.strptime(self.stamp, STAMP_FORMAT)
        return moment.replace(microsecond=0, tzinfo=datetime.UTC).isoformat()

    def as_dict(self) -> dict:
        return {
            "stamp": self.stamp,
            "time": self.time,
            "command": self.command,
            "branches": {short_branch(ref): oid for ref, oid in self.branches.items()},
        }


def runs(repo: Repo) -> list[Run]:
    """Every backup run howtoctl wrote, oldest first, with its record where it has one."""
    sets = backup_sets(repo)
    records = {ref[len(RUN_ROOT) :]: oid for ref, oid in repo.refs(RUN_ROOT).items()}
    blobs = repo.read_blobs(records[s] for s in sets if s in records)
    return [
        Run(stamp, refs, _command(blobs.get(records.get(stamp, ""))))
        for stamp, refs in sets.items()
    ]


def _command(blob: bytes | None) -> str | None:
    try:
        command = json.loads(blob)["command"] if blob is not None else None
    except (ValueError, TypeError, KeyError, RecursionError):
        # Not a record of ours (RecursionError: JSON nested deeper than Python's stack), so the
        # run is listed without one.
        return None
    return command if isinstance(command, str) else None


def prune(repo: Repo, branch_prefix: str, keep: int, written: str | None = None) -> list[str]:
    """Delete every backup older than the `keep` latest runs undo can restore (one transaction);
    return the stamps gone. A run undo cannot use is left out of the count, so that a
    stamp-shaped ref anyone wrote never pushes out the runs undo needs. The run `written` (the
    one the caller just made) is never deleted, whatever its stamp.

    Their commits become unreachable unless a branch or a newer backup holds them, and `git gc`
    may then drop them: that is the point of a limit.
    """
    sets = backup_sets(repo)
    counted = list(undoable_sets(repo, branch_prefix)[0]) or list(sets)
    if keep <= 0:
        old = [s for s in sets if s != written]
    elif len(counted) > keep:
        old = [s for s in sets if s != written and s < counted[-keep]]
    else:
        old = []
    updates = [
        RefUpdate.delete(f"{BACKUP_ROOT}{stamp}/{short_branch(ref)}", oid)
        for stamp in old
        for ref, oid in sorted(sets[stamp].items())
    ]
    # A run's record goes with it, and so does a record of ours left without a run.
    updates += [
        RefUpdate.delete(ref, oid)
        for ref, oid in sorted(repo.refs(RUN_ROOT).items())
        if _is_stamp(stamp := ref[len(RUN_ROOT) :])
        and stamp != written
        and (stamp in old or stamp not in sets)
    ]
    repo.update_refs(updates, "howtoctl: prune old backups", reflog=False)
    return old
