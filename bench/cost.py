"""Benchmark: `howtoctl cost` over 1,000 commits of history, against `git log` over the same range.

    python bench/cost.py [--commits 1000] [--howtos 5] [--repeat 5]

Builds a synthetic repository with one `git fast-import`: 10 example files of 200 lines, and
HOWTOs whose diffs (howtos/diffs/hI.diff, written by hand as a repository that never ran
howtoctl has them) each change one line in two files. Then `main` advances one commit at a
time: each changes one line of one example file, cycling through them; a change within three
lines of a HOWTO's changed line breaks its diff, and five commits later a commit rewrites
that diff against the new files (a human fix). The builder counts the breaks and fixes it made,
and the benchmark checks that `cost` finds the same.

Times `python -m howtoctl cost --json` as a whole command (interpreter start-up included) and
`git log --first-parent` and `git log --first-parent -p` over the same commits; each figure is
the median of --repeat runs. Writes bench/results/cost.json (bench/results.py). Target: cost in
at most 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import results  # noqa: E402

FILES = 10
LINES = 200
CONTEXT = 3
FIX_AFTER = 5
TARGET_SECONDS = 2.0


def _hunk_diff(path: str, lines: list[str], k: int, new: str) -> str:
    """A git-format diff replacing line k (0-based) of `lines` with `new`, 3 lines of context."""
    lo, hi = max(0, k - CONTEXT), min(len(lines), k + CONTEXT + 1)
    body = [f" {x}" for x in lines[lo:k]] + [f"-{lines[k]}", f"+{new}"]
    body += [f" {x}" for x in lines[k + 1 : hi]]
    n = hi - lo
    return (
        f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
        f"@@ -{lo + 1},{n} +{lo + 1},{n} @@\n" + "\n".join(body) + "\n"
    )


def build(path: pathlib.Path, commits: int, howtos: int) -> dict:
    """Create the repository; return the breaks and fixes the builder made, per HOWTO."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    subprocess.run(["git", "-C", str(path), "config", "gc.auto", "0"], check=True)
    files = {f"ex/mod_{i}.py": [f"value_{i}_{k} = {k}" for k in range(LINES)] for i in range(FILES)}
    # HOWTO h changes line 40 + 20h of file 2h and line 150 of file 2h + 1 (mod FILES).
    targets = {
        f"h{h}": [
            (f"ex/mod_{(2 * h) % FILES}.py", 40 + 20 * h),
            (f"ex/mod_{(2 * h + 1) % FILES}.py", 150),
        ]
        for h in range(howtos)
    }
    out: list[bytes] = []
    when = 1_700_000_000
    mark = 0

    def diff_of(name: str) -> str:
        return "".join(
            _hunk_diff(p, files[p], k, f"{files[p][k]}  # {name}") for p, k in targets[name]
        )

    def commit(message: str, changes: dict[str, str]) -> None:
        nonlocal when, mark
        mark += 1
        when += 3600
        out.append(f"commit refs/heads/main\nmark :{mark}\n".encode())
        out.append(f"author Bench <bench@example.com> {when} +0000\n".encode())
        out.append(f"committer Bench <bench@example.com> {when} +0000\n".encode())
        msg = message.encode()
        out.append(b"data %d\n%s\n" % (len(msg), msg))
        if mark > 1:
            out.append(f"from :{mark - 1}\n".encode())
        for p, text in changes.items():
            data = text.encode()
            out.append(f"M 100644 inline {p}\ndata {len(data)}\n".encode() + data + b"\n")

    def text(p: str) -> str:
        return "\n".join(files[p]) + "\n"

    commit("examples", {p: text(p) for p in files})
    commit("HOWTOs", {f"howtos/diffs/{n}.diff": diff_of(n) for n in targets})
    facts = {n: {"breaks": 0, "human_fixes": 0} for n in targets}
    broken: dict[str, int] = {}  # name: the commit number its fix is due at
    j = 0
    while mark < commits:
        j += 1
        due = [n for n, at in broken.items() if at <= mark]
        if due:
            for n in due:
                del broken[n]
                facts[n]["human_fixes"] += 1
            commit("fix " + ", ".join(due), {f"howtos/diffs/{n}.diff": diff_of(n) for n in due})
            continue
        p = f"ex/mod_{j % FILES}.py"
        k = (j * 37) % LINES
        files[p][k] = f"value_changed_{j} = {k}"
        for n, spots in targets.items():
            if n not in broken and any(q == p and abs(k - t) <= CONTEXT for q, t in spots):
                broken[n] = mark + 1 + FIX_AFTER
                facts[n]["breaks"] += 1
        commit(f"base change {j}", {p: text(p)})
    out.append(b"done\n")
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet", "--done"],
        input=b"".join(out),
        check=True,
    )
    return {"commits": mark, "howtos": facts, "still_broken": sorted(broken)}


