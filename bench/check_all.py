"""Benchmark: `howtoctl check` on 100 diffs against a raw `git apply --check` loop.

    python bench/check_all.py [--howtos 100]

Both check the same 100 diff files against the same tree, in the same run. Goal: check takes
at most 1.3x the raw loop (it also parses every diff and reports per HOWTO). Writes the figures
to bench/results/check_all.json (bench/results.py).
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from bench import compile_howtoctl, results, synthetic  # noqa: E402

GOAL_RATIO = 1.3


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--howtos", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    run = results.Run(
        "check_all",
        what=f"howtoctl check (whole command) on {args.howtos} diffs, the HOWTO branches deleted "
        "as on a fresh CI clone, against a raw `git apply --check --cached` loop over the same "
        "diffs and tree; medians",
        goal=f"check takes <= {GOAL_RATIO:g}x the raw loop",
    )
    compile_howtoctl()
    with tempfile.TemporaryDirectory(prefix="howtoctl-bench-") as tmp:
        repo = pathlib.Path(tmp) / "repo"
        synthetic.build(repo, branches=args.howtos, files=200, conflict_every=0)
        subprocess.run(
            [sys.executable, "-m", "howtoctl", "-C", str(repo), "save", "--all"],
            check=True,
            capture_output=True,
        )
        for cmd in (["add", "-A"], ["commit", "-qm", "diffs"]):
            subprocess.run(["git", "-C", str(repo), *cmd], check=True)
        # Branches gone, as in CI on a fresh clone: check parses and applies every diff.
        refs = subprocess.run(
            [
                "git",
                "-C",
                str(repo),
                "for-each-ref",
                "--format=delete %(refname)",
                "refs/heads/howto/",
            ],
            capture_output=True,
            text=True,
        ).stdout
        subprocess.run(
            ["git", "-C", str(repo), "update-ref", "--stdin"], input=refs, text=True, check=True
        )
        diffs = sorted((repo / "howtos" / "diffs").glob("*.diff"))

        def raw_loop():
            for d in diffs:
                subprocess.run(
                    ["git", "-C", str(repo), "apply", "--check", "--cached", str(d)],
                    check=True,
                    capture_output=True,
                )

        def howtoctl_check():
            p = subprocess.run(
                [sys.executable, "-m", "howtoctl", "-C", str(repo), "check"], capture_output=True
            )
            assert p.returncode == 0, p.stderr

        raw = timed(raw_loop, args.repeat)
        ours = timed(howtoctl_check, args.repeat)
        print(f"{len(diffs)} diffs (median of {args.repeat} runs)")
        print(f"  raw `git apply --check` loop : {raw:6.3f} s")
        print(f"  howtoctl check               : {ours:6.3f} s")
        print(f"  ratio                        : {ours / raw:6.2f}x  (goal <= {GOAL_RATIO:g}x)")
    ratio = results.ratio(ours, raw)
    run.write(
        measured={
            "diffs": len(diffs),
            "howtoctl_check_seconds": round(ours, 3),
            "runs": args.repeat,
        },
        baseline={
            "what": "git apply --check --cached DIFF, once per diff",
            "seconds": round(raw, 3),
            "runs": args.repeat,
        },
        ratio=ratio,
        ratio_means="howtoctl check seconds / raw loop seconds (lower is better)",
        goal_met=bool(ratio <= GOAL_RATIO),
    )


if __name__ == "__main__":
    main()
