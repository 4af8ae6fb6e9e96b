"""`howtoctl list`: a table of every HOWTO and its state."""

from __future__ import annotations

from howtoctl import autoresolve_record, inspection, output
from howtoctl.errors import EXIT_OK, EXIT_PROBLEMS
from howtoctl.workspace import Workspace


def run(ws: Workspace, *, as_json: bool = False, sort: str = "manifest") -> int:
    selected = ws.all_names() if sort == "name" else ws.names_in_manifest_order()
    reports = inspection.inspect(
        ws, selected, against=ws.base_tip
    ) + inspection.invalid_diff_reports(ws)
    autoresolve_record.mark(ws, reports)
    # As `check` judges: a HOWTO that needs attention makes the listing exit 1.
    status = EXIT_OK if all(r.ok for r in reports) else EXIT_PROBLEMS
    if as_json:
        output.emit_json(
            {
                "base": ws.base,
                "ok": status == EXIT_OK,
                "howtos": [{**r.as_dict(), "exempt": _exempt(ws, r.name)} for r in reports],
            }
        )
        return status
    if not reports:
        output.info(f"no HOWTOs yet: create one with `howtoctl new NAME` (base branch: {ws.base})")
        return EXIT_OK
    rows = [
        (
            r.name,
            r.title,
            "yes" if r.has_branch else "-",
            "yes" if r.has_diff else "-",
            "-" if r.behind is None else str(r.behind),
            str(_exempt(ws, r.name) or "-"),
            r.state,
            r.detail,
        )
        for r in reports
    ]
    output.table(
        ["name", "title", "branch", "diff", "behind", "exempt", "state", "detail"],
        rows,
        status_column="state",
    )
    return status


def _exempt(ws: Workspace, name: str) -> int:
    """How many of the HOWTO's hunks `prove` is told not to require a test for."""
    return len(ws.entry(name).exempt)
