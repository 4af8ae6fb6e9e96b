"""`howtoctl rebase-all`: move every HOWTO branch onto the base tip, in memory and all at once."""

from __future__ import annotations

import contextlib
import dataclasses

from howtoctl import backup, lock, output
from howtoctl.errors import EXIT_OK, EXIT_PROBLEMS, HowtoError
from howtoctl.git import RefUpdate, Repo
from howtoctl.rebase import plan, replay
from howtoctl.statuses import Rebase
from howtoctl.workspace import Workspace


def _report(
    ws: Workspace, results, dry_run: bool, as_json: bool, stamp: str | None, onto: str
) -> None:
    if as_json:
        output.emit_json(
            {
                "onto": onto,
                "dry_run": dry_run,
                "backup": f"{backup.BACKUP_ROOT}{stamp}" if stamp else None,
                "branches": [
                    {
                        "name": r.name,
                        "status": r.status,
                        "old_tip": r.old_tip,
                        "new_tip": r.new_tip,
                        "commits": len(r.commits) - len(r.upstream),
                        "conflicts": list(r.conflicts),
                        "dropped": list(r.dropped),
                        "detail": r.detail,
                        **_auto_fields(r),
                    }
                    for r in results
                ],
            }
        )
        return
    for r in results:
        status = Rebase.WOULD_REBASE if dry_run and r.status == Rebase.REBASED else r.status
        output.status_line(r.name, status, r.detail)
        for a in r.attempts:
            verdict = "accepted" if not a["failed"] else f"failed {a['failed']}: {a['detail']}"
            output.line(f"{'':15}{a['method']}: {verdict}", style="dim")
        if r.status == plan.Status.CONFLICT:
            output.line(f"{'':15}resolve it with: howtoctl resolve {r.name}", style="dim")
        elif r.status == plan.Status.AUTO_RESOLVED:
            output.line(f"{'':15}review it, then: howtoctl save {r.name}", style="dim")
    counts = plan.summarize(results)
    if dry_run and plan.Status.REBASED in counts:
        counts["would-rebase"] = counts.pop(plan.Status.REBASED)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    output.info(f"{len(results)} HOWTO branch(es): {summary}")
    if stamp:
        output.info(f"old tips backed up under {backup.BACKUP_ROOT}{stamp}/ (undo: howtoctl undo)")


def _auto_fields(r: plan.BranchRebase) -> dict:
    """--json fields of an automatic resolution: how the accepted result was made, and every
    candidate tried (each with the checks it passed and the one it failed)."""
    if not r.attempts:
        return {}
    accepted = next((a for a in r.attempts if not a["failed"]), None)
    return {
        "method": accepted["method"] if accepted else None,
        "checks": accepted["passed"] if accepted else [],
        "attempts": list(r.attempts),
    }


def _auto_resolve(
    ws: Workspace,
    repo: Repo,
    results,
    target: str,
    dry_run: bool,
    prove: bool,
    timeout: float | None,
) -> dict[str, dict]:
    """Try the automatic resolutions of every conflicted branch (see `autoresolve`), writing
    their objects through `repo` (the repository, or a dry run's throwaway objects); return
    {name: what to remember of its accepted resolution}."""
    from howtoctl import autoresolve_record
    from howtoctl.autoresolve import merge_tools, resolver, smoke_check
    from howtoctl.runs import options, stale, variants

    conflicted = [r for r in results if r.status == plan.Status.CONFLICT]
    if not dry_run:
        for r in results:
            if r.status != plan.Status.CONFLICT:
                autoresolve_record.forget_partial(ws, r.name)
    accepted_records: dict[str, dict] = {}
    if not conflicted:
        return accepted_records
    missing = resolver.missing_tools()
    if missing:
        output.warn(
            f"--auto-resolve: {' and '.join(missing)} not found on PATH; trying only "
            + (", ".join(resolver.usable_methods()) or "nothing")
            + (f" ({merge_tools.INSTALL_HINT})" if merge_tools.WIGGLE in missing else "")
        )
    methods = resolver.usable_methods()
    committer = repo.ident().decode(errors="surrogateescape")
    stale.clear_stale_runs(repo)
    for r in conflicted:
        entry = ws.entry(r.name)
        merger = resolver.Resolver(
            repo,
            target,
            ws.scratch_dir,
            committer,
            # What `howtoctl test` runs: the manifest's `test`, else pytest on the example.
            smoke_check.SmokeTest(
                entry,
                variants.diff_files(ws, r.name),
                ws.config.manifest,
                smoke_check.SMOKE_TIMEOUT if timeout is None else timeout,
            ),
            proving=smoke_check.Proving(ws.config.howtos_paths, options.default_jobs())
            if prove
            else None,
        )
        # No spinner: the smoke tests show their own progress.
        outcome = merger.resolve(r, methods)
        r.attempts = tuple(a.as_dict() for a in outcome.attempts)
        accepted = outcome.accepted
        if accepted is not None:
            r.status, r.new_tip = plan.Status.AUTO_RESOLVED, accepted.tip
            r.dropped = r.upstream
            r.detail = f"{r.detail}; merged by {accepted.method}, verified: " + ", ".join(
                accepted.passed
            )
            accepted_records[r.name] = {**accepted.record(), "onto": target}
            continue
        best = outcome.best
        if best is not None and not dry_run:
            autoresolve_record.remember_partial(
                ws,
                r.name,
                {
                    "old_tip": r.old_tip,
                    "onto": target,
                    "commit": best.commit,
                    **best.as_dict(),
                    "files": {
                        p: None if d is None else repo.write_blob(d) for p, d in best.files.items()
                    },
                },
            )
    return accepted_records


