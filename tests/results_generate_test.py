"""howtos/results/generate.py's pure part: figures from every seed's metrics, their spread, the
reproduction check, and the table of what each HOWTO reports (on generated numbers)."""

from __future__ import annotations

import importlib.util
import pathlib
import subprocess
import sys
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("generate", ROOT / "howtos/results/generate.py")
generate = importlib.util.module_from_spec(_spec)
sys.modules["generate"] = generate  # dataclasses look their module up there
_spec.loader.exec_module(generate)


def run(seed: int, rows: list[dict], seconds: float = 10.0, devices: int = 1) -> dict:
    return {
        "seed": seed,
        "devices": devices,
        "seconds": seconds,
        "load": {"start": [1.0 + seed, 0, 0], "end": [2.0, 0, 0]},
        "metrics": rows,
    }


def evals(*accuracies: float, key: str = "test_accuracy") -> list[dict]:
    return [{"epoch": i + 1, key: a, "test_loss": 1 - a} for i, a in enumerate(accuracies)]


def test_final_value_is_the_last_logged_including_a_summary_row_and_a_list_is_its_mean():
    rows = evals(0.5, 0.9) + [{"rotated_test_accuracy_after": 0.8}]
    assert generate.final_value(rows, "test_accuracy") == 0.9
    assert generate.final_value(rows, "rotated_test_accuracy_after") == 0.8
    assert generate.final_value(rows, "absent") is None
    assert generate.final_value([{"epoch": 1, "m": [0.2, 0.4]}], "m") == pytest.approx(0.3)


def test_spread_is_mean_min_max_and_sample_std():
    got = generate.spread([0.94, 0.96, 0.98])
    assert got["mean"] == pytest.approx(0.96)
    assert (got["min"], got["max"]) == (0.94, 0.98)
    assert got["std"] == pytest.approx(0.02)
    assert generate.spread([0.5])["std"] == 0.0


def test_aggregate_takes_every_seed_and_the_first_key_the_runs_log():
    runs = {
        "base": [run(s, evals(0.9, 0.95 + s / 100)) for s in range(3)],
        "variant": [run(s, evals(0.9, 0.96, key="test_ensemble_accuracy")) for s in range(3)],
    }
    figures = (
        generate.Figure("base", "base", ("test_accuracy",)),
        generate.Figure("members", "variant", ("test_member_accuracy",)),
        generate.Figure("ensemble", "variant", ("test_ensemble_accuracy", "test_accuracy")),
    )
    got, missing = generate.aggregate(figures, runs)
    assert [(f["label"], f["key"]) for f in got] == [
        ("base", "test_accuracy"),
        ("ensemble", "test_ensemble_accuracy"),
    ]
    base = got[0]
    assert base["seeds"] == [0, 1, 2] and base["values"] == [0.95, 0.96, 0.97]
    assert (base["min"], base["max"]) == (0.95, 0.97)
    assert base["mean"] == pytest.approx(0.96)
    assert missing == ["members (test_member_accuracy): not logged by the variant"]


def test_a_key_one_seed_does_not_log_is_not_used():
    runs = {"variant": [run(0, evals(0.9, key="a") + [{"b": 1.0}]), run(1, evals(0.9, key="a"))]}
    got, _ = generate.aggregate((generate.Figure("x", "variant", ("b", "a")),), runs)
    assert got[0]["key"] == "a"


def test_timings_are_per_arm_with_spread_devices_and_load():
    runs = {
        "base": [run(s, evals(0.9), seconds=10.0 + s, devices=8) for s in range(3)],
        "variant": [run(s, evals(0.9), seconds=20.0) for s in range(3)],
    }
    base, variant = generate.timings(runs)
    assert (base["arm"], base["devices"], base["mean"]) == ("base", 8, 11.0)
    assert (base["min"], base["max"]) == (10.0, 12.0)
    assert base["load_1min"] == {"min": 1.0, "max": 3.0}
    assert variant["std"] == 0.0


def test_curve_is_the_mean_min_and_max_per_evaluation_over_the_seeds():
    runs = [run(0, evals(0.5, 0.8)), run(1, evals(0.7, 0.9)), run(2, evals(0.6, 1.0))]
    step, xs, ys = generate.curve(runs, "test_accuracy")
    assert (step, xs) == ("epoch", [1, 2])
    assert ys["mean"] == pytest.approx([0.6, 0.9])
    assert ys["min"] == [0.5, 0.8] and ys["max"] == [0.7, 1.0]


