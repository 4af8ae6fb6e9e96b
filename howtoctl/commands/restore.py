"""`howtoctl restore`: (re)create `howto/NAME` branches from their diff files, in memory.

A diff that applies to the base tip gives a branch there. One that no longer does (the base
moved since it was saved) gives a branch where it was saved from, found by `forkpoint`, for
`rebase-all` or `resolve` to bring forward: the command then exits 1, and says so.
"""

from __future__ import annotations

from howtoctl import backup, forkpoint, lock, output
from howtoctl.errors import EXIT_OK, EXIT_PROBLEMS, HowtoError
from howtoctl.git import RefUpdate
from howtoctl.howtos import Workspace
from howtoctl.statuses import Change


def commit_message(ws: Workspace, name: str) -> str:
    title = ws.entry(name).title
    subject = f"HOWTO {name}: {title}" if title else f"HOWTO {name}"
    return f"{subject}\n\nRestored by howtoctl from {ws.diff_relpath(name)}.\n"


def run(
    ws: Workspace,
    *,
    requested: tuple[str, ...],
    all_: bool,
    force: bool = False,
    as_json: bool = False,
) -> int:
    selected = sorted(ws.diff_names()) if all_ and not requested else ws.select(requested, all_)
    if not selected:
        raise HowtoError(f"there are no diff files in {ws.config.diff_dir}/ to restore")
    with lock.repository_lock(ws.repo.common_dir, "restore"):
        branches = ws.branches()
        checked_out = ws.repo.checked_out_branches()
        base_tip = ws.base_tip
        # Decide everything before changing anything: one bad HOWTO stops the whole command.
        creates, keeps, unplaced = [], [], {}
        forks: dict[str, str] = {}  # name: the older base commit a stale diff is placed on
        for name in selected:
            data, parsed = ws.load_patch(name)
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
                found = forkpoint.find(ws, name, data, parsed.paths)
                if found is None:
                    unplaced[name] = e.message
                    continue
                forks[name], tree = found
            creates.append((name, tree, tip, data))
        replaced = {ws.branch_ref(n): old for n, _, old, _ in creates if old is not None}
        # The backups go in the moves' transaction: a refused restore leaves none behind.
        command = f"restore {' '.join(requested) or '--all'} --force"  # only --force replaces
        stamp, updates = (
            backup.backup_updates(ws.repo, replaced, command) if replaced else (None, [])
        )
        new_tips = {}
        # Dated like the base tip, so restoring the same diffs on the same base gives the same
        # commits (for one committer): publishing from CI then pushes only what really changed.
        date = ws.repo.commit_date(base_tip)
        for name, tree, old, _ in creates:
            parent = forks.get(name, base_tip)
            when = date if parent == base_tip else ws.repo.commit_date(parent)
            new = ws.repo.commit_tree(tree, [parent], commit_message(ws, name), date=when)
            new_tips[name] = new
            updates.append(RefUpdate(ws.branch_ref(name), new, old))
        ws.repo.update_refs(updates, f"howtoctl restore from {ws.config.diff_dir}")
        if stamp:
            backup.prune(ws.repo, ws.config.branch_prefix, ws.config.keep_backups, written=stamp)
        results = []
        for name, _, old, data in creates:
            fork = forks.get(name, base_tip)
            if name in forks:
                detail = (
                    f"{ws.diff_relpath(name)} does not apply to the tip of {ws.base}; restored "
                    f"where it was saved from, {fork[:12]} "
                    f"({ws.commits_behind(new_tips[name], fork)} commit(s) behind {ws.base})"
                )
            else:
                detail = f"from {ws.diff_relpath(name)} on {ws.base}"
            if ws.branch_diff(name, new_tips[name]) == data:
                ws.record_sync(name, new_tips[name], data, fork=fork)
            else:
                # Not the bytes save writes (short index lines, other context): no fork in the
                # record, so that check calls the file stale until save rewrites it.
                ws.record_sync(name, new_tips[name], data, fork="")
                detail += f"; the file is not in save's form: howtoctl save {name} rewrites it"
            if old is not None:
                detail += (
                    f"; old tip kept at {backup.BACKUP_ROOT}{stamp}/{ws.config.branch_prefix}{name}"
                )
            if name in forks:
                results.append(
                    _result(name, Change.AT_FORK_POINT, detail, ws.rebase_advice(name), fork)
                )
            else:
                results.append(_result(name, Change.RESTORED, detail, "", fork))
        for name, tip, data in keeps:
            ws.record_sync(name, tip, data)
            results.append(
                _result(name, Change.MATCHES, "branch already holds exactly its diff; left as is")
            )
        shallow = ws.repo.is_shallow
        for name, why in unplaced.items():
            rel = ws.diff_relpath(name)
            by_hand = (
                f"rebuild it by hand: git switch -c {ws.config.branch_prefix}{name} "
                f"{ws.base} && git apply --3way {rel}; resolve, commit, then howtoctl save {name}"
            )
            results.append(
                _result(
                    name,
                    Change.NOT_RESTORED,
                    f"{rel} does not apply to the tip of {ws.base} ({why}), and no commit it "
                    "applies to was found among the base's commits that changed its files"
                    + (" (this is a shallow clone)" if shallow else ""),
                    f"fetch the history: git fetch --unshallow, then howtoctl restore {name}; "
                    f"or {by_hand}"
                    if shallow
                    else by_hand,
                )
            )
    problems = [r for r in results if r["status"] in (Change.AT_FORK_POINT, Change.NOT_RESTORED)]
    if as_json:
        output.emit_json({"ok": not problems, "howtos": results})
    else:
        for r in results:
            output.status_line(r["name"], r["status"], r["detail"])
            if r["hint"]:
                output.line(f"{'':15}{r['hint']}", style="dim")
        if problems:
            output.info(
                f"{len(problems)} of {len(results)} HOWTO(s) do not apply to the tip of "
                f"{ws.base}: bring them forward as their hints say"
            )
    return EXIT_PROBLEMS if problems else EXIT_OK


def _result(
    name: str, status: Change, detail: str, hint: str = "", fork: str | None = None
) -> dict:
    """One HOWTO's line of the report (`--json`: one entry of `howtos`)."""
    return {"name": name, "status": status, "detail": detail, "hint": hint, "fork": fork}
