"""git's object database: reading and writing blobs, trees and commits, and walking history.

git writes every object itself; where howtoctl builds an object's bytes (objects.py), git's id
is checked against the one computed here. A dry run reads through a facade whose new objects go
to a throwaway directory (`throwaway_objects`).
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Self

from howtoctl import fsutil
from howtoctl.errors import HowtoError
from howtoctl.git.run import Git
from howtoctl.model.objects import BlobId, CommitId, Oid, RawCommit, TreeId, object_id, parse_commit

__all__ = ["FALLBACK_IDENTITY", "BlobId", "CommitId", "Objects", "Oid", "TreeId"]

# Where git has no identity configured (a fresh CI machine), commits howtoctl derives are signed
# as howtoctl itself: they record nothing a person wrote.
FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "howtoctl",
    "GIT_AUTHOR_EMAIL": "howtoctl@localhost",
    "GIT_COMMITTER_NAME": "howtoctl",
    "GIT_COMMITTER_EMAIL": "howtoctl@localhost",
}


class Objects:
    """The object operations of `Repo`."""

    _git: Git
    _identity: bool | None  # whether git has an author and committer identity (asked once)
    objects_dir: str
    object_format: str
    throwaway: bool

    def ident(self) -> bytes:
        """The committer identity line ('Name <email> time tz') git would use now."""
        proc = self._git.run("var", "GIT_COMMITTER_IDENT", check=False)
        if proc.returncode != 0:
            raise HowtoError(
                "git has no committer identity to write commits with",
                "set one: git config user.name 'Your Name' && git config user.email you@example.com",
            )
        return proc.stdout.strip()

    def show_file(self, rev: str, path: str) -> bytes | None:
        """Content of `path` at `rev` (a commit, or '' for the index), or None when absent."""
        proc = self._git.run("cat-file", "blob", f"{rev}:{path}", check=False)
        return proc.stdout if proc.returncode == 0 else None

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes | None]:
        """{oid: its bytes} for many blobs with one `cat-file --batch`; None where an object is
        missing or no blob (a ref anyone could have written may name anything)."""
        oids = list(dict.fromkeys(oids))
        if not oids:
            return {}
        return {
            oid: content if kind == b"blob" else None
            for oid, kind, content in self._cat_file_batch(oids)
        }

    def read_blob(self, oid: str) -> bytes:
        return self._git.run("cat-file", "blob", oid).stdout

    def write_blob(self, data: bytes) -> BlobId:
        return BlobId(self._git.text("hash-object", "-w", "--stdin", input=data).strip())

    def tree_paths(self, tree: str) -> list[str]:
        """Every file path in `tree` (a tree or commit), recursively."""
        return self._git.names("ls-tree", "-r", "-z", "--name-only", "--end-of-options", tree)

    def tree_blobs(self, rev: str, paths: Sequence[str]) -> dict[str, str]:
        """The blob id of each of `paths` that `rev` holds."""
        out = self._git.text(
            "--literal-pathspecs",
            "ls-tree",
            "-z",
            "--full-tree",
            "--end-of-options",
            rev,
            "--",
            *paths,
        )
        blobs = {}
        for entry in filter(None, out.split("\0")):
            info, path = entry.split("\t", 1)
            blobs[path] = info.split()[2]
        return blobs

    def ls_tree_names(self, rev: str, path: str) -> list[str]:
        """File names (not paths) directly inside directory `path` at `rev`."""
        out = self._git.run(
            "ls-tree", "-z", "--name-only", "--full-tree", f"{rev}:{path}", check=False
        )
        if out.returncode != 0:
            return []
        return [n for n in out.stdout.decode().split("\0") if n]

    def object_types(self, oids: Iterable[str]) -> dict[str, str]:
        """{oid: 'commit', 'blob', 'tree', 'tag' or 'missing'}, with one `cat-file --batch-check`."""
        oids = list(dict.fromkeys(oids))
        if not oids:
            return {}
        out = self._git.text(
            "cat-file",
            "--batch-check=%(objecttype)",
            input="".join(f"{o}\n" for o in oids).encode(),
        )
        kinds = [line.split()[-1] for line in out.splitlines()]
        return dict(zip(oids, kinds, strict=True))

    def read_commits(self, oids: Iterable[str]) -> dict[str, RawCommit]:
        """Parse many commit objects with one `cat-file --batch`."""
        oids = list(dict.fromkeys(oids))
        if not oids:
            return {}
        result = {}
        for oid, kind, body in self._cat_file_batch(oids):
            if kind != b"commit":
                raise HowtoError(f"object {oid} is not a commit")
            result[oid] = parse_commit(oid, body)
        return result

    def _cat_file_batch(self, oids: list[str]) -> Iterator[tuple[str, bytes, bytes]]:
        """(oid, its type, its content) for each of `oids` with one `cat-file --batch`; the
        type is b"missing" (and the content empty) where git has no such object."""
        data = self._git.run(
            "cat-file", "--batch", input="".join(f"{o}\n" for o in oids).encode()
        ).stdout
        pos = 0
        for oid in oids:
            nl = data.index(b"\n", pos)
            header = data[pos:nl].split()
            pos = nl + 1
            if len(header) != 3:  # "<oid> missing": no content follows
                yield oid, b"missing", b""
                continue
            size = int(header[2])
            yield oid, header[1], data[pos : pos + size]
            pos += size + 1

    def commits_not_in(
        self, tips: Iterable[str], base: str
    ) -> dict[CommitId, tuple[CommitId, ...]]:
        """{commit: its parents} for every commit reachable from `tips` but not from `base`
        (one `git rev-list --parents`)."""
        tips = sorted(set(tips))
        if not tips:
            return {}
        out = self._git.text("rev-list", "--parents", *tips, f"^{base}", "--")
        parents = {}
        for line in out.splitlines():
            oid, *ps = line.split()
            parents[CommitId(oid)] = tuple(map(CommitId, ps))
        return parents

    def count_commits(self, range_: str, excludes: Sequence[str] = ()) -> int:
        """Commits in `range_`; with `excludes`, only those changing some other path."""
        pathspecs = ["--", ":(top)", *(f":(exclude,top){p}" for p in excludes)] if excludes else []
        return int(self._git.text("rev-list", "--count", range_, *pathspecs).strip() or 0)

    def touched_in_history(self, rev: str, path: str) -> bool:
        """Whether any commit in `rev`'s history added, changed or removed `path`."""
        return bool(self._git.text("rev-list", "-1", rev, "--", f":(top,literal){path}").strip())

    def commit_message(self, oid: str) -> bytes | None:
        """The message of commit `oid`, or None when there is no such commit here."""
        proc = self._git.run("cat-file", "commit", oid, check=False)
        return proc.stdout.partition(b"\n\n")[2] if proc.returncode == 0 else None

    def commit_date(self, commit: str) -> str:
        """A commit's committer date in git's raw format ('seconds tz')."""
        return self._git.text("log", "-1", "--format=%cd", "--date=raw", commit).strip()

    def commit_tree(
        self, tree: str, parents: Sequence[str], message: str, date: str | None = None
    ) -> CommitId:
        """Write a commit howtoctl derives (restored branch, test variant) from committed content.

        With `date` (git's raw 'seconds tz'), author and committer get that date. Where git has
        no identity configured (a fresh CI machine), the commit is signed as howtoctl itself:
        it records nothing a person wrote.
        """
        args = ["commit-tree", tree]
        for p in parents:
            args += ["-p", p]
        env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {}
        if not self._has_identity():
            env.update(FALLBACK_IDENTITY)
        return CommitId(self._git.text(*args, input=message.encode(), env=env or None).strip())

    def require_identity(self, what: str) -> None:
        """Refuse (nothing changed) where git has no identity: a commit a person asked for, to
        be pushed, is signed as that person, never as FALLBACK_IDENTITY."""
        for var in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
            proc = self._git.run("var", var, check=False)
            if proc.returncode != 0:
                said = proc.stderr.decode(errors="replace").strip().splitlines()
                raise HowtoError(
                    f"{what} needs your git identity, and git has none"
                    + (f" ({said[-1]})" if said else "")
                    + "; nothing was changed",
                    'set it: git config --global user.name "Your Name" && '
                    "git config --global user.email you@example.com",
                )

    def _has_identity(self) -> bool:
        if self._identity is None:
            self._identity = all(
                self._git.run("var", var, check=False).returncode == 0
                for var in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT")
            )
        return self._identity

    def hash_object(self, kind: str, data: bytes) -> Oid:
        """Object id `data` has as a `kind` object in this repository (computed, not written)."""
        return Oid(object_id(kind, data, self.object_format))

    def write_commits(self, bodies: Sequence[bytes]) -> list[CommitId]:
        """Write commit objects with one `git hash-object -w`; return their ids.

        Their ids are computed first (a commit names its parent, so a chain is hashed before
        anything is written) and git's must match: a mismatch means a malformed body.
        """
        if not bodies:
            return []
        expected = [CommitId(self.hash_object("commit", b)) for b in bodies]
        with fsutil.temporary_directory("commits") as tmp:
            paths = []
            for i, body in enumerate(bodies):
                p = os.path.join(tmp, f"{i}")
                fsutil.write_private(p, body)
                paths.append(p)
            out = self._git.text(
                "hash-object",
                "-w",
                "-t",
                "commit",
                "--stdin-paths",
                input="\n".join(paths).encode() + b"\n",
            ).split()
        if out != expected:
            raise HowtoError("git wrote commit objects with unexpected ids; nothing was moved")
        return expected

    @contextlib.contextmanager
    def throwaway_objects(self) -> Iterator[Self]:
        """This repository as a separate facade whose git calls write new objects to a temporary
        directory (removed afterwards) and read the repository's own as alternates: a dry run
        computes everything a real run does and leaves no object behind. `self` is unchanged."""
        # Owned by this process: what a killed dry run leaves, the next test or prove removes.
        with fsutil.temporary_directory("objects") as tmp:
            scratch = copy.copy(self)
            scratch._git = self._git.with_env(self._object_env(os.path.join(tmp, "objects")))
            scratch.throwaway = True
            yield scratch

    def _object_env(self, objects: str) -> dict[str, str]:
        """Environment for git to write new objects to `objects` (created here), reading every
        object of the repository as before (git follows the repository's own alternates)."""
        fsutil.make_directories(os.path.join(objects, "pack"))
        return {
            "GIT_OBJECT_DIRECTORY": objects,
            "GIT_ALTERNATE_OBJECT_DIRECTORIES": _quote_alternate(self.objects_dir),
        }


def _quote_alternate(path: str) -> str:
    """A path as an entry of GIT_ALTERNATE_OBJECT_DIRECTORIES: entries are separated by ':', so
    one that holds a ':' (or starts with '"') is written C-quoted, which git unquotes."""
    if ":" not in path and not path.startswith('"') and "\n" not in path:
        return path
    escaped = "".join(
        "\\" + c if c in '"\\' else f"\\{ord(c):03o}" if ord(c) < 0x20 else c for c in path
    )
    return f'"{escaped}"'
