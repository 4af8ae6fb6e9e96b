"""The one place that talks to git: `Repo`, a facade over the modules of this package.

Everything here runs git plumbing in subprocesses with explicit options, so a user's git
configuration (diff.noprefix, color.ui, core.quotePath, ...) cannot change what howtoctl reads or
writes. Calls are batched where git allows it (cat-file --batch, merge-tree --stdin,
update-ref --stdin): process start-up, not git's work, dominates the cost on many branches. For
the same reason opening a repository asks one `rev-parse` for every fact needed up front. git
writes every object itself.

Minimum git version: 2.38 (`merge-tree --write-tree`; `--stdin` is used from 2.39 and emulated
with one process per merge before that). See MIN_GIT_VERSION.

Modules: run.py starts every git process (and holds the one thread pool); repo.py is the facade; refs.py reads refs and moves them in one transaction; odb.py
reads and writes objects; diff.py diffs, applies and builds trees in temporary indexes;
merge.py merges; worktree.py adds and removes work trees; remote.py talks to remotes.
"""

from howtoctl.git.diff import DIFF_OPTIONS
from howtoctl.git.merge import (
    MIN_GIT_VERSION,
    MergeResult,
    merge_file,
    parse_merge_tree_stdin,
    split_evenly,
)
from howtoctl.git.odb import FALLBACK_IDENTITY, BlobId, CommitId, Oid, TreeId
from howtoctl.git.refs import RefUpdate
from howtoctl.git.repo import Repo
from howtoctl.git.run import git_environment
from howtoctl.git.worktree import RebaseStep, Worktree
from howtoctl.signals import uninterruptible

__all__ = [
    "DIFF_OPTIONS",
    "FALLBACK_IDENTITY",
    "MIN_GIT_VERSION",
    "BlobId",
    "CommitId",
    "MergeResult",
    "Oid",
    "RebaseStep",
    "RefUpdate",
    "Repo",
    "TreeId",
    "Worktree",
    "git_environment",
    "merge_file",
    "parse_merge_tree_stdin",
    "split_evenly",
    "uninterruptible",
]
