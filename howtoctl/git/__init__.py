"""The one place that talks to git: `Repo`, a facade over the modules of this package."""

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
from howtoctl.git.repo import (
    RebaseStep,
    Repo,
    Worktree,
)
from howtoctl.git.run import git_environment, uninterruptible

__all__ = [
    "BlobId",
    "CommitId",
    "Oid",
    "TreeId",
    "DIFF_OPTIONS",
    "FALLBACK_IDENTITY",
    "MIN_GIT_VERSION",
    "MergeResult",
    "RebaseStep",
    "RefUpdate",
    "Repo",
    "Worktree",
    "git_environment",
    "merge_file",
    "parse_merge_tree_stdin",
    "split_evenly",
    "uninterruptible",
]
