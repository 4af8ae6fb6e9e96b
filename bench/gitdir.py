"""Reading another project's history (a clone's or a bare mirror's git directory) for the benches.

Shared by bench/autoresolve.py and bench/history_replay.py: plain `git --git-dir` calls, the
paths a diff touches, and whether (and to what tree) a diff applies to a commit, all without a
work tree, through a scratch index.
"""

from __future__ import annotations

import os
import re
import subprocess


def git(git_dir: str, *args: str, input: bytes | None = None, env=None, check=True):
    proc = subprocess.run(
        ["git", "--git-dir", git_dir, *args],
        input=input,
        capture_output=True,
        env={**os.environ, **(env or {})},
    )
    if check and proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace')}")
    return proc


def find_git_dir(path: str) -> str:
    """A clone's .git directory, or `path` itself (a bare repository)."""
    dot_git = os.path.join(path, ".git")
    return dot_git if os.path.isdir(dot_git) else path


def diff_paths(diff: bytes) -> list[str]:
    paths = []
    for m in re.finditer(rb"^(?:---|\+\+\+) (?:[ab]/)?(\S+)", diff, re.M):
        p = m.group(1).decode()
        if p != "/dev/null" and p not in paths:
            paths.append(p)
    return paths


def applied_tree(git_dir: str, commit: str, diff: bytes, tmp: str) -> str | None:
    """The tree of `commit` with `diff` applied (plain `git apply`), or None if it does not
    apply. Writes the tree's objects into `git_dir`: use it on a scratch repository only."""
    env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
    git(git_dir, "read-tree", commit, env=env)
    if git(git_dir, "apply", "--cached", "-", input=diff, env=env, check=False).returncode:
        return None
    return git(git_dir, "write-tree", env=env).stdout.decode().strip()


def applies(git_dir: str, commit: str, diff: bytes, tmp: str) -> bool:
    env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
    git(git_dir, "read-tree", commit, env=env)
    return (
        git(
            git_dir, "apply", "--cached", "--check", "-", input=diff, env=env, check=False
        ).returncode
        == 0
    )