def _remember_auto_resolved(ws: Workspace, moving, accepted: dict[str, dict]) -> None:
    """Before the move: a run killed right after it must not leave an automatic resolution
    unmarked, as if reviewed. A record of a tip the branch never got marks nothing."""
    from howtoctl import autoresolve_record

    for r in moving:
        if r.status == plan.Status.AUTO_RESOLVED:
            autoresolve_record.remember_accepted(ws, r.name, r.new_tip, accepted[r.name])


def _forget_partials(ws: Workspace, moved) -> None:
    from howtoctl import autoresolve_record

    for r in moved:
        if r.status == plan.Status.AUTO_RESOLVED:
            autoresolve_record.forget_partial(ws, r.name)


def _skip_checked_out(ws: Workspace, results) -> None:
    checked_out = ws.repo.checked_out_branches()
    for r in results:
        if r.moves and r.ref in checked_out:
            r.status = plan.Status.SKIPPED
            r.detail = (
                f"checked out in {checked_out[r.ref]} while it was rebased; "
                "switch that work tree away and rerun"
            )


@dataclasses.dataclass(frozen=True)
class Options:
    dry_run: bool
    onto: str | None
    auto_resolve: bool
    prove: bool
    timeout: float | None


def _options(ws: Workspace, dry_run, onto, auto_resolve, prove, timeout) -> tuple[Options, str]:
    """The options with the configuration's defaults, and the commit to rebase onto; every
    refusal before anything is locked or read."""
    from howtoctl.runs import options

    options.check_timeout(timeout)
    auto_resolve = ws.config.auto_resolve if auto_resolve is None else auto_resolve
    for option, given in (("--timeout", timeout is not None), ("--prove", bool(prove))):
        if given and not auto_resolve:
            raise HowtoError(
                f"{option} applies to automatic resolutions, but --auto-resolve is off",
                "add --auto-resolve (or set auto-resolve = true in [tool.howtoctl])",
            )
    prove = ws.config.auto_resolve_prove if prove is None else prove
    if ws.repo.is_shallow:
        raise HowtoError(
            "this is a shallow clone: rebasing needs the branches' history",
            "fetch it first: git fetch --unshallow",
        )
    target = ws.repo.rev_parse(onto) if onto else ws.base_tip
    if target is None:
        raise HowtoError(f"--onto {onto!r} does not name a commit")
    return Options(dry_run, onto, auto_resolve, prove, timeout), target


def _no_branches(ws: Workspace) -> None:
    # Not back to `restore --all` when it has nothing to make branches from.
    output.info(
        f"no {ws.config.branch_prefix}* branches to rebase ("
        + (
            "create them from their diffs: howtoctl restore --all; a diff it reports "
            "as not-restored is rebuilt by hand, as its hint says"
            if ws.diff_names()
            else "start a HOWTO: howtoctl new NAME"
        )
        + ")"
    )


