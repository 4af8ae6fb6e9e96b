"""`howtoctl backups`: list the backup runs under refs/howtoctl/backup/ (when, which command,
which branches), and prune old ones.

Every run that moves branches keeps the last `keep-backups` runs (default 20) by itself; this
command shows them and prunes by hand.
"""

from __future__ import annotations

from howtoctl import backup, lock, output
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.model.names import short_branch
from howtoctl.statuses import Change
from howtoctl.workspace import Workspace


def run(
    ws: Workspace, *, prune: bool = False, keep: int | None = None, as_json: bool = False
) -> int:
    if keep is not None and keep < 1:
        raise HowtoError("--keep must be at least 1", "undo needs the latest backup")
    if keep is not None and not prune:
        raise HowtoError("--keep goes with --prune")
    if prune:
        limit = keep if keep is not None else ws.config.keep_backups
        with lock.repository_lock(ws.repo.common_dir, "backups --prune"):
            removed = backup.prune(ws.repo, ws.config.branch_prefix, limit)
        for stamp in removed:
            output.status_line(stamp, Change.PRUNED, f"{backup.BACKUP_ROOT}{stamp}/")
        output.info(f"pruned {len(removed)} backup run(s); the latest {limit} are kept")
        return EXIT_OK
    runs = backup.runs(ws.repo)
    foreign = backup.foreign_refs(ws.repo)
    if as_json:
        output.emit_json(
            {
                "runs": [r.as_dict() for r in runs],
                "foreign": foreign,
                "keep": ws.config.keep_backups,
            }
        )
        return EXIT_OK
    for r in runs:
        command = f"howtoctl {r.command}" if r.command else "command not recorded"
        branches = ", ".join(short_branch(ref) for ref in r.branches)
        output.status_line(r.stamp, Change.BACKUP, f"{r.time}  {command}: {branches}")
    for ref in foreign:
        output.status_line(
            ref, Change.FOREIGN, "not a howtoctl backup run: never pruned or undone to"
        )
    output.info(
        f"{len(runs)} backup run(s) under {backup.BACKUP_ROOT}; each run keeps the latest "
        f"{ws.config.keep_backups} ([tool.howtoctl] keep-backups); go back to one with "
        "howtoctl undo --to STAMP"
    )
    return EXIT_OK
