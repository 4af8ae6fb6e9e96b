"""Work trees: listing them, adding and removing the ones howtoctl uses (detached, or locked as
its own), and a `git rebase` run in one of them (howtoctl resolve)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

from howtoctl import fsutil
from howtoctl.git.run import Git
from howtoctl.model.names import HEADS, BranchRef
from howtoctl.model.objects import CommitId


@dataclasses.dataclass(frozen=True)
class Worktree:
    path: str
    head: CommitId | None
    branch: BranchRef | None  # e.g. refs/heads/howto/x; None when detached
    bare: bool = False
    locked: str | None = None  # the lock reason ("" when locked without one)


@dataclasses.dataclass(frozen=True)
class RebaseStep:
    done: bool  # False: stopped at a conflict, or git failed
    conflicts: tuple[str, ...]  # unmerged paths in the work tree
    output: str  # what git said


def parse_worktree_list(out: str) -> list[Worktree]:
    """Parse `git worktree list --porcelain -z`."""
    trees = []
    for block in out.split("\0\0"):
        fields = [f for f in block.split("\0") if f]
        if not fields:
            continue
        info: dict[str, str] = {}
        for f in fields:
            key, _, value = f.partition(" ")
            info[key] = value
        head, branch = info.get("HEAD"), info.get("branch")
        trees.append(
            Worktree(
                path=info.get("worktree", ""),
                head=CommitId(head) if head else None,
                branch=BranchRef(branch) if branch else None,
                bare="bare" in info,
                locked=info.get("locked"),
            )
        )
    return trees


class Worktrees:
    """The work-tree operations of `Repo`."""

    _git: Git
    _head: str | None  # what HEAD named on opening: a branch ref, or "HEAD"
    common_dir: str
    toplevel: str | None
    throwaway: bool

    def worktrees(self) -> list[Worktree]:
        return parse_worktree_list(self._git.text("worktree", "list", "--porcelain", "-z"))

    def checked_out_branches(self) -> dict[BranchRef, str]:
        """{full branch ref: worktree path} for branches checked out in any work tree."""
        if (
            self._head is not None
            and self._head.startswith(HEADS)
            and self.toplevel is not None
            and not os.path.isdir(os.path.join(self.common_dir, "worktrees"))
        ):
            # No linked work trees: this is the only one, and its branch was read on opening.
            # ("HEAD" there is detached or an unborn branch: git worktree list tells which.)
            return {BranchRef(self._head): self.toplevel}
        return {w.branch: w.path for w in self.worktrees() if w.branch}

    def uncommitted_paths(self) -> set[str]:
        """Tracked paths of this work tree whose staged or work-tree content differs from HEAD
        (`git status`, which refreshes stale file times first; untracked files left out)."""
        out = self._git.text(
            "status", "--porcelain=v1", "-z", "--untracked-files=no", "--no-renames"
        )
        return {entry[3:] for entry in out.split("\0") if entry}

    def stage_worktree_paths(self, paths: Sequence[str]) -> None:
        """Set the index entries of `paths` to their work-tree files (added, changed or removed),
        after a commit howtoctl wrote moved the checked-out branch: the work tree then reads as
        clean."""
        literal = [f":(top,literal){p}" for p in paths]
        self._git.text("add", "--all", "--force", "--", *literal)

    def index_lock_held(self) -> str | None:
        """The index's lock file when it exists (a git running, or killed, in this work tree):
        staging would fail while it does, so callers check it before moving any ref."""
        index = self._git.text("rev-parse", "--git-path", "index").strip()
        lock = os.path.join(self._git.cwd or ".", index + ".lock")
        return lock if os.path.exists(lock) else None

    def index_blobs(self, paths: Sequence[str]) -> dict[str, str]:
        """The staged blob id of each of `paths` that the index holds (stage 0)."""
        out = self._git.text("--literal-pathspecs", "ls-files", "-s", "-z", "--", *paths)
        blobs = {}
        for entry in filter(None, out.split("\0")):
            info, path = entry.split("\t", 1)
            blobs[path] = info.split()[1]
        return blobs

    def left_out_by_sparse_checkout(self, paths: Sequence[str]) -> list[str]:
        """The files at or under `paths` that the index holds but this work tree's sparse
        checkout leaves out of it (skip-worktree: `ls-files -t` marks them 'S')."""
        out = self._git.text("--literal-pathspecs", "ls-files", "-t", "-z", "--", *paths)
        return [e[2:] for e in out.split("\0") if e.startswith("S ")]

    def add_worktree(self, path: str, commit: str) -> None:
        """A detached work tree at `commit` (no branch is checked out, so none is locked).

        In a dry run's facade (`throwaway_objects`) the commit exists only in objects that go
        away: a work tree registered at it would break `git gc` and `git fsck` until swept, if
        the run were killed. There the directory gets the commit's files and is not
        registered (nothing to run git on, as a dry run's smoke test already has none)."""
        if self.throwaway:
            tar = self._git.run("archive", "--format=tar", "--end-of-options", commit)
            fsutil.extract_tar(tar.stdout, path)
            return
        self._git.text("worktree", "add", "--detach", "--quiet", path, commit)

    def add_locked_worktree(self, path: str, commit: str, reason: str) -> str:
        """A detached work tree at `commit`, locked with `reason`; returns its git directory.

        The lock marks it as howtoctl's: `git worktree prune` keeps it, and a later command can
        tell it from whatever else may stand at that path by then.
        """
        self._git.text(
            "worktree", "add", "--detach", "--quiet", "--lock", "--reason", reason, path, commit
        )
        return self._git.text("rev-parse", "--absolute-git-dir", cwd=path).strip()

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
        self._git.run("worktree", "unlock", "--end-of-options", path, check=False)
        if owned:
            self._git.text("worktree", "remove", "--force", "--end-of-options", path)
        self._git.run("worktree", "prune", check=False)

    def prune_worktrees(self) -> None:
        """Drop git's records of work trees whose directories are gone (`git worktree prune`)."""
        self._git.run("worktree", "prune", check=False)

    def remove_worktree(self, path: str) -> None:
        """Remove a work tree howtoctl added. A run killed while `git worktree add` ran leaves
        it locked ("initializing"), which `remove --force` and `prune` both keep: unlock first."""
        self._git.run("worktree", "unlock", "--end-of-options", path, check=False)
        self._git.run("worktree", "remove", "--force", "--end-of-options", path, check=False)
        if os.path.isdir(path):
            fsutil.remove_tree(path)
        self._git.run("worktree", "prune", check=False)

    def rebase_worktree(self, worktree: str, onto: str) -> RebaseStep:
        """Start `git rebase onto` in `worktree`; it stops at the first conflict."""
        return self._rebase_step(worktree, onto)

    def continue_rebase(self, worktree: str) -> RebaseStep:
        """`git rebase --continue` in `worktree`."""
        return self._rebase_step(worktree, "--continue")

    def abort_rebase(self, worktree: str) -> None:
        self._git.run("rebase", "--abort", cwd=worktree, check=False)

    def rebase_in_progress(self, worktree: str) -> bool:
        for kind in ("rebase-merge", "rebase-apply"):
            path = self._git.text("rev-parse", "--git-path", kind, cwd=worktree).strip()
            if os.path.isdir(path if os.path.isabs(path) else os.path.join(worktree, path)):
                return True
        return False

    def worktree_head(self, worktree: str) -> CommitId:
        """The commit checked out in `worktree`."""
        return CommitId(self._git.text("rev-parse", "HEAD", cwd=worktree).strip())

    def _rebase_step(self, worktree: str, arg: str) -> RebaseStep:
        # No editor: keep every message as it is, as a non-interactive rebase would.
        env = {"GIT_EDITOR": "true", "GIT_SEQUENCE_EDITOR": "true"}
        # The rebase moves no branch itself (rebase.updateRefs would move every branch that
        # points into the rebased commits, with no backup): howtoctl moves the one it rebases.
        proc = self._git.run(
            "-c", "rebase.updateRefs=false", "rebase", arg, cwd=worktree, env=env, check=False
        )
        if proc.returncode == 0:
            return RebaseStep(True, (), "")
        unmerged = self._git.names("diff", "--name-only", "-z", "--diff-filter=U", cwd=worktree)
        return RebaseStep(
            False,
            tuple(unmerged),
            (proc.stdout + proc.stderr).decode(errors="replace").strip(),
        )

    def rebase_stopped_at(self, worktree: str) -> CommitId | None:
        """The commit a `git rebase` in `worktree` stopped at (REBASE_HEAD), or None."""
        proc = self._git.run(
            "rev-parse", "--verify", "--quiet", "REBASE_HEAD", cwd=worktree, check=False
        )
        oid = proc.stdout.decode().strip() if proc.returncode == 0 else ""
        return CommitId(oid) if oid else None
