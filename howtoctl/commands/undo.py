"""`howtoctl undo [--to STAMP]`: put every HOWTO branch back where the latest backup run (or
the run STAMP, see `howtoctl backups`) recorded it."""

from __future__ import annotations

import dataclasses

from howtoctl import backup, lock, output
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.git import RefUpdate
from howtoctl.model.names import short_branch
from howtoctl.statuses import Change
from howtoctl.workspace import Workspace


@dataclasses.dataclass(frozen=True)
class Plan:
    stamp: str  # the backup run undo goes back to
    to_given: bool  # named with --to
    current: dict[str, str]  # ref: the tip it has now
    changes: dict[str, str]  # ref: the tip the backup recorded, where that differs


def plan(ws: Workspace, to: str | None) -> Plan:
    """What undo would move; an error when there is no backup, --to names none, or a branch to
    move is checked out."""
    sets, ignored = backup.undoable_sets(ws.repo, ws.config.branch_prefix)
    stamp = _pick(sets, to) if to is not None else None
    for ref, why in ignored.items():
        output.warn(f"a backup names {ref}, {why}: left alone")
    if not sets:
        raise HowtoError(
            "there is no howtoctl backup to undo to",
            "backups are written by rebase-all, restore --force, resolve and undo",
        )
    stamp = stamp or list(sets)[-1]
    current = ws.repo.refs(ws.prefix_ref)
    changes = {ref: oid for ref, oid in sets[stamp].items() if current.get(ref) != oid}
    checked_out = ws.repo.checked_out_branches() if changes else {}
    busy = [ref for ref in changes if ref in checked_out]
    if busy:
        raise HowtoError(
            f"{short_branch(busy[0])} is checked out in {checked_out[busy[0]]}; nothing was changed",
            "switch that work tree to another branch, then run howtoctl undo again",
        )
    return Plan(stamp, to is not None, current, changes)


def apply(ws: Workspace, the_plan: Plan) -> str | None:
    """Moves the branches back, and returns the backup run of the tips it replaced."""
    # Back up what undo replaces, so that `undo` itself can be undone: in the same
    # transaction as the moves, so that a refused undo leaves no backup run behind.
    current, changes = the_plan.current, the_plan.changes
    replaced = {r: current[r] for r in changes if r in current}
    command = "undo" + (f" --to {the_plan.stamp}" if the_plan.to_given else "")
    mine, backups = backup.backup_updates(ws.repo, replaced, command) if replaced else (None, [])
    ws.repo.update_refs(
        [
            *backups,
            *(RefUpdate(ref, oid, current.get(ref)) for ref, oid in sorted(changes.items())),
        ],
        f"howtoctl undo to backup {the_plan.stamp}",
    )
    if mine:
        backup.prune(ws.repo, ws.config.branch_prefix, ws.config.keep_backups, written=mine)
    return mine


def report(the_plan: Plan, status: Change) -> None:
    for ref, oid in sorted(the_plan.changes.items()):
        was = the_plan.current.get(ref) or "absent"
        output.status_line(short_branch(ref), status, f"{was[:12]} -> {oid[:12]}")


def run(ws: Workspace, *, dry_run: bool = False, to: str | None = None) -> int:
    with lock.repository_lock(ws.repo.common_dir, "undo", writes=not dry_run):
        the_plan = plan(ws, to)
        if not the_plan.changes:
            output.info(
                f"every branch already matches the latest backup ({the_plan.stamp}); "
                "nothing to undo"
            )
            return EXIT_OK
        if dry_run:
            report(the_plan, Change.WOULD_RESTORE)
            return EXIT_OK
        mine = apply(ws, the_plan)
    report(the_plan, Change.RESTORED)
    output.info(
        f"branches reset to backup {the_plan.stamp}"
        + (f"; previous tips backed up as {mine}" if mine else "")
    )
    return EXIT_OK


def _pick(sets: dict[str, dict[str, str]], wanted: str) -> str:
    """The run `--to` names: its whole stamp, or a beginning of it that only one run has."""
    matches = [s for s in sets if s.startswith(wanted)] if wanted else []
    if wanted in sets:
        return wanted
    if len(matches) == 1:
        return matches[0]
    listed = ", ".join(list(sets)[-3:]) or "none"
    raise HowtoError(
        f"--to {wanted!r} names "
        + ("no backup run undo can restore" if not matches else f"{len(matches)} backup runs")
        + f"; nothing was changed (latest runs: {listed})",
        "see every run with `howtoctl backups`, and give its stamp",
    )
