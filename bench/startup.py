"""Benchmark: CLI start-up, `howtoctl --help` and `howtoctl list` on this repository.

    python bench/startup.py

Prints the median wall time of each against `python -c pass` (the interpreter's own start-up,
measured in the same run). Goal: each under 0.25 s. Output to a pipe is plain text; in a terminal
rich styles it, which costs its import: `list` is also timed in a pseudo-terminal (util-linux
`script`, when installed), against `python -c pass` run the same way.

The package's bytecode is compiled first, as a regular `pip install` does. Writes the figures to
bench/results/startup.json (bench/results.py).
"""

from __future__ import annotations

import pathlib
import shlex
import shutil
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import compile_howtoctl, results  # noqa: E402

GOAL_SECONDS = 0.25


def median_time(cmd, repeat=9) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, cwd=ROOT)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def in_terminal(cmd: list[str]) -> list[str]:
    return ["script", "-qec", shlex.join(cmd), "/dev/null"]


def main() -> None:
    run = results.Run(
        "startup",
        what="wall time of whole `python -m howtoctl` commands on this repository (output to a "
        "pipe; `list` also in a pseudo-terminal), medians of 9, against `python -c pass` "
        "run the same way",
        goal=f"each command under {GOAL_SECONDS:g} s",
    )
    compile_howtoctl()
    base = median_time([sys.executable, "-c", "pass"])
    print(f"python -c pass        : {base:6.3f} s")
    commands = {}
    for args in (["--help"], ["list"], ["check"]):
        t = median_time([sys.executable, "-m", "howtoctl", *args])
        commands[" ".join(args)] = {"seconds": round(t, 3), "ratio": results.ratio(t, base, 1)}
        print(
            f"howtoctl {' '.join(args):<13}: {t:6.3f} s  ({t / base:4.1f}x the bare interpreter; "
            f"goal < {GOAL_SECONDS:g} s)"
        )
    baseline = {"python -c pass": {"seconds": round(base, 3)}}
    if shutil.which("script"):
        tty_base = median_time(in_terminal([sys.executable, "-c", "pass"]))
        t = median_time(in_terminal([sys.executable, "-m", "howtoctl", "list"]))
        commands["list (pseudo-terminal)"] = {
            "seconds": round(t, 3),
            "ratio": results.ratio(t, tty_base, 1),
        }
        baseline["python -c pass (pseudo-terminal)"] = {"seconds": round(tty_base, 3)}
        print(
            f"in a pseudo-terminal : python -c pass {tty_base:6.3f} s, howtoctl list {t:6.3f} s "
            f"(styled by rich; goal < {GOAL_SECONDS:g} s)"
        )
    run.write(
        measured=commands,
        baseline=baseline,
        ratio=max(c["ratio"] for c in commands.values()),
        ratio_means="the slowest command's seconds / `python -c pass` run the same way",
        goal_met=all(c["seconds"] < GOAL_SECONDS for c in commands.values()),
    )


if __name__ == "__main__":
    main()
