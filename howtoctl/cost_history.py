"""Reading the timeline `cost` works on from git: the base branch's first-parent history of
each HOWTO's diff file and of the files it touches, with whether the diff applied after each
commit. Works on a repository that never ran howtoctl (only diff files in its history); where
howtoctl left records (auto-resolution trailers on `howto/*` branches and backup refs), they
tell an automatic resolution from a human fix.

A handful of git processes whatever the history's length: two `git log`s (the diff directory,
then the files the diffs touch), one `cat-file --batch` for the diffs, and one `git apply
--check` for all the distinct (diff, files) pairs together, split only where some fail.
"""

from __future__ import annotations

import dataclasses
import posixpath

from howtoctl import autoresolve_record, cost
from howtoctl.autoresolve import resolver
from howtoctl.errors import HowtoError
from howtoctl.model import names, patch
from howtoctl.workspace import Workspace

_ABSENT = "000000"


@dataclasses.dataclass(frozen=True)
class _Diff:
    """One version of a diff file: what it touches, its size, and its text for checking."""

    paths: tuple[str, ...]
    added: int
    removed: int
    parsed: patch.Patch | None  # None: not a valid HOWTO diff (it never applies)


@dataclasses.dataclass
class History:
    commits: list[cost.Commit]  # the range, oldest first
    figures: list[cost.Figures]


def resolve_since(ws: Workspace, since: str | None, times: list[int], oids: list[str]) -> int:
    """Index on the first-parent line of the range's first commit."""
    if since is None:
        return 0
    when = cost.since_time(since)
    if when is not None:
        return cost.start_index(times, when)
    oid = ws.repo.rev_parse(since) if not since.startswith("-") else None
    if oid is None:
        raise HowtoError(
            f"--since {since!r} is neither a date (YYYY-MM-DD) nor a commit",
            "give a date such as 2020-03-01, or a commit on the base branch",
        )
    try:
        return oids.index(oid) + 1  # the commits after REV
    except ValueError:
        raise HowtoError(
            f"--since {since!r} is not on {ws.base}'s first-parent line",
            f"name a commit of `git log --first-parent {ws.base}`",
        ) from None


def _read_diffs(ws: Workspace, blobs: set[str]) -> dict[str, _Diff]:
    found = {}
    for oid, data in ws.repo.read_blobs(sorted(blobs)).items():
        try:
            if data is None:  # git named it, so it is there; a damaged clone may still lack it
                raise HowtoError(f"object {oid} is missing from the repository", "run git fsck")
            p = patch.parse(data)
        except patch.PatchError:
            found[oid] = _Diff((), 0, 0, None)
            continue
        found[oid] = _Diff(p.paths, p.added, p.removed, p)
    return found


def _with_prefix(p: patch.Patch, prefix: str) -> bytes:
    """The diff with every path under `prefix`, so that many diffs can be checked together
    against one index holding each check's files under its own prefix."""

    def marker(side: str, path: str | None) -> bytes:
        if path is None:
            return b"/dev/null"
        name = f"{side}/{prefix}{path}"
        return (name + ("\t" if " " in path else "")).encode()

    out = []
    for f in p.files:
        path = prefix + f.path
        out.append(f"diff --git a/{path} b/{path}".encode())
        out.extend(f.headers)
        if f.hunks:
            out.append(b"--- " + marker("a", f.old_path))
            out.append(b"+++ " + marker("b", f.new_path))
        for h in f.hunks:
            section = f" {h.section}" if h.section else ""
            out.append(
                f"@@ -{h.old_start},{h.old_count} +{h.new_start},{h.new_count} @@{section}".encode()
            )
            out.extend(h.lines)
    return b"\n".join(out) + b"\n"


def _auto_resolved_diffs(ws: Workspace) -> dict[str, str]:
    """{blob id of a diff `save` writes from an auto-resolved branch tip: how it was resolved},
    from the trailers rebase-all --auto-resolve writes, on the `howto/*` branches and on
    howtoctl's backup refs (earlier tips)."""
    from howtoctl import backup

    tips = set(ws.branches(fresh=False).values()) | set(ws.repo.refs(backup.BACKUP_ROOT).values())
    commits = ws.repo.commits_with_trailers(
        tips, ws.base_tip, (resolver.TRAILER_METHOD, resolver.TRAILER_CHECKS)
    )
    resolved = {oid for oid, (_, _, (method, _)) in commits.items() if method}
    if not resolved:
        return {}

    def what(oid: str) -> str:
        method, checks = commits[oid][2]
        return f"{method} (verified: {checks})" if checks else method

    # A diff is saved from a branch tip: a tip counts when it and every commit down to a
    # resolved one were written by the same run (one committer line and time per run), not
    # when a person committed on top.
    how = {oid: what(oid) for oid in resolved}
    for tip in tips:
        oid = tip
        run = commits.get(tip, ((), "", ()))[1]
        while oid in commits and commits[oid][1] == run:
            if oid in resolved:
                how.setdefault(tip, what(oid))
                break
            parents = commits[oid][0]
            if not parents:
                break
            oid = parents[0]
    found = {}
    for tip, method in how.items():
        data = ws.branch_diff("", tip) if ws.repo.merge_base(ws.base_tip, tip) else None
        if data:
            found[ws.repo.hash_object("blob", data)] = method
    return found


