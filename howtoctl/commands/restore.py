"""`howtoctl restore`: (re)create `howto/NAME` branches from their diff files, in memory.

A diff that applies to the base tip gives a branch there. One that no longer does (the base
moved since it was saved) gives a branch where it was saved from, found by `forkpoint`, for
`rebase-all` or `resolve` to bring forward: the command then exits 1, and says so.
"""

from __future__ import annotations

import dataclasses

from howtoctl import backup, forkpoint, freshness, lock, output
from howtoctl.errors import EXIT_OK, EXIT_PROBLEMS, HowtoError
from howtoctl.git import RefUpdate
from howtoctl.statuses import Change
from howtoctl.workspace import Workspace


def commit_message(ws: Workspace, name: str) -> str:
    title = ws.entry(name).title
    subject = f"HOWTO {name}: {title}" if title else f"HOWTO {name}"
    return f"{subject}\n\nRestored by howtoctl from {ws.diff_relpath(name)}.\n"


@dataclasses.dataclass
class Plan:
    creates: list[tuple[str, str, str | None, bytes]] = dataclasses.field(default_factory=list)
    keeps: list[tuple[str, str, bytes]] = dataclasses.field(default_factory=list)
    unplaced: dict[str, str] = dataclasses.field(default_factory=dict)  # name: why
    forks: dict[str, str] = dataclasses.field(default_factory=dict)  # name: older base commit


def plan(ws: Workspace, selected: list[str], force: bool) -> Plan:
    """Decides everything before anything changes: one bad HOWTO stops the whole command."""
    the_plan = Plan()
    branches = ws.branches()
    checked_out = ws.repo.checked_out_branches()
    for name in selected:
        data, parsed = ws.load_patch(name)
        tip = branches.get(name)
        if tip is not None and _keeps(ws, name, tip, data, force, checked_out):
            the_plan.keeps.append((name, tip, data))
            continue
        try:
            tree = ws.repo.tree_with_patch(ws.base_tip, data)
        except HowtoError as e:
            found = forkpoint.find(ws, name, data, parsed.paths)
            if found is None:
                the_plan.unplaced[name] = e.message
                continue
            the_plan.forks[name], tree = found
        the_plan.creates.append((name, tree, tip, data))
    return the_plan


def _keeps(ws: Workspace, name: str, tip: str, data: bytes, force: bool, checked_out) -> bool:
    """Whether an existing branch stays as it is; an error where it may not be replaced."""
    ref = ws.branch_ref(name)
    matches = ws.branch_diff(name, tip) == data
    if matches and not force:
        return True
    if ref in checked_out:
        raise HowtoError(
            f"{ref.short} is checked out in {checked_out[ref]}, so it cannot be replaced",
            "switch that work tree to another branch first",
        )
    if not matches and not force:
        raise HowtoError(
            f"{ref.short} holds work that is not in {ws.diff_relpath(name)}",
            f"save it first (howtoctl save {name}), or replace the branch with "
            f"`howtoctl restore {name} --force` (its old tip is kept as a backup ref)",
        )
    return False


def apply(ws: Workspace, the_plan: Plan, requested: tuple[str, ...]) -> tuple[dict, str | None]:
    """Makes the commits and moves the branches in one transaction with the backups; the new
    tips, and the backup run's stamp."""
    base_tip = ws.base_tip
    replaced = {ws.branch_ref(n): old for n, _, old, _ in the_plan.creates if old is not None}
    # The backups go in the moves' transaction: a refused restore leaves none behind.
    command = f"restore {' '.join(requested) or '--all'} --force"  # only --force replaces
    stamp, updates = backup.backup_updates(ws.repo, replaced, command) if replaced else (None, [])
    new_tips = {}
    # Dated like the base tip, so restoring the same diffs on the same base gives the same
    # commits (for one committer): publishing from CI then pushes only what really changed.
    date = ws.repo.commit_date(base_tip)
    for name, tree, old, _ in the_plan.creates:
        parent = the_plan.forks.get(name, base_tip)
        when = date if parent == base_tip else ws.repo.commit_date(parent)
        new = ws.repo.commit_tree(tree, [parent], commit_message(ws, name), date=when)
        new_tips[name] = new
        updates.append(RefUpdate(ws.branch_ref(name), new, old))
    ws.repo.update_refs(updates, f"howtoctl restore from {ws.config.diff_dir}")
    if stamp:
        backup.prune(ws.repo, ws.config.branch_prefix, ws.config.keep_backups, written=stamp)
    return new_tips, stamp


