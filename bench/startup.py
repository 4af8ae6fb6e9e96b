"""Benchmark: CLI start-up, `howtoctl --help` and `howtoctl list` on this repository.

    python bench/startup.py

Prints the median wall time of each against `python -c pass` (the interpreter's own start-up,
measured in the same run). Goal: each under 0.25 s.
"""

from __future__ import annotations

import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def median_time(cmd, repeat=9) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, cwd=ROOT)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    base = median_time([sys.executable, "-c", "pass"])
    print(f"python -c pass        : {base:6.3f} s")
    for args in (["--help"], ["list"], ["check"]):
        t = median_time([sys.executable, "-m", "howtoctl", *args])
        print(
            f"howtoctl {' '.join(args):<13}: {t:6.3f} s  ({t / base:4.1f}x the bare interpreter; goal < 0.25 s)"
        )


if __name__ == "__main__":
    main()
