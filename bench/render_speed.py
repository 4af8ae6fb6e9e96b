"""How long `howtoctl render` takes on a fixture repository of ~10 realistic HOWTOs.

    python bench/render_speed.py [--howtos N] [--repeat R] [--budget SECONDS]

Builds the fixture (not timed), then times `--repeat` whole runs of `python -m howtoctl render`
as a user runs it: interpreter start, imports, reading the workspace with git, highlighting,
pages, atomic writes, against `python -m howtoctl --version` (starting Python and click) in the
same run. Exits 1 when the median is over the budget (2 s). Writes the figures to
bench/results/render_speed.json (bench/results.py). Run from the repository root.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import results  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--howtos", type=int, default=10, help="How many HOWTOs (at least 3).")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--budget", type=float, default=2.0, help="Seconds allowed for one render.")
    args = ap.parse_args(argv)
    run = results.Run(
        "render_speed",
        what=f"whole `python -m howtoctl render` runs on a fixture repository of {args.howtos} "
        "HOWTOs (tests/render_fixture.py), against `python -m howtoctl --version` in the same run",
        goal=f"median render under {args.budget:g} s",
    )

    from tests import render_fixture

    with tempfile.TemporaryDirectory(prefix="howtoctl-speed-") as tmp:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            repo = render_fixture.build(
                pathlib.Path(tmp) / "repo", extra=max(0, args.howtos - len(render_fixture.HOWTOS))
            )
        out = pathlib.Path(tmp) / "site"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }

        def timed(*cli_args: str) -> float:
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "howtoctl", *cli_args],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            elapsed = time.perf_counter() - start
            if proc.returncode != 0:
                raise SystemExit(f"howtoctl {' '.join(cli_args)} failed:\n{proc.stderr}")
            return elapsed

        startup_times = [timed("--version") for _ in range(3)]
        startup = min(startup_times)
        times = [
            timed("-C", str(repo.path), "render", "--out", str(out)) for _ in range(args.repeat)
        ]
        pages = sorted(out.glob("*.html"))
        size = sum(p.stat().st_size for p in pages)
    best, median = min(times), statistics.median(times)
    print(
        f"render: {args.howtos} HOWTOs, {len(pages)} pages, {size / 1e6:.2f} MB: "
        f"best {best:.3f} s, median {median:.3f} s, worst {max(times):.3f} s per `howtoctl render` "
        f"(of which {startup:.3f} s is starting Python and click; budget {args.budget:.1f} s)"
    )
    run.write(
        measured={
            "howtos": args.howtos,
            "pages": len(pages),
            "megabytes": round(size / 1e6, 2),
            "best_seconds": round(best, 3),
            "median_seconds": round(median, 3),
            "worst_seconds": round(max(times), 3),
            "runs": args.repeat,
        },
        baseline={
            "what": "python -m howtoctl --version (starting Python and click)",
            "best_seconds": round(startup, 3),
            "runs": len(startup_times),
        },
        ratio=results.ratio(median, startup, 1),
        ratio_means="median render seconds / best --version seconds",
        goal_met=median <= args.budget,
    )
    return 0 if median <= args.budget else 1


if __name__ == "__main__":
    os.environ.setdefault("COLUMNS", "120")
    raise SystemExit(main())
