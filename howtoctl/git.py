"""The one place that talks to git.

Everything here runs git plumbing in subprocesses with explicit options, so a user's git
configuration (diff.noprefix, color.ui, core.quotePath, ...) cannot change what howtoctl reads or
writes. Calls are batched where git allows it (cat-file --batch, merge-tree --stdin,
update-ref --stdin): process start-up, not git's work, dominates the cost on many branches. For
the same reason opening a repository asks one `rev-parse` for every fact needed up front, and
the objects rebase-all creates are packed here (`packfile`) instead of by two more git processes.

Minimum git version: 2.38 (`merge-tree --write-tree`; `--stdin` is used from 2.39 and emulated
with one process per merge before that). See MIN_GIT_VERSION.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence

from howtoctl import packfile
from howtoctl.errors import GitError, HowtoError

# git 2.38 added `merge-tree --write-tree` (the in-memory merge rebase-all is built on);
# 2.39 added `merge-tree --stdin` (all merges in one process).
MIN_GIT_VERSION = (2, 38)
MERGE_TREE_STDIN_VERSION = (2, 39)
_USAGE_ERROR = 129  # git's exit status for an option it does not know

# Diff options pinned so that `save` writes the same bytes whatever the user's configuration.
DIFF_OPTIONS = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-renames",
    "--full-index",
    "--unified=3",
    "--diff-algorithm=myers",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--no-relative",
    "--ignore-submodules=none",
)

# Environment for every git call: no pager, no prompts, messages we can quote in English.
_ENV_OVERRIDES = {
    "GIT_PAGER": "cat",
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
    "LANGUAGE": "C",
    "GIT_OPTIONAL_LOCKS": "0",
}


# Configuration set for every git call (appended to any the caller's environment already sets).
# A full object id is never taken for a ref name, but by default git still looks for refs named
# like each id it reads, to warn about the ambiguity: a dozen file system calls per id.
_CONFIG_OVERRIDES = (("core.warnAmbiguousRefs", "false"),)


def _git_environment(environ: Mapping[str, str]) -> dict[str, str]:
    env = {**environ, **_ENV_OVERRIDES}
    try:
        count = int(env.get("GIT_CONFIG_COUNT", "0"))
    except ValueError:
        count = 0
    for key, value in _CONFIG_OVERRIDES:
        env[f"GIT_CONFIG_KEY_{count}"] = key
        env[f"GIT_CONFIG_VALUE_{count}"] = value
        count += 1
    env["GIT_CONFIG_COUNT"] = str(count)
    return env


FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "howtoctl",
    "GIT_AUTHOR_EMAIL": "howtoctl@localhost",
    "GIT_COMMITTER_NAME": "howtoctl",
    "GIT_COMMITTER_EMAIL": "howtoctl@localhost",
}

_WORKTREE_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX")


@dataclasses.dataclass(frozen=True)
class Worktree:
    path: str
    head: str | None
    branch: str | None  # full ref name, e.g. refs/heads/howto/x; None when detached
    bare: bool = False
    locked: str | None = None  # the lock reason ("" when locked without one)


@dataclasses.dataclass(frozen=True)
class RawCommit:
    oid: str
    tree: str
    parents: tuple[str, ...]
    headers: tuple[
        tuple[str, str], ...
    ]  # every header but tree/parent, in order, continued lines joined
    message: bytes


@dataclasses.dataclass(frozen=True)
class MergeResult:
    clean: bool
    tree: str
    conflicted_paths: tuple[str, ...]


def _parse_version(text: str) -> tuple[int, ...]:
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        return (0, 0)
    return tuple(int(g) for g in m.groups() if g is not None)


class Repo:
    """A git repository, seen from one work tree (or a bare repository)."""

    def __init__(self, path: str = ".") -> None:
        self._env = _git_environment(os.environ)
        self._cwd = os.path.abspath(path)
        if not os.path.isdir(self._cwd):
            raise HowtoError(f"{path}: no such directory")
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
                raise HowtoError(f"git cannot open the repository at {self._cwd}: {stderr}")
            raise HowtoError(
                f"{self._cwd} is not inside a git repository",
                "run howtoctl inside your repository, or point at it with -C PATH",
            )
        self.is_bare = lines[0] == "true"
        self.is_shallow = lines[1] == "true"
        self.git_dir = lines[2]
        self.common_dir = os.path.normpath(os.path.join(self._cwd, lines[3]))
        self._object_format = lines[4]
        self.objects_dir = os.path.normpath(os.path.join(self._cwd, lines[5]))
        self.toplevel = lines[6] if len(lines) > 6 else None
        # What the work tree here has checked out: a branch ref, or "HEAD" (detached, unborn).
        self._head = lines[7] if len(lines) > 7 else None
        if self.toplevel:
            self._cwd = self.toplevel
        self._version: tuple[int, ...] | None = None
        self._quarantine_objects: str | None = None
        self._pending_objects: list[tuple[str, str, bytes]] = []
        self._identity: bool | None = None

    # -- running git ---------------------------------------------------------------------------

    def _popen_run(
        self,
        args: Sequence[str],
        *,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        cwd: str | None = None,
        new_session: bool = False,
    ) -> subprocess.CompletedProcess:
        full_env = self._env if env is None else {**self._env, **env}
        if cwd is not None:
            # Another work tree: variables a git hook may have set for this one must not leak.
            full_env = {k: v for k, v in full_env.items() if k not in _WORKTREE_VARS}
        proc = subprocess.run(
            ["git", *args],
            input=input,
            capture_output=True,
            cwd=cwd or self._cwd,
            env=full_env,
            start_new_session=new_session,
        )
        if check and proc.returncode != 0:
            raise GitError(list(args), proc.returncode, proc.stderr.decode(errors="replace"))
        return proc

    def run(self, *args: str, input: bytes | None = None, env=None, cwd=None) -> str:
        """Run git and return its stdout as text (raises GitError on failure)."""
        return self._popen_run(args, input=input, env=env, cwd=cwd).stdout.decode()

    def run_bytes(self, *args: str, input: bytes | None = None, env=None) -> bytes:
        return self._popen_run(args, input=input, env=env).stdout

    def try_run(self, *args: str, input: bytes | None = None, env=None, cwd=None):
        """Run git; return the CompletedProcess whatever the exit status."""
        return self._popen_run(args, input=input, env=env, check=False, cwd=cwd)

    # -- facts about the repository ------------------------------------------------------------

    @property
    def version(self) -> tuple[int, ...]:
        if self._version is None:
            self._version = _parse_version(self.run("version"))
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

    def rev_parse(self, rev: str) -> str | None:
        """The commit `rev` names, or None."""
        proc = self.try_run(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"
        )
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    def head_ref(self) -> str | None:
        """Full ref name HEAD points to (refs/heads/...), or None when HEAD is detached."""
        if self._head and self._head.startswith("refs/heads/"):
            return self._head  # read on opening; howtoctl never switches a work tree's branch
        proc = self.try_run("symbolic-ref", "-q", "HEAD")
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    def check_ref_format(self, ref: str) -> bool:
        return self.try_run("check-ref-format", ref).returncode == 0

    def refs(self, prefix: str) -> dict[str, str]:
        """{full ref name: oid} for every ref under `prefix` (e.g. 'refs/heads/howto/')."""
        out = self.run("for-each-ref", "--format=%(objectname) %(refname)", prefix)
        result = {}
        for line in out.splitlines():
            oid, _, ref = line.partition(" ")
            result[ref] = oid
        return result

    def worktrees(self) -> list[Worktree]:
        out = self.run("worktree", "list", "--porcelain", "-z")
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
            and self._head.startswith("refs/heads/")
            and self.toplevel is not None
            and not os.path.isdir(os.path.join(self.common_dir, "worktrees"))
        ):
            # No linked work trees: this is the only one, and its branch was read on opening.
            # ("HEAD" there is detached or an unborn branch: git worktree list tells which.)
            return {self._head: self.toplevel}
        return {w.branch: w.path for w in self.worktrees() if w.branch}

    def merge_base(self, a: str, b: str) -> str | None:
        proc = self.try_run("merge-base", a, b)
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self.try_run("merge-base", "--is-ancestor", ancestor, descendant).returncode == 0

    def count_commits(self, range_: str, excludes: Sequence[str] = ()) -> int:
        """Commits in `range_`; with `excludes`, only those changing some other path."""
        pathspecs = ["--", ":(top)", *(f":(exclude,top){p}" for p in excludes)] if excludes else []
        return int(self.run("rev-list", "--count", range_, *pathspecs).strip() or 0)

    def ident(self) -> bytes:
        """The committer identity line ('Name <email> time tz') git would use now."""
        proc = self.try_run("var", "GIT_COMMITTER_IDENT")
        if proc.returncode != 0:
            raise HowtoError(
                "git has no committer identity to write commits with",
                "set one: git config user.name 'Your Name' && git config user.email you@example.com",
            )
        return proc.stdout.strip()

    def remote_url(self, remote: str = "origin") -> str | None:
        proc = self.try_run("config", "--get", f"remote.{remote}.url")
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    def show_file(self, rev: str, path: str) -> bytes | None:
        """Content of `path` at `rev` (a commit, or '' for the index), or None when absent."""
        proc = self.try_run("cat-file", "blob", f"{rev}:{path}")
        return proc.stdout if proc.returncode == 0 else None

    def ls_tree_names(self, rev: str, path: str) -> list[str]:
        """File names (not paths) directly inside directory `path` at `rev`."""
        out = self.try_run("ls-tree", "-z", "--name-only", "--full-tree", f"{rev}:{path}")
        if out.returncode != 0:
            return []
        return [n for n in out.stdout.decode().split("\0") if n]

    def read_commits(self, oids: Iterable[str]) -> dict[str, RawCommit]:
        """Parse many commit objects with one `cat-file --batch`."""
        oids = list(dict.fromkeys(oids))
        if not oids:
            return {}
        data = self.run_bytes("cat-file", "--batch", input="".join(f"{o}\n" for o in oids).encode())
        result = {}
        pos = 0
        for oid in oids:
            nl = data.index(b"\n", pos)
            header = data[pos:nl].split()
            if len(header) != 3 or header[1] != b"commit":
                raise HowtoError(f"object {oid} is not a commit")
            size = int(header[2])
            body = data[nl + 1 : nl + 1 + size]
            pos = nl + 1 + size + 1
            result[oid] = parse_commit(oid, body)
        return result

    # -- diffs and patches ---------------------------------------------------------------------

    def diff_since_fork(self, base: str, tip: str, excludes: Sequence[str] = ()) -> bytes | None:
        """`git diff base...tip`: tip's changes since its merge base with base (one process).

        None when the two share no history.
        """
        pathspecs = [f":(exclude,top){p}" for p in excludes]
        proc = self.try_run("diff", *DIFF_OPTIONS, f"{base}...{tip}", "--", ":(top)", *pathspecs)
        if proc.returncode != 0:
            if self.merge_base(base, tip) is None:
                return None
            raise GitError(
                ["diff", f"{base}...{tip}"], proc.returncode, proc.stderr.decode(errors="replace")
            )
        return proc.stdout

    def apply_check(self, patch: bytes, index_file: str | None = None) -> tuple[bool, str]:
        """Whether `patch` applies to the index (default) or another index file.

        Nothing changes: see `_apply_to_a_copy`.
        """
        return self._apply_to_a_copy(["-"], patch, index_file)

    def apply_check_together(
        self, patches: Sequence[bytes], index_file: str | None = None
    ) -> tuple[bool, str]:
        """Whether several patches apply, in one process (they are applied in sequence, so only
        patches touching disjoint files are independent). git reports every failing file.
        """
        with tempfile.TemporaryDirectory(prefix="howtoctl-check-") as tmp:
            paths = []
            for i, data in enumerate(patches):
                paths.append(os.path.join(tmp, f"{i}.diff"))
                with open(paths[-1], "wb") as f:
                    f.write(data)
            return self._apply_to_a_copy(paths, None, index_file)

    def _apply_to_a_copy(
        self, args: Sequence[str], patch: bytes | None, index_file: str | None
    ) -> tuple[bool, str]:
        """`git apply --cached` onto a throwaway copy of the index (or of `index_file`), writing
        its objects to a throwaway directory: the repository does not change.

        Applying for real checks more than `--check` does: `--check` lets through a patch that
        adds a file where the index has a file of that directory's name, which only fails when
        git writes the entries.
        """
        source = index_file or os.path.join(
            self._cwd, self._env.get("GIT_INDEX_FILE") or os.path.join(self.git_dir, "index")
        )
        with tempfile.TemporaryDirectory(prefix="howtoctl-index-") as tmp:
            copy = os.path.join(tmp, "index")
            if os.path.exists(source):  # else no index yet: git starts from an empty one
                shutil.copyfile(source, copy)
            proc = self.try_run(
                # A split index would write its shared part into the repository.
                *("-c", "core.splitIndex=false", "apply", "--cached", *args),
                input=patch,
                # The blobs git writes for the new contents go to the throwaway directory too.
                env={"GIT_INDEX_FILE": copy, **self._object_env(os.path.join(tmp, "objects"))},
            )
        return proc.returncode == 0, proc.stderr.decode(errors="replace").strip()

    def patch_paths(self, patch: bytes) -> set[str]:
        """Every path git would create, change or delete applying `patch` (git's own reading of
        its headers: `git apply --numstat -z`)."""
        out = self.run_bytes("apply", "--numstat", "-z", "-", input=patch).decode(
            errors="surrogateescape"
        )
        tokens, paths = out.split("\0"), set()
        i = 0
        while i < len(tokens) and tokens[i]:
            path = tokens[i].split("\t", 2)[2]
            if path:
                paths.add(path)
                i += 1
            else:  # a rename or copy: old and new path follow
                paths.update(tokens[i + 1 : i + 3])
                i += 3
        return paths

    def temporary_index(self, tree: str):
        """Context manager: an environment whose GIT_INDEX_FILE is a fresh index holding `tree`."""
        return _TemporaryIndex(self, tree)

    def tree_with_patch(self, tree: str, patch: bytes) -> str:
        """The tree that results from applying `patch` to `tree`, computed in a private index."""
        with self.temporary_index(tree) as env:
            proc = self.try_run(
                "apply", "--cached", "--whitespace=nowarn", "-", input=patch, env=env
            )
            if proc.returncode != 0:
                raise HowtoError(
                    "the diff does not apply: " + proc.stderr.decode(errors="replace").strip()
                )
            return self.run("write-tree", env=env).strip()

    # -- writing objects and refs --------------------------------------------------------------

    def commit_tree(
        self, tree: str, parents: Sequence[str], message: str, date: str | None = None
    ) -> str:
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
        return self.run(*args, input=message.encode(), env=env or None).strip()

    def _has_identity(self) -> bool:
        if self._identity is None:
            self._identity = all(
                self.try_run("var", var).returncode == 0
                for var in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT")
            )
        return self._identity

    def commit_date(self, commit: str) -> str:
        """A commit's committer date in git's raw format ('seconds tz')."""
        return self.run("log", "-1", "--format=%cd", "--date=raw", commit).strip()

    def hash_object(self, kind: str, data: bytes) -> str:
        """Object id `data` has as a `kind` object in this repository (computed, not written)."""
        return packfile.object_id(kind, data, self.object_format)

    def write_commits(self, bodies: Sequence[bytes]) -> list[str]:
        """Write commit objects; return their ids.

        Inside `quarantine()` they are kept in memory and go into the pack written when it ends;
        otherwise one `hash-object` process writes them all (its ids checked against ours).
        """
        if not bodies:
            return []
        expected = [self.hash_object("commit", b) for b in bodies]
        if self._quarantine_objects:
            self._pending_objects += [
                (oid, "commit", body) for oid, body in zip(expected, bodies, strict=True)
            ]
            return expected
        with tempfile.TemporaryDirectory(prefix="howtoctl-") as tmp:
            paths = []
            for i, body in enumerate(bodies):
                p = os.path.join(tmp, f"{i}")
                with open(p, "wb") as f:
                    f.write(body)
                paths.append(p)
            out = self.run(
                "hash-object",
                "-w",
                "-t",
                "commit",
                "--stdin-paths",
                input="\n".join(paths).encode() + b"\n",
            ).split()
        if out != expected:
            raise HowtoError("git wrote commit objects with unexpected ids; nothing was moved")
        return out

    def update_refs(
        self,
        updates: Sequence[tuple[str, str | None, str | None]],
        message: str,
        reflog: bool = True,
    ) -> None:
        """Move refs all-or-nothing: each (ref, new, old); new None deletes, old None means 'must not exist'.

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
            proc = self._popen_run(
                args,
                input="".join(f + "\0" for f in fields).encode(),
                check=False,
                new_session=True,
            )
        if proc.returncode != 0:
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
        proc = self.try_run("config", "--get", "core.logAllRefUpdates")
        return proc.stdout.decode().strip().lower()

    # -- quarantine ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def quarantine(self, keep: bool = True) -> Iterator[None]:
        """Write new objects to a private object directory, then move them in as one pack.

        In-memory merges write a tree object per merged directory. As loose objects in the
        repository that is a file (and often a directory) each, which dominates rebase-all on
        many branches; in a temporary directory (on tmpfs where there is one) it is cheap, and
        what is kept moves into the repository as one pack file. With `keep=False` (dry runs)
        nothing is moved: the repository gains no objects at all. git does the same for pushes
        it receives.
        """
        real = self.objects_dir
        tmp, owner = _new_quarantine(_quarantine_base())
        objects = os.path.join(tmp, "objects")
        saved = self._env
        self._env = {**saved, **self._object_env(objects)}
        packed = None
        try:
            self._quarantine_objects = objects
            self._pending_objects = []
            yield
            if keep:
                found = [*_read_loose_objects(objects), *self._pending_objects]
                if found:
                    packed = packfile.build(found, self.object_format)
        finally:
            self._env = saved
            self._quarantine_objects = None
            self._pending_objects = []
            shutil.rmtree(tmp, ignore_errors=True)
            os.close(owner)  # only now may another run take it for a dead run's leftovers
        if packed:
            try:
                with uninterruptible():
                    _install_pack(os.path.join(real, "pack"), *packed)
            except OSError as e:
                raise HowtoError(
                    f"cannot write the new objects into {real}: {e.strerror}; no branch was moved",
                    "free some space or fix the permissions, then run the command again",
                ) from None

    @contextlib.contextmanager
    def throwaway_objects(self) -> Iterator[None]:
        """Write every new object to a temporary object directory, deleted at the end.

        For dry runs that need real objects on disk (a commit to check out in a work tree),
        which `quarantine` keeps in memory: the repository gains no object at all.
        """
        tmp, owner = _new_quarantine(_quarantine_base())
        saved = self._env
        self._env = {**saved, **self._object_env(os.path.join(tmp, "objects"))}
        try:
            yield
        finally:
            self._env = saved
            shutil.rmtree(tmp, ignore_errors=True)
            os.close(owner)  # only now may another run take it for a dead run's leftovers

    def _object_env(self, objects: str) -> dict[str, str]:
        """Environment for git to write new objects to `objects` (created here), reading every
        object of the repository (and its alternates) as before."""
        os.makedirs(os.path.join(objects, "pack"), exist_ok=True)
        real = self.objects_dir
        alternates = [real]
        info = os.path.join(real, "info", "alternates")
        if os.path.isfile(info):
            with open(info) as f:
                alternates += [
                    ln.strip()
                    if os.path.isabs(ln.strip())
                    else os.path.normpath(os.path.join(real, ln.strip()))
                    for ln in f
                    if ln.strip() and not ln.startswith("#")
                ]
        return {
            "GIT_OBJECT_DIRECTORY": objects,
            "GIT_ALTERNATE_OBJECT_DIRECTORIES": ":".join(map(_quote_alternate, alternates)),
        }

    # -- work trees ------------------------------------------------------------------------------

    def add_worktree(self, path: str, commit: str) -> None:
        """A detached work tree at `commit` (no branch is checked out, so none is locked)."""
        self.run("worktree", "add", "--detach", "--quiet", path, commit)

    def add_locked_worktree(self, path: str, commit: str, reason: str) -> str:
        """A detached work tree at `commit`, locked with `reason`; returns its git directory.

        The lock marks it as howtoctl's: `git worktree prune` keeps it, and a later command can
        tell it from whatever else may stand at that path by then.
        """
        self.run(
            "worktree", "add", "--detach", "--quiet", "--lock", "--reason", reason, path, commit
        )
        return self.run("rev-parse", "--absolute-git-dir", cwd=path).strip()

    def owns_worktree(self, path: str, git_dir: str, reason: str) -> bool:
        """Whether `path` is still the work tree added by `add_locked_worktree` with `reason`:
        git lists it with that lock, and the directory's .git file leads to its git directory."""
        listed = any(
            os.path.realpath(w.path) == os.path.realpath(path) and w.locked == reason
            for w in self.worktrees()
        )
        try:
            with open(os.path.join(path, ".git"), "rb") as f:
                link = f.read(4096).decode(errors="replace").strip()
        except OSError:
            return False
        target = link.removeprefix("gitdir: ")
        return listed and os.path.realpath(os.path.join(path, target)) == os.path.realpath(git_dir)

    def remove_own_worktree(self, path: str, owned: bool) -> None:
        """Remove a work tree howtoctl added if `owned`; else only drop git's record of it where
        its directory is gone or no longer a work tree (the files there are left alone)."""
        self.try_run("worktree", "unlock", "--end-of-options", path)
        if owned:
            self.run("worktree", "remove", "--force", "--end-of-options", path)
        self.try_run("worktree", "prune")

    def remove_worktree(self, path: str) -> None:
        self.try_run("worktree", "remove", "--force", path)
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        self.try_run("worktree", "prune")

    def changed_paths(self, since: str, until: str = "HEAD") -> list[str]:
        """Paths changed on `until` since it forked from `since` (`git diff since...until`)."""
        out = self.run(
            "diff",
            *DIFF_OPTIONS,
            "--name-only",
            "-z",
            "--end-of-options",
            f"{since}...{until}",
            "--",
        )
        return [p for p in out.split("\0") if p]

    def paths_differing(self, commit: str, against: str, excludes: Sequence[str] = ()) -> set[str]:
        """Paths whose content or mode differ between `commit` and `against` (a commit, or
        "index" for the staged tree), leaving out `excludes`."""
        side = ["--cached", commit] if against == "index" else [commit, against]
        pathspecs = [":(top)", *(f":(exclude,top){p}" for p in excludes)] if excludes else []
        out = self.run("diff", *DIFF_OPTIONS, "--name-only", "-z", *side, "--", *pathspecs)
        return {p for p in out.split("\0") if p}

    # -- remotes -----------------------------------------------------------------------------------

    def remote_refs(self, remote: str, prefixes: Sequence[str]) -> dict[str, str]:
        """{full ref: oid} of the remote's refs under each of `prefixes` (full ref prefixes)."""
        out = self.run(
            "ls-remote", "--refs", "--end-of-options", remote, *(f"{p}*" for p in prefixes)
        )
        heads = {}
        for line in out.splitlines():
            oid, _, ref = line.partition("\t")
            if ref.startswith(tuple(prefixes)):
                heads[ref] = oid
        return heads

    def push_with_lease(
        self, remote: str, updates: Sequence[tuple[str, str | None, str | None]]
    ) -> None:
        """Push (ref, new oid or None to delete, expected remote oid or None for absent), atomically.

        Each ref is only changed if the remote still has the expected value (--force-with-lease).
        """
        args = ["push", "--atomic", "--porcelain", "--no-verify"]
        refspecs = []
        for ref, new, expected in updates:
            args.append(f"--force-with-lease={ref}:{expected or ''}")
            refspecs.append(f"{new}:{ref}" if new else f":{ref}")
        self.run(*args, remote, *refspecs)

    # -- auto-resolve (rebase-all --auto-resolve) -----------------------------------------------

    def renames(self, old: str, new: str, threshold: int = 30) -> dict[str, str]:
        """{old path: new path} for the files git sees renamed from commit `old` to `new`.

        The threshold is lower than git's default 50 %: a file renamed and edited a lot (or split
        in two) is still followed, and what is merged along the rename is verified afterwards.
        """
        out = self.run(
            "diff", "--no-ext-diff", "--name-status", "-z", f"-M{threshold}%", old, new, "--"
        )
        tokens = out.split("\0")
        result, i = {}, 0
        while i < len(tokens) and tokens[i]:
            status = tokens[i]
            if status.startswith(("R", "C")):
                if status.startswith("R"):
                    result[tokens[i + 1]] = tokens[i + 2]
                i += 3
            else:
                i += 2
        return result

    def tree_with_files(self, tree: str, files: Mapping[str, bytes | None]) -> str:
        """The tree `tree` with each path set to new contents (None: removed); objects written.

        A file keeps its mode; a new one is a regular file.
        """
        with self.temporary_index(tree) as env:
            lines = []
            for path, data in sorted(files.items()):
                if data is None:
                    lines.append(f"0 {'0' * len(tree)}\t{path}\0")
                    continue
                oid = self.write_blob(data)
                mode = self.run("ls-files", "-s", "-z", "--", path, env=env)[:6] or "100644"
                lines.append(f"{mode} {oid}\t{path}\0")
            self.run("update-index", "-z", "--index-info", input="".join(lines).encode(), env=env)
            return self.run("write-tree", env=env).strip()

    def write_blob(self, data: bytes) -> str:
        return self.run("hash-object", "-w", "--stdin", input=data).strip()

    def read_blob(self, oid: str) -> bytes:
        return self.run_bytes("cat-file", "blob", oid)

    def rebase_stopped_at(self, worktree: str) -> str | None:
        """The commit a `git rebase` in `worktree` stopped at (REBASE_HEAD), or None."""
        proc = self.try_run("rev-parse", "--verify", "--quiet", "REBASE_HEAD", cwd=worktree)
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    # -- merges ----------------------------------------------------------------------------------

    def merge_trees(self, pairs: Sequence[tuple[str, str]]) -> list[MergeResult]:
        """Merge each (ours, theirs) pair of commits in memory (`git merge-tree --write-tree`).

        The merge base is picked from history, as `git merge` would. Only objects are written.
        """
        if not pairs:
            return []
        if self._version is None or self._version >= MERGE_TREE_STDIN_VERSION:
            # Try the batch form first: asking `git version` costs as much as the merges.
            batches = _split(pairs, _merge_processes(len(pairs)))
            procs = _run_concurrently(
                lambda batch: self.try_run(
                    "merge-tree",
                    "--write-tree",
                    "--stdin",
                    input="".join(f"{a} {b}\n" for a, b in batch).encode(),
                ),
                batches,
            )
            if all(p.returncode == 0 for p in procs):
                return [
                    m
                    for batch, p in zip(batches, procs, strict=True)
                    for m in parse_merge_tree_stdin(p.stdout, len(batch))
                ]
            proc = next(p for p in procs if p.returncode != 0)
            if proc.returncode != _USAGE_ERROR or self.version >= MERGE_TREE_STDIN_VERSION:
                raise GitError(
                    ["merge-tree", "--write-tree", "--stdin"],
                    proc.returncode,
                    proc.stderr.decode(errors="replace"),
                )
        self.require_version(MIN_GIT_VERSION, "rebasing in memory")
        results = []
        for a, b in pairs:
            proc = self.try_run("merge-tree", "--write-tree", "-z", "--name-only", a, b)
            if proc.returncode not in (0, 1):
                raise GitError(
                    ["merge-tree", a, b], proc.returncode, proc.stderr.decode(errors="replace")
                )
            tokens = proc.stdout.decode().split("\0")
            paths = []
            for tok in tokens[1:]:
                if not tok:
                    break
                paths.append(tok)
            results.append(
                MergeResult(proc.returncode == 0, tokens[0], tuple(dict.fromkeys(paths)))
            )
        return results


