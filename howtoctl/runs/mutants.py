"""A HOWTO diff's mutants, one per hunk that changes code, and what their smoke tests prove.

Shared by `howtoctl prove` (a saved diff on the base) and `rebase-all --auto-resolve --prove`
(a candidate's change on the new base). The unchanged variant runs first; only when it passes
do its mutants run (after it, so they find its compilations in a shared JAX cache), every
test of a mutant's run to the end, and a mutant proves its hunk when a test of the HOWTO's own
that passed on the variant fails (see `proof.verdict`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

from howtoctl.errors import HowtoError
from howtoctl.git import Repo
from howtoctl.model import counted_hunks, proof
from howtoctl.model.counted_hunks import HunkInfo
from howtoctl.model.manifest import Entry, Exemption
from howtoctl.model.patch import FilePatch
from howtoctl.model.proof import HunkResult
from howtoctl.runs import smoke
from howtoctl.runs.result import VariantResult
from howtoctl.statuses import Hunk, Run

# A mutant may loop for ever (a hunk that ends a loop): it gets this many times as long as
# the HOWTO's own run took, and at least MIN_TIMEOUT seconds (JAX compiles vary).
TIMEOUT_FACTOR = 5
MIN_TIMEOUT = 60

_WITHOUT = " without hunk "


@dataclasses.dataclass
class Plan:
    name: str
    diff: bytes
    files: tuple[str, ...]
    hunks: list[HunkInfo]
    exempt: dict[int, Exemption]
    base: str
    variant: str | None = None  # the commit of the HOWTO as it is; None if its diff does not apply
    error: str = ""
    mutants: dict[int, str] = dataclasses.field(default_factory=dict)  # hunk index -> commit
    not_applicable: dict[int, str] = dataclasses.field(default_factory=dict)  # index -> why
    test_files: tuple[tuple[str | None, str | None], ...] = ()  # (old, new path) of each
    own_tests: frozenset[str] = frozenset()  # the tests the diff adds or changes (dotted)


def python_sources(repo: Repo, base: str, files: Sequence[FilePatch]) -> dict[str, str]:
    """{path: text at `base`} of the Python files a diff changes (to classify its hunks)."""
    sources = {}
    for fp in files:
        if fp.old_path and fp.old_path.endswith(".py"):
            text = repo.show_file(base, fp.old_path)
            if text is not None:
                sources[fp.old_path] = text.decode("utf-8", "replace")
    return sources


def plan(repo: Repo, entry: Entry, base: str, diff: bytes, files: Sequence[FilePatch]) -> Plan:
    """What to prove of `entry`'s `diff` on `base`; HowtoError if its exemptions do not fit."""
    hunks = counted_hunks.classify(files, python_sources(repo, base, files))
    exempt = counted_hunks.exemptions_by_hunk(entry.name, hunks, entry.exempt)
    tests = tuple((fp.old_path, fp.new_path) for fp in files if counted_hunks.is_test_file(fp.path))
    paths = tuple(fp.path for fp in files)
    return Plan(entry.name, diff, paths, hunks, dict(exempt), base, test_files=tests)


def own_tests(repo: Repo, p: Plan) -> frozenset[str]:
    """The tests `p`'s diff adds or changes, from its test files on the base and the variant."""
    assert p.variant is not None

    def text(rev: str, path: str | None) -> str | None:
        data = repo.show_file(rev, path) if path else None
        return data.decode("utf-8", "replace") if data is not None else None

    return proof.own_tests(
        {new or old or "": (text(p.base, old), text(p.variant, new)) for old, new in p.test_files}
    )


def build(repo: Repo, p: Plan, purpose: str) -> None:
    """Write one mutant commit per hunk to prove: the diff without it, on the base; and find
    the HOWTO's own tests, in its variant."""
    p.own_tests = own_tests(repo, p)
    for h in p.hunks:
        if not h.counted or h.index in p.exempt:
            continue
        mutant = proof.without_hunk(p.diff, h.index)
        if not mutant:  # the diff's only hunk: without it, the HOWTO is the base
            p.mutants[h.index] = p.base
            continue
        try:
            tree = repo.tree_with_patch(p.base, mutant)
        except HowtoError as e:
            p.not_applicable[h.index] = e.message
            continue
        p.mutants[h.index] = repo.commit_tree(
            tree, [p.base], f"{purpose}: {p.name} without hunk {h.index + 1} ({h.header})\n"
        )