@dataclasses.dataclass
class _Timeline:
    """What the walk over the base's history asks git to check, and what it saw."""

    requests: list[tuple] = dataclasses.field(default_factory=list)  # (blob, files) to check
    checks: dict[tuple, int] = dataclasses.field(default_factory=dict)  # request: its index
    pending: dict[str, list[tuple]] = dataclasses.field(default_factory=dict)  # name: steps
    at_start: dict[str, int | None] = dataclasses.field(default_factory=dict)  # name: request

    def ask(self, blob: str, diff: _Diff, files: dict[str, tuple[str, str]]) -> int:
        """The index of the check of `blob` against the base's `files` as they are now."""
        key = (blob, tuple((p, files.get(p)) for p in diff.paths))
        if key not in self.checks:
            self.checks[key] = len(self.requests)
            self.requests.append(key)
        return self.checks[key]


def _diff_versions(ws: Workspace) -> tuple[dict[str, dict[str, str | None]], dict[str, str]]:
    """{commit: {name: diff blob, None once deleted}} for every commit of the base's
    first-parent line that changed a diff file, and {commit: author}."""
    diff_dir = ws.config.diff_dir
    diff_log = ws.repo.first_parent_changes(ws.base_ref, [diff_dir])
    diff_changes: dict[str, dict[str, str | None]] = {}
    for oid, _author, changes in diff_log:
        for path, mode, blob in changes:
            if posixpath.dirname(path) != diff_dir.rstrip("/"):
                continue
            name = names.name_from_diff_file(posixpath.basename(path))
            if name:
                diff_changes.setdefault(oid, {})[name] = None if mode == _ABSENT else blob
    return diff_changes, {oid: author for oid, author, _ in diff_log}


def _select(
    ws: Workspace,
    requested: tuple[str, ...],
    diff_changes: dict[str, dict[str, str | None]],
    by_oid: dict[str, cost.Commit],
    start: int,
    in_range: bool,
) -> list[str]:
    """The HOWTOs asked for, or all with a diff when the range began or changed in it."""
    present: set[str] = set()
    alive: dict[str, str | None] = {}
    for oid, changes in diff_changes.items():
        if by_oid[oid].index < start:
            alive.update(changes)
        else:
            present |= set(changes)
    present |= {n for n, b in alive.items() if b}
    present = present if in_range else set()
    if not requested:
        return sorted(present)
    for name in requested:
        names.validate_name(name)
    unknown = [n for n in requested if n not in present]
    if unknown:
        raise HowtoError(
            f"no HOWTO named {', '.join(map(repr, unknown))} has a diff in "
            f"{ws.config.diff_dir}/ on {ws.base} in the range",
            "see `howtoctl list`, or widen the range with --since",
        )
    return list(dict.fromkeys(requested))


def _apply_file_changes(files: dict[str, tuple[str, str]], changes) -> set[str]:
    """Brings `files` (path: (mode, blob)) up to a commit's `changes`; returns their paths."""
    for p, mode, blob in changes:
        if mode == _ABSENT:
            files.pop(p, None)
        else:
            files[p] = (mode, blob)
    return {p for p, _, _ in changes}


def _walk(
    events: list[cost.Commit],
    start: int,
    selected: list[str],
    diffs: dict[str, _Diff],
    diff_changes: dict[str, dict[str, str | None]],
    file_changes: dict[str, list[tuple[str, str, str]]],
) -> _Timeline:
    """Walks the events in order, noting for each HOWTO the steps that moved its files or
    rewrote its diff, and the checks each needs (deduplicated)."""
    files: dict[str, tuple[str, str]] = {}  # path: (mode, blob) on the base
    current: dict[str, str | None] = {n: None for n in selected}
    t = _Timeline(pending={n: [] for n in selected})

    def ask(blob: str) -> int:
        return t.ask(blob, diffs[blob], files)

    started = False
    for c in events:
        if c.index >= start and not started:
            started = True
            t.at_start = {n: ask(b) if b else None for n, b in current.items()}
        changed = _apply_file_changes(files, file_changes.get(c.oid, ()))
        new_diffs = diff_changes.get(c.oid, {})
        for name in selected:
            before, after = current[name], new_diffs.get(name, current[name])
            current[name] = after
            moved = bool(changed & _paths(diffs, before, after))
            if c.index < start or (not moved and after == before):
                continue
            old_check = ask(before) if moved and before else None
            new_check = ask(after) if after else None
            t.pending[name].append((c, before, after, moved, old_check, new_check))
    if not started:
        t.at_start = {n: ask(b) if b else None for n, b in current.items()}
    return t


