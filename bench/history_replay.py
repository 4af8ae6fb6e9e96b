"""Benchmark: `rebase-all --auto-resolve` replayed over a project's whole HOWTO history.

    python bench/history_replay.py --flax PATH [--howtoctl DIR] [--json]
                                   [--since DATE] [--until DATE] [--focus SHA] [--verbose]

PATH is a clone or bare mirror of google/flax, which shipped HOWTOs as howtos/diffs/*.diff in
2020-21. The replay walks Flax's first-parent history from the commit that added the first
diff to the one that removed the last, in a scratch repository that borrows Flax's objects
(git alternates: nothing is written into PATH, and nothing of Flax is kept afterwards):

* every first-parent commit that changes an example or a diff becomes one commit of the
  scratch base branch `master` (Flax's tree, plus a howtos/manifest.toml whose smoke test is
  `true` for every HOWTO: Flax's 2020 code does not run on today's JAX, so only the static
  checks of --auto-resolve judge a merge here, never a test);
* a HOWTO gets its branch `howto/NAME` when its diff first appears: the diff applied to that
  commit, or to the newest earlier one it applies to (its fork point);
* an *event* is a commit that changes an example a HOWTO changes (a file in the directories
  its diff's files are in): the base moves there and the real CLI runs,
  `python -m howtoctl rebase-all --auto-resolve --json`. Each HOWTO whose branch sits on
  other versions of its examples is at stake: one *branch event*, which comes out clean (git
  rebased it), auto-resolved or left in conflict (a branch left in conflict is at stake again
  at every later event, until a human rewrite of its diff resets it);
* where a later commit rewrote `howtos/diffs/NAME.diff`, the branch is reset to that version
  (the diff applied to that commit) after being compared with it: every auto-resolution since
  the last such reset is equal to the human's version (whitespace and an import's place
  aside), different, or never compared (no human rewrote that diff again);
* an auto-resolved branch is *wrongly accepted* when (a) it lost an added or removed line of
  the HOWTO: the whitespace-free multiset of the diff's +/- lines before the rebase, minus
  those after it, leaving out added lines the new base already has and removed lines it no
  longer has, and added lines that became a similar line (difflib ratio >= 0.75: a word-level
  merge of a line both sides changed adapts it, as a human would); (b) it equals its base; or
  (c) a changed .py file no longer compiles. "Strict" counts (a) by the letter, adapted lines
  as lost too.

The same replay without --auto-resolve is the baseline: what plain git leaves in conflict.
Prints a table per event and per HOWTO; with --json, writes the figures to
bench/results/history_replay.json (bench/results.py).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import difflib
import json
import os
import pathlib
import posixpath
import re
import subprocess
import sys
import tempfile
import time
import warnings

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from bench import results  # noqa: E402
from bench.autoresolve_cases import compare  # noqa: E402
from bench.gitdir import applied_tree, diff_paths, find_git_dir, git  # noqa: E402

DIFF_DIR = "howtos/diffs"
MANIFEST = "howtos/manifest.toml"
EXCLUDED = "howtos"  # the scratch base's bookkeeping: never part of a HOWTO's change
ADAPTED = 0.75  # how similar a rebased line must be to count as the HOWTO's line, adapted
FORK_DEPTH = 60  # earlier base commits searched for a diff's fork point
FOCUS = "d068512a"  # Flax's Jan. 2021 Copybara import that moved examples/mnist's code
SMOKE_NOTE = (
    "smoke test `true` for every HOWTO: Flax's 2020-21 code does not run on today's JAX, "
    "so no test judges a merge here, only the static checks"
)
IDENT = {
    "GIT_AUTHOR_NAME": "Replay",
    "GIT_AUTHOR_EMAIL": "replay@example.com",
    "GIT_COMMITTER_NAME": "Replay",
    "GIT_COMMITTER_EMAIL": "replay@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclasses.dataclass
class Step:
    """One first-parent commit of the history: the files it changed, and its diff changes."""

    commit: str
    time: int
    date: str
    subject: str
    files: list[str]
    diffs: list[tuple[str, str | None, str | None]]  # (A/M/R/D, old name, new name)


def _name(path: str) -> str | None:
    if posixpath.dirname(path) != DIFF_DIR or not path.endswith(".diff"):
        return None
    return posixpath.basename(path)[: -len(".diff")]


def timeline(
    git_dir: str, ref: str = "HEAD", since: str | None = None, until: str | None = None
) -> list[Step]:
    """The first-parent commits of `ref` from the first diff's addition to the last one's
    removal (within `since`..`until`, ISO dates) that change anything."""
    out = git(
        git_dir,
        "log",
        "--first-parent",
        "--reverse",
        "-M",
        "--name-status",
        "--date=short",
        "--format=%x00%H%x09%at%x09%ad%x09%s",
        ref,
    ).stdout.decode(errors="replace")
    steps: list[Step] = []
    live: set[str] = set()
    started = False
    for block in out.split("\0")[1:]:
        head, _, rest = block.partition("\n")
        commit, at, date, subject = head.split("\t", 3)
        step = Step(commit, int(at), date, subject, [], [])
        for line in rest.splitlines():
            if not line.strip():
                continue
            status, *paths = line.split("\t")
            step.files += paths
            names = [_name(p) for p in paths]
            if status[0] == "R" and names[0] and names[1]:
                step.diffs.append(("R100" if status == "R100" else "R", names[0], names[1]))
            elif status[0] == "R" and names[1]:
                step.diffs.append(("A", None, names[1]))
            elif status[0] == "R" and names[0]:
                step.diffs.append(("D", names[0], None))
            elif names[0] and status[0] in "AMD":
                step.diffs.append((status[0], names[0], names[0]))
        for status, old, new in step.diffs:
            if status != "A":
                live.discard(old)
            if status != "D":
                live.add(new)
        started = started or bool(live)
        if not started:
            continue
        if (since is None or date >= since) and (until is None or date <= until):
            steps.append(step)
        if not live:
            break  # the last diff is gone
    # Only the commits that change a diff or an example some version of a diff changes.
    dirs = set()
    listed = (
        git(git_dir, "ls-tree", "--name-only", steps[0].commit, DIFF_DIR + "/") if steps else None
    )
    present = (
        [("A", None, n) for n in map(_name, listed.stdout.decode().split()) if n] if listed else []
    )
    for i, step in enumerate(steps):
        for status, _, name in step.diffs + (present if i == 0 else []):
            if status != "D":
                diff = git(git_dir, "show", f"{step.commit}:{DIFF_DIR}/{name}.diff").stdout
                dirs.update(posixpath.dirname(p) + "/" for p in diff_paths(diff))
    return [
        s
        for i, s in enumerate(steps)
        if i == 0 or s.diffs or any(f.startswith(tuple(dirs)) for f in s.files)
    ]


def _normalized(line: str) -> str:
    return re.sub(r"\s+", "", line)


def changed_lines(diff: str) -> tuple[collections.Counter, collections.Counter]:
    """The added and the removed lines of a unified diff, without whitespace (blank ones
    left out), as multisets."""
    added: collections.Counter = collections.Counter()
    removed: collections.Counter = collections.Counter()
    for line in diff.splitlines():
        if line.startswith(("+++ ", "--- ")):
            continue
        if line[:1] in "+-" and line[:1] and _normalized(line[1:]):
            (added if line[0] == "+" else removed)[_normalized(line[1:])] += 1
    return added, removed


def lost_lines(before: str, after: str, new_base_lines: set[str]) -> tuple[list[str], list[str]]:
    """The HOWTO's added and removed lines (diff `before`) its rebased version (diff `after`)
    no longer has: an added line the new base already has, or a removed line the new base no
    longer has, is not lost (pure)."""
    was_added, was_removed = changed_lines(before)
    now_added, now_removed = changed_lines(after)
    added = [ln for ln in (was_added - now_added).elements() if ln not in new_base_lines]
    removed = [ln for ln in (was_removed - now_removed).elements() if ln in new_base_lines]
    return sorted(added), sorted(removed)


def adapted(lost: list[str], before: str, after: str) -> dict[str, str]:
    """{lost added line: the new added line it became}: for each lost line, the most similar
    line the rebased diff adds that the old one did not (difflib ratio at least ADAPTED), each
    used once. A word-level merge of one line changes the HOWTO's line: that is no loss (pure)."""
    was_added, _ = changed_lines(before)
    now_added, _ = changed_lines(after)
    candidates = list((now_added - was_added).elements())
    found = {}
    for line in lost:
        scored = [(difflib.SequenceMatcher(None, line, c).ratio(), c) for c in candidates]
        best = max(scored, default=(0.0, ""))
        if best[0] >= ADAPTED:
            found[line] = best[1]
            candidates.remove(best[1])
    return found


def compile_problems(files: dict[str, str], base: dict[str, str | None]) -> list[str]:
    """The .py files of `files` that do not compile where their `base` version did (pure)."""

    def problem(text: str, path: str) -> str:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                compile(text, path, "exec", dont_inherit=True)
            except (SyntaxError, ValueError) as e:
                return f"{path}: {type(e).__name__}: {e}"
        return ""

    found = []
    for path, text in sorted(files.items()):
        if path.endswith(".py"):
            broken = problem(text, path)
            old = base.get(path)
            if broken and (old is None or not problem(old, path)):
                found.append(broken)
    return found


@dataclasses.dataclass
class Branch:
    tip: str
    fork: str  # the base commit it sits on
    dirs: tuple[str, ...]  # the example directories its diff changes
    pending: list[dict] = dataclasses.field(default_factory=list)  # auto-resolutions to judge


class Replay:
    """One replay of `steps` in a scratch repository at `work`."""

    def __init__(
        self,
        flax: str,
        steps: list[Step],
        work: str,
        auto_resolve: bool,
        howtoctl_dir: str,
        verbose: bool = False,
    ):
        self.flax = flax
        self.steps = steps
        self.auto = auto_resolve
        self.howtoctl_dir = howtoctl_dir
        self.verbose = verbose
        self.dir = os.path.join(work, "auto" if auto_resolve else "git", "repo.git")
        self.scratch = os.path.join(work, "auto" if auto_resolve else "git", "scratch")
        os.makedirs(self.scratch)
        subprocess.run(
            ["git", "init", "-q", "--bare", "--initial-branch=master", self.dir],
            check=True,
            env={**os.environ, **IDENT},
        )
        objects = os.path.join(os.path.abspath(flax), "objects")
        with open(os.path.join(self.dir, "objects", "info", "alternates"), "w") as f:
            f.write(objects + "\n")
        names = sorted({n for s in steps for _, o, n in s.diffs for n in (o, n) if n})
        names += sorted(set(self._diffs_at(steps[0].commit)) - set(names)) if steps else []
        manifest = "".join(f'[howtos.{n}]\ntest = "true"\n\n' for n in names)
        self.manifest = self.git("hash-object", "-w", "--stdin", input=manifest.encode())
        self.branches: dict[str, Branch] = {}
        self.bases: list[str] = []
        self._dir_trees: dict[tuple[str, str], str] = {}
        self.renamed: dict[str, str] = {}  # old HOWTO name -> new name
        self.records: list[dict] = []  # one per branch event
        self.rewrites: list[dict] = []  # one per human rewrite of a diff
        self.events = 0

    # -- git -----------------------------------------------------------------------------------

    def git(self, *args: str, input: bytes | None = None, git_dir: str | None = None, env=None):
        proc = git(git_dir or self.dir, *args, input=input, env={**IDENT, **(env or {})})
        return proc.stdout.decode(errors="replace").strip()

    def _diffs_at(self, commit: str) -> list[str]:
        out = git(self.flax, "ls-tree", "--name-only", commit, DIFF_DIR + "/").stdout.decode()
        return [n for n in map(_name, out.split()) if n]

    def _dir_tree(self, commit: str, d: str) -> str:
        key = (commit, d)
        if key not in self._dir_trees:
            proc = git(self.dir, "rev-parse", "-q", "--verify", f"{commit}:{d}", check=False)
            self._dir_trees[key] = proc.stdout.decode().strip()
        return self._dir_trees[key]

    def _files(self, commit: str, paths) -> dict[str, str]:
        files = {}
        for p in sorted(paths):
            proc = git(self.dir, "show", f"{commit}:{p}", check=False)
            if proc.returncode == 0:
                files[p] = proc.stdout.decode(errors="replace")
        return files

    def _changed(self, a: str, b: str) -> list[str]:
        out = self.git("diff-tree", "-r", "--no-renames", "--name-only", a, b)
        return [p for p in out.splitlines() if not p.startswith(EXCLUDED + "/")]

    def _diff(self, a: str, b: str) -> str:
        return self.git("diff-tree", "-p", "--no-renames", "-U0", a, b, "--", f":!{EXCLUDED}")

    def _commit(self, tree: str, parent: str | None, message: str, at: int) -> str:
        stamp = {"GIT_AUTHOR_DATE": f"@{at} +0000", "GIT_COMMITTER_DATE": f"@{at} +0000"}
        parents = ["-p", parent] if parent else []
        return self.git("commit-tree", tree, *parents, "-m", message, env=stamp)

    # -- the base and the branches -------------------------------------------------------------

    def _base(self, step: Step) -> str:
        env = {"GIT_INDEX_FILE": os.path.join(self.scratch, "index")}
        self.git("read-tree", step.commit, env=env)
        self.git(
            "update-index", "--add", "--cacheinfo", f"100644,{self.manifest},{MANIFEST}", env=env
        )
        tree = self.git("write-tree", env=env)
        parent = self.bases[-1] if self.bases else None
        base = self._commit(tree, parent, f"flax {step.commit[:8]} {step.subject}", step.time)
        self.bases.append(base)
        self.git("update-ref", "refs/heads/master", base)
        return base

    def _howto_commit(self, name: str, diff: bytes, step: Step) -> tuple[str, str] | None:
        """(tip, fork): `diff` applied to the newest base commit it applies to, or None."""
        for base in reversed(self.bases[-FORK_DEPTH:]):
            tree = applied_tree(self.dir, base, diff, self.scratch)
            if tree is not None:
                message = f"{name}: {DIFF_DIR}/{name}.diff of flax {step.commit[:8]}"
                return self._commit(tree, base, message, step.time), base
        return None

    def _set_branch(self, name: str, tip: str | None) -> None:
        ref = f"refs/heads/howto/{name}"
        if tip is None:
            self.git("update-ref", "-d", ref)
        else:
            self.git("update-ref", ref, tip)

    def _diff_of(self, step: Step, name: str) -> bytes:
        return git(self.flax, "show", f"{step.commit}:{DIFF_DIR}/{name}.diff").stdout

    def _create(self, name: str, step: Step) -> dict | None:
        diff = self._diff_of(step, name)
        made = self._howto_commit(name, diff, step)
        if made is None:
            return None
        dirs = tuple(sorted({posixpath.dirname(p) for p in diff_paths(diff)}))
        self.branches[name] = Branch(made[0], made[1], dirs)
        self._set_branch(name, made[0])
        return {"fork_is_this_commit": made[1] == self.bases[-1]}

    def _rewrite(self, name: str, step: Step, old_diff: bytes) -> None:
        """A human rewrote the diff: compare the branch with their version, then reset it."""
        b = self.branches.get(name)
        new_diff = self._diff_of(step, name)
        made = self._howto_commit(name, new_diff, step)
        entry = {
            "howto": name,
            "commit": step.commit[:8],
            "date": step.date,
            # An edit: the old diff still applied, so nothing needed fixing.
            "kind": "edit"
            if applied_tree(self.dir, self.bases[-1], old_diff, self.scratch)
            else "fix",
        }
        if made is None:
            entry["verdict"] = "unusable: " + self._why_unusable(step, new_diff)
        elif b is None:
            entry["verdict"] = "no branch to compare"
        else:
            tip, fork = made
            paths = set(self._changed(b.fork, b.tip)) | set(self._changed(fork, tip))
            verdict = compare(self._files(b.tip, paths), self._files(tip, paths))
            entry["verdict"] = "equal" if verdict.startswith("equal") else "different"
            entry["branch_on_same_base"] = b.fork == fork
            entry["auto_resolutions_judged"] = len(b.pending)
            for record in b.pending:
                record["human"] = entry["verdict"]
                record["human_commit"] = step.commit[:8]
        self.rewrites.append(entry)
        if made is not None:
            pending_dirs = tuple(sorted({posixpath.dirname(p) for p in diff_paths(new_diff)}))
            self.branches[name] = Branch(made[0], made[1], pending_dirs)
            self._set_branch(name, made[0])

    def _why_unusable(self, step: Step, diff: bytes) -> str:
        why = f"the diff applies to none of the last {FORK_DEPTH} base commits"
        merged = git(self.flax, "rev-parse", "-q", "--verify", f"{step.commit}^2", check=False)
        tip = merged.stdout.decode().strip()
        if tip and applied_tree(self.dir, tip, diff, self.scratch):
            why += " (it applies to the merged branch's tip: written there, not on the base)"
        return why

    def _drop(self, name: str) -> None:
        if name in self.branches:
            del self.branches[name]
            self._set_branch(name, None)

    # -- one event -----------------------------------------------------------------------------

    def _at_stake(self, base: str) -> list[str]:
        return sorted(
            n
            for n, b in self.branches.items()
            if any(self._dir_tree(b.fork, d) != self._dir_tree(base, d) for d in b.dirs)
        )

    def _rebase_all(self) -> dict:
        env = {
            **os.environ,
            **IDENT,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [self.howtoctl_dir, os.environ.get("PYTHONPATH")])
            ),
        }
        flag = "--auto-resolve" if self.auto else "--no-auto-resolve"
        proc = subprocess.run(
            [sys.executable, "-m", "howtoctl", "rebase-all", flag, "--json"],
            cwd=self.dir,
            env=env,
            capture_output=True,
        )
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"rebase-all failed ({proc.returncode}): {proc.stderr.decode()}")
        return json.loads(proc.stdout)

    def _judge(self, b: Branch, onto: str, new_tip: str) -> dict:
        """What a rebased branch lost of the HOWTO, and whether it is empty or broken."""
        lines: set[str] = set()
        for d in b.dirs:
            for p in self.git("ls-tree", "-r", "--name-only", onto, "--", d + "/").splitlines():
                for text in self._files(onto, [p]).values():
                    lines.update(_normalized(ln) for ln in text.splitlines())
        before, after = self._diff(b.fork, b.tip), self._diff(onto, new_tip)
        added, removed = lost_lines(before, after, lines)
        changed = self._changed(onto, new_tip)
        broken = compile_problems(self._files(new_tip, changed), self._files(onto, changed))
        kept = adapted(added, before, after)
        wrong = []
        if removed or set(added) - set(kept):
            wrong.append("lost-lines")
        if not changed and any(changed_lines(before)):  # (an empty branch stays empty)
            wrong.append("equals-base")
        if broken:
            wrong.append("does-not-compile")
        # By the letter of (a), a line merged word by word (adapted) is lost too.
        strict = sorted({*wrong, "lost-lines"}) if added or removed else wrong
        return {
            "wrong": wrong,
            "wrong_strict": strict,
            "lost_added": [ln for ln in added if ln not in kept],
            "lost_removed": removed,
            "adapted": kept,
            "compile": broken,
        }

    def _event(self, step: Step, base: str, stake: list[str]) -> None:
        self.events += 1
        report = self._rebase_all()
        results = {r["name"]: r for r in report["branches"]}
        for name, b in sorted(self.branches.items()):
            r = results[name]
            status = r["status"]
            record = {
                "commit": step.commit[:8],
                "date": step.date,
                "subject": step.subject,
                "howto": name,
                "status": status,
            }
            moved = status in ("rebased", "auto-resolved", "up-to-date")
            if name in stake:
                record["git"] = "conflict" if status in ("conflict", "auto-resolved") else "clean"
                if status == "auto-resolved":
                    record["method"] = r.get("method")
                if moved and r.get("new_tip"):
                    record.update(self._judge(b, base, r["new_tip"]))
                if status == "auto-resolved":
                    record["human"] = "never"  # until a human rewrite says otherwise
                    b.pending.append(record)
                if status in ("conflict", "auto-resolved"):
                    record["conflicts"] = r.get("conflicts", [])
                    record["attempts"] = [
                        f"{a['method']}: {a['failed'] or 'accepted'}" for a in r.get("attempts", [])
                    ]
                self.records.append(record)
            if moved and r.get("new_tip"):
                b.tip, b.fork = r["new_tip"], base
        if self.verbose:
            line = ", ".join(
                f"{r['howto']} {r['status']}"
                for r in self.records
                if r["commit"] == step.commit[:8]
            )
            print(f"  {step.date} {step.commit[:8]} {line}", file=sys.stderr)

    def run(self) -> None:
        for step in self.steps:
            base = self._base(step)
            stake = self._at_stake(base)
            dirs = tuple(d + "/" for b in self.branches.values() for d in b.dirs)
            if stake and any(f.startswith(dirs) for f in step.files):
                self._event(step, base, stake)
            if step is self.steps[0]:  # diffs that were there before the replay starts
                listed = {n for _, _, n in step.diffs}
                for name in self._diffs_at(step.commit):
                    if name not in listed and name not in self.branches:
                        self._create(name, step)
            for status, old, new in step.diffs:
                if status == "A":
                    if self._create(new, step) is None:
                        diff = self._diff_of(step, new)
                        self.rewrites.append(
                            {
                                "howto": new,
                                "commit": step.commit[:8],
                                "date": step.date,
                                "kind": "added",
                                "verdict": "unusable: " + self._why_unusable(step, diff),
                            }
                        )
                elif status == "D":
                    self._drop(old)
                elif status.startswith("R"):
                    b = self.branches.pop(old, None)
                    self._set_branch(old, None)
                    self.renamed[old] = new
                    if b is not None:
                        self.branches[new] = b
                        self._set_branch(new, b.tip)
                    if status != "R100":
                        previous = git(self.flax, "show", f"{step.commit}^:{DIFF_DIR}/{old}.diff")
                        self._rewrite(new, step, previous.stdout)
                else:
                    previous = git(self.flax, "show", f"{step.commit}^:{DIFF_DIR}/{old}.diff")
                    self._rewrite(new, step, previous.stdout)


