"""Rebasing many HOWTO branches in memory.

For a branch with commits c1..cn on top of a fork point B, rebasing onto M replays each ci as
a new commit whose tree is the merge of M and ci (merge base B, picked by git from history):
"M plus the branch's changes up to ci". That is what `git rebase` produces for a clean replay,
computed with `git merge-tree --write-tree` without a work tree, index or HEAD. Authors, dates
and messages are kept; the committer is the current user, as with `git rebase`.

The whole run costs a fixed number of git processes, whatever the number of branches:
one rev-list for all branches, one cat-file for all commits, one merge-tree per CPU for all
merges (writing into a quarantine object directory, see `Repo.quarantine`). The new commits are
hashed here and, with the merged trees, go into the repository as one pack written in Python
(`packfile`). See `plan`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from howtoctl import git as git_mod
from howtoctl.git import Repo

UP_TO_DATE = "up-to-date"
REBASED = "rebased"
CONFLICT = "conflict"
AUTO_RESOLVED = "auto-resolved"  # a conflict merged by another method and verified (autoresolve)
SKIPPED = "skipped"


@dataclasses.dataclass
class BranchRebase:
    name: str
    ref: str
    old_tip: str
    status: str = UP_TO_DATE
    new_tip: str | None = None
    commits: tuple[str, ...] = ()  # the branch's own commits, oldest first
    conflicts: tuple[str, ...] = ()
    conflict_commit: str | None = None
    dropped: tuple[str, ...] = ()  # commits whose changes the new base already has
    detail: str = ""
    # With --auto-resolve: every candidate tried ({method, passed, failed, detail}), in order.
    attempts: tuple[dict, ...] = ()

    @property
    def moves(self) -> bool:
        return (
            self.status in (REBASED, AUTO_RESOLVED)
            and self.new_tip is not None
            and self.new_tip != self.old_tip
        )


def own_commits(
    tips: Mapping[str, str], parents: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[list[str], str | None, str | None]]:
    """Walk each tip back through `parents` (the commits not on the new base).

    Returns {name: (commits oldest first, boundary commit on the base's history or None,
    problem or None)}. A merge commit inside a branch is a problem: replaying it linearly would
    change the history it records.
    """
    result = {}
    for name, tip in tips.items():
        chain: list[str] = []
        commit = tip
        problem = None
        while commit in parents:
            ps = parents[commit]
            if len(ps) != 1:
                problem = (
                    f"commit {commit[:12]} is a merge commit; rebase this branch by hand "
                    f"(howtoctl resolve {name})"
                    if ps
                    else f"commit {commit[:12]} has no parent: the branch does not share history with the base"
                )
                break
            chain.append(commit)
            commit = ps[0]
        chain.reverse()
        result[name] = (chain, None if problem else commit, problem)
    return result


def replayed_commit(original: git_mod.RawCommit, tree: str, parent: str, committer: str) -> bytes:
    """The bytes of `original` replayed onto `parent` with `tree`.

    Signatures are dropped (they would no longer verify); author, encoding and message are kept.
    """
    headers = []
    for key, value in original.headers:
        if key in ("gpgsig", "gpgsig-sha256", "mergetag"):
            continue
        headers.append((key, committer if key == "committer" else value))
    return git_mod.build_commit(tree, [parent], headers, original.message)


def plan(
    repo: Repo,
    branches: Mapping[str, str],
    onto: str,
    prefix_ref: str,
    blocked: Mapping[str, str] | None = None,
    write: bool = True,
) -> list[BranchRebase]:
    """Compute (and with `write`, create the commits of) the rebase of every branch onto `onto`.

    `branches` is {name: tip}; `blocked` is {name: reason} for branches that must not move
    (checked out somewhere). No ref is changed here: the caller moves the refs in one transaction.
    """
    blocked = blocked or {}
    results = {
        name: BranchRebase(name=name, ref=prefix_ref + name, old_tip=tip)
        for name, tip in sorted(branches.items())
    }
    if not results:
        return []

    # 1. Every commit on any branch that the new base does not have, with parents: one process.
    tips = sorted(set(branches.values()))
    out = repo.run("rev-list", "--parents", *tips, f"^{onto}", "--")
    parents = {}
    for line in out.splitlines():
        oid, *ps = line.split()
        parents[oid] = tuple(ps)
    walks = own_commits(branches, parents)

    pending: list[BranchRebase] = []
    for name, r in results.items():
        chain, boundary, problem = walks[name]
        r.commits = tuple(chain)
        if problem:
            r.status, r.detail = SKIPPED, problem
        elif boundary == onto or (not chain and r.old_tip == onto):
            r.status = UP_TO_DATE
        elif name in blocked:
            r.status, r.detail = SKIPPED, blocked[name]
        elif not chain:
            # No commits of its own, behind the base: a fast-forward.
            r.status, r.new_tip, r.detail = REBASED, onto, "fast-forward (no commits of its own)"
        else:
            pending.append(r)
    if not pending:
        return list(results.values())

    # 2. The commits themselves (one cat-file) and all merges (one merge-tree).
    to_replay = [c for r in pending for c in r.commits]
    fork_points = [parents[r.commits[0]][0] for r in pending]
    originals = repo.read_commits([*to_replay, *fork_points, onto])
    merges = repo.merge_trees([(onto, c) for c in to_replay])
    merged = dict(zip(to_replay, merges, strict=True))

    # 3. Chain the new commits; compute their ids ourselves so all can be written in one go.
    onto_tree = originals[onto].tree
    committer = repo.ident().decode(errors="surrogateescape") if write else ""
    bodies: list[bytes] = []
    for r in pending:
        parent, parent_tree = onto, onto_tree
        dropped = []
        for commit in r.commits:
            m = merged[commit]
            if not m.clean:
                r.status = CONFLICT
                r.conflicts = m.conflicted_paths
                r.conflict_commit = commit
                subject = originals[commit].message.split(b"\n", 1)[0].decode(errors="replace")
                r.detail = f"at {commit[:12]} {subject!r}: " + ", ".join(m.conflicted_paths)
                break
            original = originals[commit]
            started_empty = original.tree == originals[original.parents[0]].tree
            if m.tree == parent_tree and not started_empty:
                dropped.append(commit)  # its change is already in the new base
                continue
            body = replayed_commit(original, m.tree, parent, committer)
            parent, parent_tree = repo.hash_object("commit", body), m.tree
            bodies.append(body)
        if r.status == CONFLICT:
            continue
        r.status, r.new_tip, r.dropped = REBASED, parent, tuple(dropped)
        if dropped:
            r.detail = f"dropped {len(dropped)} commit(s) already in the base"
    if write:
        repo.write_commits(bodies)
    return list(results.values())


def summarize(results: Sequence[BranchRebase]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts
