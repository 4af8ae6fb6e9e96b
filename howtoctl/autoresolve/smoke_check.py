"""The checks of an auto-resolved candidate that run the HOWTO: its smoke test, as `howtoctl
test` runs it, and with --prove its mutants, as `howtoctl prove` runs them."""

from __future__ import annotations

import dataclasses
import shlex
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from howtoctl.autoresolve import intent
from howtoctl.errors import HowtoError
from howtoctl.git import Repo
from howtoctl.model import patch, proof
from howtoctl.model.manifest import Entry
from howtoctl.runs import mutants, smoke, variants
from howtoctl.runs.result import VariantResult
from howtoctl.statuses import Run

if TYPE_CHECKING:
    from howtoctl.autoresolve.attempt import Attempt

PYTEST_NO_TESTS = 5  # pytest's exit status when it collected no test

# A smoke test still running after this long fails its check (and so does a mutant's, which
# otherwise gets what `howtoctl prove` gives it): rebase-all must end, in CI too.
SMOKE_TIMEOUT = 600.0


@dataclasses.dataclass(frozen=True)
class SmokeTest:
    """The HOWTO's smoke test, run as `howtoctl test` runs it."""

    entry: Entry  # the HOWTO: its name, test command, devices and exemptions
    files: tuple[str, ...]  # its saved diff's files: the default command tests their examples
    manifest: str = "the manifest"  # named in errors about the command
    timeout: float = SMOKE_TIMEOUT


@dataclasses.dataclass(frozen=True)
class Proving:
    """What else the prove check needs to judge a candidate as `howtoctl prove` would."""

    excludes: tuple[str, ...] = ()  # paths a HOWTO's diff leaves out ([tool.howtoctl])
    jobs: int = 1  # mutants run at once


@dataclasses.dataclass(frozen=True)
class CandidateTests:
    """Runs a candidate's smoke test and mutants, in work trees of their own."""

    repo: Repo
    onto: str  # the new base
    smoke_test: SmokeTest
    devices: int
    jax_env: Mapping[str, str]  # shared by all candidates: one JAX compilation cache
    proving: Proving | None

    def runner(self, prefix: str) -> smoke.Runner:
        return smoke.Runner(
            self.repo,
            self.devices,
            extra_env=self.jax_env,
            prefix=prefix,
            manifest=self.smoke_test.manifest,
        )

    def smoke(self, commit: str, own: Sequence[str]) -> str | None:
        """Run the HOWTO's smoke test on `commit` as `howtoctl test` does (its own work tree
        and session, its rules for devices and skips): "" when it passes, what failed, or None
        when the default pytest command found no test (then there is nothing to run).

        A pytest run passes only where a test of the HOWTO's own files (`own`: the files its
        change adds or changes) passed: the base's tests passing says nothing of the HOWTO. A
        command that is not pytest writes no report of its tests; the manifest names it for
        this HOWTO alone, so it is taken as the HOWTO's own test."""
        t = self.smoke_test
        runner = self.runner("howtoctl-test-")

        def job() -> tuple[VariantResult, list]:
            started = time.monotonic()
            return runner.run(
                t.entry.name,
                commit,
                t.entry,
                t.files,
                started,
                t.timeout,
                missing_program_fails=True,
            ), []

        (r,) = smoke.run_jobs(runner, [job], 1, f"smoke-testing {t.entry.name}")
        if r.status == Run.PASSED:
            if r.outcomes is None or intent.own_tests(r.outcomes.passed, own):
                return ""
            passed = r.outcomes.passed
            ran = ", ".join(passed[:3]) + (" ..." if len(passed) > 3 else "")
            tests = [f for f in own if f.endswith(".py")]
            return (
                f"no test of the HOWTO's own files ({', '.join(tests[:3]) or 'none'}) passed, "
                + (f"only the base's: {ran}" if ran else "no test passed")
            )
        if r.returncode == PYTEST_NO_TESTS and not t.entry.test and not r.skipped_tests:
            return None  # (a test skipped, for lack of devices say, is one found: it fails)
        tail = r.output_tail.strip().splitlines()[-3:]
        words = variants.smoke_command(t.entry, t.files)
        shown = shlex.join(words) if any(w.strip() for w in words) else "the smoke command"
        return f"`{shown}` failed ({r.message})" + (": " + " | ".join(tail) if tail else "")

    # -- the prove check -------------------------------------------------------------------------

    def prove(self, attempt: Attempt, tip: str) -> str:
        """Prove every hunk of the diff `save` would write for `tip` (its change since the new
        base), as `howtoctl prove` does: '' when every hunk is proved or exempt, else which
        ones are not."""
        assert self.proving is not None
        entry = self.smoke_test.entry
        diff = self.repo.diff_since_fork(self.onto, tip, excludes=self.proving.excludes) or b""
        try:
            plan = mutants.plan(self.repo, entry, self.onto, diff, patch.parse(diff).files)
        except (HowtoError, patch.PatchError) as e:
            return e.message
        plan.variant = tip
        mutants.build(self.repo, plan, "howtoctl rebase-all --auto-resolve --prove")
        runner = self.runner("howtoctl-prove-")
        # The merged HOWTO runs again, as `howtoctl prove` runs it: the mutants' command (from
        # the merged diff's files) and its rules (devices, skips) must hold for it first.
        # The smoke check's compilations are in the cache by now.
        first = [mutants.variant_job(runner, plan, entry, None, cap=self.smoke_test.timeout)]
        done = smoke.run_jobs(
            runner, first, self.proving.jobs, f"proving {entry.name}", mutants.status_word
        )
        attempt.hunks = mutants.results(plan, {r.name: r for r in done})
        where = f"{self.devices} CPU devices" if runner.platform == "cpu" else runner.platform
        attempt.proof_record = proof.record(entry.name, diff, attempt.hunks, where)
        unproved = [
            h
            for h in attempt.hunks
            if h.status in (proof.Status.SURVIVED, proof.Status.WEAK, proof.Status.NOT_RUN)
        ]
        return "; ".join(f"{h.file} {h.header}: {h.status} ({h.reason})" for h in unproved)