def test_a_curve_of_one_value_per_member_is_their_mean_per_evaluation():
    rows = [{"epoch": 1, "members": [0.5, 0.7]}, {"epoch": 2, "members": [0.8, 1.0]}]
    step, xs, ys = generate.curve([{"metrics": rows}, {"metrics": rows}], "members")
    assert (step, xs) == ("epoch", [1, 2])
    assert ys["mean"] == pytest.approx([0.6, 0.9])


def test_compare_names_each_figure_whose_new_mean_leaves_the_committed_min_max():
    committed = [
        {"label": "base", "arm": "base", "key": "k", "min": 0.94, "max": 0.96, "seeds": [0, 1]},
        {"label": "variant", "arm": "variant", "key": "k", "min": 0.95, "max": 0.97, "seeds": [0]},
        {"label": "gone", "arm": "variant", "key": "g", "min": 0.0, "max": 1.0, "seeds": [0]},
    ]
    new = [
        {"label": "base", "arm": "base", "key": "k", "mean": 0.96},
        {"label": "renamed", "arm": "variant", "key": "k", "mean": 0.9701},
    ]
    got = generate.compare(committed, new)
    assert len(got) == 2
    assert got[0].startswith("variant (k): new mean 0.9701 outside the committed 0.9500-0.9700")
    assert got[1] == "gone (g): not measured on rerun"
    inside = [{"label": "x", "arm": "base", "key": "k", "mean": 0.94}]
    assert generate.compare(committed[:1], inside) == []


def test_every_howto_reports_figures_and_an_unlisted_one_its_accuracy_against_the_base():
    howtos = tomllib.loads((ROOT / "howtos/manifest.toml").read_text())["howtos"]
    assert set(generate.MEASURES) <= set(howtos)  # no entry for a HOWTO that is gone
    for name, entry in howtos.items():
        figures = generate.figures_for(name, entry["example"])
        assert figures and all(f.arm in ("base", "variant") and f.keys for f in figures)
    default = generate.figures_for("early-stopping", "examples/mnist")
    assert [(f.arm, f.keys) for f in default] == [
        ("base", ("test_accuracy",)),
        ("variant", ("test_accuracy",)),
    ]
    assert generate.figures_for("x", "examples/seq2seq")[0].keys == ("eval_accuracy",)
    # The variants that compute their base's step on 8 devices are compared on time there.
    assert generate.MEASURES["fsdp"].timed and not generate.MEASURES["fsdp"].plot


def test_bad_arguments_exit_2_and_write_nothing(tmp_path):
    script = str(ROOT / "howtos/results/generate.py")
    before = sorted(p.name for p in (ROOT / "howtos/results").iterdir())
    for args in (["no-such-howto"], ["--seeds", "1", "1"], ["--jobs", "0"]):
        proc = subprocess.run(
            [sys.executable, script, *args], capture_output=True, text=True, cwd=tmp_path
        )
        assert proc.returncode == 2, proc.stderr
    assert sorted(p.name for p in (ROOT / "howtos/results").iterdir()) == before


def test_a_variant_runs_on_its_manifest_devices_and_its_base_too_only_when_timed():
    seeds = [0, 1]
    arms = generate.plan("fsdp", {"example": "ex", "devices": 8}, "b", "v", seeds)
    assert [(r.commit, r.devices, r.seed) for r in arms["base"]] == [("b", 8, 0), ("b", 8, 1)]
    assert [(r.commit, r.devices) for r in arms["variant"]] == [("v", 8), ("v", 8)]
    arms = generate.plan("ensembling", {"example": "ex", "devices": 8}, "b", "v", seeds)
    assert {r.devices for r in arms["base"]} == {1} and {r.devices for r in arms["variant"]} == {8}
    arms = generate.plan("new-one", {"example": "ex"}, "b", "v", seeds)
    assert {r.devices for r in arms["base"] + arms["variant"]} == {1}
    # The same base run serves every HOWTO of the example: equal runs are one run.
    assert arms["base"] == generate.plan("other", {"example": "ex"}, "b", "w", seeds)["base"]
