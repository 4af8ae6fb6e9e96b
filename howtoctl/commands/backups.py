"""`howtoctl backups`: list the backup runs under refs/howtoctl/backup/, and prune old ones.

Every run that moves branches keeps the last `keep-backups` runs (default 20) by itself; this
command shows them and prunes by hand.
"""

from __future__ import annotations

from howtoctl import backup, lock, output
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.howtos import Workspace


def run(ws: Workspace, *, prune: bool = False, keep: int | None = None) -> int:
    if keep is not None and keep < 1:
        raise HowtoError("--keep must be at least 1", "undo needs the latest backup")
    if keep is not None and not prune:
        raise HowtoError("--keep goes with --prune")
    if prune:
        limit = keep if keep is not None else ws.config.keep_backups
        with lock.repository_lock(ws.repo.common_dir, "backups --prune"):
            removed = backup.prune(ws.repo, limit)
        for stamp in removed:
            output.status_line(stamp, "pruned", f"{backup.BACKUP_ROOT}{stamp}/")
        output.info(f"pruned {len(removed)} backup run(s); the latest {limit} are kept")
        return EXIT_OK
    sets = backup.backup_sets(ws.repo)
    for stamp, refs in sets.items():
        output.status_line(
            stamp, "backup", f"{len(refs)} branch(es) under {backup.BACKUP_ROOT}{stamp}/"
        )
    for ref in backup.foreign_refs(ws.repo):
        output.status_line(ref, "foreign", "not a howtoctl backup run: never pruned or undone to")
    output.info(
        f"{len(sets)} backup run(s); each run keeps the latest {ws.config.keep_backups} "
        "([tool.howtoctl] keep-backups)"
    )
    return EXIT_OK