def plan_and_replay(ws: Workspace, branches: dict, target: str, dry_run: bool) -> list:
    """Each branch's rebase, its commits replayed in memory (for a dry run, into a throwaway
    object directory)."""
    checked_out = ws.repo.checked_out_branches()
    blocked = {
        name: f"checked out in {checked_out[ws.branch_ref(name)]}; switch that work tree away and rerun"
        for name in branches
        if ws.branch_ref(name) in checked_out
    }
    try:
        with output.status(f"rebasing {len(branches)} branch(es) in memory..."):
            parents = ws.repo.commits_not_in(branches.values(), target)
            results = plan.plan(branches, target, parents, ws.config.branch_prefix, blocked)
            if dry_run:
                # The merges write their trees to a throwaway object directory; the new
                # commits are computed and dropped.
                with ws.repo.throwaway_objects() as scratch:
                    replay.replay(scratch, results, target, committer="")
            elif any(r.status == plan.Status.PENDING for r in results):
                committer = ws.repo.ident().decode(errors="surrogateescape")
                ws.repo.write_commits(replay.replay(ws.repo, results, target, committer))
    except HowtoError as e:
        e.hint = e.hint or "no branch was moved"
        raise
    return results


def _resolve_conflicts(ws: Workspace, results: list, target: str, opts: Options) -> dict:
    from howtoctl import signals

    # A candidate's commits must exist to run its smoke test: a dry run writes them to
    # a throwaway object directory, so it adds no object at all.
    # SIGTERM, too, must stop the smoke tests and remove their work trees: one left
    # at a dry run's throwaway commit would break `git gc`.
    with (
        signals.sigterm_interrupts(),
        ws.repo.throwaway_objects() if opts.dry_run else contextlib.nullcontext(ws.repo) as repo,
    ):
        return _auto_resolve(ws, repo, results, target, opts.dry_run, opts.prove, opts.timeout)


def apply(ws: Workspace, moving: list, accepted: dict, target: str, opts: Options) -> str:
    """One transaction creates the backups and moves the branches: all of it, or none. The
    backup run's stamp."""
    _remember_auto_resolved(ws, moving, accepted)
    command = (
        "rebase-all"
        + (f" --onto {opts.onto}" if opts.onto else "")
        + (" --auto-resolve" if opts.auto_resolve else "")
        + (" --prove" if opts.auto_resolve and opts.prove else "")
    )
    stamp, backups = backup.backup_updates(ws.repo, {r.ref: r.old_tip for r in moving}, command)
    ws.repo.update_refs(
        [*backups, *(RefUpdate.move(r.ref, r.new_tip, r.old_tip) for r in moving)],
        f"howtoctl rebase-all onto {opts.onto or ws.base} ({target[:12]})",
    )
    _forget_partials(ws, moving)
    backup.prune(ws.repo, ws.config.branch_prefix, ws.config.keep_backups, written=stamp)
    return stamp


def run(
    ws: Workspace,
    *,
    dry_run: bool = False,
    onto: str | None = None,
    as_json: bool = False,
    auto_resolve: bool | None = None,
    prove: bool | None = None,
    timeout: float | None = None,
) -> int:
    opts, target = _options(ws, dry_run, onto, auto_resolve, prove, timeout)
    with lock.repository_lock(ws.repo.common_dir, "rebase-all", writes=not dry_run):
        branches = ws.branches()
        if not branches:
            _no_branches(ws)
            return EXIT_OK
        results = plan_and_replay(ws, branches, target, dry_run)
        accepted = _resolve_conflicts(ws, results, target, opts) if opts.auto_resolve else {}
        # A smoke test may run for minutes: a branch checked out meanwhile is not moved under
        # that work tree's HEAD (git's transaction would not refuse it).
        _skip_checked_out(ws, results)
        moving = [r for r in results if r.moves]
        stamp = apply(ws, moving, accepted, target, opts) if moving and not dry_run else None
    _report(ws, results, dry_run, as_json, stamp, onto or ws.base)
    problems = [r for r in results if r.status in (plan.Status.CONFLICT, plan.Status.SKIPPED)]
    return EXIT_PROBLEMS if problems else EXIT_OK
