"""Benchmark: `howtoctl rebase-all` against a checkout-based `git rebase` loop on the same repo.

    python bench/rebase_all.py [--branches 100] [--repeat 5] [--loop-repeat 3] [--scaling 10,100,1000]

Both run on identical fresh copies of a synthetic repository (bench/synthetic.py): ~200 files,
base advanced by three commits that touch some HOWTO files cleanly and conflict with every 10th
branch. Each figure is the median of several runs, each on its own fresh copy: this machine is
noisy. Prints seconds, per-branch milliseconds and the speed-up ratio; checks that both approaches
give the same trees and that rebase-all left the work tree untouched. Writes the figures to
bench/results/rebase_all.json (bench/results.py). Goal: >= 5x the loop, < 5 ms a branch.

howtoctl is timed as a whole command (`python -m howtoctl`), interpreter start-up included; the
bare interpreter's start-up (`python -c pass`) is printed alongside. The package's bytecode is
compiled first, as a regular `pip install` does (an editable install under
PYTHONDONTWRITEBYTECODE would otherwise recompile every module on every run).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from bench import compile_howtoctl, results, synthetic  # noqa: E402

GOAL_RATIO = 5.0
GOAL_MS_PER_BRANCH = 5.0


def git(repo, *args, check=True):
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=check
    )


def tree_digest(root) -> str:
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for f in sorted(filenames):
            p = os.path.join(dirpath, f)
            h.update(p.encode())
            h.update(open(p, "rb").read())
    return h.hexdigest()


def branch_trees(repo) -> dict[str, str]:
    out = git(
        repo, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/howto/"
    ).stdout
    refs = dict(line.split() for line in out.splitlines())
    return {b: git(repo, "rev-parse", f"{oid}^{{tree}}").stdout.strip() for b, oid in refs.items()}


def checkout_loop(repo) -> tuple[float, int]:
    """What a maintainer's script would do: check out and rebase each branch in turn."""
    branches = git(
        repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/howto/"
    ).stdout.split()
    conflicts = 0
    start = time.perf_counter()
    for b in branches:
        if git(repo, "rebase", "-q", "main", b, check=False).returncode != 0:
            git(repo, "rebase", "--abort", check=False)
            conflicts += 1
    git(repo, "checkout", "-q", "main")
    return time.perf_counter() - start, conflicts


def howtoctl_rebase(repo) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "howtoctl", "-C", str(repo), "rebase-all", "--json"],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr)
    import json

    data = json.loads(proc.stdout)
    return elapsed, sum(b["status"] == "conflict" for b in data["branches"])


def median_of(results: list[tuple[float, object]]) -> tuple[float, object]:
    """The median time of (seconds, outcome) runs, and the last run's outcome."""
    return statistics.median(r[0] for r in results), results[-1][1]


def run(branches: int, compare: bool, workdir: str, repeat: int, loop_repeat: int) -> dict:
    workdir = pathlib.Path(tempfile.mkdtemp(dir=workdir))
    src = workdir / f"src{branches}"
    synthetic.build(src, branches=branches)
    copies = iter(range(10**6))

    def ours_once():
        ours = workdir / f"ours{branches}-{next(copies)}"
        shutil.copytree(src, ours)
        before = tree_digest(ours)
        elapsed, conflicts = howtoctl_rebase(ours)
        assert tree_digest(ours) == before, "rebase-all changed the work tree"
        return elapsed, (ours, conflicts)

    def loop_once():
        theirs = workdir / f"theirs{branches}-{next(copies)}"
        shutil.copytree(src, theirs)
        elapsed, conflicts = checkout_loop(theirs)
        return elapsed, (theirs, conflicts)

    # Interleaved, so that a burst of load on this shared machine hits both sides alike.
    ours_runs, loop_runs = [], []
    for i in range(max(repeat, loop_repeat if compare else 0)):
        if i < repeat:
            ours_runs.append(ours_once())
        if compare and i < loop_repeat:
            loop_runs.append(loop_once())
    t_ours, (ours, c_ours) = median_of(ours_runs)
    result = {"branches": branches, "howtoctl_s": t_ours, "conflicts": c_ours}
    if compare:
        t_loop, (theirs, c_loop) = median_of(loop_runs)
        assert c_loop == c_ours, (c_loop, c_ours)
        assert branch_trees(ours) == branch_trees(theirs), "trees differ from git rebase"
        result.update(loop_s=t_loop)
    return result