# -- the figures ---------------------------------------------------------------------------------


def _tally(records: list[dict]) -> dict[str, int]:
    c: collections.Counter = collections.Counter()
    for r in records:
        c["branch_events"] += 1
        c["git_conflicts"] += r["git"] == "conflict"
        if r["status"] == "auto-resolved":
            c["auto_resolved"] += 1
            c[f"auto_resolved_human_{r['human']}"] += 1
            c["wrong_accepted"] += bool(r.get("wrong"))
            c["wrong_accepted_strict"] += bool(r.get("wrong_strict"))
            c["wrong_but_equal_to_human_fix"] += bool(r.get("wrong")) and r["human"] == "equal"
            c["strict_wrong_but_equal_to_human_fix"] += (
                bool(r.get("wrong_strict")) and r["human"] == "equal"
            )
            for why in r.get("wrong", []):
                c[f"wrong_{why.replace('-', '_')}"] += 1
        elif r["status"] == "conflict":
            c["conflicts_left"] += 1
        else:
            c["clean"] += 1
            c["clean_but_lost_lines"] += "lost-lines" in r.get("wrong", [])
    keys = [
        "branch_events",
        "clean",
        "git_conflicts",
        "auto_resolved",
        "auto_resolved_human_equal",
        "auto_resolved_human_different",
        "auto_resolved_human_never",
        "conflicts_left",
        "wrong_accepted",
        "wrong_lost_lines",
        "wrong_equals_base",
        "wrong_does_not_compile",
        "wrong_but_equal_to_human_fix",
        "wrong_accepted_strict",
        "strict_wrong_but_equal_to_human_fix",
        "clean_but_lost_lines",
    ]
    return {k: c[k] for k in keys}


