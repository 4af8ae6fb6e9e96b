"""`howtoctl prove`: take each code hunk out of a HOWTO's diff in turn; its own tests must fail.

For each selected HOWTO, the diff is applied to the base (HEAD where the work tree has the
base checked out, as `test --from-diff` does) and its smoke test run: a HOWTO whose tests fail
as it is proves nothing by failing without a hunk, so its hunks are reported "not-run". When
it passes, one mutant per counted hunk (see `howtoctl.model.proof`) runs the same smoke test, every
test to the end: a test of the HOWTO's own that fails proves the hunk, other failures make it
"weak" and a pass means it survives; both are unproved. Mutants run after their HOWTO's own
run, so they share its warm JAX compilation cache (a temporary directory removed at the end).
"""

from __future__ import annotations

import time

from howtoctl import fsutil, gate_summary, output
from howtoctl.errors import EXIT_OK, EXIT_PROBLEMS, HowtoError
from howtoctl.model import proof
from howtoctl.model.proof import HunkResult
from howtoctl.runs import mutants, options, smoke, stale, variants
from howtoctl.runs.result import VariantResult
from howtoctl.statuses import Run
from howtoctl.workspace import Workspace


def _plan(ws: Workspace, name: str) -> mutants.Plan:
    """What to prove of one HOWTO; raises HowtoError on bad input, having written nothing."""
    data, parsed = ws.load_patch(name)
    base = ws.repo.rev_parse("HEAD") if ws.diffs_from_worktree() else ws.base_tip
    assert base is not None
    entry = ws.entry(name)
    options.check_command(entry, parsed.paths, ws.config.manifest)
    return mutants.plan(ws.repo, entry, base, data, parsed.files)


def _build(ws: Workspace, plan: mutants.Plan) -> None:
    """The commits to test: the HOWTO as it is, and one mutant per hunk to prove."""
    try:
        plan.variant, _ = variants.variant_commit(ws, plan.name, from_diff=True)
    except HowtoError as e:
        plan.error = e.message
        return
    mutants.build(ws.repo, plan, "howtoctl prove")


def _select(ws: Workspace, requested, all_, changed_since) -> list[str]:
    selected = variants.select(ws, requested, all_, changed_since)
    with_diff = set(ws.diff_names())
    missing = [n for n in selected if n not in with_diff]
    if missing and requested:
        raise HowtoError(
            f"no diff file for {', '.join(map(repr, missing))}: prove works on saved diffs",
            "save it first: howtoctl save NAME",
        )
    return [n for n in selected if n in with_diff]


# Mutant verdicts that leave a hunk unproved: prove fails unless the manifest exempts them.
UNPROVED = (proof.Status.SURVIVED, proof.Status.WEAK)


def _report(
    plans: list[mutants.Plan], results: dict[str, list[HunkResult]], runs: dict[str, VariantResult]
) -> None:
    rows = []
    for p in plans:
        for r in results[p.name]:
            detail = f"by {r.failing_test}" if r.failing_test else r.reason
            if len(r.killing_tests) > 1 and r.failing_test:
                detail += f" and {len(r.killing_tests) - 1} more"
            rows.append((p.name, r.file, r.header, r.status, detail))
    output.table(["howto", "file", "hunk", "status", "proof"], rows, status_column="status")
    for p in plans:
        variant = runs.get(p.name)
        if p.error or (variant is not None and variant.status != Run.PASSED):
            why = p.error or (variant.message if variant else "")
            output.error(f"{p.name}: its own smoke test does not pass ({why}); nothing proved")
            if variant is not None and variant.output_tail:
                output.line(variant.output_tail)
        for r in results[p.name]:
            if r.status in UNPROVED:
                output.line(f"{r.status}: {p.name}: {r.file} {r.header}", style="bold")
                for ln in r.first_lines:
                    output.line(f"    {ln}")
                for t in r.killing_tests:
                    output.line(f"    fails without it: {t}")


def _check_options(ws: Workspace, devices: int, jobs: int | None, timeout, record: bool) -> int:
    """Every option refused before anything runs; the number of jobs."""
    jobs = options.check_options(devices, jobs)
    options.check_timeout(timeout)
    gate_summary.check_target(ws.git_dirs)
    if record:
        ws.require_base_worktree("prove --record", ws.config.proof_dir)
        # Refused before any test runs: a linked howtos/proofs must not send records elsewhere.
        fsutil.require_inside(ws.repo.path(ws.config.proof_dir), ws.repo.path())
    return jobs


