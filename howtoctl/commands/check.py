"""`howtoctl check`: every diff parses, applies, and matches its branch (the CI and pre-commit gate)."""

from __future__ import annotations

import time

from howtoctl import autoresolve_record, gate_summary, inspection, output, variants
from howtoctl.errors import EXIT_OK, EXIT_PROBLEMS, HowtoError
from howtoctl.howtos import Workspace
from howtoctl.names import STAGED
from howtoctl.statuses import Health


def run(
    ws: Workspace,
    *,
    requested: tuple[str, ...],
    rev: str | None = None,
    as_json: bool = False,
    changed_since: str | None = None,
) -> int:
    gate_summary.check_target(ws.git_dirs)
    selected = ws.select(requested, all_=False, default_all=True)
    unknown = inspection.unknown_names(ws, selected) if requested else []
    if unknown:
        raise HowtoError(
            f"no HOWTO named {', '.join(map(repr, unknown))}",
            "see `howtoctl list` for the HOWTOs there are",
        )
    if changed_since:
        selected = variants.narrow(ws, selected, changed_since)
    if rev is not None:
        against = ws.repo.rev_parse(rev)
        if against is None:
            raise HowtoError(f"--rev {rev!r} does not name a commit")
    else:
        # The staged tree is what the next commit holds (pre-commit runs with it checked out);
        # without a base work tree, the base branch's tip is the reference.
        against = STAGED if ws.diffs_from_worktree() else ws.base_tip
    seconds: dict[str, float] = {}
    if gate_summary.target():
        # The job summary gives each HOWTO's own time: one inspection each, not one for all.
        reports = []
        for name in selected:
            started = time.monotonic()
            reports += inspection.inspect(ws, [name], against=against, behind=False)
            seconds[name] = time.monotonic() - started
    else:
        reports = inspection.inspect(ws, selected, against=against, behind=False)
    if not requested:
        reports += inspection.invalid_diff_reports(ws)
    autoresolve_record.mark(ws, reports)
    gate_summary.write(
        f"howtoctl check: {len(reports)} HOWTO(s)"
        + (f" a change since {changed_since} could break" if changed_since else ""),
        [_row(ws, r, seconds.get(r.name, 0.0)) for r in reports],
    )
    failed = [r for r in reports if not r.ok]
    if as_json:
        output.emit_json({"ok": not failed, "howtos": [r.as_dict() for r in reports]})
    else:
        for r in reports:
            status = Health.OK if r.ok else r.state
            detail = (
                r.detail
                if not r.ok
                else (
                    f"+{r.added} -{r.removed}"
                    + ("" if r.has_branch else ", no branch")
                    + (f", {r.detail}" if r.auto_resolved else "")
                )
            )
            output.status_line(r.name, status, detail)
            if not r.ok and r.hint:
                output.line(f"{'':15}{r.hint}", style="dim")
        if not reports and changed_since:
            output.info(f"no HOWTO affected since {changed_since}")
        elif not reports:
            output.info(f"no HOWTOs found in {ws.config.diff_dir}/")
        elif failed:
            output.info(f"{len(failed)} of {len(reports)} HOWTO(s) need attention")
    return EXIT_PROBLEMS if failed else EXIT_OK


def _row(ws: Workspace, r: inspection.Report, seconds: float) -> gate_summary.Row:
    # What an ok HOWTO's hint asks (restore a branch a CI checkout lacks) is no author's job.
    todo = r.hint if not r.ok or r.auto_resolved else ""
    if r.detail.startswith("does not apply") and not r.has_branch:
        # A CI checkout has no HOWTO branches; the author's clone does.
        todo = f"in your clone: {ws.rebase_advice(r.name)}"
    if not r.ok:
        state = gate_summary.NEEDS_AUTHOR
    elif r.auto_resolved:
        state = gate_summary.AUTO_RESOLVED
    else:
        state = gate_summary.APPLIES
    detail = r.detail if r.detail or not r.ok else f"+{r.added} -{r.removed}"
    return gate_summary.Row(r.name, state, "check", seconds, detail, todo)
