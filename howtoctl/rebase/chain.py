"""The one replay rule: commits rebuilt one on another from a new base, a commit whose change
the base already has dropped. Shared by the rebase of many branches (`replay.py`, with the
commits already upstream left out by `upstream.py`) and the automatic resolutions."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from howtoctl.git import Repo
from howtoctl.model import objects
from howtoctl.model.objects import Oid


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


def is_dropped(tree: str, parent_tree: str, started_empty: bool) -> bool:
    """The replay rule: a commit whose new tree is its new parent's is dropped, its change
    already in the base (as git rebase drops it), unless it changed nothing to begin with."""
    return tree == parent_tree and not started_empty


def chain(repo: Repo, onto: Oid, onto_tree: str, steps: Sequence[Step], committer: str) -> Chain:
    """The replayed commits, one on another from `onto`: the one replay rule, shared by the
    rebase and the automatic resolutions; `is_dropped` says which are left out. Their ids are
    computed here; nothing is written."""
    parent, parent_tree = onto, onto_tree
    bodies: list[bytes] = []
    dropped = []
    for step in steps:
        if is_dropped(step.tree, parent_tree, step.started_empty):
            dropped.append(step.commit)
            continue
        body = replayed_commit(step.original, step.tree, parent, committer)
        parent, parent_tree = repo.hash_object("commit", body), step.tree
        bodies.append(body)
    return Chain(bodies, parent, tuple(dropped))
