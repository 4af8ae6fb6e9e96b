"""What the site shows, read from a workspace: the one `collect` behind `howtoctl render` and
the Sphinx extension.

Reads what the readers of the base branch get: the diff files, the manifest, the maintainer
guide, each HOWTO's results and proof record, and for highlighting the changed files as they are
on the base tip. HOWTOs come in manifest order, then any other diff file by name; a HOWTO
without a diff file (not saved yet) is left out. Rendering (`pages.py`) is pure.
"""

from __future__ import annotations

import json
import os
import posixpath
import stat

from howtoctl import fsutil, output
from howtoctl.errors import HowtoError
from howtoctl.model import counted_hunks, init_templates, patch, proof
from howtoctl.site import cost_plot, pages
from howtoctl.statuses import Hunk
from howtoctl.workspace import Workspace

GUIDE_PATH = init_templates.GUIDE
RESULTS_DIR = "howtos/results"  # NAME.json and NAME.svg, written by howtos/results/generate.py
MAX_RESULTS_BYTES = 2_000_000


def ordered_names(ws: Workspace) -> list[str]:
    diffs = set(ws.diff_names())
    names = [n for n in ws.manifest() if n in diffs]
    return names + sorted(diffs - set(names))


def _read_text(ws: Workspace, relpath: str) -> str | None:
    """A file as the base branch has it: from this work tree when it has the base checked out."""
    if ws.diffs_from_worktree():
        data = ws.read_worktree_file(relpath)
    else:
        data = ws.repo.show_file(ws.base_tip, relpath)
    if data is None:
        return None
    return data.decode("utf-8", "replace")


def _read_bytes(ws: Workspace, relpath: str, limit: int) -> bytes | None:
    """A file as the base branch has it (bounded), or None."""
    if ws.diffs_from_worktree():
        return ws.read_worktree_file(relpath, limit)
    data = ws.repo.show_file(ws.base_tip, relpath)
    return data if data is None or len(data) <= limit else None


def collect(ws: Workspace) -> pages.SiteSource:
    """Everything the site shows, read from the workspace."""
    sources_cache: dict[str, str | None] = {}

    def base_source(path: str) -> str | None:
        if path not in sources_cache:
            data = ws.repo.show_file(ws.base_tip, path)
            try:
                sources_cache[path] = data.decode("utf-8") if data is not None else None
            except UnicodeDecodeError:
                sources_cache[path] = None
        return sources_cache[path]

    howtos = []
    for name in ordered_names(ws):
        data = ws.read_diff(name) or b""
        entry = ws.entry(name)
        old_sources = {}
        proofs: list[tuple[str, str]] = []
        try:
            files = patch.parse(data).files
            for fp in files:
                if fp.old_path and (text := base_source(fp.old_path)) is not None:
                    old_sources[fp.old_path] = text
            proofs = hunk_proofs(ws, name, data, files, old_sources)
        except patch.PatchError:
            pass  # rendered as broken
        howtos.append(
            pages.HowtoSource(
                name=name,
                diff=data,
                title=entry.title,
                summary=entry.summary,
                example=entry.example,
                old_sources=old_sources,
                proofs=proofs,
                results=_read_bytes(ws, f"{RESULTS_DIR}/{name}.json", MAX_RESULTS_BYTES),
                plot=_read_bytes(ws, f"{RESULTS_DIR}/{name}.svg", MAX_RESULTS_BYTES),
            )
        )
    cost_doc = maintenance_doc(ws)
    top = ws.repo.toplevel or os.path.dirname(ws.repo.common_dir.rstrip(os.sep))
    project = os.path.basename(top.rstrip(os.sep)).removesuffix(".git")
    # A directory name that is not UTF-8 (legal on Linux) shows with U+FFFD in the pages.
    project = project.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return pages.SiteSource(
        howtos=howtos,
        base=ws.base,
        base_commit=ws.base_tip,
        branch_prefix=ws.config.branch_prefix,
        diff_dir=ws.config.diff_dir,
        remote_url=ws.repo.remote_url(),
        guide=_read_text(ws, GUIDE_PATH),
        guide_path=GUIDE_PATH,
        project=project,
        cost=cost_doc,
        cost_plot=_maintenance_plot(ws, cost_doc) if cost_doc else None,
    )