# Merges per process below which a second merge-tree process costs more than it saves.
_MERGES_PER_PROCESS = 40


def _merge_processes(merges: int) -> int:
    """How many merge-tree processes to share `merges` merges: one per CPU this process may use."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4, merges // _MERGES_PER_PROCESS))


def _split(items: Sequence, parts: int) -> list[Sequence]:
    """`items` in `parts` consecutive slices of near-equal length (none empty)."""
    size, extra = divmod(len(items), parts)
    bounds = [i * size + min(i, extra) for i in range(parts + 1)]
    return [items[bounds[i] : bounds[i + 1]] for i in range(parts) if bounds[i] < bounds[i + 1]]


def _quote_alternate(path: str) -> str:
    """A path as an entry of GIT_ALTERNATE_OBJECT_DIRECTORIES: entries are separated by ':', so
    one that holds a ':' (or starts with '"') is written C-quoted, which git unquotes."""
    if ":" not in path and not path.startswith('"') and "\n" not in path:
        return path
    escaped = "".join(
        "\\" + c if c in '"\\' else f"\\{ord(c):03o}" if ord(c) < 0x20 else c for c in path
    )
    return f'"{escaped}"'


def _run_concurrently(fn, items: Sequence) -> list:
    """[fn(item) for item in items], each in its own thread (they wait on git processes)."""
    if len(items) <= 1:
        return [fn(item) for item in items]
    import threading

    results: list = [None] * len(items)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results[i] = fn(items[i])
        except BaseException as e:  # re-raised in the caller's thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, len(items))]
    for t in threads:
        t.start()
    work(0)
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


_QUARANTINE_PREFIX = "howtoctl-objects-"
_OWNER_LOCK = "in-use.lock"


def _quarantine_base() -> str:
    """Where quarantine directories go: tmpfs when there is one (objects never touch a disk)."""
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


def _new_quarantine(base: str) -> tuple[str, int]:
    """A fresh quarantine directory under `base`, and the descriptor whose lock marks it as in
    use (close it after removing the directory). Leftovers of killed runs are removed first."""
    _remove_dead_quarantines(base)
    tmp = tempfile.mkdtemp(prefix=_QUARANTINE_PREFIX, dir=base)
    # Locked before it takes its name, so that nobody ever sees it unlocked while we live.
    owner = os.open(os.path.join(tmp, _OWNER_LOCK + ".new"), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(owner, fcntl.LOCK_EX)
    os.rename(os.path.join(tmp, _OWNER_LOCK + ".new"), os.path.join(tmp, _OWNER_LOCK))
    return tmp, owner


def _remove_dead_quarantines(base: str) -> None:
    """Delete quarantine directories whose run is gone (killed before it could clean up).

    On tmpfs they would hold memory until the next reboot. A run holds a lock on a file in its
    directory for as long as it uses it, and the kernel drops the lock when the process dies:
    a lock we can take belongs to nobody. (A process id would not do: /dev/shm may be shared
    with other containers, whose processes this one cannot see.) A directory without the file
    is being created right now, or is older than this scheme: left alone unless a day old.
    """
    try:
        entries = [e for e in os.scandir(base) if e.name.startswith(_QUARANTINE_PREFIX)]
    except OSError:
        return
    for entry in entries:
        try:
            if entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
            fd = os.open(os.path.join(entry.path, _OWNER_LOCK), os.O_RDWR)
        except FileNotFoundError:
            with contextlib.suppress(OSError):
                if time.time() - entry.stat(follow_symlinks=False).st_mtime > 86400:
                    shutil.rmtree(entry.path, ignore_errors=True)
            continue
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # in use
        try:
            shutil.rmtree(entry.path, ignore_errors=True)  # holding its lock all the while
        finally:
            os.close(fd)


def _read_loose_objects(objects_dir: str) -> Iterator[tuple[str, str, bytes]]:
    """(oid, type, content) of every loose object under `objects_dir`."""
    for folder in os.scandir(objects_dir):
        if len(folder.name) != 2 or not folder.is_dir():
            continue
        for entry in os.scandir(folder.path):
            if entry.name.startswith("tmp_"):
                continue  # a write git did not finish
            with open(entry.path, "rb") as f:
                kind, content = packfile.parse_loose(f.read())
            yield folder.name + entry.name, kind, content


def _install_pack(pack_dir: str, pack: bytes, idx: bytes, checksum: str) -> None:
    """Put a pack and its index into `pack_dir` as git's index-pack does.

    Each file is written under a temporary name, flushed to disk, then linked (renamed where the
    file system has no hard links) to its final name: the pack before its index, since git only
    looks at packs that have one. An existing file of
    that name holds the same pack (the name is its checksum) and is kept.
    """
    # Read-only like git's packs, readable by whoever can read the directory: a shared
    # repository's (core.sharedRepository) directories are group- or world-readable.
    mode = 0o444 & os.stat(pack_dir).st_mode
    for data, kind in ((pack, "pack"), (idx, "idx")):
        fd, tmp = tempfile.mkstemp(prefix=f"tmp_{kind}_", dir=pack_dir)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, mode)
            final = os.path.join(pack_dir, f"pack-{checksum}.{kind}")
            try:
                os.link(tmp, final)
            except FileExistsError:
                pass
            except OSError:  # no hard links on this file system: git renames too
                if not os.path.exists(final):
                    os.rename(tmp, final)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


@contextlib.contextmanager
def uninterruptible() -> Iterator[None]:
    """Let a block that must not stop half-way finish before Ctrl-C or SIGTERM take effect.

    Run the git processes inside it with `new_session=True`: a Ctrl-C goes to the whole
    foreground process group, and a `git update-ref` killed mid-transaction leaves its lock files
    behind. The interrupt is raised as KeyboardInterrupt once the block is done.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda signum, frame: received.append(signum))
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        raise KeyboardInterrupt