def median_seconds(cmd: list[str], repeat: int, **kw) -> tuple[float, bytes]:
    times, out = [], b""
    for _ in range(repeat):
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, check=True, **kw)
        times.append(time.perf_counter() - started)
        out = proc.stdout
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--howtos", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    run = results.Run(
        "cost",
        what=f"python -m howtoctl cost --json (whole command) over {args.commits} commits of a "
        "synthetic history, against git log --first-parent (-p) over the same commits; medians",
        goal=f"cost in at most {TARGET_SECONDS:g} s, finding the breaks and fixes the builder made",
    )
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "howtoctl")], check=True)
    with tempfile.TemporaryDirectory(prefix="howtoctl-bench-cost-") as tmp:
        repo = pathlib.Path(tmp) / "repo"
        facts = build(repo, args.commits, args.howtos)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cost_s, out = median_seconds(
            [sys.executable, "-m", "howtoctl", "-C", str(repo), "cost", "--json"],
            args.repeat,
            env=env,
        )
        log_s, _ = median_seconds(
            ["git", "-C", str(repo), "log", "--first-parent", "main"], args.repeat
        )
        log_p_s, _ = median_seconds(
            ["git", "-C", str(repo), "log", "--first-parent", "-p", "main"], args.repeat
        )
    doc = json.loads(out)
    found = {
        h["name"]: {"breaks": h["breaks"], "human_fixes": h["human_fixes"]} for h in doc["howtos"]
    }
    agrees = found == facts["howtos"] and doc["range"]["commits"] == facts["commits"]
    ratio_log = results.ratio(cost_s, log_s, 1)
    ratio_log_p = results.ratio(cost_s, log_p_s, 1)
    print(
        f"{doc['range']['commits']} commits, {len(doc['howtos'])} HOWTOs: howtoctl cost "
        f"{cost_s:.3f} s (target {TARGET_SECONDS} s), git log {log_s:.4f} s (x{ratio_log}), "
        f"git log -p {log_p_s:.4f} s (x{ratio_log_p}); breaks and fixes as built: {agrees}"
    )
    run.write(
        measured={
            "commits": doc["range"]["commits"],
            "howtos": len(doc["howtos"]),
            "cost_seconds": round(cost_s, 3),
            "runs": args.repeat,
            "figures_match_the_builder": agrees,
        },
        baseline={
            "what": "git log --first-parent main, and the same with -p",
            "git_log_seconds": round(log_s, 4),
            "git_log_p_seconds": round(log_p_s, 4),
            "runs": args.repeat,
        },
        ratio=ratio_log_p,
        ratio_means="howtoctl cost seconds / git log -p seconds (ratio_to_git_log: / git log)",
        goal_met=bool(cost_s <= TARGET_SECONDS and agrees),
        ratio_to_git_log=ratio_log,
        builder=facts,
        total=doc["total"],
    )
    if not agrees:
        sys.exit(f"cost found {found}, the builder made {facts['howtos']}")


if __name__ == "__main__":
    main()