def _maintenance_plot(ws: Workspace, doc: dict) -> bytes | None:
    """The maintenance page's plot. matplotlib's import costs a second or more, so the last
    plot is kept in the clone's state directory with the digest of its figures: a render whose
    history did not change draws nothing."""
    from howtoctl import store

    key = store.digest(json.dumps(doc, sort_keys=True).encode()).encode()
    path = ws.store.plot_cache_path
    # Not a file of ours (a link, a pipe): read as no cache; draw the plot, and leave that alone.
    foreign = os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode)
    try:
        cached = None if foreign else fsutil.read_or_none(path)
    except HowtoError:
        cached, foreign = None, True
    if cached is not None and cached.startswith(key + b"\n"):
        return cached[len(key) + 1 :]
    svg = cost_plot.plot(doc)
    if svg is not None and not foreign:
        try:
            fsutil.write_atomic(path, key + b"\n" + svg)
        except HowtoError:
            pass  # a read-only clone draws it each time
    return svg


def maintenance_doc(ws: Workspace) -> dict | None:
    """`howtoctl cost --json`'s document for the maintenance page, or None (with a warning)
    when the history cannot be read."""
    from howtoctl import cost, cost_history

    try:
        history = cost_history.read(ws, (), None)
    except HowtoError as e:
        output.warn(f"no maintenance page: {e.message}")
        return None
    if not history.commits:
        return None
    first, last = history.commits[0], history.commits[-1]
    return cost.report(
        history.figures, last, base=ws.base, first=first, since=None, commits=len(history.commits)
    )


MAX_PROOF_BYTES = 1_000_000


def proof_record(ws: Workspace, name: str) -> bytes | None:
    """The bytes of a HOWTO's proof record as the base branch has it, or None (with a warning
    when it cannot be read: a pipe, a device, a link leading out, too big). Never read
    unbounded: a page shows the HOWTO as not proved rather than hang."""
    rel = posixpath.join(ws.config.proof_dir, f"{name}.json")
    try:
        return _read_bytes(ws, rel, MAX_PROOF_BYTES)
    except HowtoError as e:
        output.warn(f"{e.message}; {name} is shown as not proved")
        return None


def hunk_proofs(
    ws: Workspace, name: str, data: bytes, files, old_sources: dict[str, str]
) -> list[tuple[str, str]]:
    """Each hunk's proof as the site shows it, from `prove --record`'s file and the manifest.

    The page cannot run the tests: a hunk shows what the last recorded proof of exactly this
    diff found, its exemption, why it does not count, or that it is not proved yet.
    """
    hunks = counted_hunks.classify(files, old_sources)
    try:
        exempt = counted_hunks.exemptions_by_hunk(name, hunks, ws.entry(name).exempt)
    except HowtoError as e:
        output.warn(e.message)
        exempt = {}
    recorded = proof.read_record(proof_record(ws, name), data) or {}
    result = []
    for h in hunks:
        found = recorded.get((h.file, h.header), {})
        if not h.counted:
            what = {"no code": "comments, blank lines, docstrings or annotations"}.get(
                h.why_not, h.why_not
            )
            result.append((Hunk.NOT_COUNTED, f"not counted: {what}"))
        elif h.index in exempt:
            result.append((proof.Status.EXEMPT, f"exempt: {exempt[h.index].reason}"))
        elif found.get("status") == proof.Status.PROVED:
            by = found.get("failing_test") or found.get("reason") or "a failing smoke test"
            if found.get("failing_test") and found.get("reason"):
                by += f" ({found['reason']})"
            result.append(
                (proof.Status.PROVED, f"proved by {by}" + _more(len(_killing(found)) - 1))
            )
        elif found.get("status") == proof.Status.SURVIVED:
            result.append((proof.Status.SURVIVED, "survived: the tests pass without it"))
        elif found.get("status") == proof.Status.WEAK:
            killing = _killing(found)
            by = f"; fails {killing[0]}{_more(len(killing) - 1)}" if killing else ""
            result.append((proof.Status.WEAK, f"weak: {found.get('reason', '')}{by}"))
        elif found.get("status") in (proof.Status.NOT_APPLICABLE, proof.Status.NOT_RUN):
            result.append((found["status"], f"{found['status']}: {found.get('reason', '')}"))
        else:
            # Readers need no command: `run` tells the maintainer which one to run.
            result.append((Hunk.UNPROVED, "not proved yet"))
    return result


def _killing(found: dict) -> list[str]:
    """The killing tests a record names (a hand-edited record may hold anything there)."""
    tests = found.get("killing_tests")
    return [t for t in tests if isinstance(t, str)] if isinstance(tests, list) else []


def _more(count: int) -> str:
    return f" and {count} more" if count > 0 else ""