def _final_names(replays: list[Replay]) -> None:
    """Name each branch event's HOWTO as it was last called (Flax renamed its diffs once)."""
    for rp in replays:
        for r in rp.records:
            name = r["howto"]
            while name in rp.renamed:
                name = rp.renamed[name]
            r["name"] = name


def figures(auto: Replay, plain: Replay | None, steps: list[Step], focus: str) -> dict:
    _final_names([auto] + ([plain] if plain else []))
    howtos = sorted({r["name"] for r in auto.records})
    plain_conflicts = collections.Counter(
        r["commit"] for r in (plain.records if plain else []) if r["git"] == "conflict"
    )
    events = []
    for commit in dict.fromkeys(r["commit"] for r in auto.records):
        mine = [r for r in auto.records if r["commit"] == commit]
        events.append(
            {
                "commit": commit,
                "date": mine[0]["date"],
                "subject": mine[0]["subject"],
                **_tally(mine),
                "plain_git_conflicts": plain_conflicts[commit],
                "howtos": {r["name"]: _short(r) for r in mine},
            }
        )
    result = {
        "definition": {
            "steps": "first-parent commits of Flax's main from the first howtos/diffs/*.diff's "
            "addition to the last one's removal that change a diff or a file in a directory "
            "some version of a diff changes",
            "event": "a step that changes a file in the directories some HOWTO's diff "
            "changes files in: the base moves there and rebase-all runs",
            "branch_event": "one HOWTO at stake in an event: its branch sits on other versions "
            "of its example directories than the new base (a branch left in conflict is at "
            "stake at every later event until a human rewrite of its diff resets it)",
            "wrong_accepted": "auto-resolved and (a) lost an added or removed line of the HOWTO "
            "(whitespace-free multiset; added lines the new base has, removed lines it no "
            "longer has, and added lines that became a similar added line, difflib ratio >= "
            f"{ADAPTED}, excepted), (b) equal to its base, or (c) a changed .py that no longer "
            "compiles where the base's version did; wrong_accepted_strict: (a) without the "
            "similar-line exception",
            "human": "each auto-resolution compared, at the next human rewrite of that diff, "
            "with the rewritten diff applied to that commit: equal (whitespace and an import's "
            "place aside), different, or never (no later rewrite)",
            "smoke_test": SMOKE_NOTE,
        },
        "steps": len(steps),
        "period": [steps[0].date, steps[-1].date] if steps else [],
        "events": auto.events,
        "totals": _tally(auto.records),
        "per_howto": {h: _tally([r for r in auto.records if r["name"] == h]) for h in howtos},
        "per_event": events,
        "human_rewrites": auto.rewrites,
        "branch_events": auto.records,
        "focus": _focus(auto, focus),
    }
    if plain is not None:
        t = _tally(plain.records)
        result["plain_git"] = {
            "events": plain.events,
            "branch_events": t["branch_events"],
            "conflicts": t["git_conflicts"],
            "events_with_a_conflict": len(
                {r["commit"] for r in plain.records if r["git"] == "conflict"}
            ),
            "per_howto": {
                h: _tally([r for r in plain.records if r["name"] == h])["git_conflicts"]
                for h in sorted({r["name"] for r in plain.records})
            },
            "human_rewrites": plain.rewrites,
        }
    return result


