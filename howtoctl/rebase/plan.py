"""Planning the rebase of many HOWTO branches (pure): what moves where, decided from facts.

`plan` walks each branch back to the base's history and gives every branch its final status,
or PENDING when it has commits to replay (`howtoctl.rebase.replay`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from howtoctl import statuses
from howtoctl.model.names import BranchRef
from howtoctl.model.objects import Oid

Status = statuses.Rebase


@dataclasses.dataclass
class BranchRebase:
    name: str
    ref: BranchRef
    old_tip: Oid
    status: Status = Status.UP_TO_DATE
    new_tip: Oid | None = None
    commits: tuple[Oid, ...] = ()  # the branch's own commits, oldest first
    conflicts: tuple[str, ...] = ()
    conflict_commit: Oid | None = None
    fork_point: Oid | None = None  # where the branch's own commits start (PENDING ones)
    dropped: tuple[Oid, ...] = ()  # commits whose changes the new base already has
    # Those of `commits` git rebase skips as already upstream (`howtoctl.rebase.upstream`).
    upstream: tuple[Oid, ...] = ()
    detail: str = ""
    # With --auto-resolve: every candidate tried ({method, passed, failed, detail}), in order.
    attempts: tuple[dict, ...] = ()

    @property
    def moves(self) -> bool:
        return (
            self.status in (Status.REBASED, Status.AUTO_RESOLVED)
            and self.new_tip is not None
            and self.new_tip != self.old_tip
        )


class Walk(NamedTuple):
    """A branch walked back from its tip to the base's history."""

    commits: list[Oid]  # its own commits, oldest first
    boundary: Oid | None  # the commit on the base's history it starts from; None on a problem
    problem: str | None  # why it cannot be replayed linearly


def own_commits(tips: Mapping[str, Oid], parents: Mapping[Oid, tuple[Oid, ...]]) -> dict[str, Walk]:
    """Walk each tip back through `parents` (the commits not on the new base).

    A merge commit inside a branch is a problem: replaying it linearly would change the history
    it records.
    """
    result = {}
    for name, tip in tips.items():
        chain: list[Oid] = []
        commit = tip
        problem = None
        while commit in parents:
            ps = parents[commit]
            if len(ps) != 1:
                problem = (
                    f"commit {commit.short} is a merge commit; rebase this branch by hand "
                    f"(howtoctl resolve {name})"
                    if ps
                    else f"commit {commit.short} has no parent: the branch does not share history with the base"
                )
                break
            chain.append(commit)
            commit = ps[0]
        chain.reverse()
        result[name] = Walk(chain, None if problem else commit, problem)
    return result


def plan(
    branches: Mapping[str, Oid],
    onto: Oid,
    parents: Mapping[Oid, tuple[Oid, ...]],
    branch_prefix: str,
    blocked: Mapping[str, str] | None = None,
) -> list[BranchRebase]:
    """What moves where: the rebase of every branch onto `onto`, decided from facts alone.

    `branches` is {name: tip}; `parents` is {commit: parents} for every commit on a branch that
    `onto` does not have (`Repo.commits_not_in`); `blocked` is {name: reason} for branches that
    must not move (checked out somewhere). Branches left PENDING have commits to replay
    (`replay`); every other one has its final status here.
    """
    blocked = blocked or {}
    walks = own_commits(branches, parents)
    results = []
    for name, tip in sorted(branches.items()):
        r = BranchRebase(name=name, ref=BranchRef.of_howto(branch_prefix, name), old_tip=tip)
        chain, boundary, problem = walks[name]
        r.commits = tuple(chain)
        if problem:
            r.status, r.detail = Status.SKIPPED, problem
        elif boundary == onto or (not chain and r.old_tip == onto):
            r.status = Status.UP_TO_DATE
        elif name in blocked:
            r.status, r.detail = Status.SKIPPED, blocked[name]
        elif not chain:
            # No commits of its own, behind the base: a fast-forward.
            r.status, r.new_tip, r.detail = (
                Status.REBASED,
                onto,
                "fast-forward (no commits of its own)",
            )
        else:
            r.status, r.fork_point = Status.PENDING, parents[chain[0]][0]
        results.append(r)
    return results


def summarize(results: Sequence[BranchRebase]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts
