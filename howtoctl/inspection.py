"""Inspecting HOWTOs without changing anything: the shared core of `check` and `list`."""

from __future__ import annotations

import contextlib
import dataclasses
import os

from howtoctl import conflict_markers, names, patch, statuses
from howtoctl.errors import HowtoError
from howtoctl.howtos import Workspace
from howtoctl.names import STAGED, Staged

State = statuses.Health


@dataclasses.dataclass
class Report:
    name: str
    title: str = ""
    has_branch: bool = False
    has_diff: bool = False
    behind: int | None = None
    state: State = State.FRESH
    detail: str = ""
    hint: str = ""
    added: int = 0
    removed: int = 0
    files: tuple[str, ...] = ()
    auto_resolved: str = ""  # the method, while an automatic resolution awaits review

    @property
    def ok(self) -> bool:
        return self.state in (State.FRESH, State.MISSING_BRANCH, State.NEEDS_REBASE)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def inspect(
    ws: Workspace,
    selected: list[str],
    against: str | Staged = STAGED,
    freshness: bool = True,
    behind: bool = True,
) -> list[Report]:
    """Inspect each HOWTO: diff parses, applies (to the index or a commit), matches its branch.

    `against` is STAGED (the staged tree: what the next commit holds) or a commit id.
    """
    branches = ws.branches(fresh=False)
    reports = []
    patches: dict[str, tuple[bytes, frozenset[str]]] = {}
    for name in selected:
        r = Report(name=name, title=ws.entry(name).title, has_branch=name in branches)
        data = ws.read_diff(name)
        r.has_diff = data is not None
        reports.append(r)
        if data is None:
            r.state = State.MISSING_DIFF
            r.detail = f"no {ws.diff_relpath(name)}"
            r.hint = (
                f"howtoctl save {name}" if r.has_branch else f"remove it from {ws.config.manifest}"
            )
            continue
        try:
            parsed = patch.parse(data)
        except patch.PatchError as e:
            r.state, r.detail, r.hint = State.BROKEN, e.message, e.hint or ""
            continue
        r.added, r.removed, r.files = parsed.added, parsed.removed, parsed.paths
        found = conflict_markers.in_diff(data)
        if found:
            r.state, r.detail = State.CONFLICT_MARKERS, conflict_markers.describe(found)
            branch = ws.config.branch_prefix + name
            r.hint = (
                f"resolve the conflict on {branch} (edit those lines, commit), "
                f"then howtoctl save {name}"
                if r.has_branch
                else f"remove the markers from {ws.diff_relpath(name)}"
            )
            continue
        patches[name] = (
            data,
            frozenset(p for f in parsed.files for p in (f.old_path, f.new_path) if p),
        )

    # The branch-side questions (how far behind, still fresh?) do not depend on whether the diff
    # applies: ask them at the same time, a few git processes at once.
    forks = ws.fork_points({n: branches[n] for n in patches if n in branches})
    # A diff saved from a branch forked at F is `git diff F tip`: it applies to F by
    # construction, and so to any tree whose files it touches are as in F. Branches restored or
    # rebased together share F, so each question is asked once per fork point.
    synced = {
        n: forks[n]
        for n in patches
        if n in branches
        and forks.get(n)
        and ws.in_sync_by_record(n, patches[n][0], branches[n], forks[n])
    }
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as pool:
        named_forks = {forks[n] for n in patches if n in branches and forks.get(n)}
        # A branch that is a simple line on its fork point lacks what the fork point lacks.
        behind_by_fork = (
            {f: pool.submit(ws.commits_behind, f, f) for f in named_forks} if behind else {}
        )
        changed_by_fork = {
            f: pool.submit(ws.repo.paths_differing, f, against)
            for f in set(synced.values())
            if f != against
        }
        fresh_by_name = {
            n: pool.submit(ws.freshness, n, patches[n][0], branches[n], forks.get(n))
            for n in patches
            if n in branches and freshness
        }
        # Save refuses a branch that edits HOWTO metadata: the gate says so first. One synced
        # by record was saved at its tip, so save found none there.
        metadata_by_name = {
            n: pool.submit(ws.metadata_changes, branches[n], forks[n])
            for n in patches
            if n in branches and forks.get(n) and n not in synced and freshness
        }
        applies = {
            n: (True, "")
            for n, f in synced.items()
            if f == against or untouched(patches[n][1], changed_by_fork[f].result())
        }
        unproven = {n: p for n, p in patches.items() if n not in applies}
        applies.update(apply_checks(ws, unproven, against, pool))
        facts = {
            n: (
                _behind(ws, branches[n], forks.get(n), behind_by_fork) if behind else None,
                fresh_by_name[n].result() if freshness else None,
            )
            for n in patches
            if n in branches
        }
    for r in reports:
        if r.name not in patches:
            continue
        ok, message = applies[r.name]
        if not ok:
            r.state = State.BROKEN
            r.detail = "does not apply: " + _first_error(message)
            r.hint = (
                ws.rebase_advice(r.name)
                if r.has_branch
                else f"howtoctl restore {r.name} fails too; rebuild it with git apply --3way"
            )
            continue
        if not r.has_branch:
            r.state = State.MISSING_BRANCH
            r.detail = "diff only"
            r.hint = f"howtoctl restore {r.name}"
            continue
        r.behind, fresh = facts[r.name]
        touched = metadata_by_name[r.name].result() if r.name in metadata_by_name else []
        if touched:
            r.state = State.STALE
            r.detail = (
                f"{ws.config.branch_prefix}{r.name} changes HOWTO metadata, which belongs to "
                f"{ws.base}: {', '.join(touched)}; save refuses it"
            )
            r.hint = ws.metadata_advice(r.name, forks[r.name], touched)
            continue
        if fresh is not None and not fresh.fresh:
            r.state, r.detail, r.hint = State.STALE, fresh.detail, fresh.hint
            if fresh.saves_branch:
                if r.behind is None:  # not asked for (check): only a stale branch needs it
                    r.behind = ws.commits_behind(branches[r.name], forks.get(r.name))
                if r.behind:
                    r.detail = (
                        f"{ws.config.branch_prefix}{r.name} differs from its diff and is "
                        f"{r.behind} commit(s) behind {ws.base}"
                    )
                    r.hint = ws.rebase_advice(r.name)
            continue
        if r.behind:
            r.state = State.NEEDS_REBASE
            r.detail = f"{r.behind} commit(s) behind {ws.base}"
            r.hint = ws.rebase_advice(r.name)
    # An exemption must match one code hunk, or `prove` refuses to run: the gate says so first.
    for r in reports:
        if r.ok and r.name in patches:
            problem = exemption_problem(ws, r.name, patches[r.name][0])
            if problem is not None:
                r.state, r.detail, r.hint = State.BAD_EXEMPTION, problem.message, problem.hint or ""
    return reports


def exemption_problem(ws: Workspace, name: str, data: bytes) -> HowtoError | None:
    """Why the manifest's proof exemptions of a HOWTO do not fit its diff, or None."""
    from howtoctl import mutants, proof

    exempt = ws.entry(name).exempt
    if not exempt:
        return None
    files = patch.parse(data).files
    base = ws.repo.rev_parse("HEAD") if ws.diffs_from_worktree() else ws.base_tip
    assert base is not None
    try:
        proof.exemptions_by_hunk(
            name, proof.classify(files, mutants.python_sources(ws.repo, base, files)), exempt
        )
    except HowtoError as e:
        return e
    return None


def _behind(ws: Workspace, tip: str, fork: str | None, by_fork) -> int:
    """Base commits a branch lacks: counted once per fork point; per branch where the branch's
    history is not a simple line on the base (no fork point found)."""
    return by_fork[fork].result() if fork in by_fork else ws.commits_behind(tip, fork)


def untouched(patch_paths: frozenset[str], changed: set[str]) -> bool:
    """Whether no path a patch touches changed: neither the path itself, nor a directory above it
    (it became a file, or went), nor anything below it (a file the patch adds became a directory).
    Pure."""

    def parents(path: str) -> set[str]:
        parts = path.split("/")
        return {"/".join(parts[:i]) for i in range(1, len(parts))}

    above_patch = set().union(*map(parents, patch_paths)) if patch_paths else set()
    above_changed = set().union(*map(parents, changed)) if changed else set()
    return not (patch_paths & changed or above_patch & changed or patch_paths & above_changed)


def _first_error(message: str) -> str:
    lines = [ln.removeprefix("error: ") for ln in message.splitlines() if ln.strip()]
    return "; ".join(lines[:2]) or "git apply failed"


def disjoint_groups(paths: dict[str, frozenset[str]]) -> list[list[str]]:
    """Group names so that no two in a group touch the same path (greedy, in order; pure)."""
    groups: list[tuple[list[str], set[str]]] = []
    for name, touched in paths.items():
        for members, used in groups:
            if not used & touched:
                members.append(name)
                used |= touched
                break
        else:
            groups.append(([name], set(touched)))
    return [members for members, _ in groups]


def apply_checks(
    ws: Workspace, patches: dict[str, tuple[bytes, frozenset[str]]], against: str | Staged, pool
) -> dict[str, tuple[bool, str]]:
    """Whether each patch applies on its own, with as few git processes as possible.

    Patches touching disjoint files cannot affect each other, so each such group is checked by
    one `git apply --check`. Only a group that fails is checked again patch by patch, to say
    exactly which HOWTO is broken and why.
    """
    if not patches:
        return {}
    with contextlib.ExitStack() as stack:
        index_file = None
        if against is not STAGED:
            index_file = stack.enter_context(ws.repo.temporary_index(against))["GIT_INDEX_FILE"]
        groups = disjoint_groups({n: touched for n, (_, touched) in patches.items()})
        results: dict[str, tuple[bool, str]] = {}

        def check(group: list[str]) -> None:
            if len(group) > 1:
                ok, _ = ws.repo.apply_check_together([patches[n][0] for n in group], index_file)
                if ok:
                    results.update({n: (True, "") for n in group})
                    return
            for n in group:
                results[n] = ws.repo.apply_check(patches[n][0], index_file=index_file)

        for future in [pool.submit(check, g) for g in groups]:
            future.result()
        return results


def unknown_names(ws: Workspace, selected: list[str]) -> list[str]:
    known = set(ws.all_names())
    return [n for n in selected if n not in known]


def invalid_diff_reports(ws: Workspace) -> list[Report]:
    """Diff files whose names are not valid HOWTO names: reported, never silently ignored."""
    reports = []
    for filename in ws.invalid_diff_files():
        stem = filename[: -len(names.DIFF_SUFFIX)]
        try:
            names.validate_name(stem)
            detail = "invalid name"
        except HowtoError as e:
            detail = e.message
        reports.append(
            Report(
                name=stem,
                has_diff=True,
                state=State.BROKEN,
                detail=detail,
                hint="rename the file to a valid HOWTO name (lower-case words joined by '-')",
            )
        )
    return reports
