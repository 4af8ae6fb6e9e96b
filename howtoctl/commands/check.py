"""`howtoctl check`: every diff parses, applies, and matches its branch (the CI and pre-commit gate)."""

from __future__ import annotations

import dataclasses
import time

from howtoctl import autoresolve_record, freshness, gate_summary, inspection, output
from howtoctl.errors import EXIT_OK, EXIT_PROBLEMS, HowtoError
from howtoctl.model.names import STAGED, Staged
from howtoctl.runs import variants
from howtoctl.statuses import Health
from howtoctl.workspace import Workspace


@dataclasses.dataclass(frozen=True)
class Plan:
    selected: list[str]
    against: str | Staged  # what the diffs must apply to


def plan(
    ws: Workspace, requested: tuple[str, ...], rev: str | None, changed_since: str | None
) -> Plan:
    """The HOWTOs to check and the tree they must apply to; a bad name or --rev is an error."""
    selected = ws.select(requested, all_=False, default_all=True)
    unknown = inspection.unknown_names(ws, selected) if requested else []
    if unknown:
        raise HowtoError(
            f"no HOWTO named {', '.join(map(repr, unknown))}",
            "see `howtoctl list` for the HOWTOs there are",
        )
    if changed_since:
        selected = variants.narrow(ws, selected, changed_since)
    if rev is None:
        # The staged tree is what the next commit holds (pre-commit runs with it checked out);
        # without a base work tree, the base branch's tip is the reference.
        return Plan(selected, STAGED if ws.diffs_from_worktree() else ws.base_tip)
    against = ws.repo.rev_parse(rev)
    if against is None:
        raise HowtoError(f"--rev {rev!r} does not name a commit")
    return Plan(selected, against)


def inspect(ws: Workspace, the_plan: Plan) -> tuple[list[inspection.Report], dict[str, float]]:
    """Each HOWTO's report, and where the job summary wants them, each one's seconds."""
    if not gate_summary.target():
        return inspection.inspect(ws, the_plan.selected, against=the_plan.against, behind=False), {}
    # The job summary gives each HOWTO's own time: one inspection each, not one for all.
    reports, seconds = [], {}
    for name in the_plan.selected:
        started = time.monotonic()
        reports += inspection.inspect(ws, [name], against=the_plan.against, behind=False)
        seconds[name] = time.monotonic() - started
    return reports, seconds


def run(
    ws: Workspace,
    *,
    requested: tuple[str, ...],
    rev: str | None = None,
    as_json: bool = False,
    changed_since: str | None = None,
) -> int:
    gate_summary.check_target(ws.git_dirs)
    reports, seconds = inspect(ws, plan(ws, requested, rev, changed_since))
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
        report(ws, reports, changed_since)
    return EXIT_PROBLEMS if failed else EXIT_OK


def report(ws: Workspace, reports: list[inspection.Report], changed_since: str | None) -> None:
    """A line per HOWTO, its hint under a failure, and a summary."""
    for r in reports:
        output.status_line(r.name, Health.OK if r.ok else r.state, _detail(r))
        if not r.ok and r.hint:
            output.line(f"{'':15}{r.hint}", style="dim")
    failed = sum(not r.ok for r in reports)
    if not reports and changed_since:
        output.info(f"no HOWTO affected since {changed_since}")
    elif not reports:
        output.info(f"no HOWTOs found in {ws.config.diff_dir}/")
    elif failed:
        output.info(f"{failed} of {len(reports)} HOWTO(s) need attention")


def _detail(r: inspection.Report) -> str:
    if not r.ok:
        return r.detail
    return (
        f"+{r.added} -{r.removed}"
        + ("" if r.has_branch else ", no branch")
        + (f", {r.detail}" if r.auto_resolved else "")
    )


def _row(ws: Workspace, r: inspection.Report, seconds: float) -> gate_summary.Row:
    # What an ok HOWTO's hint asks (restore a branch a CI checkout lacks) is no author's job.
    todo = r.hint if not r.ok or r.auto_resolved else ""
    if r.detail.startswith("does not apply") and not r.has_branch:
        # A CI checkout has no HOWTO branches; the author's clone does.
        todo = f"in your clone: {freshness.rebase_advice(ws, r.name)}"
    if not r.ok:
        state = gate_summary.NEEDS_AUTHOR
    elif r.auto_resolved:
        state = gate_summary.AUTO_RESOLVED
    else:
        state = gate_summary.APPLIES
    detail = r.detail if r.detail or not r.ok else f"+{r.added} -{r.removed}"
    return gate_summary.Row(r.name, state, "check", seconds, detail, todo)
