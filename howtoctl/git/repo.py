"""The one place that talks to git.

Everything here runs git plumbing in subprocesses with explicit options, so a user's git
configuration (diff.noprefix, color.ui, core.quotePath, ...) cannot change what howtoctl reads or
writes. Calls are batched where git allows it (cat-file --batch, merge-tree --stdin,
update-ref --stdin): process start-up, not git's work, dominates the cost on many branches. For
the same reason opening a repository asks one `rev-parse` for every fact needed up front. git
writes every object itself.

Minimum git version: 2.38 (`merge-tree --write-tree`; `--stdin` is used from 2.39 and emulated
with one process per merge before that). See MIN_GIT_VERSION.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from collections.abc import Sequence

from howtoctl import fsutil
from howtoctl.errors import HowtoError
from howtoctl.git.diff import Diffs
from howtoctl.git.merge import Merges
from howtoctl.git.odb import Objects
from howtoctl.git.refs import Refs, RefUpdate
from howtoctl.git.run import Git, git_environment
from howtoctl.names import HEADS


@dataclasses.dataclass(frozen=True)
class Worktree:
    path: str
    head: str | None
    branch: str | None  # full ref name, e.g. refs/heads/howto/x; None when detached
    bare: bool = False
    locked: str | None = None  # the lock reason ("" when locked without one)


@dataclasses.dataclass(frozen=True)
class RebaseStep:
    done: bool  # False: stopped at a conflict, or git failed
    conflicts: tuple[str, ...]  # unmerged paths in the work tree
    output: str  # what git said


def _parse_version(text: str) -> tuple[int, ...]:
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        return (0, 0)
    return tuple(int(g) for g in m.groups() if g is not None)


class Repo(Refs, Objects, Diffs, Merges):
    """A git repository, seen from one work tree (or a bare repository)."""

    throwaway = False  # a dry run's facade whose new objects go away (`throwaway_objects`)

    def __init__(self, path: str = ".", *, version: tuple[int, ...] | None = None) -> None:
        """`version`: git's version when the caller already knows it (asked on first need)."""
        cwd = os.path.abspath(path)
        if not os.path.isdir(cwd):
            raise HowtoError(f"{path}: no such directory")
        self._git = Git(cwd, git_environment(os.environ))
        # One process for every fact needed up front. --show-toplevel comes last: it fails in a
        # bare repository or inside .git, after the other answers are printed.
        proc = self._popen_run(
            [
                "rev-parse",
                "--is-bare-repository",
                "--is-shallow-repository",
                "--absolute-git-dir",
                "--git-common-dir",
                "--show-object-format",
                "--git-path",
                "objects",
                "--show-toplevel",
                "--symbolic-full-name",
                "HEAD",
            ],
            check=False,
        )
        lines = proc.stdout.decode().splitlines()
        if len(lines) < 6:
            stderr = proc.stderr.decode(errors="replace").strip()
            if stderr and "not a git repository" not in stderr:
                raise HowtoError(f"git cannot open the repository at {cwd}: {stderr}")
            raise HowtoError(
                f"{cwd} is not inside a git repository",
                "run howtoctl inside your repository, or point at it with -C PATH",
            )
        self.is_bare = lines[0] == "true"
        self.is_shallow = lines[1] == "true"
        self.git_dir = lines[2]
        self.common_dir = os.path.normpath(os.path.join(cwd, lines[3]))
        self._object_format = lines[4]
        self.objects_dir = os.path.normpath(os.path.join(cwd, lines[5]))
        self.toplevel = lines[6] if len(lines) > 6 else None
        # What the work tree here has checked out: a branch ref, or "HEAD" (detached, unborn).
        self._head = lines[7] if len(lines) > 7 else None
        if self.toplevel:
            self._git = dataclasses.replace(self._git, cwd=self.toplevel)
        self._version = version
        self._identity: bool | None = None

    # -- running git ---------------------------------------------------------------------------

    def _popen_run(self, args: Sequence[str], **kwargs) -> subprocess.CompletedProcess:
        return self._git.run(*args, **kwargs)

    def _run(self, *args: str, input: bytes | None = None, env=None, cwd=None) -> str:
        return self._git.text(*args, input=input, env=env, cwd=cwd)

    def _run_bytes(self, *args: str, input: bytes | None = None, env=None) -> bytes:
        return self._git.run(*args, input=input, env=env).stdout

    def _try_run(self, *args: str, input: bytes | None = None, env=None, cwd=None):
        return self._git.run(*args, input=input, env=env, check=False, cwd=cwd)

    # -- facts about the repository ------------------------------------------------------------

    @property
    def version(self) -> tuple[int, ...]:
        if self._version is None:
            self._version = _parse_version(self._run("version"))
        return self._version

    def require_version(self, minimum: tuple[int, ...], what: str) -> None:
        if self.version < minimum:
            have = ".".join(map(str, self.version))
            need = ".".join(map(str, minimum))
            raise HowtoError(f"{what} needs git {need} or newer; this is git {have}")

    @property
    def object_format(self) -> str:
        """'sha1' or 'sha256'."""
        return self._object_format

    def path(self, *parts: str) -> str:
        """Absolute path of a repository-relative path in this work tree."""
        if self.toplevel is None:
            raise HowtoError(
                "this command needs a work tree, but the repository is bare",
                "run it in a clone with a checkout",
            )
        return os.path.join(self.toplevel, *parts)

    def worktrees(self) -> list[Worktree]:
        out = self._run("worktree", "list", "--porcelain", "-z")
        trees = []
        for block in out.split("\0\0"):
            fields = [f for f in block.split("\0") if f]
            if not fields:
                continue
            info: dict[str, str] = {}
            for f in fields:
                key, _, value = f.partition(" ")
                info[key] = value
            trees.append(
                Worktree(
                    path=info.get("worktree", ""),
                    head=info.get("HEAD"),
                    branch=info.get("branch"),
                    bare="bare" in info,
                    locked=info.get("locked"),
                )
            )
        return trees

    def checked_out_branches(self) -> dict[str, str]:
        """{full branch ref: worktree path} for branches checked out in any work tree."""
        if (
            self._head is not None
            and self._head.startswith(HEADS)
            and self.toplevel is not None
            and not os.path.isdir(os.path.join(self.common_dir, "worktrees"))
        ):
            # No linked work trees: this is the only one, and its branch was read on opening.
            # ("HEAD" there is detached or an unborn branch: git worktree list tells which.)
            return {self._head: self.toplevel}
        return {w.branch: w.path for w in self.worktrees() if w.branch}

    def remote_url(self, remote: str = "origin") -> str | None:
        proc = self._try_run("config", "--get", f"remote.{remote}.url")
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    # -- diffs and patches ---------------------------------------------------------------------

    # -- writing objects and refs --------------------------------------------------------------

    # -- a throwaway object directory ----------------------------------------------------------

    # -- work trees ------------------------------------------------------------------------------

    def add_worktree(self, path: str, commit: str) -> None:
        """A detached work tree at `commit` (no branch is checked out, so none is locked).

        In a dry run's facade (`throwaway_objects`) the commit exists only in objects that go
        away: a work tree registered at it would break `git gc` and `git fsck` until swept, if
        the run were killed. There the directory gets the commit's files and is not
        registered (nothing to run git on, as a dry run's smoke test already has none)."""
        if self.throwaway:
            tar = self._popen_run(["archive", "--format=tar", "--end-of-options", commit])
            fsutil.extract_tar(tar.stdout, path)
            return
        self._run("worktree", "add", "--detach", "--quiet", path, commit)

    def add_locked_worktree(self, path: str, commit: str, reason: str) -> str:
        """A detached work tree at `commit`, locked with `reason`; returns its git directory.

        The lock marks it as howtoctl's: `git worktree prune` keeps it, and a later command can
        tell it from whatever else may stand at that path by then.
        """
        self._run(
            "worktree", "add", "--detach", "--quiet", "--lock", "--reason", reason, path, commit
        )
        return self._run("rev-parse", "--absolute-git-dir", cwd=path).strip()

    def owns_worktree(self, path: str, git_dir: str, reason: str) -> bool:
        """Whether `path` is still the work tree added by `add_locked_worktree` with `reason`:
        git lists it with that lock, and the directory's .git file leads to its git directory."""
        listed = any(
            os.path.realpath(w.path) == os.path.realpath(path) and w.locked == reason
            for w in self.worktrees()
        )
        data = fsutil.read_private(os.path.join(path, ".git"), 4096)
        if data is None:
            return False
        link = data.decode(errors="replace").strip()
        target = link.removeprefix("gitdir: ")
        return listed and os.path.realpath(os.path.join(path, target)) == os.path.realpath(git_dir)

    def remove_own_worktree(self, path: str, owned: bool) -> None:
        """Remove a work tree howtoctl added if `owned`; else only drop git's record of it where
        its directory is gone or no longer a work tree (the files there are left alone)."""
        self._try_run("worktree", "unlock", "--end-of-options", path)
        if owned:
            self._run("worktree", "remove", "--force", "--end-of-options", path)
        self._try_run("worktree", "prune")

    def prune_worktrees(self) -> None:
        """Drop git's records of work trees whose directories are gone (`git worktree prune`)."""
        self._try_run("worktree", "prune")

    def remove_worktree(self, path: str) -> None:
        self._try_run("worktree", "remove", "--force", path)
        if os.path.isdir(path):
            fsutil.remove_tree(path)
        self._try_run("worktree", "prune")

    # -- a rebase in a work tree of its own (howtoctl resolve) ---------------------------------

    def rebase_worktree(self, worktree: str, onto: str) -> RebaseStep:
        """Start `git rebase onto` in `worktree`; it stops at the first conflict."""
        return self._rebase_step(worktree, onto)

    def continue_rebase(self, worktree: str) -> RebaseStep:
        """`git rebase --continue` in `worktree`."""
        return self._rebase_step(worktree, "--continue")

    def abort_rebase(self, worktree: str) -> None:
        self._try_run("rebase", "--abort", cwd=worktree)

    def rebase_in_progress(self, worktree: str) -> bool:
        for kind in ("rebase-merge", "rebase-apply"):
            path = self._run("rev-parse", "--git-path", kind, cwd=worktree).strip()
            if os.path.isdir(path if os.path.isabs(path) else os.path.join(worktree, path)):
                return True
        return False

    def worktree_head(self, worktree: str) -> str:
        """The commit checked out in `worktree`."""
        return self._run("rev-parse", "HEAD", cwd=worktree).strip()

    def _rebase_step(self, worktree: str, arg: str) -> RebaseStep:
        # No editor: keep every message as it is, as a non-interactive rebase would.
        env = {"GIT_EDITOR": "true", "GIT_SEQUENCE_EDITOR": "true"}
        # The rebase moves no branch itself (rebase.updateRefs would move every branch that
        # points into the rebased commits, with no backup): howtoctl moves the one it rebases.
        proc = self._try_run("-c", "rebase.updateRefs=false", "rebase", arg, cwd=worktree, env=env)
        if proc.returncode == 0:
            return RebaseStep(True, (), "")
        unmerged = self._run("diff", "--name-only", "-z", "--diff-filter=U", cwd=worktree)
        return RebaseStep(
            False,
            tuple(p for p in unmerged.split("\0") if p),
            (proc.stdout + proc.stderr).decode(errors="replace").strip(),
        )

    # -- remotes -----------------------------------------------------------------------------------

    def remote_refs(self, remote: str, prefixes: Sequence[str]) -> dict[str, str]:
        """{full ref: oid} of the remote's refs under each of `prefixes` (full ref prefixes)."""
        out = self._run(
            "ls-remote", "--refs", "--end-of-options", remote, *(f"{p}*" for p in prefixes)
        )
        heads = {}
        for line in out.splitlines():
            oid, _, ref = line.partition("\t")
            if ref.startswith(tuple(prefixes)):
                heads[ref] = oid
        return heads

    def push_with_lease(self, remote: str, updates: Sequence[RefUpdate]) -> None:
        """Push each update atomically (`old`: the value the remote must still have, None for
        absent; `new` None deletes).

        Each ref is only changed if the remote still has the expected value (--force-with-lease).
        """
        args = ["push", "--atomic", "--porcelain", "--no-verify"]
        refspecs = []
        for ref, new, expected in updates:
            args.append(f"--force-with-lease={ref}:{expected or ''}")
            refspecs.append(f"{new}:{ref}" if new else f":{ref}")
        self._run(*args, remote, *refspecs)

    # -- auto-resolve (rebase-all --auto-resolve) -----------------------------------------------

    def rebase_stopped_at(self, worktree: str) -> str | None:
        """The commit a `git rebase` in `worktree` stopped at (REBASE_HEAD), or None."""
        proc = self._try_run("rev-parse", "--verify", "--quiet", "REBASE_HEAD", cwd=worktree)
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    # -- merges ----------------------------------------------------------------------------------
