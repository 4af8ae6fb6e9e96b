"""Benchmark: what Flax's HOWTOs cost to keep in 2020-21, by `howtoctl cost` on its history.

    python bench/flax_cost.py PATH [--since DATE]

PATH is a clone (or bare mirror) of google/flax, which kept its HOWTOs as howtos/diffs/*.diff
from March 2020 to March 2021 and never ran howtoctl: every figure comes from git alone.
Runs `python -m howtoctl -C PATH --base main cost --json --since DATE` (read-only: nothing is
written into PATH), prints per HOWTO how many base moves broke it, how long it stayed broken and
how many fixes people made, and writes the figures to bench/results/flax_cost.json
(bench/results.py). Its baseline, timed in the same run: `git log --first-parent --raw` over the
same commits (not `-p`: a mirror may lack the largest blobs, which cost never reads).

It then compares one HOWTO with a count made by hand from `git log` (HAND_COUNT below):
`checkpointing`, whose diff and example files (examples/mnist/train.py, mnist_lib.py) changed
on the first-parent line in these commits, each checked with `git apply --cached --check` of
the diff before and after the commit against the commit's tree:

    3bc5289f 2020-05-26 diff added (applies)
    37b196d4 2020-05-28 train.py and the diff: old diff fails, new applies   -> break, human fix
    cb3f3fa4 2020-08-14 mnist_lib.py and the diff: old fails, new applies    -> break, human fix
    6ab7b1ab 2020-09-20 mnist_lib.py: the diff fails                         -> break
    7ee14bc3 2020-09-21 mnist_lib.py: still fails                            -> move while broken
    a99ee98a 2020-09-22 the diff rewritten: applies                          -> human fix (2.4 days)
    e9ccc394 2021-01-05 mnist_lib.py: the diff still applies                 -> move, applying
    d068512a 2021-01-19 train.py: the diff fails                             -> break
    f708be76 2021-03-25 the diff removed                                     -> never fixed (65 days)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import results  # noqa: E402

HAND_COUNT = {
    "checkpointing": {
        "base_moves": 6,
        "moves_applying": 1,
        "breaks": 4,
        "moves_while_broken": 1,
        "human_fixes": 3,
    }
}


def run_cost(path: str, since: str) -> tuple[dict, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "howtoctl", "-C", path, "--base", "main", "cost", "--json"]
    started = time.perf_counter()
    proc = subprocess.run(
        [*cmd, "--since", since], capture_output=True, env=env, check=False, cwd=ROOT
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"howtoctl cost failed ({proc.returncode}): {proc.stderr.decode()}")
    return json.loads(proc.stdout), seconds


def _day(t: int | None) -> str:
    if t is None:
        return ""
    return datetime.datetime.fromtimestamp(t, datetime.UTC).strftime("%Y-%m-%d")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", help="a clone or bare mirror of google/flax")
    ap.add_argument("--since", default="2020-01-01")
    args = ap.parse_args()
    run = results.Run(
        "flax_cost",
        what="howtoctl cost --json (whole command) on google/flax's first-parent history since "
        + args.since
        + ", against git log --first-parent --raw over the same commits",
        goal="the figures equal the count made by hand (HAND_COUNT)",
    )

    doc, seconds = run_cost(args.path, args.since)
    started = time.perf_counter()
    subprocess.run(
        ["git", "-C", args.path, "log", "--first-parent", "--raw", "--since", args.since, "main"],
        capture_output=True,
        check=True,
    )
    log_seconds = time.perf_counter() - started
    cols = (
        "HOWTO",
        "moves",
        "applying",
        "breaks",
        "human fixes",
        "days broken",
        "longest",
        "commits broken",
        "alive",
    )
    rows = []
    for h in doc["howtos"]:
        if not h["lines"]:
            continue
        longest = max((s["days"] for s in h["stretches"]), default=0.0)
        alive = f"{_day(h['lines'][0]['time'])}..{_day(_end(h))}"
        rows.append(
            (
                h["name"],
                h["base_moves"],
                h["moves_applying"],
                h["breaks"],
                h["human_fixes"],
                f"{h['broken_days']:.1f}",
                f"{longest:.1f}",
                h["broken_commits"],
                alive,
            )
        )
    widths = [max(len(str(r[i])) for r in (cols, *rows)) for i in range(len(cols))]
    for r in (cols, *rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    t = doc["total"]
    print(
        f"\ntotal: {t['base_moves']} base moves, {t['breaks']} broke a diff, "
        f"{t['human_fixes']} human fixes, {t['broken_days']:.1f} HOWTO-days broken; "
        f"{doc['range']['commits']} first-parent commits since {args.since}; "
        f"howtoctl cost took {seconds:.2f} s"
    )
    mismatches = {}
    for name, expected in HAND_COUNT.items():
        got = next(h for h in doc["howtos"] if h["name"] == name)
        found = {k: got[k] for k in expected}
        print(f"hand count of {name}: {expected}\nhowtoctl cost:        {found}")
        if found != expected:
            mismatches[name] = found
    ratio = results.ratio(seconds, log_seconds)
    print(f"git log --first-parent --raw over the same commits: {log_seconds:.2f} s (x{ratio})")
    run.write(
        measured={"cost_seconds": round(seconds, 3), "hand_count_matches": not mismatches},
        baseline={
            "what": "git log --first-parent --raw --since DATE main",
            "seconds": round(log_seconds, 3),
        },
        ratio=ratio,
        ratio_means="howtoctl cost seconds / git log --raw seconds",
        goal_met=not mismatches,
        hand_count=HAND_COUNT,
        cost=doc,
    )
    if mismatches:
        sys.exit(f"the hand count differs: {mismatches}")


def _end(h: dict) -> int | None:
    return h["removed"]["time"] if h["removed"] else None


if __name__ == "__main__":
    main()
