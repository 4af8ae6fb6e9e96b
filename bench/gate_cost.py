"""Benchmark: the PR gate's CPU time for a change to one example, against the whole gate and the
example's own tests.

    python bench/gate_cost.py [--touch examples/seq2seq/models.py]

In a scratch clone of this repository (nothing here is changed), a commit appends a comment to
one Python file of an example (--touch): the pull request. Then, each measured as the CPU time (user +
system) of the processes it starts, from resource.getrusage(RUSAGE_CHILDREN):

* the narrowed gate: `matrix --changed-since main`, `check --changed-since main` and
  `test --changed-since main` (the smoke tests of the HOWTOs the change can affect);
* the whole gate: `check` and `test --all` (every HOWTO's smoke test);
* the example's own tests, `python -m pytest -q EXAMPLE`: what the repository runs for that
  change without HOWTOs.

`prove` (one run per code hunk) is left out of both gates: it is measured by its own tests.
Smoke tests run one at a time (-j 1); CPU time does not depend on how many run at once.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import compile_howtoctl, results  # noqa: E402


def cpu_of(cmd: list[str], cwd: pathlib.Path, ok=(0,)) -> dict:
    """CPU seconds (children's user + system) and wall seconds of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"command": " ".join(cmd[2:] if cmd[1] == "-m" else cmd), "cpu_s": cpu, "wall_s": wall}


def git(repo: pathlib.Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}
    env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout


def measure(repo: pathlib.Path, touch: str) -> dict:
    howtoctl = [sys.executable, "-m", "howtoctl"]  # run in the clone: its own howtoctl
    example = os.path.dirname(touch)
    target = repo / touch
    target.write_text(target.read_text() + "\n# a change under review\n")
    git(repo, "commit", "-qam", f"touch {touch}")
    selected = json.loads(
        subprocess.run(
            [*howtoctl, "matrix", "--changed-since", "main"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )["include"]
    narrowed = [
        cpu_of([*howtoctl, "matrix", "--changed-since", "main"], repo),
        cpu_of([*howtoctl, "check", "--changed-since", "main"], repo),
        cpu_of([*howtoctl, "test", "--changed-since", "main", "-j", "1"], repo),
    ]
    whole = [
        cpu_of([*howtoctl, "check"], repo),
        cpu_of([*howtoctl, "test", "--all", "-j", "1"], repo, ok=(0, 1)),
    ]
    own = [cpu_of([sys.executable, "-m", "pytest", "-q", example], repo)]
    total = {k: sum(r["cpu_s"] for r in v) for k, v in (("narrowed", narrowed), ("whole", whole))}
    total["own_tests"] = own[0]["cpu_s"]
    return {
        "definition": {
            "change": f"one comment appended to {touch}",
            "cpu_s": "user + system CPU seconds of the processes started (RUSAGE_CHILDREN)",
            "narrowed_gate": "matrix, check and test with --changed-since main",
            "whole_gate": "check and test --all",
            "own_tests": f"python -m pytest -q {example}",
            "left_out": "prove (one smoke-test run per code hunk) in both gates",
        },
        "howtos": {"selected": [e["name"] for e in selected], "all": _all_names(repo)},
        "runs": {"narrowed_gate": narrowed, "whole_gate": whole, "own_tests": own},
        "cpu_s": total,
        "ratios": {
            "narrowed_gate / own_tests": total["narrowed"] / total["own_tests"],
            "narrowed_gate / whole_gate": total["narrowed"] / total["whole"],
            "whole_gate / own_tests": total["whole"] / total["own_tests"],
        },
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg()[0],
    }


def _all_names(repo: pathlib.Path) -> list[str]:
    return sorted(p.stem for p in (repo / "howtos" / "diffs").glob("*.diff"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--touch", default="examples/seq2seq/models.py", metavar="FILE")
    args = ap.parse_args()
    run = results.Run(
        "gate_cost",
        what=f"the PR gate's CPU time for a change to one example ({args.touch}), narrowed with "
        "--changed-since, against the whole gate and the example's own tests",
        goal="the narrowed gate costs about what the example's own tests do, and a small share "
        "of the whole gate",
    )
    compile_howtoctl()
    with tempfile.TemporaryDirectory(prefix="howtoctl-bench-") as tmp:
        repo = pathlib.Path(tmp) / "repo"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
        git(repo, "switch", "-q", "-c", "pull-request")
        git(repo, "branch", "-f", "main", "HEAD")  # the base: this checkout's commit
        result = measure(repo, args.touch)
    for name, runs in result["runs"].items():
        for r in runs:
            print(f"{name:14} {r['cpu_s']:8.1f} s CPU {r['wall_s']:8.1f} s wall  {r['command']}")
    print(f"HOWTOs selected: {', '.join(result['howtos']['selected']) or 'none'}")
    for k, v in result["cpu_s"].items():
        print(f"{k:14} {v:8.1f} s CPU")
    for k, v in result["ratios"].items():
        print(f"{k:30} {v:6.2f}")
    cpu = result.pop("cpu_s")
    for key in ("ratios", "cpus", "load_average_at_end"):
        result.pop(key)
    run.write(
        measured={"narrowed_gate_cpu_s": round(cpu["narrowed"], 1)},
        baseline={
            "own_tests_cpu_s": round(cpu["own_tests"], 1),
            "whole_gate_cpu_s": round(cpu["whole"], 1),
        },
        ratio=results.ratio(cpu["narrowed"], cpu["own_tests"]),
        ratio_means="narrowed gate CPU / the example's own tests' CPU",
        goal_met=None,
        narrowed_share_of_whole_gate=results.ratio(cpu["narrowed"], cpu["whole"]),
        **result,
    )


if __name__ == "__main__":
    main()