def _short(r: dict) -> str:
    """One branch event in a few characters: . clean, C conflict left, A auto-resolved
    (= equal to the later human fix, ~ different, ? never fixed), ! wrongly accepted."""
    if r["status"] == "conflict":
        return "C"
    if r["status"] != "auto-resolved":
        return "." + ("!" if r.get("wrong") else "")
    mark = {"equal": "=", "different": "~", "never": "?"}[r["human"]]
    return "A" + mark + ("!" if r.get("wrong") else "")


def _focus(auto: Replay, focus: str) -> dict:
    at = [r for r in auto.records if r["commit"].startswith(focus[:8])]
    out = {}
    for r in at:
        later = [
            x
            for x in auto.records
            if x["howto"] == r["howto"] and x["date"] >= r["date"] and x is not r
        ]
        fixes = [
            w
            for w in auto.rewrites
            if w["howto"] == r["howto"] and w.get("date", "") >= r["date"] and w is not r
        ]
        out[r["howto"]] = {
            **{k: r.get(k) for k in ("status", "git", "method", "wrong", "human", "conflicts")},
            "lost_added": r.get("lost_added", []),
            "lost_removed": r.get("lost_removed", []),
            "compile": r.get("compile", []),
            "attempts": r.get("attempts", []),
            "later_events": [f"{x['date']} {x['commit']} {_short(x)}" for x in later],
            "later_human_rewrites": [
                f"{w['date']} {w['commit']} {w['kind']}: {w['verdict']}" for w in fixes
            ],
        }
    return out