class _TemporaryIndex:
    def __init__(self, repo: Repo, tree: str) -> None:
        self._repo = repo
        self._tree = tree
        self._dir: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> dict[str, str]:
        self._dir = tempfile.TemporaryDirectory(prefix="howtoctl-index-")
        env = {"GIT_INDEX_FILE": os.path.join(self._dir.name, "index")}
        self._repo.run("read-tree", self._tree, env=env)
        return env

    def __exit__(self, *exc) -> None:
        assert self._dir is not None
        self._dir.cleanup()


def parse_commit(oid: str, body: bytes) -> RawCommit:
    head, sep, message = body.partition(b"\n\n")
    if not sep:
        head, message = body.rstrip(b"\n"), b""
    tree = ""
    parents: list[str] = []
    headers: list[tuple[str, str]] = []
    for line in head.split(b"\n"):
        if line.startswith(b" ") and headers:  # continuation of a multi-line header (gpgsig)
            key, value = headers[-1]
            headers[-1] = (key, value + "\n" + line[1:].decode(errors="surrogateescape"))
            continue
        key, _, value = line.decode(errors="surrogateescape").partition(" ")
        if key == "tree":
            tree = value
        elif key == "parent":
            parents.append(value)
        else:
            headers.append((key, value))
    return RawCommit(oid, tree, tuple(parents), tuple(headers), message)


