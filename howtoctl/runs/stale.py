"""Sweeping what killed test/prove runs left behind: their temporary work trees and JAX
caches, and any smoke test still running there."""

from __future__ import annotations

import os

from howtoctl import fsutil
from howtoctl.git import Repo
from howtoctl.runs import process

# In a running smoke test's work tree: the id of its process group (see _stop_orphan).
GROUP_FILE = ".howtoctl-pgid"


def _stop_orphan(worktree: str) -> None:
    """Kill the smoke test a killed howtoctl left running in `worktree` (SIGKILL runs no
    cleanup, and the test's own session outlives it: a mutant may loop for ever).

    A process id can be reused: the recorded group is killed only while a member of it (the
    leader may be gone) still runs in that work tree or below, which Linux's /proc tells;
    where there is no /proc, nothing is killed."""
    try:
        group = int(fsutil.read_private(os.path.join(worktree, GROUP_FILE), 32) or b"")
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except (OSError, ValueError):
        return
    root = os.path.realpath(worktree)
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            cwd = os.path.realpath(os.readlink(f"/proc/{pid}/cwd"))
        except OSError:
            continue
        # The fields after the command's closing parenthesis: state, ppid, pgrp, ...
        pgrp = int(stat.rsplit(")", 1)[1].split()[2])
        if pgrp == group and (cwd == root or cwd.startswith(root + os.sep)):
            process.kill_group(group)
            return


def clear_stale_runs(repo: Repo) -> list[str]:
    """Remove the temporary work trees and JAX caches of test/prove runs that ended (see
    fsutil.owner_gone), stopping any smoke test still running there; the paths removed. Runs
    still going are left alone."""
    removed = []
    for w in repo.worktrees():
        where, name = os.path.split(w.path.rstrip("/"))
        if fsutil.owner_gone(name, where):
            _stop_orphan(w.path)
            repo.remove_worktree(w.path)  # also prunes what is registered but gone
            removed.append(w.path)
    if not removed:
        repo.prune_worktrees()
    tmp = fsutil.temporary_root()
    try:
        names = os.listdir(tmp)
    except OSError:
        names = []
    for name in names:
        path = os.path.join(tmp, name)
        if fsutil.owner_gone(name, tmp) and os.path.isdir(path) and not os.path.islink(path):
            _stop_orphan(path)  # a work tree of another repository's run, maybe
            fsutil.remove_tree(path)
            if not os.path.exists(path):
                removed.append(path)
    fsutil.remove_dead_locks()
    return removed
