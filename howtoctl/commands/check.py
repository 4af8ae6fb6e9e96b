"""`howtoctl check`: every diff parses, applies, and matches its branch (the CI and pre-commit gate)."""

from __future__ import annotations

from howtoctl import autoresolve_record, inspection, output
from howtoctl.errors import EXIT_OK, EXIT_PROBLEMS, HowtoError
from howtoctl.howtos import Workspace
from howtoctl.names import STAGED


def run(
    ws: Workspace, *, requested: tuple[str, ...], rev: str | None = None, as_json: bool = False
) -> int:
    selected = ws.select(requested, all_=False, default_all=True)
    unknown = inspection.unknown_names(ws, selected) if requested else []
    if unknown:
        raise HowtoError(
            f"no HOWTO named {', '.join(map(repr, unknown))}",
            "see `howtoctl list` for the HOWTOs there are",
        )
    if rev is not None:
        against = ws.repo.rev_parse(rev)
        if against is None:
            raise HowtoError(f"--rev {rev!r} does not name a commit")
    else:
        # The staged tree is what the next commit holds (pre-commit runs with it checked out);
        # without a base work tree, the base branch's tip is the reference.
        against = STAGED if ws.diffs_from_worktree() else ws.base_tip
    reports = inspection.inspect(ws, selected, against=against, behind=False)
    if not requested:
        reports += inspection.invalid_diff_reports(ws)
    autoresolve_record.mark(ws, reports)
    failed = [r for r in reports if not r.ok]
    if as_json:
        output.emit_json({"ok": not failed, "howtos": [r.as_dict() for r in reports]})
    else:
        for r in reports:
            status = "ok" if r.ok else r.state
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
        if not reports:
            output.info(f"no HOWTOs found in {ws.config.diff_dir}/")
        elif failed:
            output.info(f"{len(failed)} of {len(reports)} HOWTO(s) need attention")
    return EXIT_PROBLEMS if failed else EXIT_OK
