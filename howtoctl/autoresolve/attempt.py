"""One auto-resolve candidate and its verdict: the checks it passed, the first it failed, and
what the prove check found; and the outcome of all the candidates for a branch."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from howtoctl.autoresolve import intent
from howtoctl.model import proof


@dataclasses.dataclass
class Attempt:
    method: str
    passed: list[str] = dataclasses.field(default_factory=list)
    failed: str = ""  # the first check that failed ("" when all passed)
    detail: str = ""
    tip: str | None = None
    tree: str = ""  # the merged tree of the last commit (the tip's tree)
    # The merged files of the first commit that needed a resolution (for `howtoctl resolve`).
    commit: str = ""
    files: dict[str, bytes | None] = dataclasses.field(default_factory=dict)
    hunks: list[proof.HunkResult] | None = None  # what the prove check found, where it ran
    proof_record: bytes = b""  # ... as `prove --record` writes it, for the diff it proved
    lost: list[intent.Lost] = dataclasses.field(default_factory=list)  # what intent found gone

    @property
    def accepted(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "passed": self.passed,
            "failed": self.failed or None,
            "detail": self.detail,
            **({"lost": [x.as_dict() for x in self.lost]} if self.lost else {}),
            **({"hunks": [h.as_dict() for h in self.hunks]} if self.hunks is not None else {}),
        }

    def record(self) -> dict:
        """What `autoresolve_record` keeps of an accepted attempt: the report, and the proof
        for `save` to write beside the diff (when the diff it saves is the one proved)."""
        proved = {"proof": self.proof_record.decode()} if self.proof_record else {}
        return {**self.as_dict(), **proved}


@dataclasses.dataclass
class Outcome:
    attempts: list[Attempt]

    @property
    def accepted(self) -> Attempt | None:
        return next((a for a in self.attempts if a.accepted), None)

    @property
    def best(self) -> Attempt | None:
        """The candidate that got furthest through the checks (the first of equals)."""
        return max(self.attempts, key=lambda a: len(a.passed), default=None)


def run_checks(checks: Sequence[tuple[str, Callable[[], str]]], attempt: Attempt) -> Attempt:
    """Run `checks` in order, stopping at the first that fails (pure apart from the checks)."""
    for name, check in checks:
        problem = check()
        if problem:
            attempt.failed, attempt.detail = name, problem
            return attempt
        attempt.passed.append(name)
    return attempt