def _created(ws: Workspace, the_plan: Plan, name: str, new_tip: str, old, data, stamp) -> dict:
    """The report of a branch restore made, its sync recorded."""
    fork = the_plan.forks.get(name, ws.base_tip)
    if name in the_plan.forks:
        detail = (
            f"{ws.diff_relpath(name)} does not apply to the tip of {ws.base}; restored "
            f"where it was saved from, {fork[:12]} "
            f"({ws.commits_behind(new_tip, fork)} commit(s) behind {ws.base})"
        )
    else:
        detail = f"from {ws.diff_relpath(name)} on {ws.base}"
    if ws.branch_diff(name, new_tip) == data:
        ws.record_sync(name, new_tip, data, fork=fork)
    else:
        # Not the bytes save writes (short index lines, other context): no fork in the
        # record, so that check calls the file stale until save rewrites it.
        ws.record_sync(name, new_tip, data, fork="")
        detail += f"; the file is not in save's form: howtoctl save {name} rewrites it"
    if old is not None:
        detail += f"; old tip kept at {backup.BACKUP_ROOT}{stamp}/{ws.config.branch_prefix}{name}"
    if name in the_plan.forks:
        return _result(name, Change.AT_FORK_POINT, detail, freshness.rebase_advice(ws, name), fork)
    return _result(name, Change.RESTORED, detail, "", fork)


def _unplaced(ws: Workspace, name: str, why: str) -> dict:
    rel = ws.diff_relpath(name)
    shallow = ws.repo.is_shallow
    by_hand = (
        f"rebuild it by hand: git switch -c {ws.config.branch_prefix}{name} "
        f"{ws.base} && git apply --3way {rel}; resolve, commit, then howtoctl save {name}"
    )
    return _result(
        name,
        Change.NOT_RESTORED,
        f"{rel} does not apply to the tip of {ws.base} ({why}), and no commit it "
        "applies to was found among the base's commits that changed its files"
        + (" (this is a shallow clone)" if shallow else ""),
        f"fetch the history: git fetch --unshallow, then howtoctl restore {name}; or {by_hand}"
        if shallow
        else by_hand,
    )


def report(ws: Workspace, results: list[dict], problems: list[dict]) -> None:
    for r in results:
        output.status_line(r["name"], r["status"], r["detail"])
        if r["hint"]:
            output.line(f"{'':15}{r['hint']}", style="dim")
    if problems:
        output.info(
            f"{len(problems)} of {len(results)} HOWTO(s) do not apply to the tip of "
            f"{ws.base}: bring them forward as their hints say"
        )


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
        the_plan = plan(ws, selected, force)
        new_tips, stamp = apply(ws, the_plan, requested)
        results = [
            _created(ws, the_plan, name, new_tips[name], old, data, stamp)
            for name, _, old, data in the_plan.creates
        ]
        for name, tip, data in the_plan.keeps:
            ws.record_sync(name, tip, data)
            results.append(
                _result(name, Change.MATCHES, "branch already holds exactly its diff; left as is")
            )
        results += [_unplaced(ws, name, why) for name, why in the_plan.unplaced.items()]
    problems = [r for r in results if r["status"] in (Change.AT_FORK_POINT, Change.NOT_RESTORED)]
    if as_json:
        output.emit_json({"ok": not problems, "howtos": results})
    else:
        report(ws, results, problems)
    return EXIT_PROBLEMS if problems else EXIT_OK


def _result(
    name: str, status: Change, detail: str, hint: str = "", fork: str | None = None
) -> dict:
    """One HOWTO's line of the report (`--json`: one entry of `howtos`)."""
    return {"name": name, "status": status, "detail": detail, "hint": hint, "fork": fork}
