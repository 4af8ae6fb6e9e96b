"""Diffs and patches: what changed between commits, whether a patch applies, and trees built in
a temporary index (from a patch, or from new file contents).

Every diff is asked for with DIFF_OPTIONS, so a user's configuration cannot change its bytes.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence

from howtoctl import fsutil
from howtoctl.errors import GitError, HowtoError
from howtoctl.git.run import Git
from howtoctl.model.names import STAGED, Staged
from howtoctl.model.objects import BlobId, CommitId, TreeId

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


class Diffs:
    """The diff, patch and temporary-index operations of `Repo`."""

    _git: Git
    git_dir: str

    # from the other parts of `Repo` (annotations only: a stub here would hide them)
    merge_base: Callable[[str, str], CommitId | None]
    write_blob: Callable[[bytes], BlobId]
    _object_env: Callable[[str], dict[str, str]]

    def diff_since_fork(self, base: str, tip: str, excludes: Sequence[str] = ()) -> bytes | None:
        """`git diff base...tip`: tip's changes since its merge base with base (one process).

        None when the two share no history.
        """
        pathspecs = [f":(exclude,top){p}" for p in excludes]
        proc = self._git.run(
            "diff", *DIFF_OPTIONS, f"{base}...{tip}", "--", ":(top)", *pathspecs, check=False
        )
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
            self._git.cwd,
            self._git.env.get("GIT_INDEX_FILE") or os.path.join(self.git_dir, "index"),
        )
        with fsutil.temporary_directory("index") as tmp:
            index_copy = os.path.join(tmp, "index")
            if os.path.exists(source):  # else no index yet: git starts from an empty one
                fsutil.copy_file(source, index_copy)
            proc = self._git.run(
                # A split index would write its shared part into the repository.
                *("-c", "core.splitIndex=false", "apply", "--cached", *args),
                input=patch,
                # The blobs git writes for the new contents go to the throwaway directory too.
                env={
                    "GIT_INDEX_FILE": index_copy,
                    **self._object_env(os.path.join(tmp, "objects")),
                },
                check=False,
            )
        return proc.returncode == 0, proc.stderr.decode(errors="replace").strip()

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
            self._git.text("update-index", "-z", "--index-info", input=info.encode(), env=env)

            def check(group: Sequence[int], trust_names: bool) -> None:
                proc = self._git.run(
                    *("-c", "core.splitIndex=false", "apply", "--cached", "--check"),
                    "--whitespace=nowarn",
                    "-",
                    input=b"".join(patches[i][1] for i in group),
                    env=env,
                    check=False,
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

    def patch_paths(self, patch: bytes) -> set[str]:
        """Every path git would create, change or delete applying `patch` (git's own reading of
        its headers: `git apply --numstat -z`)."""
        out = self._git.run("apply", "--numstat", "-z", "-", input=patch).stdout.decode(
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

    @contextlib.contextmanager
    def temporary_index(self, tree: str) -> Iterator[dict[str, str]]:
        """An environment whose GIT_INDEX_FILE is a fresh index holding `tree` (removed after)."""
        with fsutil.temporary_directory("index") as tmp:
            env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
            self._git.text("read-tree", tree, env=env)
            yield env

    def tree_with_patch(self, tree: str, patch: bytes) -> TreeId:
        """The tree that results from applying `patch` to `tree`, computed in a private index."""
        with self.temporary_index(tree) as env:
            proc = self._git.run(
                "apply", "--cached", "--whitespace=nowarn", "-", input=patch, env=env, check=False
            )
            if proc.returncode != 0:
                raise HowtoError(
                    "the diff does not apply: " + proc.stderr.decode(errors="replace").strip()
                )
            return TreeId(self._git.text("write-tree", env=env).strip())

    def tree_with_files(self, tree: str, files: Mapping[str, bytes | None]) -> TreeId:
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
                mode = self._git.text("ls-files", "-s", "-z", "--", path, env=env)[:6] or "100644"
                lines.append(f"{mode} {oid}\t{path}\0")
            self._git.text(
                "update-index", "-z", "--index-info", input="".join(lines).encode(), env=env
            )
            return TreeId(self._git.text("write-tree", env=env).strip())

    def changed_paths(self, since: str, until: str = "HEAD") -> list[str]:
        """Paths changed on `until` since it forked from `since` (`git diff since...until`)."""
        return self._git.names(
            "diff",
            *DIFF_OPTIONS,
            "--name-only",
            "-z",
            "--end-of-options",
            f"{since}...{until}",
            "--",
        )

    def paths_differing(
        self, commit: str, against: str | Staged, excludes: Sequence[str] = ()
    ) -> set[str]:
        """Paths whose content or mode differ between `commit` and `against` (a commit, or
        STAGED), leaving out `excludes`."""
        side = ["--cached", commit] if against is STAGED else [commit, against]
        pathspecs = [":(top)", *(f":(exclude,top){p}" for p in excludes)] if excludes else []
        return set(
            self._git.names("diff", *DIFF_OPTIONS, "--name-only", "-z", *side, "--", *pathspecs)
        )

    def renames(self, old: str, new: str, threshold: int = 30) -> dict[str, str]:
        """{old path: new path} for the files git sees renamed from commit `old` to `new`.

        The threshold is lower than git's default 50 %: a file renamed and edited a lot (or split
        in two) is still followed, and what is merged along the rename is verified afterwards.
        """
        out = self._git.text(
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

    def staged_diff(self, worktree: str) -> bytes:
        """`git diff --cached HEAD` in `worktree`: what its next commit adds (a path still
        unmerged shows as a note without lines: it cannot be committed yet)."""
        return self._git.run(
            *["diff", "--cached", *DIFF_OPTIONS, "HEAD", "--"], cwd=worktree
        ).stdout


# How git apply names a file of the patch under `root/` in an error ("error: patch failed: ...").
_ROOT_MENTION = re.compile(r"(?:^|[\s:])([^\s:/]+)/", re.M)
