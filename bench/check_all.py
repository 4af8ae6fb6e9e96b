"""Benchmark: `howtoctl check` on 100 diffs against a raw `git apply --check` loop.

    python bench/check_all.py [--howtos 100]

Both check the same 100 diff files against the same tree, in the same run. Goal: check takes
at most 1.3x the raw loop (it also parses every diff and reports per HOWTO).
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
from bench import compile_howtoctl, synthetic  # noqa: E402


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
        print(f"  ratio                        : {ours / raw:6.2f}x  (goal <= 1.3x)")


if __name__ == "__main__":
    main()
