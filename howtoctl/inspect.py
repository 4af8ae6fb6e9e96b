"""Inspecting HOWTOs without changing anything: the shared core of `check` and `list`."""

from __future__ import annotations

import contextlib
import dataclasses
import os

from howtoctl import names, patch
from howtoctl.errors import HowtoError
from howtoctl.howtos import Freshness, Workspace

FRESH = "fresh"
STALE = "stale"
NEEDS_REBASE = "needs-rebase"
BROKEN = "broken"
MISSING_BRANCH = "missing-branch"
MISSING_DIFF = "missing-diff"


@dataclasses.dataclass
class Report:
    name: str
    title: str = ""
    has_branch: bool = False
    has_diff: bool = False
    behind: int | None = None
    state: str = FRESH
    detail: str = ""
    hint: str = ""
    added: int = 0
    removed: int = 0
    files: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.state in (FRESH, MISSING_BRANCH, NEEDS_REBASE)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def inspect(
    ws: Workspace,
    selected: list[str],
    against: str = "index",
    freshness: bool = True,
    behind: bool = True,
) -> list[Report]:
    """Inspect each HOWTO: diff parses, applies (to the index or a commit), matches its branch.

    `against` is "index" (the staged tree: what the next commit holds) or a commit id.
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
            r.state = MISSING_DIFF
            r.detail = f"no {ws.diff_relpath(name)}"
            r.hint = (
                f"howtoctl save {name}" if r.has_branch else f"remove it from {ws.config.manifest}"
            )
            continue
        try:
            parsed = patch.parse(data)
        except patch.PatchError as e:
            r.state, r.detail, r.hint = BROKEN, e.message, e.hint or ""
            continue
        r.added, r.removed, r.files = parsed.added, parsed.removed, parsed.paths
        patches[name] = (
            data,
            frozenset(p for f in parsed.files for p in (f.old_path, f.new_path) if p),
        )

    # The branch-side questions (how far behind, still fresh?) do not depend on whether the diff
    # applies: ask them at the same time, a few git processes at once.
    forks = ws.fork_points({n: branches[n] for n in patches if n in branches})

    def branch_facts(name: str) -> tuple[int | None, Freshness | None]:
        tip, fork = branches[name], forks.get(name)
        return (
            ws.commits_behind(tip, fork) if behind else None,
            ws.freshness(name, patches[name][0], tip, fork) if freshness else None,
        )

    # A diff saved from a branch forked at the very commit we check against applies to it by
    # construction (git diff A B applies to A): no need to ask git again.
    applies = {
        n: (True, "")
        for n in patches
        if n in branches
        and forks.get(n) == against
        and ws.in_sync_by_record(n, patches[n][0], branches[n], forks[n])
    }
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as pool:
        facts = {n: pool.submit(branch_facts, n) for n in patches if n in branches}
        unproven = {n: p for n, p in patches.items() if n not in applies}
        applies.update(_apply_checks(ws, unproven, against, pool))
        facts = {n: f.result() for n, f in facts.items()}
    for r in reports:
        if r.name not in patches:
            continue
        ok, message = applies[r.name]
        if not ok:
            r.state = BROKEN
            r.detail = "does not apply: " + _first_error(message)
            r.hint = (
                f"rebase its branch and save it: howtoctl rebase-all && howtoctl save {r.name}"
                if r.has_branch
                else f"howtoctl restore {r.name} fails too; rebuild it with git apply --3way"
            )
            continue
        if not r.has_branch:
            r.state = MISSING_BRANCH
            r.detail = "diff only"
            r.hint = f"howtoctl restore {r.name}"
            continue
        r.behind, fresh = facts[r.name]
        if fresh is not None and not fresh.fresh:
            r.state, r.detail, r.hint = STALE, fresh.detail, fresh.hint
            continue
        if r.behind:
            r.state = NEEDS_REBASE
            r.detail = f"{r.behind} commit(s) behind {ws.base}"
            r.hint = "howtoctl rebase-all, then howtoctl save --all"
    return reports


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


def _apply_checks(
    ws: Workspace, patches: dict[str, tuple[bytes, frozenset[str]]], against: str, pool
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
        if against != "index":
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
                state=BROKEN,
                detail=detail,
                hint="rename the file to a valid HOWTO name (lower-case words joined by '-')",
            )
        )
    return reports
