"""`howtoctl undo`: put every HOWTO branch back where the latest backup recorded it."""

from __future__ import annotations

from howtoctl import backup, lock, output
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.howtos import Workspace
from howtoctl.refs import RefUpdate, short_branch


def run(ws: Workspace, *, dry_run: bool = False) -> int:
    with lock.repository_lock(ws.repo.common_dir, "undo", writes=not dry_run):
        sets, outside = _howto_sets(ws)
        for ref in outside:
            output.warn(
                f"a backup names {ref}, which is no {ws.config.branch_prefix}* branch: "
                "left alone (undo moves HOWTO branches only)"
            )
        if not sets:
            raise HowtoError(
                "there is no howtoctl backup to undo to",
                "backups are written by rebase-all, restore --force, resolve and undo",
            )
        stamp, saved = list(sets.items())[-1]
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
                    "would-restore",
                    f"{(current.get(ref) or 'absent')[:12]} -> {oid[:12]}",
                )
            return EXIT_OK
        # Back up what undo replaces, so that `undo` itself can be undone.
        mine = backup.write_backup(
            ws.repo, {r: current[r] for r in changes if r in current}, "undo"
        )
        ws.repo.update_refs(
            [RefUpdate(ref, oid, current.get(ref)) for ref, oid in sorted(changes.items())],
            f"howtoctl undo to backup {stamp}",
        )
        if mine:
            backup.prune(ws.repo, ws.config.keep_backups)
    for ref, oid in sorted(changes.items()):
        output.status_line(
            short_branch(ref), "restored", f"{(current.get(ref) or 'absent')[:12]} -> {oid[:12]}"
        )
    output.info(
        f"branches reset to backup {stamp}"
        + (f"; previous tips backed up as {mine}" if mine else "")
    )
    return EXIT_OK


def _howto_sets(ws: Workspace) -> tuple[dict[str, dict[str, str]], list[str]]:
    """The backup runs, each cut to its HOWTO branches (a run left with none is dropped), and
    the other branch refs they name: a stamp-shaped ref anyone can write must not move `main`."""
    sets, outside = {}, set()
    for stamp, refs in backup.backup_sets(ws.repo).items():
        mine = {ref: oid for ref, oid in refs.items() if ref.startswith(ws.prefix_ref)}
        outside.update(ref for ref in refs if ref not in mine)
        if mine:
            sets[stamp] = mine
    return sets, sorted(outside)