def without_code(fig: dict) -> dict:
    """The figures with the lost and adapted lines counted, not quoted: the JSON may be kept
    in this repository, the replayed project's code may not."""
    quoted = ("lost_added", "lost_removed", "adapted")

    def strip(record: dict) -> dict:
        return {k: len(v) if k in quoted else v for k, v in record.items()}

    return {
        **fig,
        "branch_events": [strip(r) for r in fig["branch_events"]],
        "focus": {h: strip(f) for h, f in fig["focus"].items()},
    }


def print_report(fig: dict) -> None:
    print(f"NOTE: {SMOKE_NOTE}.")
    print(
        f"{fig['steps']} steps {fig['period'][0]}..{fig['period'][1]}, {fig['events']} events, "
        f"{fig['totals']['branch_events']} branch events"
    )
    howtos = sorted(fig["per_howto"])
    width = max(6, *(len(h) for h in howtos)) if howtos else 6
    print("\n" + "  ".join(f"H{i + 1} {h}" for i, h in enumerate(howtos)))
    heads = " ".join(f"{f'H{i + 1}':>4}" for i in range(len(howtos)))
    print(f"{'date':10} {'commit':8} {heads}  git  subject")
    for e in fig["per_event"]:
        cells = " ".join(f"{e['howtos'].get(h, '-'):>4}" for h in howtos)
        git_only = e["plain_git_conflicts"] if "plain_git" in fig else "-"
        print(f"{e['date']:10} {e['commit']:8} {cells}  {git_only:>3}  {e['subject'][:56]}")
    print(
        "  . clean  C conflict left  A auto-resolved (= equal to the later human fix, "
        "~ different, ? never fixed)  ! wrongly accepted  - not at stake\n"
        "  git: conflicts plain git left at that commit in its own replay"
    )
    cols = [
        ("events", "branch_events"),
        ("clean", "clean"),
        ("git-conf", "git_conflicts"),
        ("auto", "auto_resolved"),
        ("auto=", "auto_resolved_human_equal"),
        ("auto~", "auto_resolved_human_different"),
        ("auto?", "auto_resolved_human_never"),
        ("left", "conflicts_left"),
        ("WRONG", "wrong_accepted"),
        ("lost", "wrong_lost_lines"),
        ("empty", "wrong_equals_base"),
        ("nocomp", "wrong_does_not_compile"),
        ("wrong=", "wrong_but_equal_to_human_fix"),
        ("strict", "wrong_accepted_strict"),
        ("strict=", "strict_wrong_but_equal_to_human_fix"),
        ("clean-lost", "clean_but_lost_lines"),
    ]
    print(f"\n{'HOWTO':{width}} " + " ".join(f"{c:>8}" for c, _ in cols))
    for h, row in [*fig["per_howto"].items(), ("TOTAL", fig["totals"])]:
        print(f"{h:{width}} " + " ".join(f"{row[k]:>8}" for _, k in cols))
    if "plain_git" in fig:
        p = fig["plain_git"]
        print(
            f"\nplain git: {p['conflicts']} conflicts of {p['branch_events']} branch events "
            f"({p['events_with_a_conflict']} of {p['events']} events had one)"
        )
    t = fig["totals"]
    print(
        f"auto-resolve: {t['git_conflicts']} git conflicts in its own replay, "
        f"{t['auto_resolved']} auto-resolved ({t['auto_resolved_human_equal']} equal to the "
        f"later human fix, {t['auto_resolved_human_different']} different, "
        f"{t['auto_resolved_human_never']} never fixed), {t['conflicts_left']} left, "
        f"{t['wrong_accepted']} wrongly accepted"
    )
    print("\nhuman rewrites of a diff (the branch compared before its reset):")
    for w in fig["human_rewrites"]:
        print(
            f"  {w.get('date', ''):10} {w['commit']} {w['howto']:22} {w.get('kind', ''):5} "
            f"{w['verdict']}"
            + (
                f" (judges {w['auto_resolutions_judged']} auto-resolution(s))"
                if w.get("auto_resolutions_judged")
                else ""
            )
        )
    if fig["focus"]:
        print("\nthe HOWTOs at the focus commit:")
        for h, f in fig["focus"].items():
            print(
                f"  {h}: {f['status']} (git {f['git']})"
                + (f" by {f['method']}" if f.get("method") else "")
                + (f", WRONG: {', '.join(f['wrong'])}" if f.get("wrong") else "")
                + (f", human fix: {f['human']}" if f.get("human") else "")
            )
            if f["lost_added"] or f["lost_removed"]:
                print(
                    f"    lost {len(f['lost_added'])} added line(s), "
                    f"{len(f['lost_removed'])} removed, e.g. "
                    + "; ".join((f["lost_added"] + f["lost_removed"])[:3])[:150]
                )
            if f["attempts"]:
                print(f"    attempts: {'; '.join(f['attempts'])}")
            print(f"    later: {', '.join(f['later_events']) or 'no further event'}")
            if f["later_human_rewrites"]:
                print(f"    human rewrites: {', '.join(f['later_human_rewrites'])}")


