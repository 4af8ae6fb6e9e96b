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

import contextlib
import copy
import dataclasses
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence

from howtoctl import fsutil
from howtoctl.errors import GitError, HowtoError
from howtoctl.objects import RawCommit, object_id, parse_commit
from howtoctl.refs import HEADS, STAGED, Oid, RefUpdate, Staged

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
# apply.*: a diff is applied exactly as `save` wrote it, whatever the user's configuration
# (apply.whitespace=error refuses a line ending in spaces, =fix rewrites it;
# apply.ignoreWhitespace=change lets context that differs in spacing match).
_CONFIG_OVERRIDES = (
    ("core.warnAmbiguousRefs", "false"),
    ("apply.whitespace", "nowarn"),
    ("apply.ignoreWhitespace", "no"),
)


def git_environment(environ: Mapping[str, str]) -> dict[str, str]:
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
class RebaseStep:
    done: bool  # False: stopped at a conflict, or git failed
    conflicts: tuple[str, ...]  # unmerged paths in the work tree
    output: str  # what git said


@dataclasses.dataclass(frozen=True)
class MergeResult:
    clean: bool
    tree: str
    conflicted_paths: tuple[str, ...]
    # {path: {stage: blob id}} of each conflicted path, as git's merge left it: 1 the merge
    # base's version, 2 ours, 3 theirs, after git's rename detection (a file the base moved
    # has its old versions here under the new name). Empty where git did not say.
    stages: Mapping[str, Mapping[int, str]] = dataclasses.field(default_factory=dict)


def _parse_version(text: str) -> tuple[int, ...]:
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        return (0, 0)
    return tuple(int(g) for g in m.groups() if g is not None)