def interpreter_start(repeat: int = 9) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--branches", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5, help="howtoctl runs per figure (median)")
    ap.add_argument("--loop-repeat", type=int, default=3, help="checkout-loop runs (median)")
    ap.add_argument(
        "--scaling", default="10,100,1000", help="branch counts for the growth table ('' to skip)"
    )
    args = ap.parse_args()
    run_ = results.Run(
        "rebase_all",
        what=f"howtoctl rebase-all --json on {args.branches} branches (whole command) against a "
        "checkout + git rebase loop on an identical copy; medians; same trees checked",
        goal=f">= {GOAL_RATIO:g}x faster than the loop, < {GOAL_MS_PER_BRANCH:g} ms a branch",
    )
    compile_howtoctl()
    with tempfile.TemporaryDirectory(prefix="howtoctl-bench-") as tmp:
        r = run(args.branches, True, tmp, args.repeat, args.loop_repeat)
        per_ours = 1000 * r["howtoctl_s"] / r["branches"]
        per_loop = 1000 * r["loop_s"] / r["branches"]
        speedup = results.ratio(r["loop_s"], r["howtoctl_s"], 1)
        start_s = interpreter_start()
        print(
            f"{r['branches']} branches, {r['conflicts']} conflicting (same trees as git rebase: yes); "
            f"medians of {args.loop_repeat} loop and {args.repeat} howtoctl runs"
        )
        print(f"  checkout + git rebase loop : {r['loop_s']:7.3f} s  ({per_loop:6.1f} ms/branch)")
        print(
            f"  howtoctl rebase-all        : {r['howtoctl_s']:7.3f} s  ({per_ours:6.1f} ms/branch)"
        )
        print(
            f"  speed-up                   : {speedup:7.1f}x  (goal >= {GOAL_RATIO:g}x, "
            f"< {GOAL_MS_PER_BRANCH:g} ms/branch)"
        )
        print(f"  of which python -c pass    : {start_s:7.3f} s  (interpreter start-up)")
        growth = []
        if args.scaling:
            print("growth (howtoctl rebase-all, whole command incl. start-up):")
            for n in (int(x) for x in args.scaling.split(",")):
                s = run(n, False, tmp, args.repeat, 0)
                print(
                    f"  {n:5d} branches: {s['howtoctl_s']:7.3f} s  {1000 * s['howtoctl_s'] / n:6.2f} ms/branch"
                )
                growth.append(
                    {
                        "branches": n,
                        "conflicts": s["conflicts"],
                        "howtoctl_seconds": round(s["howtoctl_s"], 3),
                        "ms_per_branch": round(1000 * s["howtoctl_s"] / n, 2),
                    }
                )
    run_.write(
        measured={
            "branches": r["branches"],
            "conflicts": r["conflicts"],
            "howtoctl_seconds": round(r["howtoctl_s"], 3),
            "ms_per_branch": round(per_ours, 2),
            "runs": args.repeat,
            "same_trees_as_git_rebase": True,  # run() asserts it
            "work_tree_untouched": True,  # run() asserts it
        },
        baseline={
            "what": "for each branch: git rebase -q main BRANCH (checks it out), abort on conflict",
            "seconds": round(r["loop_s"], 3),
            "ms_per_branch": round(per_loop, 2),
            "runs": args.loop_repeat,
            "python_c_pass_seconds": round(start_s, 3),
        },
        ratio=speedup,
        ratio_means="checkout loop seconds / howtoctl rebase-all seconds (higher is better)",
        goal_met=bool(speedup >= GOAL_RATIO and per_ours < GOAL_MS_PER_BRANCH),
        growth=growth,
    )


if __name__ == "__main__":
    main()
