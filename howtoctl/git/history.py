"""Walks over history: the first-parent line of a branch, the commits that changed some paths,
and the trailers commits carry. Each is one `git log` or `git rev-list`, whatever the length."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from howtoctl.git.run import Git
from howtoctl.model.objects import CommitId

__all__ = ["History"]


class History:
    """The history walks of `Repo`."""

    _git: Git

    def first_parent_commits(self, rev: str) -> list[tuple[CommitId, int]]:
        """[(commit, committer time)] of `rev`'s first-parent line, oldest first."""
        out = self._git.text("log", "--first-parent", "--reverse", "--format=%H %ct", rev, "--")
        return [(CommitId(oid), int(t)) for oid, t in (line.split() for line in out.splitlines())]

    def first_parent_changes(
        self, rev: str, paths: Sequence[str]
    ) -> list[tuple[CommitId, str, list[tuple[str, str, str]]]]:
        """[(commit, author, [(path, new mode, new blob)])] for each commit of `rev`'s
        first-parent line that changed one of `paths` (files or directories) against its first
        parent, oldest first; a deleted file has mode '000000'. One `git log`."""
        if not paths:
            return []
        out = self._git.run(
            "log",
            "--first-parent",
            "--diff-merges=first-parent",
            "--root",
            "--reverse",
            "--raw",
            "-z",
            "--no-renames",
            "--no-abbrev",
            "--format=%x01%H %an",
            rev,
            "--",
            *(f":(top,literal){p}" for p in paths),
        ).stdout.decode(errors="surrogateescape")
        result = []
        for block in out.split("\x01")[1:]:
            head, _, raw = block.partition("\0")  # -z ends the header with NUL, newline
            oid, _, author = head.partition(" ")
            tokens = raw.lstrip("\n").rstrip("\0").split("\0")
            changes = []
            # -z raw: ":oldmode newmode oldblob newblob status" NUL path NUL, repeated.
            for meta, path in zip(tokens[::2], tokens[1::2], strict=False):
                fields = meta.split()
                if len(fields) == 5:
                    changes.append((path, fields[1], fields[3]))
            result.append((CommitId(oid), author, changes))
        return result

    def commits_with_trailers(
        self, tips: Iterable[str], exclude: str, keys: Sequence[str]
    ) -> dict[CommitId, tuple[tuple[CommitId, ...], str, tuple[str, ...]]]:
        """{commit: (its parents, its committer line, the value of each trailer in `keys`, ''
        where absent)} for every commit reachable from `tips` and not from `exclude`. One
        `git log`."""
        tips = sorted(set(tips))
        if not tips:
            return {}
        values = "".join(f"%x00%(trailers:key={k},valueonly,separator=%x2c )" for k in keys)
        out = self._git.text(
            "log",
            "--encoding=UTF-8",  # names and trailers in UTF-8, whatever i18n.commitEncoding says
            f"--format=%x01%H %P%x00%cn <%ce> %ct{values}",
            *tips,
            f"^{exclude}",
            "--",
        )
        found = {}
        for record in out.split("\x01")[1:]:
            head, committer, *vals = record.rstrip("\n").split("\0")
            oid, *parents = head.split()
            found[CommitId(oid)] = (
                tuple(map(CommitId, parents)),
                committer,
                tuple(v.strip() for v in vals),
            )
        return found

    def commits_already_upstream(self, upstream: str, tip: str) -> set[CommitId]:
        """The commits of `tip` that `upstream` lacks but whose change it has under another id
        (the same patch-id: a rebased or cherry-picked copy), which `git rebase` skips as
        "previously applied". One `git cherry`: its "-" lines."""
        out = self._git.text("cherry", upstream, tip)
        return {CommitId(line[2:]) for line in out.splitlines() if line.startswith("- ")}

    def commits_touching(self, rev: str, paths: Sequence[str], limit: int) -> list[CommitId]:
        """The latest `limit` commits in `rev`'s history that change any of `paths`, newest
        first (one `git rev-list`)."""
        specs = [f":(top,literal){p}" for p in paths]
        out = self._git.text("rev-list", f"--max-count={limit}", rev, "--", *specs)
        return [CommitId(line) for line in out.split()]
