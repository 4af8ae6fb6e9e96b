"""The result of a smoke run: how a variant's (or a mutant's) run ended and every test's outcome.

`junit.py` reads these outcomes from pytest's reports and writes results as JUnit XML.
"""

from __future__ import annotations

import dataclasses

from howtoctl.statuses import Run


@dataclasses.dataclass
class VariantResult:
    name: str
    status: Run
    seconds: float
    command: str = ""
    failing_tests: tuple[str, ...] = ()
    skipped_tests: tuple[str, ...] = ()
    message: str = ""
    output_tail: str = ""
    worktree: str = ""
    returncode: int | None = None  # the smoke command's exit status, where it ran to the end
    # Every test's outcome, from the run's JUnit report (None: it wrote none). Not shown in
    # `--json`: a list of every passed test says little there; `prove` reads it.
    outcomes: Outcomes | None = None

    def as_dict(self) -> dict:
        found = dataclasses.asdict(self)
        del found["outcomes"]
        return found


@dataclasses.dataclass(frozen=True)
class Outcomes:
    """The test ids of one pytest run by outcome. A test `failed` in its call phase (JUnit
    `<failure>`: an assertion or an exception of the test itself); an `errored` one in set-up
    or teardown (a fixture), and a module that could not be collected errors as a whole."""

    passed: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    errored: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
