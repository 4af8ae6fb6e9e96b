"""Benchmark: `rebase-all --auto-resolve` on conflicts whose human fix is known.

    python bench/autoresolve.py [--flax PATH] [--no-smoke] [--prove] [--json FILE] [--verbose]

Synthetic cases (bench/autoresolve_cases.py), plus, with `--flax PATH` (a clone or bare mirror
of google/flax), real ones from Flax's 2020-21 HOWTO history: every commit that rewrote a
`howtos/diffs/*.diff` after the examples changed. The old diff's fork point is the newest
earlier commit it applies to; the new base is that commit; the human fix is the rewritten diff
applied to it. Only the files the diffs touch are replayed (Flax's 2020 code does not run
against today's JAX, so these cases have no smoke test), and nothing of Flax is stored here.

For git alone, each candidate method alone and the whole pipeline, prints per method: cases
resolved (a result without conflict markers or rejected hunks), accepted (every check passed),
equal to the human fix ignoring whitespace (or up to an import's position), and wrongly
accepted (accepted but different from the human fix). Plain git, evaluated on the same cases in
the same run, is the baseline. Writes the figures to bench/results/autoresolve.json
(bench/results.py); --json FILE also dumps every case's result records.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from bench import autoresolve_cases, results  # noqa: E402
from bench.autoresolve_cases import Case  # noqa: E402
from bench.gitdir import applies as _applies  # noqa: E402
from bench.gitdir import diff_paths as _diff_paths  # noqa: E402
from bench.gitdir import find_git_dir  # noqa: E402
from bench.gitdir import git as _git  # noqa: E402

HISTORY_DEPTH = 60  # earlier commits searched for the old diff's fork point


def _applied(files: dict[str, str], diff: bytes, tmp: str) -> dict[str, str | None] | None:
    """`files` with `diff` applied (plain `git apply` in a scratch directory), or None."""
    work = tempfile.mkdtemp(dir=tmp)
    for rel, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(work, rel)), exist_ok=True)
        with open(os.path.join(work, rel), "w") as f:
            f.write(text)
    proc = subprocess.run(["git", "apply", "-"], cwd=work, input=diff, capture_output=True)
    if proc.returncode != 0:
        return None
    out: dict[str, str | None] = {}
    for rel in set(files) | set(_diff_paths(diff)):
        path = os.path.join(work, rel)
        out[rel] = open(path).read() if os.path.exists(path) else None
    return out


def _files_at(git_dir: str, commit: str, paths: list[str]) -> dict[str, str]:
    files = {}
    for p in paths:
        proc = _git(git_dir, "show", f"{commit}:{p}", check=False)
        if proc.returncode == 0:
            files[p] = proc.stdout.decode(errors="replace")
    return files


def _completed_fix(
    git_dir: str, commit: str, diff_path: str, paths: list[str], diff: bytes
) -> tuple[str, bytes]:
    """The human fix as finally made: a first fix was sometimes wrong and corrected by more
    commits that changed only the diff (scheduled-sampling in Sept. 2020 took four). Follows
    the commits after `commit` until one changes the example files; returns the last diff."""
    later = (
        _git(
            git_dir,
            "rev-list",
            "--reverse",
            "--topo-order",
            "--ancestry-path",
            f"^{commit}",
            "--all",
            "--",
            diff_path,
            *paths,
        )
        .stdout.decode()
        .split()
    )
    final = commit
    for c in later:
        touched = _git(git_dir, "diff", "--name-only", f"{c}^", c, "--").stdout.decode().split()
        if set(touched) & set(paths):
            break
        if diff_path in touched:
            shown = _git(git_dir, "show", f"{c}:{diff_path}", check=False)
            if shown.returncode != 0:
                break
            final, diff = c, shown.stdout
    return final, diff


def flax_cases(git_dir: str) -> tuple[list[Case], list[str]]:
    """Real conflicts from Flax's HOWTO history; also the reasons commits were left out."""
    cases, skipped = [], []
    seen: dict[str, str] = {}  # a conflict met again in another commit counts once
    log = _git(git_dir, "log", "--all", "--no-merges", "--format=%H", "--", "howtos/diffs").stdout
    with tempfile.TemporaryDirectory(prefix="flax-cases-") as tmp:
        for commit in log.decode().split():
            changed = (
                _git(
                    git_dir,
                    "diff",
                    "--name-only",
                    "--diff-filter=M",
                    f"{commit}^",
                    commit,
                    "--",
                    "howtos/diffs",
                )
                .stdout.decode()
                .split()
            )
            for diff_path in changed:
                label = f"{commit[:8]} {os.path.basename(diff_path)}"
                old = _git(git_dir, "show", f"{commit}^:{diff_path}").stdout
                new = _git(git_dir, "show", f"{commit}:{diff_path}").stdout
                if _applies(git_dir, commit, old, tmp):
                    skipped.append(f"{label}: the old diff still applies (an edit, not a fix)")
                    continue
                if not _applies(git_dir, commit, new, tmp):
                    skipped.append(f"{label}: the new diff does not apply either")
                    continue
                paths = sorted(set(_diff_paths(old)) | set(_diff_paths(new)))
                history = (
                    _git(
                        git_dir,
                        "rev-list",
                        f"--max-count={HISTORY_DEPTH}",
                        f"{commit}^",
                        "--",
                        *paths,
                    )
                    .stdout.decode()
                    .split()
                )
                fork = next((c for c in history if _applies(git_dir, c, old, tmp)), None)
                if fork is None:
                    skipped.append(f"{label}: no earlier commit the old diff applies to")
                    continue
                base = _files_at(git_dir, fork, paths)
                onto = _files_at(git_dir, commit, paths)
                branch = _applied(base, old, tmp)
                final, new = _completed_fix(git_dir, commit, diff_path, paths, new)
                fix = _applied(onto, new, tmp)
                if branch is None or fix is None:
                    skipped.append(f"{label}: a diff does not apply to its files alone")
                    continue
                main = {p: onto.get(p) for p in paths if onto.get(p) != base.get(p)}
                if not main:
                    skipped.append(f"{label}: the examples did not change")
                    continue
                key = json.dumps([base, main, branch, fix], sort_keys=True)
                if key in seen:
                    skipped.append(f"{label}: the same conflict as {seen[key]}")
                    continue
                seen[key] = label
                cases.append(
                    Case(
                        f"flax-{label.replace(' ', '-')}",
                        "flax history",
                        base,
                        main,
                        [branch],
                        fix,
                        mechanical=False,  # decided below, from the fix's words
                        runs=False,
                        why=f"fork {fork[:8]}, fixed in {commit[:8]}"
                        + (f", fix completed in {final[:8]}" if final != commit else ""),
                    )
                )
                cases[-1].mechanical = autoresolve_cases.only_mechanical(cases[-1])
    return cases, skipped


