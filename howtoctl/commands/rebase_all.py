"""`howtoctl rebase-all`: move every HOWTO branch onto the base tip, in memory and all at once."""

from __future__ import annotations

from howtoctl import backup, lock, output, rebase
from howtoctl.errors import EXIT_OK, EXIT_PROBLEMS, HowtoError
from howtoctl.howtos import Workspace


def _report(ws: Workspace, results, dry_run: bool, as_json: bool, stamp: str | None) -> None:
    if as_json:
        output.emit_json(
            {
                "onto": ws.base,
                "dry_run": dry_run,
                "backup": f"{backup.BACKUP_ROOT}{stamp}" if stamp else None,
                "branches": [
                    {
                        "name": r.name,
                        "status": r.status,
                        "old_tip": r.old_tip,
                        "new_tip": r.new_tip,
                        "commits": len(r.commits),
                        "conflicts": list(r.conflicts),
                        "detail": r.detail,
                    }
                    for r in results
                ],
            }
        )
        return
    for r in results:
        status = "would-rebase" if dry_run and r.status == rebase.REBASED else r.status
        output.status_line(r.name, status, r.detail)
        if r.status == rebase.CONFLICT:
            output.line(f"{'':15}resolve it with: howtoctl resolve {r.name}", style="dim")
    counts = rebase.summarize(results)
    if dry_run and rebase.REBASED in counts:
        counts["would-rebase"] = counts.pop(rebase.REBASED)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    output.info(f"{len(results)} HOWTO branch(es): {summary}")
    if stamp:
        output.info(f"old tips backed up under {backup.BACKUP_ROOT}{stamp}/ (undo: howtoctl undo)")


def run(
    ws: Workspace, dry_run: bool = False, onto: str | None = None, as_json: bool = False
) -> int:
    if ws.repo.is_shallow:
        raise HowtoError(
            "this is a shallow clone: rebasing needs the branches' history",
            "fetch it first: git fetch --unshallow",
        )
    target = ws.repo.rev_parse(onto) if onto else ws.base_tip
    if target is None:
        raise HowtoError(f"--onto {onto!r} does not name a commit")
    with lock.repository_lock(ws.repo.common_dir, "rebase-all", writes=not dry_run):
        branches = ws.branches()
        if not branches:
            output.info(
                f"no {ws.config.branch_prefix}* branches to rebase (create them: howtoctl restore --all)"
            )
            return EXIT_OK
        checked_out = ws.repo.checked_out_branches()
        blocked = {
            name: f"checked out in {checked_out[ws.branch_ref(name)]}; switch that work tree away and rerun"
            for name in branches
            if ws.branch_ref(name) in checked_out
        }
        try:
            with output.status(f"rebasing {len(branches)} branch(es) in memory..."):
                with ws.repo.quarantine(keep=not dry_run):
                    results = rebase.plan(
                        ws.repo, branches, target, ws.prefix_ref, blocked, write=not dry_run
                    )
        except HowtoError as e:
            e.hint = e.hint or "no branch was moved"
            raise
        moving = [r for r in results if r.moves]
        stamp = None
        if moving and not dry_run:
            # One transaction creates the backups and moves the branches: all of it, or none.
            stamp, backups = backup.backup_updates(ws.repo, {r.ref: r.old_tip for r in moving})
            ws.repo.update_refs(
                [*backups, *((r.ref, r.new_tip, r.old_tip) for r in moving)],
                f"howtoctl rebase-all onto {onto or ws.base} ({target[:12]})",
            )
    _report(ws, results, dry_run, as_json, stamp)
    problems = [r for r in results if r.status in (rebase.CONFLICT, rebase.SKIPPED)]
    return EXIT_PROBLEMS if problems else EXIT_OK