def parse_merge_tree_stdin(out: bytes, count: int) -> list[MergeResult]:
    """Parse `git merge-tree --write-tree --stdin` output (NUL-separated sections per merge)."""
    tokens = out.decode(errors="surrogateescape").split("\0")
    pos = 0
    results = []

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise HowtoError("unexpected end of git merge-tree output")
        tok = tokens[pos]
        pos += 1
        return tok

    for _ in range(count):
        status = take()
        if status not in ("0", "1"):
            raise HowtoError(f"git merge-tree could not merge (status {status})")
        tree = take()
        if status == "1":
            take()  # the NUL that ends this merge
            results.append(MergeResult(True, tree, ()))
            continue
        paths: list[str] = []
        while (entry := take()) != "":  # "<mode> <oid> <stage>\t<path>"
            paths.append(entry.split("\t", 1)[1])
        while (n := take()) != "":  # messages: <count>, paths..., <type>, <text>
            msg_paths = [take() for _ in range(int(n))]
            kind = take()
            take()
            if kind.startswith("CONFLICT"):
                paths += [p for p in msg_paths if p not in paths]
        results.append(MergeResult(False, tree, tuple(dict.fromkeys(paths))))
    return results


def build_commit(
    tree: str, parents: Sequence[str], headers: Sequence[tuple[str, str]], message: bytes
) -> bytes:
    lines = [f"tree {tree}"] + [f"parent {p}" for p in parents]
    for key, value in headers:
        lines.append(f"{key} " + value.replace("\n", "\n "))
    return "\n".join(lines).encode(errors="surrogateescape") + b"\n\n" + message
