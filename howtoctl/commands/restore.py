"""`howtoctl restore`: (re)create `howto/NAME` branches from their diff files, in memory."""

from __future__ import annotations

from howtoctl import backup, lock, output
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.git import RefUpdate
from howtoctl.howtos import Workspace


def commit_message(ws: Workspace, name: str) -> str:
    title = ws.entry(name).title
    subject = f"HOWTO {name}: {title}" if title else f"HOWTO {name}"
    return f"{subject}\n\nRestored by howtoctl from {ws.diff_relpath(name)}.\n"


def run(ws: Workspace, *, requested: tuple[str, ...], all_: bool, force: bool = False) -> int:
    selected = sorted(ws.diff_names()) if all_ and not requested else ws.select(requested, all_)
    if not selected:
        raise HowtoError(f"there are no diff files in {ws.config.diff_dir}/ to restore")
    with lock.repository_lock(ws.repo.common_dir, "restore"):
        branches = ws.branches()
        checked_out = ws.repo.checked_out_branches()
        base_tip = ws.base_tip
        # Decide everything before changing anything: one bad HOWTO stops the whole command.
        creates, keeps = [], []
        for name in selected:
            data, _ = ws.load_patch(name)
            ref = ws.branch_ref(name)
            tip = branches.get(name)
            if tip is not None:
                matches = ws.branch_diff(name, tip) == data
                if matches and not force:
                    keeps.append((name, tip, data))
                    continue
                if ref in checked_out:
                    raise HowtoError(
                        f"{ref.short} is checked out in {checked_out[ref]}, "
                        "so it cannot be replaced",
                        "switch that work tree to another branch first",
                    )
                if not matches and not force:
                    raise HowtoError(
                        f"{ref.short} holds work that is not in {ws.diff_relpath(name)}",
                        f"save it first (howtoctl save {name}), or replace the branch with "
                        f"`howtoctl restore {name} --force` (its old tip is kept as a backup ref)",
                    )
            try:
                tree = ws.repo.tree_with_patch(base_tip, data)
            except HowtoError as e:
                raise HowtoError(
                    f"{ws.diff_relpath(name)} does not apply to the tip of {ws.base!r}: {e.message}",
                    f"rebuild it by hand: git switch -c {ws.config.branch_prefix}{name} {ws.base} && "
                    f"git apply --3way {ws.diff_relpath(name)}; resolve, commit, then howtoctl save {name}",
                ) from None
            creates.append((name, tree, tip, data))
        replaced = {ws.branch_ref(n): old for n, _, old, _ in creates if old is not None}
        # The backups go in the moves' transaction: a refused restore leaves none behind.
        stamp, updates = backup.backup_updates(ws.repo, replaced) if replaced else (None, [])
        new_tips = {}
        # Dated like the base tip, so restoring the same diffs on the same base gives the same
        # commits (for one committer): publishing from CI then pushes only what really changed.
        date = ws.repo.commit_date(base_tip)
        for name, tree, old, _ in creates:
            new = ws.repo.commit_tree(tree, [base_tip], commit_message(ws, name), date=date)
            new_tips[name] = new
            updates.append(RefUpdate(ws.branch_ref(name), new, old))
        ws.repo.update_refs(updates, f"howtoctl restore from {ws.config.diff_dir}")
        if stamp:
            backup.prune(ws.repo, ws.config.keep_backups, written=stamp)
        for name, _, old, data in creates:
            detail = f"from {ws.diff_relpath(name)} on {ws.base}"
            if ws.branch_diff(name, new_tips[name]) == data:
                ws.record_sync(name, new_tips[name], data, fork=base_tip)
            else:
                # Not the bytes save writes (short index lines, other context): no fork in the
                # record, so that check calls the file stale until save rewrites it.
                ws.record_sync(name, new_tips[name], data, fork="")
                detail += f"; the file is not in save's form: howtoctl save {name} rewrites it"
            if old is not None:
                detail += (
                    f"; old tip kept at {backup.BACKUP_ROOT}{stamp}/{ws.config.branch_prefix}{name}"
                )
            output.status_line(name, "restored", detail)
        for name, tip, data in keeps:
            ws.record_sync(name, tip, data)
            output.status_line(name, "matches", "branch already holds exactly its diff; left as is")
    return EXIT_OK