def summarize(results) -> dict[str, dict[str, int]]:
    table: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for r in results:
        row = table[r.method]
        row["cases"] += 1
        row["resolved"] += r.resolved
        row["accepted"] += r.accepted
        row["equal"] += r.accepted and r.match == "equal"
        row["equal-but-imports"] += r.accepted and r.match == "equal-but-imports"
        row["wrong"] += r.wrong
    return {m: dict(c) for m, c in table.items()}


def _report(label: str, cases: list[Case], outcomes) -> dict:
    """Print one group's table; return its figures."""
    names = {c.name for c in cases}
    mine = [r for r in outcomes if r.case in names]
    conflicts = {r.case for r in mine if r.method == "auto-resolve"}
    clean = len(names) - len(conflicts)
    print(
        f"\n{label}: {len(cases)} cases, {len(conflicts)} conflict for git ({clean} merge cleanly)"
    )
    table = summarize(r for r in mine if r.case in conflicts and r.method != "git")
    print(
        f"  {'method':18} {'resolved':>9} {'accepted':>9} {'equal':>6} {'eq+imports':>10} {'wrong':>6}"
    )
    for method, row in table.items():
        print(
            f"  {method:18} {row.get('resolved', 0):>9} {row.get('accepted', 0):>9} "
            f"{row.get('equal', 0):>6} {row.get('equal-but-imports', 0):>10} {row.get('wrong', 0):>6}"
        )
    pipeline = {r.case: r for r in mine if r.method == "auto-resolve"}
    mechanical = sorted(c.name for c in cases if c.mechanical and c.name in conflicts)
    removed = [n for n in mechanical if pipeline[n].accepted and not pipeline[n].wrong]
    print(f"  mechanical conflicts removed by --auto-resolve: {len(removed)} of {len(mechanical)}")
    for n in mechanical:
        if n not in removed:
            print(f"    not: {n} ({pipeline[n].failed}: {pipeline[n].detail[:90]})")
    wrong = sorted(n for n, r in pipeline.items() if r.wrong)
    print(f"  wrongly accepted by --auto-resolve: {len(wrong)} {' '.join(wrong)}")
    return {
        "cases": len(cases),
        "git_conflicts": len(conflicts),
        "auto_resolved": sum(pipeline[n].accepted and not pipeline[n].wrong for n in conflicts),
        "conflicts_left": sum(not pipeline[n].accepted for n in conflicts),
        "wrongly_accepted": len(wrong),
        "mechanical": len(mechanical),
        "mechanical_removed": len(removed),
        "methods": table,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--flax", metavar="PATH", help="a google/flax clone or mirror (its git dir)")
    ap.add_argument("--no-smoke", action="store_true", help="leave out the smoke-test cases")
    ap.add_argument("--json", metavar="FILE")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--prove", action="store_true", help="also the pipeline with --prove (slower)")
    args = ap.parse_args()
    run = results.Run(
        "autoresolve",
        what="rebase-all --auto-resolve on conflicts whose human fix is known: the synthetic "
        "cases"
        + ("" if args.no_smoke else " (with the smoke-test ones)")
        + (", and Flax's 2020-21 HOWTO diff rewrites" if args.flax else "")
        + "; plain git on the same cases is the baseline",
        goal="no wrong merge accepted; at least half the mechanical conflicts removed",
    )
    cases = list(autoresolve_cases.CASES)
    if not args.no_smoke:
        cases += autoresolve_cases.SMOKE_CASES
    if args.flax:
        git_dir = find_git_dir(args.flax)
        real, skipped = flax_cases(git_dir)
        print(f"flax: {len(real)} usable conflict(s); {len(skipped)} diff rewrite(s) left out")
        if args.verbose:
            for s in skipped:
                print(f"  left out {s}")
        cases += real
    started = time.monotonic()
    outcomes = []
    for case in cases:
        rs = autoresolve_cases.evaluate(case, round_trip_too=True, prove_too=args.prove)
        outcomes += rs
        if args.verbose:
            for r in rs:
                print(
                    f"{r.case:34} {r.method:15} resolved={r.resolved!s:5} accepted={r.accepted!s:5} "
                    f"{r.match or '-':18} {r.failed} {r.detail[:100]}"
                )
    print(f"{len(cases)} cases, {time.monotonic() - started:.1f} s")
    groups = {
        "flax history": [c for c in cases if c.kind == "flax history"],
        "synthetic": [c for c in cases if c.kind != "flax history"],
    }
    groups = {
        label: _report(label, group, outcomes)
        for label, group in [*groups.items(), ("all", cases)]
        if group
    }
    every = groups["all"]
    run.write(
        measured={k: every[k] for k in ("auto_resolved", "conflicts_left", "wrongly_accepted")},
        baseline={"what": "plain git rebase", "conflicts_left": every["git_conflicts"]},
        ratio=results.ratio(every["conflicts_left"], every["git_conflicts"]),
        ratio_means="conflicts --auto-resolve leaves / conflicts plain git leaves "
        "(lower is better)",
        goal_met=every["wrongly_accepted"] == 0
        and 2 * every["mechanical_removed"] >= every["mechanical"],
        groups={
            label: {k: v for k, v in g.items() if k != "methods"} for label, g in groups.items()
        },
        methods=every["methods"],
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump([r.__dict__ for r in outcomes], f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