class Repo:
    """A git repository, seen from one work tree (or a bare repository)."""

    throwaway = False  # a dry run's facade whose new objects go away (`throwaway_objects`)

    def __init__(self, path: str = ".", *, version: tuple[int, ...] | None = None) -> None:
        """`version`: git's version when the caller already knows it (asked on first need)."""
        self._env = git_environment(os.environ)
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
        self._version = version
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

    def _run(self, *args: str, input: bytes | None = None, env=None, cwd=None) -> str:
        """Run git and return its stdout as text (raises GitError on failure)."""
        return self._popen_run(args, input=input, env=env, cwd=cwd).stdout.decode()

    def _run_bytes(self, *args: str, input: bytes | None = None, env=None) -> bytes:
        return self._popen_run(args, input=input, env=env).stdout

    def _try_run(self, *args: str, input: bytes | None = None, env=None, cwd=None):
        """Run git; return the CompletedProcess whatever the exit status."""
        return self._popen_run(args, input=input, env=env, check=False, cwd=cwd)

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

    def rev_parse(self, rev: str) -> Oid | None:
        """The commit `rev` names, or None."""
        # `:/text` (a commit message search) reads the rest as text, and names a commit anyway.
        spec = rev if rev.startswith(":/") else f"{rev}^{{commit}}"
        proc = self._try_run("rev-parse", "--verify", "--quiet", "--end-of-options", spec)
        oid = proc.stdout.decode().strip() if proc.returncode == 0 else ""
        return Oid(oid) if oid else None

    def head_ref(self) -> str | None:
        """Full ref name HEAD points to (refs/heads/...), or None when HEAD is detached."""
        if self._head and self._head.startswith(HEADS):
            return self._head  # read on opening; howtoctl never switches a work tree's branch
        proc = self._try_run("symbolic-ref", "-q", "HEAD")
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    def check_ref_format(self, ref: str) -> bool:
        return self._try_run("check-ref-format", ref).returncode == 0

    def refs(self, prefix: str) -> dict[str, Oid]:
        """{full ref name: oid} for every ref under `prefix` (e.g. 'refs/heads/howto/')."""
        out = self._run("for-each-ref", "--format=%(objectname) %(refname)", prefix)
        result = {}
        for line in out.splitlines():
            oid, _, ref = line.partition(" ")
            result[ref] = Oid(oid)
        return result

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

    def merge_base(self, a: str, b: str) -> str | None:
        proc = self._try_run("merge-base", a, b)
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self._try_run("merge-base", "--is-ancestor", ancestor, descendant).returncode == 0

    def count_commits(self, range_: str, excludes: Sequence[str] = ()) -> int:
        """Commits in `range_`; with `excludes`, only those changing some other path."""
        pathspecs = ["--", ":(top)", *(f":(exclude,top){p}" for p in excludes)] if excludes else []
        return int(self._run("rev-list", "--count", range_, *pathspecs).strip() or 0)

    def ident(self) -> bytes:
        """The committer identity line ('Name <email> time tz') git would use now."""
        proc = self._try_run("var", "GIT_COMMITTER_IDENT")
        if proc.returncode != 0:
            raise HowtoError(
                "git has no committer identity to write commits with",
                "set one: git config user.name 'Your Name' && git config user.email you@example.com",
            )
        return proc.stdout.strip()

    def remote_url(self, remote: str = "origin") -> str | None:
        proc = self._try_run("config", "--get", f"remote.{remote}.url")
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    def show_file(self, rev: str, path: str) -> bytes | None:
        """Content of `path` at `rev` (a commit, or '' for the index), or None when absent."""
        proc = self._try_run("cat-file", "blob", f"{rev}:{path}")
        return proc.stdout if proc.returncode == 0 else None

    def tree_paths(self, tree: str) -> list[str]:
        """Every file path in `tree` (a tree or commit), recursively."""
        out = self._run("ls-tree", "-r", "-z", "--name-only", "--end-of-options", tree)
        return [p for p in out.split("\0") if p]

    def ls_tree_names(self, rev: str, path: str) -> list[str]:
        """File names (not paths) directly inside directory `path` at `rev`."""
        out = self._try_run("ls-tree", "-z", "--name-only", "--full-tree", f"{rev}:{path}")
        if out.returncode != 0:
            return []
        return [n for n in out.stdout.decode().split("\0") if n]

    def object_types(self, oids: Iterable[str]) -> dict[str, str]:
        """{oid: 'commit', 'blob', 'tree', 'tag' or 'missing'}, with one `cat-file --batch-check`."""
        oids = list(dict.fromkeys(oids))
        if not oids:
            return {}
        out = self._run(
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
        data = self._run_bytes(
            "cat-file", "--batch", input="".join(f"{o}\n" for o in oids).encode()
        )
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

    def commits_not_in(self, tips: Iterable[str], base: str) -> dict[Oid, tuple[Oid, ...]]:
        """{commit: its parents} for every commit reachable from `tips` but not from `base`
        (one `git rev-list --parents`)."""
        tips = sorted(set(tips))
        if not tips:
            return {}
        out = self._run("rev-list", "--parents", *tips, f"^{base}", "--")
        parents = {}
        for line in out.splitlines():
            oid, *ps = line.split()
            parents[Oid(oid)] = tuple(map(Oid, ps))
        return parents

    def touched_in_history(self, rev: str, path: str) -> bool:
        """Whether any commit in `rev`'s history added, changed or removed `path`."""
        return bool(self._run("rev-list", "-1", rev, "--", f":(top,literal){path}").strip())

    def commit_message(self, oid: str) -> bytes | None:
        """The message of commit `oid`, or None when there is no such commit here."""
        proc = self._try_run("cat-file", "commit", oid)
        return proc.stdout.partition(b"\n\n")[2] if proc.returncode == 0 else None

    # -- diffs and patches ---------------------------------------------------------------------

    def diff_since_fork(self, base: str, tip: str, excludes: Sequence[str] = ()) -> bytes | None:
        """`git diff base...tip`: tip's changes since its merge base with base (one process).

        None when the two share no history.
        """
        pathspecs = [f":(exclude,top){p}" for p in excludes]
        proc = self._try_run("diff", *DIFF_OPTIONS, f"{base}...{tip}", "--", ":(top)", *pathspecs)
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
        with fsutil.temporary_directory("check") as tmp:
            paths = []
            for i, data in enumerate(patches):
                paths.append(os.path.join(tmp, f"{i}.diff"))
                fsutil.write_private(paths[-1], data)
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
        with fsutil.temporary_directory("index") as tmp:
            index_copy = os.path.join(tmp, "index")
            if os.path.exists(source):  # else no index yet: git starts from an empty one
                fsutil.copy_file(source, index_copy)
            proc = self._try_run(
                # A split index would write its shared part into the repository.
                *("-c", "core.splitIndex=false", "apply", "--cached", *args),
                input=patch,
                # The blobs git writes for the new contents go to the throwaway directory too.
                env={
                    "GIT_INDEX_FILE": index_copy,
                    **self._object_env(os.path.join(tmp, "objects")),
                },
            )
        return proc.returncode == 0, proc.stderr.decode(errors="replace").strip()

    def patch_paths(self, patch: bytes) -> set[str]:
        """Every path git would create, change or delete applying `patch` (git's own reading of
        its headers: `git apply --numstat -z`)."""
        out = self._run_bytes("apply", "--numstat", "-z", "-", input=patch).decode(
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
            proc = self._try_run(
                "apply", "--cached", "--whitespace=nowarn", "-", input=patch, env=env
            )
            if proc.returncode != 0:
                raise HowtoError(
                    "the diff does not apply: " + proc.stderr.decode(errors="replace").strip()
                )
            return self._run("write-tree", env=env).strip()

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
        return self._run(*args, input=message.encode(), env=env or None).strip()

    def _has_identity(self) -> bool:
        if self._identity is None:
            self._identity = all(
                self._try_run("var", var).returncode == 0
                for var in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT")
            )
        return self._identity

    def commit_date(self, commit: str) -> str:
        """A commit's committer date in git's raw format ('seconds tz')."""
        return self._run("log", "-1", "--format=%cd", "--date=raw", commit).strip()

    def hash_object(self, kind: str, data: bytes) -> Oid:
        """Object id `data` has as a `kind` object in this repository (computed, not written)."""
        return Oid(object_id(kind, data, self.object_format))

    def write_commits(self, bodies: Sequence[bytes]) -> list[Oid]:
        """Write commit objects with one `git hash-object -w`; return their ids.

        Their ids are computed first (a commit names its parent, so a chain is hashed before
        anything is written) and git's must match: a mismatch means a malformed body.
        """
        if not bodies:
            return []
        expected = [self.hash_object("commit", b) for b in bodies]
        with fsutil.temporary_directory("commits") as tmp:
            paths = []
            for i, body in enumerate(bodies):
                p = os.path.join(tmp, f"{i}")
                fsutil.write_private(p, body)
                paths.append(p)
            out = self._run(
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
        proc = self._try_run("config", "--get", "core.logAllRefUpdates")
        return proc.stdout.decode().strip().lower()

    # -- a throwaway object directory ----------------------------------------------------------

    @contextlib.contextmanager
    def throwaway_objects(self) -> Iterator[Repo]:
        """This repository as a separate facade whose git calls write new objects to a temporary
        directory (removed afterwards) and read the repository's own as alternates: a dry run
        computes everything a real run does and leaves no object behind. `self` is unchanged."""
        # Owned by this process: what a killed dry run leaves, the next test or prove removes.
        with fsutil.temporary_directory("objects") as tmp:
            scratch = copy.copy(self)
            scratch._env = {**self._env, **self._object_env(os.path.join(tmp, "objects"))}
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

    def staged_diff(self, worktree: str) -> bytes:
        """`git diff --cached HEAD` in `worktree`: what its next commit adds (a path still
        unmerged shows as a note without lines: it cannot be committed yet)."""
        return self._popen_run(
            ["diff", "--cached", *DIFF_OPTIONS, "HEAD", "--"], cwd=worktree
        ).stdout

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

    def changed_paths(self, since: str, until: str = "HEAD") -> list[str]:
        """Paths changed on `until` since it forked from `since` (`git diff since...until`)."""
        out = self._run(
            "diff",
            *DIFF_OPTIONS,
            "--name-only",
            "-z",
            "--end-of-options",
            f"{since}...{until}",
            "--",
        )
        return [p for p in out.split("\0") if p]

    def paths_differing(
        self, commit: str, against: str | Staged, excludes: Sequence[str] = ()
    ) -> set[str]:
        """Paths whose content or mode differ between `commit` and `against` (a commit, or
        STAGED), leaving out `excludes`."""
        side = ["--cached", commit] if against is STAGED else [commit, against]
        pathspecs = [":(top)", *(f":(exclude,top){p}" for p in excludes)] if excludes else []
        out = self._run("diff", *DIFF_OPTIONS, "--name-only", "-z", *side, "--", *pathspecs)
        return {p for p in out.split("\0") if p}

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

    def renames(self, old: str, new: str, threshold: int = 30) -> dict[str, str]:
        """{old path: new path} for the files git sees renamed from commit `old` to `new`.

        The threshold is lower than git's default 50 %: a file renamed and edited a lot (or split
        in two) is still followed, and what is merged along the rename is verified afterwards.
        """
        out = self._run(
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
                mode = self._run("ls-files", "-s", "-z", "--", path, env=env)[:6] or "100644"
                lines.append(f"{mode} {oid}\t{path}\0")
            self._run("update-index", "-z", "--index-info", input="".join(lines).encode(), env=env)
            return self._run("write-tree", env=env).strip()

    def write_blob(self, data: bytes) -> str:
        return self._run("hash-object", "-w", "--stdin", input=data).strip()

    def read_blob(self, oid: str) -> bytes:
        return self._run_bytes("cat-file", "blob", oid)

    def rebase_stopped_at(self, worktree: str) -> str | None:
        """The commit a `git rebase` in `worktree` stopped at (REBASE_HEAD), or None."""
        proc = self._try_run("rev-parse", "--verify", "--quiet", "REBASE_HEAD", cwd=worktree)
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    # -- merges ----------------------------------------------------------------------------------

    def merge_trees(
        self, pairs: Sequence[tuple[str, str]], processes: int | None = None
    ) -> list[MergeResult]:
        """Merge each (ours, theirs) pair of commits in memory (`git merge-tree --write-tree`).

        The merge base is picked from history, as `git merge` would. Only objects are written.
        `processes`: how many merge-tree processes share the merges (default: one per CPU,
        for enough merges).
        """
        if not pairs:
            return []
        if self._version is None or self._version >= MERGE_TREE_STDIN_VERSION:
            # Try the batch form first: asking `git version` costs as much as the merges.
            batches = split_evenly(pairs, processes or _merge_processes(len(pairs)))
            procs = _run_concurrently(
                lambda batch: self._try_run(
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
            proc = self._try_run("merge-tree", "--write-tree", "-z", "--name-only", a, b)
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

    # --- added for cost

    def first_parent_commits(self, rev: str) -> list[tuple[Oid, int]]:
        """[(commit, committer time)] of `rev`'s first-parent line, oldest first."""
        out = self._run("log", "--first-parent", "--reverse", "--format=%H %ct", rev, "--")
        return [(Oid(oid), int(t)) for oid, t in (line.split() for line in out.splitlines())]

    def first_parent_changes(
        self, rev: str, paths: Sequence[str]
    ) -> list[tuple[Oid, str, list[tuple[str, str, str]]]]:
        """[(commit, author, [(path, new mode, new blob)])] for each commit of `rev`'s
        first-parent line that changed one of `paths` (files or directories) against its first
        parent, oldest first; a deleted file has mode '000000'. One `git log`."""
        if not paths:
            return []
        out = self._run_bytes(
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
        ).decode(errors="surrogateescape")
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
            result.append((Oid(oid), author, changes))
        return result

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        """{oid: content} for many blobs with one `cat-file --batch`."""
        oids = list(dict.fromkeys(oids))
        if not oids:
            return {}
        data = self._run_bytes(
            "cat-file", "--batch", input="".join(f"{o}\n" for o in oids).encode()
        )
        result, pos = {}, 0
        for oid in oids:
            nl = data.index(b"\n", pos)
            header = data[pos:nl].split()
            if len(header) != 3:
                raise HowtoError(f"object {oid} is missing from the repository")
            size = int(header[2])
            result[oid] = data[nl + 1 : nl + 1 + size]
            pos = nl + 1 + size + 1
        return result

    def apply_checks(
        self, entries: Sequence[tuple[str, str, str]], patches: Sequence[tuple[str, bytes]]
    ) -> list[bool]:
        """Whether each patch applies to an index holding `entries` ([(mode, blob, path)]).

        `patches`: [(root, patch)], each patch touching only paths under its own `root/` (a
        name without '/', ':' or white space).
        They are checked together in one `git apply --cached --check`, which names every
        file that fails; the rest are checked again together to be sure, and a group that
        still fails is split in halves. Nothing is written but a temporary index.
        """
        results = [True] * len(patches)
        if not patches:
            return results
        with fsutil.temporary_directory("index") as tmp:
            env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
            info = "".join(f"{mode} {oid}\t{path}\0" for mode, oid, path in entries)
            self._run("update-index", "-z", "--index-info", input=info.encode(), env=env)

            def check(group: Sequence[int], trust_names: bool) -> None:
                proc = self._try_run(
                    *("-c", "core.splitIndex=false", "apply", "--cached", "--check"),
                    "--whitespace=nowarn",
                    "-",
                    input=b"".join(patches[i][1] for i in group),
                    env=env,
                )
                if proc.returncode == 0:
                    return
                if len(group) == 1:
                    results[group[0]] = False
                    return
                mentioned = set(_ROOT_MENTION.findall(proc.stderr.decode(errors="replace")))
                named = [i for i in group if patches[i][0] in mentioned]
                if trust_names and named:
                    for i in named:
                        results[i] = False
                    check([i for i in group if i not in set(named)], False)
                    return
                half = len(group) // 2
                check(group[:half], True)
                check(group[half:], True)

            check(range(len(patches)), True)
        return results

    def commits_with_trailers(
        self, tips: Iterable[str], exclude: str, keys: Sequence[str]
    ) -> dict[Oid, tuple[tuple[Oid, ...], str, tuple[str, ...]]]:
        """{commit: (its parents, its committer line, the value of each trailer in `keys`, ''
        where absent)} for every commit reachable from `tips` and not from `exclude`. One
        `git log`."""
        tips = sorted(set(tips))
        if not tips:
            return {}
        values = "".join(f"%x00%(trailers:key={k},valueonly,separator=%x2c )" for k in keys)
        out = self._run(
            "log", f"--format=%x01%H %P%x00%cn <%ce> %ct{values}", *tips, f"^{exclude}", "--"
        )
        found = {}
        for record in out.split("\x01")[1:]:
            head, committer, *vals = record.rstrip("\n").split("\0")
            oid, *parents = head.split()
            found[Oid(oid)] = (
                tuple(map(Oid, parents)),
                committer,
                tuple(v.strip() for v in vals),
            )
        return found

    # --- added for sparse checkouts
    def left_out_by_sparse_checkout(self, paths: Sequence[str]) -> list[str]:
        """The files at or under `paths` that the index holds but this work tree's sparse
        checkout leaves out of it (skip-worktree: `ls-files -t` marks them 'S')."""
        out = self._run("--literal-pathspecs", "ls-files", "-t", "-z", "--", *paths)
        return [e[2:] for e in out.split("\0") if e.startswith("S ")]


# How git apply names a file of the patch under `root/` in an error ("error: patch failed: ...").
_ROOT_MENTION = re.compile(r"(?:^|[\s:])([^\s:/]+)/", re.M)

# Merges per process below which a second merge-tree process costs more than it saves.
_MERGES_PER_PROCESS = 40


def _merge_processes(merges: int) -> int:
    """How many merge-tree processes to share `merges` merges: one per CPU this process may use."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4, merges // _MERGES_PER_PROCESS))


def split_evenly(items: Sequence, parts: int) -> list[Sequence]:
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
    import concurrent.futures  # here: only merges on many branches need it, not every command

    with concurrent.futures.ThreadPoolExecutor(len(items)) as pool:
        return list(pool.map(fn, items))


def merge_file(ours: str, base: str, theirs: str) -> tuple[int, bytes, str]:
    """`git merge-file -p` of three files, no repository needed: (exit status, the number of
    conflicts or, below 0 or above 127, a failure; the merged bytes; git's message)."""
    proc = subprocess.run(
        ["git", "merge-file", "-p", "--", ours, base, theirs],
        capture_output=True,
        env=git_environment(os.environ),
    )
    return proc.returncode, proc.stdout, proc.stderr.decode(errors="replace")


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
        self._dir = fsutil.temporary_directory("index")
        env = {"GIT_INDEX_FILE": os.path.join(self._dir.name, "index")}
        self._repo._run("read-tree", self._tree, env=env)
        return env

    def __exit__(self, *exc) -> None:
        assert self._dir is not None
        self._dir.cleanup()


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
        stages: dict[str, dict[int, str]] = {}
        while (entry := take()) != "":  # "<mode> <oid> <stage>\t<path>"
            info, path = entry.split("\t", 1)
            paths.append(path)
            _, oid, stage = info.split(" ")
            stages.setdefault(path, {})[int(stage)] = oid
        while (n := take()) != "":  # messages: <count>, paths..., <type>, <text>
            msg_paths = [take() for _ in range(int(n))]
            kind = take()
            take()
            if kind.startswith("CONFLICT"):
                paths += [p for p in msg_paths if p not in paths]
        results.append(MergeResult(False, tree, tuple(dict.fromkeys(paths)), stages))
    return results
