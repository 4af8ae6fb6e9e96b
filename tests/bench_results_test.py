"""bench/results.py, the one writer of bench/results/NAME.json: what a file holds, where it may go,
and that every measuring benchmark writes through it."""

from __future__ import annotations

import json
import os
import pathlib
import platform
import re

import pytest

from bench import results

BENCH = pathlib.Path(__file__).resolve().parents[1] / "bench"
HELPERS = {"__init__.py", "results.py", "synthetic.py", "gitdir.py", "autoresolve_cases.py"}
HELPERS.add("screenshots.py")  # takes pictures of the site, measures nothing


def test_a_run_writes_the_figures_the_machine_and_the_baseline(tmp_path):
    run = results.Run("speed", what="a thing against git", goal=">= 5x", root=tmp_path)
    path = run.write(
        measured={"seconds": 0.5},
        baseline={"what": "git", "seconds": 3.0},
        ratio=results.ratio(3.0, 0.5),
        ratio_means="git / ours",
        goal_met=True,
        growth=[{"branches": 10, "seconds": 0.1}],
    )
    assert path == (tmp_path / "bench" / "results" / "speed.json").resolve()
    doc = json.loads(path.read_text())
    assert {k: doc[k] for k in ("what", "goal", "goal_met", "ratio", "ratio_means")} == {
        "what": "a thing against git",
        "goal": ">= 5x",
        "goal_met": True,
        "ratio": 6.0,
        "ratio_means": "git / ours",
    }
    assert doc["measured"] == {"seconds": 0.5}
    assert doc["baseline"] == {"what": "git", "seconds": 3.0}
    assert doc["growth"] == [{"branches": 10, "seconds": 0.1}]
    machine = doc["machine"]
    assert machine["cpus"] == os.cpu_count()
    assert machine["python"] == platform.python_version()
    assert machine["git"][:1].isdigit()
    assert len(machine["load_average_start"]) == len(machine["load_average_end"]) == 3
    assert doc["seconds"] >= 0 and doc["date"][:2] == "20"


@pytest.mark.parametrize("name", ["../escape", "sub/name", "/tmp/absolute", "", ".."])
def test_a_run_refuses_to_write_outside_bench_results(tmp_path, name):
    with pytest.raises(ValueError, match="bench/results/NAME.json"):
        results.Run(name, what="w", goal="g", root=tmp_path)
    assert [p for p in tmp_path.rglob("*")] == []


def test_a_symlink_out_of_bench_results_is_refused(tmp_path):
    folder = tmp_path / "bench" / "results"
    folder.mkdir(parents=True)
    (folder / "x.json").symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(ValueError):
        results.Run("x", what="w", goal="g", root=tmp_path)
    assert not (tmp_path / "elsewhere.json").exists()


def test_every_measuring_benchmark_writes_through_the_shared_writer():
    scripts = sorted(p for p in BENCH.glob("*.py") if p.name not in HELPERS)
    assert len(scripts) >= 10
    for script in scripts:
        names = re.findall(r'results\.Run\(\s*"(\w+)"', script.read_text())
        assert names == [script.stem], script.name
