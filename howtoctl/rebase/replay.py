"""Rebasing many HOWTO branches in memory.

For a branch with commits c1..cn on top of a fork point B, rebasing onto M replays each ci as
a new commit whose tree is the merge of M and ci (merge base B, picked by git from history):
"M plus the branch's changes up to ci". That is what `git rebase` produces for a clean replay,
computed with `git merge-tree --write-tree` without a work tree, index or HEAD. Authors, dates
and messages are kept; the committer is the current user, as with `git rebase`.

The whole run costs a fixed number of git processes, whatever the number of branches:
one rev-list for all branches, one cat-file for all commits, one merge-tree per CPU for all
merges (git writes the merged trees into the repository), one hash-object for the new commits.
`plan.plan` decides from facts what moves where; `replay` merges and builds the new commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from howtoctl.git import Repo
from howtoctl.git.merge import MergeResult
from howtoctl.model import objects
from howtoctl.model.objects import Oid
from howtoctl.rebase import upstream
from howtoctl.rebase.chain import Step, chain, started_empty
from howtoctl.rebase.plan import BranchRebase, Status


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
            r.upstream = upstream.already_upstream(repo, r.commits, r.old_tip, onto, merged)
        if r.upstream:
            picks = upstream.replay(repo, r.commits, r.upstream, onto, originals, merged, committer)
            trees = [(c, tree) for c, tree, _ in picks.trees]
            conflict = picks.conflict
        else:
            trees = [(c, merged[c].tree) for c in r.commits]
            conflict = None if conflicted is None else (conflicted, merged[conflicted])
        if conflict is not None:
            _stopped_at(r, *conflict, originals)
            continue
        steps = [Step(c, originals[c], tree, started_empty(originals, c)) for c, tree in trees]
        chained = chain(repo, onto, onto_tree, steps, committer)
        bodies += chained.bodies
        r.status, r.new_tip = Status.REBASED, chained.tip
        r.dropped = r.upstream + chained.dropped
        # Both kinds of `dropped`: the commits skipped as upstream, those found empty here.
        details = [upstream.describe(r.upstream, originals)] if r.upstream else []
        if chained.dropped:
            details.append(f"dropped {len(chained.dropped)} commit(s) already in the base")
        r.detail = "; ".join(details)
    return bodies


def _stopped_at(
    r: BranchRebase, commit: Oid, m: MergeResult, originals: Mapping[Oid, objects.RawCommit]
) -> None:
    """`r` stops in CONFLICT at `commit`, as `git rebase` would."""
    r.status = Status.CONFLICT
    r.conflicts = m.conflicted_paths
    r.conflict_commit = commit
    r.detail = f"at {commit.short} {originals[commit].subject!r}: " + ", ".join(m.conflicted_paths)
    if r.upstream:
        r.detail += "; " + upstream.describe(r.upstream, originals)
