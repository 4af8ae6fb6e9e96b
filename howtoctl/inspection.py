"""Inspecting HOWTOs without changing anything: the shared core of `check` and `list`."""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import os

from howtoctl import branch_metadata, statuses
from howtoctl import freshness as freshness_mod
from howtoctl.errors import HowtoError
from howtoctl.model import conflict_markers, names, patch
from howtoctl.model.names import STAGED, Staged
from howtoctl.workspace import Workspace

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


Patches = dict[str, tuple[bytes, frozenset[str]]]  # name: the diff, the paths it touches


@dataclasses.dataclass
class _BranchFacts:
    """What git says of each readable diff and its branch, asked all at once."""

    forks: dict[str, str | None]
    applies: dict[str, tuple[bool, str]]
    behind: dict[str, int | None]
    fresh: dict[str, object]  # name: Freshness, or None when not asked
    metadata: dict[str, concurrent.futures.Future]  # name: the metadata paths its branch edits


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
    patches: Patches = {}
    for name in selected:
        r = Report(name=name, title=ws.entry(name).title, has_branch=name in branches)
        reports.append(r)
        readable = _read_diff(ws, r)
        if readable is not None:
            patches[name] = readable
    facts = _branch_facts(ws, patches, branches, against, freshness, behind)
    for r in reports:
        if r.name in patches:
            _judge(ws, r, branches, facts)
    # An exemption must match one code hunk, or `prove` refuses to run: the gate says so first.
    for r in reports:
        if r.ok and r.name in patches:
            problem = exemption_problem(ws, r.name, patches[r.name][0])
            if problem is not None:
                r.state, r.detail, r.hint = State.BAD_EXEMPTION, problem.message, problem.hint or ""
    return reports


def _read_diff(ws: Workspace, r: Report) -> tuple[bytes, frozenset[str]] | None:
    """The diff and the paths it touches; None, with `r` saying why, when it is missing,
    does not parse or holds conflict markers."""
    name = r.name
    data = ws.read_diff(name)
    r.has_diff = data is not None
    if data is None:
        r.state = State.MISSING_DIFF
        r.detail = f"no {ws.diff_relpath(name)}"
        r.hint = f"howtoctl save {name}" if r.has_branch else f"remove it from {ws.config.manifest}"
        return None
    try:
        parsed = patch.parse(data)
    except patch.PatchError as e:
        r.state, r.detail, r.hint = State.BROKEN, e.message, e.hint or ""
        return None
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
        return None
    return data, frozenset(p for f in parsed.files for p in (f.old_path, f.new_path) if p)


def _branch_facts(
    ws: Workspace,
    patches: Patches,
    branches: dict,
    against: str | Staged,
    freshness: bool,
    behind: bool,
) -> _BranchFacts:
    """Asks the branch-side questions (how far behind, still fresh?) and whether each diff
    applies at the same time, a few git processes at once."""
    with_branch = [n for n in patches if n in branches]
    forks = ws.fork_points({n: branches[n] for n in with_branch})
    # A diff saved from a branch forked at F is `git diff F tip`: it applies to F by
    # construction, and so to any tree whose files it touches are as in F. Branches restored or
    # rebased together share F, so each question is asked once per fork point.
    synced = _synced_by_record(ws, patches, branches, forks)
    with concurrent.futures.ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as pool:
        # A branch that is a simple line on its fork point lacks what the fork point lacks.
        named_forks = {f for f in forks.values() if f} if behind else set()
        behind_by_fork = {f: pool.submit(ws.commits_behind, f, f) for f in named_forks}
        fresh_by_name = {
            n: pool.submit(freshness_mod.freshness, ws, n, patches[n][0], branches[n], forks.get(n))
            for n in (with_branch if freshness else [])
        }
        # Save refuses a branch that edits HOWTO metadata: the gate says so first. One synced
        # by record was saved at its tip, so save found none there.
        metadata = {
            n: pool.submit(branch_metadata.metadata_changes, ws, branches[n], forks[n])
            for n in (with_branch if freshness else [])
            if forks.get(n) and n not in synced
        }
        applies = _applies(ws, patches, synced, against, pool)
        behind_by_name = {
            n: _behind(ws, branches[n], forks.get(n), behind_by_fork) if behind else None
            for n in with_branch
        }
        fresh = {n: fresh_by_name[n].result() if n in fresh_by_name else None for n in with_branch}
    return _BranchFacts(forks, applies, behind_by_name, fresh, metadata)


def _synced_by_record(
    ws: Workspace, patches: Patches, branches: dict, forks: dict[str, str | None]
) -> dict[str, str]:
    """The branches whose sync record says their diff is `git diff FORK TIP`: name: FORK."""
    return {
        n: fork
        for n in patches
        if n in branches
        and (fork := forks.get(n))
        and freshness_mod.in_sync_by_record(ws, n, patches[n][0], branches[n], fork)
    }


def _applies(
    ws: Workspace,
    patches: Patches,
    synced: dict[str, str],
    against: str | Staged,
    pool: concurrent.futures.ThreadPoolExecutor,
) -> dict[str, tuple[bool, str]]:
    """Whether each diff applies: known without git for a synced one whose files did not
    change since its fork point; asked of git for the others."""
    changed_by_fork = {
        f: pool.submit(ws.repo.paths_differing, f, against)
        for f in set(synced.values())
        if f != against
    }
    applies = {
        n: (True, "")
        for n, f in synced.items()
        if f == against or untouched(patches[n][1], changed_by_fork[f].result())
    }
    unproven = {n: p for n, p in patches.items() if n not in applies}
    applies.update(apply_checks(ws, unproven, against, pool))
    return applies


def _judge(ws: Workspace, r: Report, branches: dict, facts: _BranchFacts) -> None:
    """The state of a HOWTO whose diff reads well, from what git said of it."""
    ok, message = facts.applies[r.name]
    if not ok:
        r.state = State.BROKEN
        r.detail = "does not apply: " + _first_error(message)
        r.hint = (
            freshness_mod.rebase_advice(ws, r.name)
            if r.has_branch
            else f"howtoctl restore {r.name} fails too; rebuild it with git apply --3way"
        )
        return
    if not r.has_branch:
        r.state = State.MISSING_BRANCH
        r.detail = "diff only"
        r.hint = f"howtoctl restore {r.name}"
        return
    r.behind, fresh = facts.behind[r.name], facts.fresh[r.name]
    touched = facts.metadata[r.name].result() if r.name in facts.metadata else []
    if touched:
        r.state = State.STALE
        r.detail = (
            f"{ws.config.branch_prefix}{r.name} changes HOWTO metadata, which belongs to "
            f"{ws.base}: {', '.join(touched)}; save refuses it"
        )
        r.hint = branch_metadata.metadata_advice(ws, r.name, facts.forks[r.name], touched)
    elif fresh is not None and not fresh.fresh:
        _judge_stale(ws, r, fresh, branches[r.name], facts.forks.get(r.name))
    elif r.behind:
        r.state = State.NEEDS_REBASE
        r.detail = f"{r.behind} commit(s) behind {ws.base}"
        r.hint = freshness_mod.rebase_advice(ws, r.name)


def _judge_stale(ws: Workspace, r: Report, fresh, tip: str, fork: str | None) -> None:
    r.state, r.detail, r.hint = State.STALE, fresh.detail, fresh.hint
    if not fresh.saves_branch:
        return
    if r.behind is None:  # not asked for (check): only a stale branch needs it
        r.behind = ws.commits_behind(tip, fork)
    if r.behind:
        r.detail = (
            f"{ws.config.branch_prefix}{r.name} differs from its diff and is "
            f"{r.behind} commit(s) behind {ws.base}"
        )
        r.hint = freshness_mod.rebase_advice(ws, r.name)


def exemption_problem(ws: Workspace, name: str, data: bytes) -> HowtoError | None:
    """Why the manifest's proof exemptions of a HOWTO do not fit its diff, or None."""
    from howtoctl.model import counted_hunks
    from howtoctl.runs import mutants

    exempt = ws.entry(name).exempt
    if not exempt:
        return None
    files = patch.parse(data).files
    base = ws.repo.rev_parse("HEAD") if ws.diffs_from_worktree() else ws.base_tip
    assert base is not None
    try:
        counted_hunks.exemptions_by_hunk(
            name,
            counted_hunks.classify(files, mutants.python_sources(ws.repo, base, files)),
            exempt,
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