def replay(
    flax: str,
    howtoctl_dir: str,
    since: str | None = None,
    until: str | None = None,
    focus: str = FOCUS,
    plain_git: bool = True,
    ref: str = "HEAD",
    verbose: bool = False,
    keep: str | None = None,
) -> dict:
    git_dir = find_git_dir(flax)
    steps = timeline(git_dir, ref, since, until)
    with tempfile.TemporaryDirectory(prefix="history-replay-") as tmp:
        work = keep or tmp
        auto = Replay(git_dir, steps, work, True, howtoctl_dir, verbose)
        auto.run()
        plain = None
        if plain_git:
            plain = Replay(git_dir, steps, work, False, howtoctl_dir, verbose)
            plain.run()
        return figures(auto, plain, steps, focus)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--flax", metavar="PATH", required=True, help="a google/flax clone or mirror")
    ap.add_argument(
        "--howtoctl",
        metavar="DIR",
        default=str(pathlib.Path(__file__).resolve().parents[1]),
        help="the howtoctl checkout whose CLI runs (default: this one)",
    )
    ap.add_argument(
        "--json", action="store_true", help="write the figures to bench/results/history_replay.json"
    )
    ap.add_argument("--since", metavar="YYYY-MM-DD")
    ap.add_argument("--until", metavar="YYYY-MM-DD")
    ap.add_argument("--ref", default="HEAD", help="the branch whose first parents are replayed")
    ap.add_argument("--focus", default=FOCUS, help="a commit whose HOWTOs are listed")
    ap.add_argument("--no-plain-git", action="store_true", help="skip the git-only baseline")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--keep", metavar="DIR", help="keep the scratch repositories in DIR (new)")
    args = ap.parse_args()
    run = None
    if args.json:
        run = results.Run(
            "history_replay",
            what="Flax's HOWTO history replayed through `rebase-all --auto-resolve`, against "
            "the same replay with plain git",
            goal="no auto-resolution wrongly accepted",
        )
    started = time.monotonic()
    fig = replay(
        args.flax,
        os.path.abspath(args.howtoctl),
        args.since,
        args.until,
        args.focus,
        not args.no_plain_git,
        args.ref,
        args.verbose,
        args.keep,
    )
    fig["seconds"] = round(time.monotonic() - started, 1)
    fig["howtoctl"] = os.path.abspath(args.howtoctl)
    print_report(fig)
    print(f"\n{fig['seconds']} s")
    if run:
        fig = without_code(fig)
        totals, plain = fig["totals"], fig.get("plain_git")
        run.write(
            measured=totals,
            baseline=plain
            and {
                "what": "the same replay without --auto-resolve",
                **{k: v for k, v in plain.items() if results.is_scalar(v)},
            },
            ratio=plain and results.ratio(totals["conflicts_left"], plain["conflicts"]),
            ratio_means="branch events left in conflict with --auto-resolve / with plain git "
            "(lower is better)",
            goal_met=totals["wrong_accepted"] == 0,
            **{k: v for k, v in fig.items() if k not in ("totals", "seconds")},
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