def label(name: str, h: HunkInfo) -> str:
    return f"{name}{_WITHOUT}{h.index + 1}"


def status_word(r: VariantResult) -> Run | Hunk:
    """How the progress lines call a run: a failing mutant is killed (which failures prove
    its hunk is told at the end, against the HOWTO's own run)."""
    if _WITHOUT not in r.name:
        return r.status
    return Hunk.SURVIVED if r.status == Run.PASSED else Run.KILLED


def mutant_timeout(timeout: float | None, variant_seconds: float) -> float:
    """How long a mutant may run: --timeout if given, else derived from the HOWTO's own run."""
    if timeout is not None:
        return timeout
    return max(MIN_TIMEOUT, round(TIMEOUT_FACTOR * variant_seconds))


def mutant_jobs(runner: smoke.Runner, p: Plan, entry: Entry, limit: float) -> list[smoke.Job]:
    def job(h: HunkInfo) -> smoke.Job:
        return lambda: (
            runner.run(
                label(p.name, h),
                p.mutants[h.index],
                entry,
                p.files,
                time.monotonic(),
                limit,
                missing_program_fails=True,
                run_all=True,
            ),
            [],
        )

    return [job(h) for h in p.hunks if h.index in p.mutants]


def variant_job(
    runner: smoke.Runner, p: Plan, entry: Entry, timeout: float | None, cap: float | None = None
) -> smoke.Job:
    """The HOWTO as it is; when it passes, its mutants follow. `timeout` limits every run;
    without it, `cap` limits the HOWTO's and each mutant's derived limit."""

    def run() -> tuple[VariantResult, list[smoke.Job]]:
        assert p.variant is not None
        own = timeout if timeout is not None else cap
        r = runner.run(p.name, p.variant, entry, p.files, time.monotonic(), own)
        if r.status != Run.PASSED:
            return r, []
        limit = mutant_timeout(timeout, r.seconds)
        return r, mutant_jobs(runner, p, entry, min(limit, cap) if cap is not None else limit)

    return run


def results(p: Plan, runs: dict[str, VariantResult]) -> list[HunkResult]:
    """Each counted hunk's status, from the runs of the variant (named `p.name`) and mutants."""
    variant = runs.get(p.name)
    ok = variant is not None and variant.status == Run.PASSED
    found = []
    for h in p.hunks:
        if not h.counted:
            continue
        if h.index in p.exempt:
            v = proof.Verdict(proof.Status.EXEMPT, "", (), p.exempt[h.index].reason)
        elif h.index in p.not_applicable:
            v = proof.Verdict(proof.Status.NOT_APPLICABLE, "", (), p.not_applicable[h.index])
        elif ok:
            assert variant is not None
            v = _mutant_verdict(runs[label(p.name, h)], variant, p.own_tests)
        else:
            why = p.error or "the HOWTO's own smoke test fails" + (
                f": {variant.message}" if variant is not None and variant.message else ""
            )
            v = proof.Verdict(proof.Status.NOT_RUN, "", (), why)
        found.append(
            HunkResult(
                h.file, h.header, v.status, v.failing_test, v.reason, h.first_lines, v.killing_tests
            )
        )
    return found


def _mutant_verdict(r: VariantResult, variant: VariantResult, own: frozenset[str]) -> proof.Verdict:
    if r.status == Run.PASSED:
        return proof.Verdict(
            proof.Status.SURVIVED, "", (), "the smoke test passes without this hunk"
        )
    if variant.outcomes is None:
        # A smoke command that is not pytest (a script) writes no report to judge its
        # failures by: as a whole, it is the HOWTO's test, and its failure proves the hunk.
        return proof.Verdict(proof.Status.PROVED, "", (), r.message)
    if r.outcomes is None:  # pytest was stopped (it timed out) or crashed: no report
        return proof.Verdict(proof.Status.WEAK, "", (), f"{r.message}: no test was seen to fail")
    return proof.verdict(variant.outcomes.passed, r.outcomes.failed, r.outcomes.errored, own)
