"""`rebase-all --auto-resolve`: merge what git could not, and keep it only when it is verified.

For a branch whose rebase conflicts, each candidate method replays all of the branch's commits
the way `rebase.replay` does (commit ci becomes "the new base plus the branch's changes up to ci":
git's merge of onto and ci, merge base the old fork point; where the rebase skipped commits
already upstream, the ones after them are cherry-picked one onto the last, as `rebase.upstream`
replays them) and, for every path git left conflicted, merges the file with another tool instead
(the HOWTO's change, below, leaves out the paths only a skipped commit changed):

1. `wiggle`: word-level merge of the three versions git's merge paired for the path (the old
   fork point's, the new base's, the branch's; where git followed a rename, the old ones are
   those of the file the code came from);
2. `wiggle+renames`: the same, with paths carried along the renames git detects between the old
   fork point and the new base (a lower similarity threshold than git's merge uses);
3. `patch-fuzz`: the branch's change to the file as a diff, applied with `patch --fuzz=3`, to
   the versions git paired, as `wiggle`.

The first candidate that passes every check, in order, is accepted: no conflict markers (a
`patch --fuzz` hunk that landed in another def or class than its old context's counts as one
not merged); the merge still makes the HOWTO's change (`intent`, see `howtoctl.autoresolve.intent`: it
changes something against the new base, keeps every file the HOWTO adds, every line it adds or
removes, unless the new base made that change itself, and a hunk of a file the base moved only
whole beside its context) -- the other checks prove a merge did no harm, and a merge that
dropped the HOWTO does none; every changed Python file compiles; no name problem (pyflakes
rules) the unmerged files did not have; nothing the new base removed comes back from the branch
(`verify.removals_stay_removed`); the merge can be undone both ways (`verify.round_trip`); the
HOWTO's smoke test passes on 8 CPU devices: the command `howtoctl test` runs (the manifest's
`test`, else pytest on the example; where that pytest finds no test there is nothing to run,
and the check is not listed), and where it is pytest, a test of a file the HOWTO adds or
changes passed (the base's tests passing say nothing of the HOWTO; a command that is not
pytest reports no tests, and is taken as the HOWTO's own: the manifest names it for this
HOWTO); with `--prove`, every hunk of the merged diff is still proved: as `howtoctl prove`
would judge the diff `save` would write, each mutant's smoke test fails (see
`howtoctl.runs.mutants`). A branch that no candidate resolves does not move; the best candidate
(the one that got furthest) is kept for `howtoctl resolve`. A candidate whose merge is byte for
byte an earlier one's takes that verdict without running anything again (wiggle+renames, where
git detected no rename, is wiggle). Nothing here moves a ref: the caller does, with the usual
backups.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence

from howtoctl import fsutil
from howtoctl.autoresolve import intent, merge_tools, smoke_check, verify
from howtoctl.autoresolve.attempt import Attempt, Outcome, run_checks
from howtoctl.git import Repo
from howtoctl.git.merge import MergeResult
from howtoctl.rebase import chain, plan, upstream
from howtoctl.runs import smoke

WIGGLE = "wiggle"
WIGGLE_RENAMES = "wiggle+renames"
PATCH_FUZZ = "patch-fuzz"
METHODS = (WIGGLE, WIGGLE_RENAMES, PATCH_FUZZ)
_TOOL = {WIGGLE: merge_tools.WIGGLE, WIGGLE_RENAMES: merge_tools.WIGGLE, PATCH_FUZZ: "patch"}

# The checks, in the order they run (the cheap ones first).
MARKERS, COMPILES, NAMES, SMOKE, PROVED = "no-markers", "compiles", "names", "smoke-test", "proved"
# Right after no-markers, so that no other check can pass a merge that lost the HOWTO: the others
# prove a merge did no harm, and a candidate equal to the new base does none.
INTENT = "intent"
# Beyond the list, cheap, so before the smoke test: without them the benchmark
# (bench/autoresolve.py) accepts two wrong merges (an API port the branch's new line misses;
# a change that needed adapting, which a smoke test would have caught).
REMOVALS, ROUND_TRIP = "removals", "round-trip"
CHECKS = (MARKERS, INTENT, COMPILES, NAMES, REMOVALS, ROUND_TRIP, SMOKE, PROVED)


Sides = tuple[bytes | None, bytes, bytes | None]  # a file's (ours, base, theirs)

TRAILER_METHOD = "Howtoctl-Auto-Resolved"
TRAILER_CHECKS = "Howtoctl-Verified"


def missing_tools(methods: Sequence[str] = METHODS) -> list[str]:
    return sorted({_TOOL[m] for m in methods if not merge_tools.available(_TOOL[m])})


def usable_methods(methods: Sequence[str] = METHODS) -> list[str]:
    return [m for m in methods if merge_tools.available(_TOOL[m])]


def with_trailers(message: bytes, method: str, checks: Sequence[str]) -> bytes:
    """The commit message with trailers saying how the commit was made and what verified it."""
    text = message.rstrip(b"\n")
    trailers = f"{TRAILER_METHOD}: {method}\n{TRAILER_CHECKS}: {', '.join(checks)}\n".encode()
    last_paragraph = text.rsplit(b"\n\n", 1)[-1]
    is_trailer_block = b"\n\n" in text and all(
        b": " in ln for ln in last_paragraph.splitlines() if ln
    )
    return text + (b"\n" if is_trailer_block else b"\n\n") + trailers


class Resolver:
    """Tries the candidates for one conflicted branch; see the module docstring."""

    def __init__(
        self,
        repo: Repo,
        onto: str,
        scratch: str,
        committer: str,
        smoke_test: smoke_check.SmokeTest | None,
        devices: int = 8,
        extra_checks: bool = True,
        proving: smoke_check.Proving | None = None,
    ) -> None:
        self.repo = repo
        self.onto = onto
        self.scratch = scratch
        self.committer = committer
        self.smoke_test = smoke_test
        self.devices = devices
        # Off only to measure what the removals and round-trip checks are worth (bench).
        self.extra_checks = extra_checks
        self.proving = proving
        # The smoke tests and mutants of all candidates share one JAX compilation cache.
        self._jax_env: dict[str, str] = {}
        self._blobs: dict[tuple[str, str], bytes | None] = {}
        self._trees: dict[str, str] = {}
        self._judged: dict[tuple, Attempt] = {}  # (every commit's tree, notes) -> its attempt
        self._howto: dict[str, intent.Pair] = {}  # the branch's change: {path: (old, new)}

    def blob(self, rev: str, path: str) -> bytes | None:
        key = (rev, path)
        if key not in self._blobs:
            self._blobs[key] = self.repo.show_file(rev, path)
        return self._blobs[key]

    def resolve(self, r: plan.BranchRebase, methods: Sequence[str]) -> Outcome:
        fsutil.make_directories(self.scratch)
        commits = list(r.commits)
        originals = self.repo.read_commits(commits)
        fork = originals[commits[0]].parents[0]
        if r.upstream:  # their picks need the base's tree and the fork's
            originals.update(self.repo.read_commits([fork, self.onto]))
        merged = dict(
            zip(commits, self.repo.merge_trees([(self.onto, c) for c in commits]), strict=True)
        )
        renames = self.repo.renames(fork, self.onto)
        # The HOWTO's change, which every candidate must still make (the intent check).
        tip = commits[-1]
        self._howto = {
            p: (self.blob(fork, p), self.blob(tip, p))
            for p in sorted(self.repo.paths_differing(fork, tip))
            if not any(self._only_change(u, p, fork, tip, originals) for u in r.upstream)
        }
        attempts = []
        self._judged = {}  # per call: the bench changes the checks between calls
        with fsutil.temporary_directory("jax-cache") as cache:
            self._jax_env = smoke.jax_cache_env(cache)
            for method in methods:
                attempt = self._build(method, commits, r.upstream, originals, merged, fork, renames)
                attempts.append(attempt)
                if attempt.accepted:
                    break
        return Outcome(attempts)

    def _only_change(self, commit: str, path: str, fork: str, tip: str, originals) -> bool:
        """Whether `commit` (one already upstream) made the branch's whole change to `path`:
        skipped as git rebase skips it, that change is the base's, not the HOWTO's."""
        before, after = self.blob(originals[commit].parents[0], path), self.blob(commit, path)
        return before == self.blob(fork, path) and after == self.blob(tip, path)

    # -- one candidate ---------------------------------------------------------------------------

    def _merge_file(
        self,
        method: str,
        commit: str,
        path: str,
        fork: str,
        renames: dict[str, str],
        stages: Mapping[int, str],
    ) -> tuple[dict[str, bytes | None], str, dict[str, Sides]]:
        """Merge one conflicted path: ({path: new contents or None}, unresolved note,
        {path: (ours, base, theirs)}). `stages`: the versions git's merge paired for it."""
        old = target = path
        changes: dict[str, bytes | None] = {}
        if method != WIGGLE_RENAMES and {1, 2, 3} <= stages.keys():
            # The three versions git's own merge paired, its rename detection included: where
            # the base moved code to this file from another, the fork's and the branch's
            # versions are those of the file it came from, so the HOWTO's change follows it.
            base, ours, theirs = (self.repo.read_blob(stages[s]) for s in (1, 2, 3))
            return self._merge_three(method, path, ours, base, theirs, changes)
        if method == WIGGLE_RENAMES:
            back = {new: o for o, new in renames.items()}
            if path in back:  # renamed on the base: the branch's side is under the old name
                old = back[path]
            elif path in renames and self.blob(self.onto, path) is None:
                target = renames[path]  # the branch changed a file the base moved away
                changes[path] = None
        forked = self.blob(fork, old)
        base = forked or b""
        theirs = self.blob(commit, old)
        ours = self.blob(self.onto, target)
        unmerged = {target: (ours, base, theirs)}
        if theirs is None or ours is None:
            side = "the branch" if theirs is None else "the new base"
            return changes, f"{path}: deleted on {side}, changed on the other side", unmerged
        if forked is None:  # no common version to merge from: pasting both is no merge
            return changes, f"{path}: added on both sides; which to keep is a decision", unmerged
        return self._merge_three(method, target, ours, base, theirs, changes)

    def _merge_three(
        self,
        method: str,
        path: str,
        ours: bytes,
        base: bytes,
        theirs: bytes,
        changes: dict[str, bytes | None],
    ) -> tuple[dict[str, bytes | None], str, dict[str, Sides]]:
        if method == PATCH_FUZZ:
            result = merge_tools.patch_fuzz(ours, base, theirs, self.scratch)
        else:
            result = merge_tools.wiggle(ours, base, theirs, self.scratch)
        changes[path] = result.data
        note = f"{path}: {result.unresolved}" if result.unresolved else ""
        return changes, note, {path: (ours, base, theirs)}

    def _build(self, method, commits, skipped, originals, merged, fork, renames) -> Attempt:
        attempt = Attempt(method)
        resolved: dict[str, bytes | None] = {}
        unmerged: dict[str, Sides] = {}
        notes: list[str] = []

        def merge(commit: str, m: MergeResult) -> str:
            """The tree of `commit`'s merge `m` with its conflicted paths merged by `method`."""
            files: dict[str, bytes | None] = {}
            for path in m.conflicted_paths:
                changes, note, sides = self._merge_file(
                    method, commit, path, fork, renames, m.stages.get(path, {})
                )
                files.update(changes)
                unmerged.update(sides)
                if note:
                    notes.append(note)
            resolved.update(files)
            if not attempt.commit:
                attempt.commit, attempt.files = commit, files
            return self.repo.tree_with_files(m.tree, files)

        # Replay the commits as rebase.replay.replay does, the ones already upstream skipped;
        # a resolved one gets its trailers once the checks have passed (below), so build the
        # trees first.
        if skipped:
            picks = upstream.replay(
                self.repo, commits, skipped, self.onto, originals, merged, self.committer, merge
            )
            trees = picks.trees
        else:
            trees = [
                (c, merged[c].tree if merged[c].clean else merge(c, merged[c]), not merged[c].clean)
                for c in commits
            ]
        tip_tree = attempt.tree = trees[-1][1]
        # Another method's merge, to the byte: its verdict holds (the smoke test and the
        # mutants are not run twice). Only failures come back here: success ends the search.
        key = (tuple(tree for _, tree, _ in trees), tuple(notes))
        same_as = self._judged.setdefault(key, attempt)
        if same_as is not attempt:
            attempt.passed, attempt.failed = list(same_as.passed), same_as.failed
            attempt.detail, attempt.hunks = f"same merge as {same_as.method}", same_as.hunks
            attempt.lost = same_as.lost
            return attempt
        changed = self.repo.paths_differing(self.onto, tip_tree)
        current = {p: d for p, d in resolved.items() if d is not None}

        def python_files() -> dict[str, bytes]:
            files = {}
            for path in sorted(changed):
                if path.endswith(".py"):
                    data = self.repo.show_file(tip_tree, path)
                    if data is not None:
                        files[path] = data
            return {**files, **{p: d for p, d in current.items() if p.endswith(".py")}}

        def markers() -> str:
            if notes:
                return "; ".join(notes[:2])
            for path, data in sorted(current.items()):
                # Markers either side already had (a file that documents a conflict) are
                # the file's content; only those the merge added are a conflict left.
                ours, _, theirs = unmerged.get(path, (None, b"", None))
                problem = verify.markers({path: data}, also_in=(ours or b"", theirs or b""))
                if problem:
                    return problem
            return ""

        def intended() -> str:
            candidate = {p: (self.blob(self.onto, p), self.blob(tip_tree, p)) for p in changed}
            attempt.lost = intent.lost(
                self._howto, candidate, functools.partial(self.blob, self.onto), renames
            )
            return intent.describe(attempt.lost)

        def removals() -> str:
            for path, data in sorted(current.items()):
                ours, base, theirs = unmerged[path]
                assert ours is not None and theirs is not None
                problem = verify.removals_stay_removed(data, ours, base, theirs)
                if problem:
                    return f"{path}: {problem}"
            return ""

        def round_trip() -> str:
            for path, data in sorted(current.items()):
                ours, base, theirs = unmerged[path]
                assert ours is not None and theirs is not None  # else a note failed markers
                undo = functools.partial(merge_tools.undo, scratch=self.scratch)
                problem = verify.round_trip(data, ours, base, theirs, undo)
                if problem:
                    return f"{path}: {problem}"
            return ""

        def tip() -> str:
            if attempt.tip is None:
                attempt.tip = self._commit_chain(trees, originals, method, CHECKS)
            return attempt.tip

        checks = [
            (MARKERS, markers),
            (INTENT, intended),
            (COMPILES, lambda: verify.compiles(python_files())),
            (
                NAMES,
                lambda: verify.new_names(current, {p: (o, t) for p, (o, _, t) in unmerged.items()}),
            ),
        ]
        if self.extra_checks:
            checks.append((REMOVALS, removals))
            checks.append((ROUND_TRIP, round_trip))
        no_tests = []

        def smoke() -> str:
            problem = self._tests().smoke(tip(), sorted(changed | set(self._howto)))
            if problem is None:
                no_tests.append(True)
            return problem or ""

        if self.smoke_test is not None:
            checks.append((SMOKE, smoke))

        def proved() -> str:
            if self.smoke_test is None or no_tests:
                return "no test ran on the merged HOWTO: no hunk of it can be proved"
            return self._tests().prove(attempt, tip())

        if self.proving is not None:
            checks.append((PROVED, proved))
        run_checks(checks, attempt)
        if no_tests and SMOKE in attempt.passed:
            attempt.passed.remove(SMOKE)  # nothing ran: not claimed as verified
        if attempt.accepted:
            attempt.tip = self._commit_chain(trees, originals, method, attempt.passed)
        return attempt

    def _commit_chain(self, trees, originals, method: str, checks: Sequence[str]) -> str:
        """Write the replayed commits; return the new tip."""
        steps = []
        for commit, tree, was_resolved in trees:
            original = originals[commit]
            started_empty = original.tree == self._tree(original.parents[0])
            if was_resolved:
                original = dataclasses.replace(
                    original, message=with_trailers(original.message, method, checks)
                )
            steps.append(chain.Step(commit, original, tree, started_empty))
        chained = chain.chain(self.repo, self.onto, self._tree(self.onto), steps, self.committer)
        self.repo.write_commits(chained.bodies)
        return chained.tip

    def _tree(self, commit: str) -> str:
        if commit not in self._trees:
            self._trees[commit] = self.repo.read_commits([commit])[commit].tree
        return self._trees[commit]

    def _tests(self) -> smoke_check.CandidateTests:
        assert self.smoke_test is not None
        return smoke_check.CandidateTests(
            self.repo, self.onto, self.smoke_test, self.devices, self._jax_env, self.proving
        )
