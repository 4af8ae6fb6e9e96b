"""Merges: merge bases, whole commits merged in memory (`git merge-tree`), single files merged
(`git merge-file`).

`merge_trees` runs every merge of a rebase-all in one `merge-tree --stdin` process (a few, in
threads, for many merges) where git has it (2.39), one process per merge before that.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence

from howtoctl.errors import GitError, HowtoError
from howtoctl.git.run import Git, git_environment, run, run_concurrently
from howtoctl.model.objects import BlobId, CommitId, TreeId

# git 2.38 added `merge-tree --write-tree` (the in-memory merge rebase-all is built on);
# 2.39 added `merge-tree --stdin` (all merges in one process).
MIN_GIT_VERSION = (2, 38)
MERGE_TREE_STDIN_VERSION = (2, 39)
_USAGE_ERROR = 129  # git's exit status for an option it does not know


@dataclasses.dataclass(frozen=True)
class MergeResult:
    clean: bool
    tree: TreeId
    conflicted_paths: tuple[str, ...]
    # {path: {stage: blob id}} of each conflicted path, as git's merge left it: 1 the merge
    # base's version, 2 ours, 3 theirs, after git's rename detection (a file the base moved
    # has its old versions here under the new name). Empty where git did not say.
    stages: Mapping[str, Mapping[int, BlobId]] = dataclasses.field(default_factory=dict)


class Merges:
    """The merge operations of `Repo`."""

    _git: Git
    _version: tuple[int, ...] | None  # git's version, None until asked
    # from the facade (annotations only)
    version: tuple[int, ...]
    require_version: Callable[[tuple[int, ...], str], None]

    def merge_base(self, a: str, b: str) -> CommitId | None:
        proc = self._git.run("merge-base", a, b, check=False)
        oid = proc.stdout.decode().strip() if proc.returncode == 0 else ""
        return CommitId(oid) if oid else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        proc = self._git.run("merge-base", "--is-ancestor", ancestor, descendant, check=False)
        return proc.returncode == 0

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
            results = self._merge_in_batches(pairs, processes)
            if results is not None:
                return results
        self.require_version(MIN_GIT_VERSION, "rebasing in memory")
        return [self._merge_one(a, b) for a, b in pairs]

    def _merge_in_batches(
        self, pairs: Sequence[tuple[str, str]], processes: int | None
    ) -> list[MergeResult] | None:
        """`merge_trees` with `merge-tree --stdin`; None where this git does not know it."""
        batches = split_evenly(pairs, processes or _merge_processes(len(pairs)))
        procs = run_concurrently(
            lambda batch: self._git.run(
                "merge-tree",
                "--write-tree",
                "--stdin",
                input="".join(f"{a} {b}\n" for a, b in batch).encode(),
                check=False,
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
        return None

    def _merge_one(self, a: str, b: str) -> MergeResult:
        """One merge in a process of its own (git 2.38)."""
        proc = self._git.run("merge-tree", "--write-tree", "-z", "--name-only", a, b, check=False)
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
        return MergeResult(proc.returncode == 0, TreeId(tokens[0]), tuple(dict.fromkeys(paths)))


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


def merge_file(ours: str, base: str, theirs: str) -> tuple[int, bytes, str]:
    """`git merge-file -p` of three files, no repository needed: (exit status, the number of
    conflicts or, below 0 or above 127, a failure; the merged bytes; git's message)."""
    proc = run(
        ["merge-file", "-p", "--", ours, base, theirs],
        env=git_environment(os.environ),
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr.decode(errors="replace")


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
            results.append(MergeResult(True, TreeId(tree), ()))
            continue
        paths: list[str] = []
        stages: dict[str, dict[int, BlobId]] = {}
        while (entry := take()) != "":  # "<mode> <oid> <stage>\t<path>"
            info, path = entry.split("\t", 1)
            paths.append(path)
            _, oid, stage = info.split(" ")
            stages.setdefault(path, {})[int(stage)] = BlobId(oid)
        while (n := take()) != "":  # messages: <count>, paths..., <type>, <text>
            msg_paths = [take() for _ in range(int(n))]
            kind = take()
            take()
            if kind.startswith("CONFLICT"):
                paths += [p for p in msg_paths if p not in paths]
        results.append(MergeResult(False, TreeId(tree), tuple(dict.fromkeys(paths)), stages))
    return results
