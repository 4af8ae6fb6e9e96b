"""`howtoctl test`: run each HOWTO variant's smoke test in a temporary work tree of its own."""

from __future__ import annotations

import time

from howtoctl import gate_summary, output
from howtoctl.errors import EXIT_OK, EXIT_PROBLEMS, HowtoError
from howtoctl.runs import junit, options, smoke, stale, variants
from howtoctl.runs.result import VariantResult
from howtoctl.statuses import Run
from howtoctl.workspace import Workspace


def _job(ws: Workspace, runner: smoke.Runner, name: str, from_diff: bool) -> smoke.Job:
    def job() -> tuple[VariantResult, list]:
        started = time.monotonic()
        try:
            commit, _ = variants.variant_commit(ws, name, from_diff)
        except HowtoError as e:
            return VariantResult(name, Run.ERROR, time.monotonic() - started, message=e.message), []
        return runner.run(name, commit, ws.entry(name), variants.diff_files(ws, name), started), []

    return job


def _report(results: list[VariantResult], as_json: bool, platform: str, devices: int) -> None:
    if as_json:
        output.emit_json(
            {"platform": platform, "devices": devices, "results": [r.as_dict() for r in results]}
        )
        return
    rows = [
        (
            r.name,
            r.status,
            f"{r.seconds:.1f}s",
            str(len(r.skipped_tests)),
            ", ".join(r.failing_tests) or r.message,
        )
        for r in results
    ]
    output.table(
        ["name", "status", "duration", "skipped", "failing test"], rows, status_column="status"
    )
    for r in results:
        if r.status != Run.PASSED and r.output_tail:
            output.line(f"--- {r.name}: last lines of output ---", style="bold")
            output.line(r.output_tail)
        if r.worktree:
            output.info(f"{r.name}: work tree kept at {r.worktree}")


def run(
    ws: Workspace,
    *,
    requested: tuple[str, ...],
    all_: bool,
    devices: int = 8,
    jobs: int | None = None,
    junit_path: str | None = None,
    as_json: bool = False,
    changed_since: str | None = None,
    keep: bool = False,
    from_diff: bool = False,
) -> int:
    jobs = options.check_options(devices, jobs)
    gate_summary.check_target(ws.git_dirs)
    if junit_path is not None:  # refused now, not after minutes of smoke tests
        from howtoctl import fsutil

        fsutil.check_output(junit_path, "--junit", ws.git_dirs)
    selected = variants.select(ws, requested, all_, changed_since)
    for name in selected:  # bad smoke commands are refused before any runs
        options.check_command(ws.entry(name), variants.diff_files(ws, name), ws.config.manifest)
    removed = stale.clear_stale_runs(ws.repo)
    if removed:
        output.info(f"removed what a killed run left behind: {', '.join(removed)}")
    runner = smoke.Runner(ws.repo, devices, keep, manifest=ws.config.manifest)
    if not selected:
        output.info(
            "no HOWTO variants to test"
            + (f" (nothing affected since {changed_since})" if changed_since else "")
        )
        if junit_path:
            _write(ws, junit_path, junit.render([]))
        _summary([], changed_since)
        if as_json:
            output.emit_json({"platform": runner.platform, "devices": devices, "results": []})
        return EXIT_OK
    where = f"{devices} CPU devices" if runner.platform == "cpu" else runner.platform
    output.info(f"testing {len(selected)} HOWTO variant(s) on {where}, {jobs} at a time")
    try:
        done = smoke.run_jobs(
            runner, [_job(ws, runner, n, from_diff) for n in selected], jobs, "smoke tests"
        )
    except KeyboardInterrupt:
        output.error("interrupted: stopped the running smoke tests and removed their work trees")
        raise
    results = {r.name: r for r in done}
    ordered = [results[n] for n in selected]
    if junit_path:
        _write(ws, junit_path, junit.render(ordered))
    _summary(ordered, changed_since)
    _report(ordered, as_json, runner.platform, devices)
    return EXIT_PROBLEMS if any(r.status != Run.PASSED for r in ordered) else EXIT_OK


def _write(ws: Workspace, path: str, data: bytes) -> None:
    from howtoctl import fsutil

    fsutil.write_output(path, data, "--junit", ws.git_dirs)


def _summary(results: list[VariantResult], changed_since: str | None) -> None:
    rows = [
        gate_summary.Row(
            r.name,
            gate_summary.APPLIES if r.status == Run.PASSED else gate_summary.NEEDS_AUTHOR,
            "smoke test",
            r.seconds,
            "passed" if r.status == Run.PASSED else ", ".join(r.failing_tests) or r.message,
            "" if r.status == Run.PASSED else f"howtoctl test {r.name}",
        )
        for r in results
    ]
    since = f" a change since {changed_since} could break" if changed_since else ""
    gate_summary.write(f"howtoctl test: {len(rows)} HOWTO(s){since}", rows)
