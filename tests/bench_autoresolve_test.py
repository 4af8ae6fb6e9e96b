"""The fast part of bench/autoresolve.py: the synthetic conflicts (no smoke tests), as a test.

--auto-resolve must accept no result that differs from the human fix, and must remove at least
half of the conflicts that only need a mechanical merge.
"""

from __future__ import annotations

import shutil

import pytest

from bench import autoresolve_cases

pytestmark = pytest.mark.skipif(
    shutil.which("wiggle") is None, reason="wiggle is not installed (apt install wiggle)"
)


def test_synthetic_conflicts_no_wrong_result_and_half_the_mechanical_ones():
    pipeline = {}
    for case in autoresolve_cases.CASES:
        results = autoresolve_cases.evaluate(case)
        assert results[0].method == "git" and not results[0].accepted, case.name  # a conflict
        pipeline[case.name] = next(r for r in results if r.method == "auto-resolve")
    assert [n for n, r in pipeline.items() if r.wrong] == []
    accepted = {n for n, r in pipeline.items() if r.accepted}
    assert accepted == {
        "same-line-different-words",
        "adjacent-lines",
        "overlapping-insertions-imports",
        "overlapping-insertions-code",
        "renamed-file",
        "two-commits",
        "indentation-wrapped-block",
    }
    assert all(pipeline[n].match == "equal" for n in accepted)
    mechanical = {c.name for c in autoresolve_cases.CASES if c.mechanical}
    assert len(accepted & mechanical) * 2 >= len(mechanical)
