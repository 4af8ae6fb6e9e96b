"""A branch's commits that its new base already has under another id, skipped as `git rebase`
skips them ("skipped previously applied commit").

`howtoctl new` commits a HOWTO's manifest entry on the base, then forks the branch after it. If
the base is rewritten (`git pull --rebase` gives that commit a new id), the branch still carries
the old one; `replay.replay` merges it with a base that has the new copy, edited since, and
meets a conflict git rebase never sees. Only for a branch whose replay conflicts is git asked
which of its commits are upstream (one `git cherry`); the commits after the first such one are
then replayed as git rebase does, each as a cherry-pick onto the last (a merge whose base is
the commit's own parent). The first pick that conflicts is where git rebase stops: there the
conflict is reported, or `--auto-resolve` merges it (the `resolve` it gives `replay`) and the
picks go on from its tree. merge-tree only picks merge bases from history (git 2.39 has no
--merge-base), so each pick merges the commit with a throwaway commit: the replayed tree so
far, on the commit's parent. Those are written, reached by no ref.

A branch whose replay is clean is not asked about (that would cost a git process a branch):
there a commit the base already has merges to the base's own tree and `chain.chain` drops it.
The one case left to git rebase alone: the base took the commit's copy and then reverted it,
where the merge brings the change back and git rebase would skip it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from howtoctl.git import Repo
from howtoctl.git.merge import MergeResult
from howtoctl.model import objects
from howtoctl.model.objects import Oid
from howtoctl.rebase.chain import is_dropped, replayed_commit, started_empty

# Merges a conflicted commit's paths another way: (the commit, git's merge) -> the merged tree.
Resolve = Callable[[Oid, MergeResult], str]


class Replayed(NamedTuple):
    """The branch's commits as git rebase replays them once it skips the upstream ones."""

    trees: list[tuple[Oid, str, bool]]  # (commit, its new tree, merged by `resolve`), in order
    conflict: tuple[Oid, MergeResult] | None  # the pick git rebase stops at (no `resolve`)


def already_upstream(
    repo: Repo, commits: Sequence[Oid], tip: Oid, onto: Oid, merged: Mapping[Oid, MergeResult]
) -> tuple[Oid, ...]:
    """Of the branch `commits` (to `tip`, whose batch replay onto `onto` conflicted), those git
    rebase skips as already upstream; none when the first conflict comes before any of them
    (then it stands as `replay.replay` found it)."""
    conflicted = next(i for i, c in enumerate(commits) if not merged[c].clean)
    upstream = repo.commits_already_upstream(onto, tip)
    first = next((i for i, c in enumerate(commits) if c in upstream), None)
    if first is None or first > conflicted:
        return ()
    return tuple(c for c in commits if c in upstream)


def replay(
    repo: Repo,
    commits: Sequence[Oid],
    skipped: Sequence[Oid],
    onto: Oid,
    originals: Mapping[Oid, objects.RawCommit],
    merged: Mapping[Oid, MergeResult],
    committer: str,
    resolve: Resolve | None = None,
) -> Replayed:
    """The branch `commits` replayed onto `onto` without `skipped` (`already_upstream`'s):
    their trees, up to the first pick that conflicts unless `resolve` merges it."""
    first = min(commits.index(c) for c in skipped)
    parent_tree = originals[onto].tree
    trees = []
    for i, commit in enumerate(commits):
        if commit in skipped:
            continue
        original = originals[commit]
        resolved = False
        if i < first:
            tree = merged[commit].tree  # before any skip, the batch's merge is git rebase's
        else:
            picked = _pick(repo, commit, original, parent_tree, committer)
            tree = picked.tree
            if not picked.clean:
                if resolve is None:
                    return Replayed(trees, (commit, picked))
                tree, resolved = resolve(commit, picked), True
        trees.append((commit, tree, resolved))
        if not is_dropped(tree, parent_tree, started_empty(originals, commit)):
            parent_tree = tree  # a dropped one leaves the parent as it was
    return Replayed(trees, None)


def _pick(
    repo: Repo, commit: Oid, original: objects.RawCommit, ours: str, committer: str
) -> MergeResult:
    """`commit`'s change (against its parent) merged into the tree `ours`, as a cherry-pick."""
    parent = original.parents[0]
    # A dry run has no committer to give; the stand-in is never seen, any valid one will do.
    committer = committer or dict(original.headers)["committer"]
    (stand_in,) = repo.write_commits([replayed_commit(original, ours, parent, committer)])
    return repo.merge_trees([(stand_in, commit)])[0]


def describe(skipped: Sequence[Oid], originals: Mapping[Oid, objects.RawCommit]) -> str:
    """What git rebase says of them: "skipped previously applied commit", with each subject."""
    return "skipped previously applied commit(s), already upstream: " + ", ".join(
        f"{c.short} {originals[c].subject!r}" for c in skipped
    )
