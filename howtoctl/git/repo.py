"""`Repo`: a git repository seen from one work tree, the facade callers use.

Opening one asks a single `rev-parse` for every fact needed up front. The operations come from
one class per part of git (refs, objects, diffs, merges, work trees, remotes), each in its own
module; this class adds what they share: how git is run here (`run.Git`) and git's version.
"""

from __future__ import annotations

import dataclasses
import os
import re

from howtoctl.errors import HowtoError
from howtoctl.git.diff import Diffs
from howtoctl.git.history import History
from howtoctl.git.merge import Merges
from howtoctl.git.odb import Objects
from howtoctl.git.refs import Refs
from howtoctl.git.remote import Remotes
from howtoctl.git.run import Git, git_environment
from howtoctl.git.worktree import Worktrees


def _parse_version(text: str) -> tuple[int, ...]:
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        return (0, 0)
    return tuple(int(g) for g in m.groups() if g is not None)


class Repo(Refs, Objects, History, Diffs, Merges, Worktrees, Remotes):
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
        proc = self._git.run(
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
            check=False,
        )
        lines = os.fsdecode(proc.stdout).splitlines()
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

    # -- facts about the repository ------------------------------------------------------------

    @property
    def version(self) -> tuple[int, ...]:
        if self._version is None:
            self._version = _parse_version(self._git.text("version"))
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
