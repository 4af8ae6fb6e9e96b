"""The rebase planner is pure: what moves where follows from tips and parents alone."""

from __future__ import annotations

from howtoctl.model.objects import Oid
from howtoctl.rebase import plan, replay

# History: base B0 <- B1 (the new base); a forks at B0 with a1 <- a2; b forks at B1 (up to
# date); c is B0 itself (behind, no commits: fast-forward); m holds a merge commit; d is
# checked out somewhere.
PARENTS = {
    Oid(c): tuple(map(Oid, ps))
    for c, ps in {
        "a1": ("B0",),
        "a2": ("a1",),
        "m1": ("B0", "x1"),
        "x1": ("B0",),
        "b1": ("B1",),
        "d1": ("B0",),
    }.items()
}
TIPS = {n: Oid(t) for n, t in {"a": "a2", "b": "b1", "c": "B0", "m": "m1", "d": "d1"}.items()}


def test_plan_decides_every_branch_from_facts():
    plans = {r.name: r for r in plan.plan(TIPS, "B1", PARENTS, "howto/", {"d": "checked out"})}
    assert plans["a"].status == plan.Status.PENDING
    assert plans["a"].commits == ("a1", "a2") and plans["a"].fork_point == "B0"
    assert plans["b"].status == plan.Status.UP_TO_DATE
    assert (plans["c"].status, plans["c"].new_tip) == (plan.Status.REBASED, "B1")
    assert plans["m"].status == plan.Status.SKIPPED and "merge commit" in plans["m"].detail
    assert (plans["d"].status, plans["d"].detail) == (plan.Status.SKIPPED, "checked out")
    assert plans["a"].ref == "refs/heads/howto/a"


def test_replay_of_a_plan_with_nothing_pending_runs_no_git():
    plans = plan.plan({"b": Oid("b1")}, "B1", PARENTS, "howto/")
    assert replay.replay(None, plans, "B1", committer="") == []  # no repository needed