def apply(
    ws: Workspace, plans: list[mutants.Plan], devices: int, jobs: int, timeout
) -> tuple[list[VariantResult], str]:
    """Runs each HOWTO's own smoke test, then its mutants; the runs, and where they ran."""
    with fsutil.temporary_directory("jax-cache") as cache:
        runner = smoke.Runner(
            ws.repo,
            devices,
            extra_env=smoke.jax_cache_env(cache),
            prefix="howtoctl-prove-",
            manifest=ws.config.manifest,
        )
        first = [
            mutants.variant_job(runner, p, ws.entry(p.name), timeout)
            for p in plans
            if p.variant is not None
        ]
        to_run = sum(len(p.mutants) for p in plans)
        where = f"{devices} CPU devices" if runner.platform == "cpu" else runner.platform
        output.info(
            f"proving {len(plans)} HOWTO(s): {len(first)} variant(s) and up to {to_run} "
            f"mutant(s) on {where}, {jobs} at a time"
        )
        try:
            done = (
                smoke.run_jobs(runner, first, jobs, "proofs", mutants.status_word) if first else []
            )
        except KeyboardInterrupt:
            output.error(
                "interrupted: stopped the running smoke tests and removed their work trees"
            )
            raise
    return done, where


def _write_records(ws: Workspace, plans, results, where: str) -> None:
    for p in plans:
        path = ws.repo.path(ws.config.proof_dir, f"{p.name}.json")
        fsutil.write_atomic(
            path, proof.record(p.name, p.diff, results[p.name], where), inside=ws.repo.path()
        )


def report(plans, results, runs, failed, seconds: float, as_json: bool) -> None:
    if as_json:
        output.emit_json(
            {
                "howtos": [
                    {
                        "name": p.name,
                        **({"error": _variant_error(p, runs)} if p in failed else {}),
                        "hunks": [r.as_dict() for r in results[p.name]],
                    }
                    for p in plans
                ]
            }
        )
        return
    _report(plans, results, runs)
    counts = {s: sum(r.status == s for rs in results.values() for r in rs) for s in proof.Status}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    output.info(f"{summary or 'no hunks that change code'} in {seconds:.0f}s")


def run(
    ws: Workspace,
    *,
    requested: tuple[str, ...],
    all_: bool,
    devices: int = 8,
    jobs: int | None = None,
    as_json: bool = False,
    changed_since: str | None = None,
    record: bool = False,
    timeout: float | None = None,
) -> int:
    jobs = _check_options(ws, devices, jobs, timeout, record)
    selected = _select(ws, requested, all_, changed_since)
    _report_stale(stale.clear_stale_runs(ws.repo))
    if not selected:
        output.info(
            "no HOWTOs to prove"
            + (f" (nothing affected since {changed_since})" if changed_since else "")
        )
        _summary([], {}, {}, [], changed_since)
        if as_json:
            output.emit_json({"howtos": []})
        return EXIT_OK
    plans = [_plan(ws, n) for n in selected]  # all bad input is refused before anything is written
    for p in plans:
        _build(ws, p)
    started = time.monotonic()
    done, where = apply(ws, plans, devices, jobs, timeout)
    runs = {r.name: r for r in done}
    results = {p.name: mutants.results(p, runs) for p in plans}
    if record:
        _write_records(ws, plans, results, where)
    failed = [p for p in plans if p.name not in runs or runs[p.name].status != Run.PASSED]
    unproved = [r for p in plans for r in results[p.name] if r.status in UNPROVED]
    _summary(plans, results, _seconds(plans, done), failed, changed_since)
    report(plans, results, runs, failed, time.monotonic() - started, as_json)
    return EXIT_PROBLEMS if unproved or failed else EXIT_OK


def _report_stale(removed: list[str]) -> None:
    if removed:
        output.info(f"removed what a killed run left behind: {', '.join(removed)}")


def _variant_error(p: mutants.Plan, runs: dict[str, VariantResult]) -> str:
    if p.error:
        return p.error
    return f"its own smoke test fails: {runs[p.name].message}"


def _seconds(plans: list[mutants.Plan], done: list[VariantResult]) -> dict[str, float]:
    """Each HOWTO's proving time: its own run and its mutants' runs (`mutants.label`)."""
    owner = {p.name: p.name for p in plans}
    for p in plans:
        owner |= {mutants.label(p.name, h): p.name for h in p.hunks}
    seconds = dict.fromkeys(owner.values(), 0.0)
    for r in done:
        if r.name in owner:
            seconds[owner[r.name]] += r.seconds
    return seconds


def _summary(
    plans: list[mutants.Plan],
    results: dict[str, list[HunkResult]],
    seconds: dict[str, float],
    failed: list[mutants.Plan],
    changed_since: str | None,
) -> None:
    rows = []
    for p in plans:
        weak = [r for r in results[p.name] if r.status in UNPROVED]
        bad = p in failed or weak
        if p in failed:
            detail = "its own smoke test does not pass"
        elif weak:
            detail = f"{len(weak)} hunk(s) unproved: " + ", ".join(
                f"{r.file} {r.header}" for r in weak
            )
        else:
            proved = sum(r.status == proof.Status.PROVED for r in results[p.name])
            detail = f"{proved} hunk(s) proved"
        rows.append(
            gate_summary.Row(
                p.name,
                gate_summary.NEEDS_AUTHOR if bad else gate_summary.APPLIES,
                "prove",
                seconds.get(p.name, 0.0),
                detail,
                f"howtoctl prove {p.name}" if bad else "",
            )
        )
    since = f" a change since {changed_since} could break" if changed_since else ""
    gate_summary.write(f"howtoctl prove: {len(rows)} HOWTO(s){since}", rows)
