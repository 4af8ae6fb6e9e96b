"""Rebasing many HOWTO branches in memory.

For a branch with commits c1..cn on top of a fork point B, rebasing onto M replays each ci as
a new commit whose tree is the merge of M and ci (merge base B, picked by git from history):
"M plus the branch's changes up to ci". That is what `git rebase` produces for a clean replay,
computed with `git merge-tree --write-tree` without a work tree, index or HEAD. Authors, dates
and messages are kept; the committer is the current user, as with `git rebase`.

The whole run costs a fixed number of git processes, whatever the number of branches:
one rev-list for all branches, one cat-file for all commits, one merge-tree per CPU for all
merges (git writes the merged trees into the repository), one hash-object for the new commits.
`plan` decides from facts what moves where; `replay` merges and builds the new commits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from howtoctl import statuses
from howtoctl.git import Repo
from howtoctl.model import objects
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


def replayed_commit(original: objects.RawCommit, tree: str, parent: str, committer: str) -> bytes:
    """The bytes of `original` replayed onto `parent` with `tree`.

    Signatures are dropped (they would no longer verify); author, encoding and message are kept.
    """
    headers = []
    for key, value in original.headers:
        if key in ("gpgsig", "gpgsig-sha256", "mergetag"):
            continue
        headers.append((key, committer if key == "committer" else value))
    return objects.build_commit(tree, [parent], headers, original.message)


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


def replay(repo: Repo, results: Sequence[BranchRebase], onto: Oid, committer: str) -> list[bytes]:
    """Replay the commits of every PENDING branch onto `onto`, in memory.

    Each ends REBASED (with its new tip) or CONFLICT. git merges (writing the merged trees into
    `repo`'s object directory); the new commits are built here and returned, parents first, for
    the caller to write (`Repo.write_commits`) or, on a dry run, to drop. No ref is changed.
    """
    pending = [r for r in results if r.status == Status.PENDING]
    if not pending:
        return []
    # The commits themselves (one cat-file) and all merges (one merge-tree per CPU).
    to_replay = [c for r in pending for c in r.commits]
    originals = repo.read_commits([*to_replay, *(r.fork_point for r in pending), onto])
    merges = repo.merge_trees([(onto, c) for c in to_replay])
    merged = dict(zip(to_replay, merges, strict=True))

    # Chain the new commits; their ids are computed here so that all are written in one go.
    onto_tree = originals[onto].tree
    bodies: list[bytes] = []
    for r in pending:
        conflicted = next((c for c in r.commits if not merged[c].clean), None)
        if conflicted is not None:
            m = merged[conflicted]
            r.status = Status.CONFLICT
            r.conflicts = m.conflicted_paths
            r.conflict_commit = conflicted
            subject = originals[conflicted].message.split(b"\n", 1)[0].decode(errors="replace")
            r.detail = f"at {conflicted.short} {subject!r}: " + ", ".join(m.conflicted_paths)
            continue
        steps = [
            Step(c, originals[c], merged[c].tree, started_empty(originals, c)) for c in r.commits
        ]
        chained = chain(repo, onto, onto_tree, steps, committer)
        bodies += chained.bodies
        r.status, r.new_tip, r.dropped = Status.REBASED, chained.tip, chained.dropped
        if chained.dropped:
            r.detail = f"dropped {len(chained.dropped)} commit(s) already in the base"
    return bodies


class Step(NamedTuple):
    """One commit to replay: its id, the commit as it is to be written (message and all), and
    the tree it gets; `started_empty`: it changed nothing where it was made."""

    commit: Oid
    original: objects.RawCommit
    tree: str
    started_empty: bool


@dataclasses.dataclass(frozen=True)
class Chain:
    bodies: list[bytes]  # the new commits, parents first
    tip: Oid
    dropped: tuple[Oid, ...]  # commits whose change the base already has


def started_empty(originals: Mapping[Oid, objects.RawCommit], commit: Oid) -> bool:
    original = originals[commit]
    return original.tree == originals[original.parents[0]].tree


def chain(repo: Repo, onto: Oid, onto_tree: str, steps: Sequence[Step], committer: str) -> Chain:
    """The replayed commits, one on another from `onto`: the one replay rule, shared by the
    rebase and the automatic resolutions. A commit whose tree is its new parent's is dropped,
    its change already in the base (as git rebase drops it), unless it changed nothing to
    begin with. Their ids are computed here; nothing is written."""
    parent, parent_tree = onto, onto_tree
    bodies: list[bytes] = []
    dropped = []
    for step in steps:
        if step.tree == parent_tree and not step.started_empty:
            dropped.append(step.commit)
            continue
        body = replayed_commit(step.original, step.tree, parent, committer)
        parent, parent_tree = repo.hash_object("commit", body), step.tree
        bodies.append(body)
    return Chain(bodies, parent, tuple(dropped))


def summarize(results: Sequence[BranchRebase]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts
