"""Inspecting HOWTOs without changing anything: the shared core of `check` and `list`."""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import os

from howtoctl import names, patch
from howtoctl.errors import HowtoError
from howtoctl.howtos import Workspace

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
    branches = ws.branches()
    reports = []
    patches: dict[str, bytes] = {}
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
        patches[name] = data

    applies = _apply_checks(ws, patches, against)
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
        tip = branches[r.name]
        if behind:
            r.behind = ws.commits_behind(tip)
        if freshness:
            f = ws.freshness(r.name, patches[r.name], tip)
            if not f.fresh:
                r.state, r.detail, r.hint = STALE, f.detail, f.hint
                continue
        if r.behind:
            r.state = NEEDS_REBASE
            r.detail = f"{r.behind} commit(s) behind {ws.base}"
            r.hint = "howtoctl rebase-all, then howtoctl save --all"
    return reports


def _first_error(message: str) -> str:
    lines = [ln.removeprefix("error: ") for ln in message.splitlines() if ln.strip()]
    return "; ".join(lines[:2]) or "git apply failed"


def _apply_checks(
    ws: Workspace, patches: dict[str, bytes], against: str
) -> dict[str, tuple[bool, str]]:
    """`git apply --check` for each patch, independently, two at a time."""
    if not patches:
        return {}
    with contextlib.ExitStack() as stack:
        if against == "index":
            kwargs = {}
        else:
            env = stack.enter_context(ws.repo.temporary_index(against))
            kwargs = {"index_file": env["GIT_INDEX_FILE"]}
        workers = min(len(patches), os.cpu_count() or 2)
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            futures = {n: pool.submit(ws.repo.apply_check, p, **kwargs) for n, p in patches.items()}
            return {n: f.result() for n, f in futures.items()}


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
