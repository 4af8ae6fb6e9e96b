"""Refs: reading them, and moving them all-or-nothing in one uninterruptible transaction."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import NamedTuple

from howtoctl.errors import HowtoError
from howtoctl.git.run import Git
from howtoctl.model.names import HEADS, BranchRef
from howtoctl.model.objects import CommitId, Oid
from howtoctl.signals import uninterruptible


class RefUpdate(NamedTuple):
    """One change in a ref transaction (`Repo.update_refs`).

    `new` None deletes the ref; `old` None means the ref must not exist yet (for a deletion: it
    may have any value). Build them with `create`, `move` and `delete` to say which.
    """

    ref: str
    new: str | None
    old: str | None

    @classmethod
    def create(cls, ref: str, new: str) -> RefUpdate:
        return cls(ref, new, None)

    @classmethod
    def move(cls, ref: str, new: str, old: str) -> RefUpdate:
        return cls(ref, new, old)

    @classmethod
    def delete(cls, ref: str, old: str | None) -> RefUpdate:
        return cls(ref, None, old)


class Refs:
    """The ref operations of `Repo`."""

    _git: Git
    _head: str | None  # what HEAD named on opening: a branch ref, or "HEAD"
    common_dir: str
    git_dir: str
    object_format: str

    def rev_parse(self, rev: str) -> CommitId | None:
        """The commit `rev` names, or None."""
        # `:/text` (a commit message search) reads the rest as text, and names a commit anyway.
        spec = rev if rev.startswith(":/") else f"{rev}^{{commit}}"
        proc = self._git.run(
            "rev-parse", "--verify", "--quiet", "--end-of-options", spec, check=False
        )
        oid = proc.stdout.decode(errors="surrogateescape").strip() if proc.returncode == 0 else ""
        return CommitId(oid) if oid else None

    def head_ref(self) -> BranchRef | None:
        """Full ref name HEAD points to (refs/heads/...), or None when HEAD is detached."""
        if self._head and self._head.startswith(HEADS):
            return BranchRef(self._head)  # read on opening; howtoctl never switches branches
        proc = self._git.run("symbolic-ref", "-q", "HEAD", check=False)
        ref = proc.stdout.decode(errors="surrogateescape").strip() if proc.returncode == 0 else ""
        return BranchRef(ref) if ref else None

    def check_ref_format(self, ref: str) -> bool:
        return self._git.run("check-ref-format", ref, check=False).returncode == 0

    def refs(self, prefix: str) -> dict[str, Oid]:
        """{full ref name: oid} for every ref under `prefix` (e.g. 'refs/heads/howto/')."""
        out = self._git.text("for-each-ref", "--format=%(objectname) %(refname)", prefix)
        result = {}
        for line in out.splitlines():
            oid, _, ref = line.partition(" ")
            result[ref] = Oid(oid)
        return result

    def update_refs(
        self,
        updates: Sequence[RefUpdate],
        message: str,
        reflog: bool = True,
    ) -> None:
        """Move refs all-or-nothing (see `RefUpdate` for what each None means).

        git locks every ref, checks every old value, then commits; if any check fails, no ref moves.
        """
        if not updates:
            return
        zero = "0" * (64 if self.object_format == "sha256" else 40)
        # -z: fields end with NUL, so no ref name or value can start another command.
        fields = ["start"]
        for ref, new, old in updates:
            if "\0" in ref:
                raise HowtoError(f"invalid ref name {ref!r}")
            if new is None:
                fields += [f"delete {ref}", old or ""]
            else:
                fields += [f"update {ref}", new, old or zero]
        fields += ["prepare", "commit"]
        args = ["update-ref", "-m", message, "-z", "--stdin"]
        if reflog and self._log_all_ref_updates() != "always":
            # Branches get a reflog entry even where git would not write one (bare repositories);
            # backup refs need none (they are the record themselves) unless asked for.
            args[:0] = ["-c", "core.logAllRefUpdates=true"]
        with uninterruptible():
            proc = self._git.run(
                *args,
                input="".join(f + "\0" for f in fields).encode(),
                check=False,
                new_session=True,
            )
        if proc.returncode != 0 and not self._all_moved(updates):
            stderr = proc.stderr.decode(errors="replace").strip()
            stale = re.search(r"Unable to create '([^']+\.lock)': File exists", stderr)
            hint = (
                self._stale_lock_hint()
                if stale
                else "another program changed a branch meanwhile; run the command again"
            )
            raise HowtoError(
                "could not move the branches, so none was moved: "
                + (stderr.splitlines() or ["git update-ref failed"])[0],
                hint,
            )

    def _all_moved(self, updates) -> bool:
        """Whether every ref of a failed transaction holds its new value: git moved them all,
        then failed at what follows (a reflog on a full disk). The move happened: no caller
        may report that none did."""
        out = self._git.run(
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            *(r for r, _, _ in updates),
            check=False,
        ).stdout.decode(errors="surrogateescape")
        now = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
        return all(now.get(ref) == new for ref, new, _ in updates)

    def last_reflog_message(self, ref: str) -> str | None:
        """The message of `ref`'s newest reflog entry, or None when it has none."""
        proc = self._git.run(
            "log", "-g", "-1", "--format=%gs", "--end-of-options", ref, "--", check=False
        )
        return proc.stdout.decode(errors="replace").strip() if proc.returncode == 0 else None

    def _stale_lock_hint(self) -> str:
        """Every ref lock file in the repository, and the command that removes them all: a git
        killed mid-transaction leaves one per ref it had locked, and git names only the first."""
        import shlex

        locks = [os.path.join(self.common_dir, "packed-refs.lock")]
        for top in {self.common_dir, self.git_dir}:
            for dirpath, _, files in os.walk(os.path.join(top, "refs")):
                locks += [os.path.join(dirpath, f) for f in files if f.endswith(".lock")]
        locks = sorted({p for p in locks if os.path.isfile(p)})
        return (
            f"a git process was killed while it held {len(locks)} ref lock file(s):\n  "
            + "\n  ".join(locks)
            + "\nif no git process is running now (check with `ps -C git`), remove them and run "
            "the command again:\n  rm -f -- " + " ".join(shlex.quote(p) for p in locks)
        )

    def _log_all_ref_updates(self) -> str:
        proc = self._git.run("config", "--get", "core.logAllRefUpdates", check=False)
        return proc.stdout.decode().strip().lower()