def _paths(diffs: dict[str, _Diff], *blobs: str | None) -> set[str]:
    """The files the versions `blobs` of a diff touch (None: no diff)."""
    return {p for b in blobs if b for p in diffs[b].paths}


def _run_checks(ws: Workspace, requests: list[tuple], diffs: dict[str, _Diff]) -> list[bool]:
    """Whether each (diff, files) request applies: one batch of `git apply --check`."""
    entries, patches, which = [], [], []
    outcome = [False] * len(requests)
    for i, (blob, state_files) in enumerate(requests):
        parsed = diffs[blob].parsed
        if parsed is None:
            continue  # not a valid HOWTO diff: it does not apply
        prefix = f"k{i}/"
        entries += [(m, b, prefix + p) for p, mb in state_files if mb for m, b in [mb]]
        patches.append((prefix.rstrip("/"), _with_prefix(parsed, prefix)))
        which.append(i)
    for i, ok in zip(which, ws.repo.apply_checks(entries, patches), strict=True):
        outcome[i] = ok
    return outcome


def _human_touches(
    diff_changes: dict[str, dict[str, str | None]],
    by_oid: dict[str, cost.Commit],
    authors: dict[str, str],
    auto: dict[str, str],
) -> dict[str, dict]:
    """{name: the last commit a person changed its diff in}, over the whole history."""
    human_touch = {}
    for oid, changes in diff_changes.items():
        for name, blob in changes.items():
            if blob and not auto.get(blob):
                c = by_oid[oid]
                human_touch[name] = {"commit": oid, "time": c.time, "author": authors.get(oid, "")}
    return human_touch


def _steps(pending: list[tuple], diffs, authors, auto, outcome) -> list[cost.Step]:
    steps = []
    for c, before, after, moved, old_check, new_check in pending:
        d = diffs.get(after) if after else None
        steps.append(
            cost.Step(
                commit=c,
                author=authors.get(c.oid, ""),
                diff_before=before,
                diff_after=after,
                files_changed=moved,
                applies_old=None if old_check is None else outcome[old_check],
                applies_new=None if new_check is None else outcome[new_check],
                added=d.added if d else 0,
                removed=d.removed if d else 0,
                auto=auto.get(after, "") if after else "",
            )
        )
    return steps


def _versions_of(diff_changes: dict[str, dict[str, str | None]], selected) -> set[str]:
    """The blobs of every version of the `selected` HOWTOs' diffs."""
    return {b for ch in diff_changes.values() for n, b in ch.items() if b and n in selected}


def _lines_at(c: cost.Commit, d: _Diff) -> dict:
    return {"commit": c.oid, "time": c.time, "added": d.added, "removed": d.removed}


def read(ws: Workspace, requested: tuple[str, ...], since: str | None) -> History:
    repo = ws.repo
    line = repo.first_parent_commits(ws.base_ref)
    oids = [oid for oid, _ in line]
    commits = [cost.Commit(oid, t, i) for i, (oid, t) in enumerate(line)]
    start = resolve_since(ws, since, [t for _, t in line], oids)
    by_oid = {c.oid: c for c in commits}

    # 1. Every version of every diff file, commit by commit; the HOWTOs to report.
    diff_changes, authors = _diff_versions(ws)
    selected = _select(ws, requested, diff_changes, by_oid, start, start < len(commits))
    if start >= len(commits) or not selected:
        return History(commits[start:], [])
    diffs = _read_diffs(ws, _versions_of(diff_changes, selected))
    paths = sorted(_paths(diffs, *diffs))

    # 2. Every change to the files the diffs touch.
    file_log = repo.first_parent_changes(ws.base_ref, paths) if paths else []
    file_changes = {oid: changes for oid, _, changes in file_log}
    authors.update({oid: author for oid, author, _ in file_log})
    auto = _auto_resolved_diffs(ws)

    # 3. The walk, then 4. one batch of checks for all it asked.
    changed_in = set(diff_changes) | set(file_changes)
    events = sorted((by_oid[o] for o in changed_in if o in by_oid), key=lambda c: c.index)
    timeline = _walk(events, start, selected, diffs, diff_changes, file_changes)
    outcome = _run_checks(ws, timeline.requests, diffs)

    human_touch = _human_touches(diff_changes, by_oid, authors, auto)
    unreviewed = autoresolve_record.accepted_marks(ws, selected)
    result = []
    for name in selected:
        steps = _steps(timeline.pending[name], diffs, authors, auto, outcome)
        first = timeline.at_start.get(name)
        f = cost.figures(name, steps, commits[start], None if first is None else outcome[first])
        if first is not None:  # the diff as the range found it
            f.lines.insert(0, _lines_at(commits[start], diffs[timeline.requests[first][0]]))
        f.last_human_touch = human_touch.get(name)
        f.awaiting_review = unreviewed[name].method if name in unreviewed else ""
        result.append(f)
    return History(commits[start:], result)
