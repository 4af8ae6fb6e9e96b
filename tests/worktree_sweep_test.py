"""The sweep of work trees a killed test/prove run left: git's record goes with the directory."""

from __future__ import annotations

import subprocess
import sys


def test_sweep_unregisters_a_work_tree_killed_while_git_was_adding_it(repo_with_howto, private_tmp):
    """A run killed while `git worktree add` ran leaves the record locked ("initializing"),
    which `remove --force` and `prune` keep: the sweep unlocks it first."""
    r = repo_with_howto
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()  # a pid that names no process, like a howtoctl killed with SIGKILL
    token = "0123456789abcdef"
    (private_tmp / f"howtoctl-alive-{token}.lock").write_text("")  # nobody holds it: dead
    left = private_tmp / f"howtoctl-prove-P{dead.pid}.{token}-alpha-abcdefgh"
    r.git(
        "worktree",
        "add",
        "--detach",
        "--quiet",
        "--lock",
        "--reason",
        "initializing",
        str(left),
        "HEAD",
    )
    res = r.cli("test", "--changed-since", "HEAD")
    assert res.code == 0, res
    assert not left.exists()
    listed = r.git("worktree", "list", "--porcelain").count("worktree ")
    assert listed == 1, r.git("worktree", "list", "--porcelain")
