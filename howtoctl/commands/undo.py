"""`howtoctl undo [--to STAMP]`: put every HOWTO branch back where the latest backup run (or
the run STAMP, see `howtoctl backups`) recorded it."""

from __future__ import annotations

from howtoctl import backup, lock, output
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.git import RefUpdate
from howtoctl.howtos import Workspace
from howtoctl.names import short_branch
from howtoctl.statuses import Change


def run(ws: Workspace, *, dry_run: bool = False, to: str | None = None) -> int:
    with lock.repository_lock(ws.repo.common_dir, "undo", writes=not dry_run):
        sets, ignored = backup.undoable_sets(ws.repo, ws.config.branch_prefix)
        if to is not None:
            stamp = _pick(sets, to)
        for ref, why in ignored.items():
            output.warn(f"a backup names {ref}, {why}: left alone")
        if not sets:
            raise HowtoError(
                "there is no howtoctl backup to undo to",
                "backups are written by rebase-all, restore --force, resolve and undo",
            )
        if to is None:
            stamp = list(sets)[-1]
        saved = sets[stamp]
        current = ws.repo.refs(ws.prefix_ref)
        changes = {ref: oid for ref, oid in saved.items() if current.get(ref) != oid}
        if not changes:
            output.info(
                f"every branch already matches the latest backup ({stamp}); nothing to undo"
            )
            return EXIT_OK
        checked_out = ws.repo.checked_out_branches()
        busy = [ref for ref in changes if ref in checked_out]
        if busy:
            raise HowtoError(
                f"{short_branch(busy[0])} is checked out in {checked_out[busy[0]]}; nothing was changed",
                "switch that work tree to another branch, then run howtoctl undo again",
            )
        if dry_run:
            for ref, oid in sorted(changes.items()):
                output.status_line(
                    short_branch(ref),
                    Change.WOULD_RESTORE,
                    f"{(current.get(ref) or 'absent')[:12]} -> {oid[:12]}",
                )
            return EXIT_OK
        # Back up what undo replaces, so that `undo` itself can be undone: in the same
        # transaction as the moves, so that a refused undo leaves no backup run behind.
        replaced = {r: current[r] for r in changes if r in current}
        command = "undo" + (f" --to {stamp}" if to is not None else "")
        mine, backups = (
            backup.backup_updates(ws.repo, replaced, command) if replaced else (None, [])
        )
        ws.repo.update_refs(
            [
                *backups,
                *(RefUpdate(ref, oid, current.get(ref)) for ref, oid in sorted(changes.items())),
            ],
            f"howtoctl undo to backup {stamp}",
        )
        if mine:
            backup.prune(ws.repo, ws.config.branch_prefix, ws.config.keep_backups, written=mine)
    for ref, oid in sorted(changes.items()):
        output.status_line(
            short_branch(ref),
            Change.RESTORED,
            f"{(current.get(ref) or 'absent')[:12]} -> {oid[:12]}",
        )
    output.info(
        f"branches reset to backup {stamp}"
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
