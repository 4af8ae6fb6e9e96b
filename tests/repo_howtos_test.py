"""This repository's own HOWTOs: every diff applies and round-trips, and every variant's smoke
test passes on 8 emulated CPU devices (the PR gate, run by the test suite too)."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
HOWTOS = sorted(p.stem for p in (ROOT / "howtos" / "diffs").glob("*.diff"))


def howtoctl(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "howtoctl", *args], cwd=cwd, capture_output=True, text=True
    )


def test_the_thirteen_howtos_are_there():
    assert set(HOWTOS) == {
        "checkpointing",
        "distributed-training",
        "early-stopping",
        "ensembling",
        "fsdp",
        "gradient-accumulation",
        "lora",
        "mixed-precision",
        "per-layer-optimization",
        "polyak-averaging",
        "remat-scan",
        "scheduled-sampling",
        "tensor-parallelism",
    }


def test_check_passes_on_this_repository():
    p = howtoctl("check", "--rev", "HEAD", "--json")
    assert p.returncode == 0, p.stdout + p.stderr
    assert {h["name"] for h in json.loads(p.stdout)["howtos"]} == set(HOWTOS)


def test_restore_then_save_round_trips_byte_for_byte(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", "-B", "main", "HEAD"], check=True)
    before = {n: (clone / "howtos" / "diffs" / f"{n}.diff").read_bytes() for n in HOWTOS}
    p = howtoctl("restore", "--all", cwd=clone)
    assert p.returncode == 0, p.stderr
    p = howtoctl("save", "--all", cwd=clone)
    assert p.returncode == 0, p.stderr
    assert {n: (clone / "howtos" / "diffs" / f"{n}.diff").read_bytes() for n in HOWTOS} == before


@pytest.mark.parametrize("name", HOWTOS)
def test_variant_smoke_test_passes_on_8_cpu_devices(name, tmp_path):
    junit = tmp_path / "junit.xml"
    p = howtoctl("test", name, "--from-diff", "--devices", "8", "--junit", str(junit), "--json")
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    result = json.loads(p.stdout)["results"][0]
    assert result["status"] == "passed" and result["name"] == name
    assert result["skipped_tests"] == [], (
        "a smoke test that skips its multi-device tests proves nothing"
    )


def test_a_readme_only_change_selects_no_smoke_tests(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    (clone / "README.md").write_text((clone / "README.md").read_text() + "\nA note.\n")
    git = ["git", "-C", str(clone), "-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "commit", "-qam", "docs only"], check=True)
    p = howtoctl("matrix", "--changed-since", "HEAD~1", cwd=clone)
    assert p.returncode == 0 and json.loads(p.stdout) == {"include": []}
    (clone / "examples" / "mnist" / "README.md").write_text("changed\n")
    subprocess.run([*git, "commit", "-qam", "mnist docs"], check=True)
    p = howtoctl("matrix", "--changed-since", "HEAD~1", cwd=clone)
    names = [e["name"] for e in json.loads(p.stdout)["include"]]
    assert names == [
        "checkpointing",
        "distributed-training",
        "early-stopping",
        "ensembling",
        "fsdp",
        "gradient-accumulation",
        "lora",
        "mixed-precision",
        "per-layer-optimization",
        "polyak-averaging",
        "remat-scan",
        "tensor-parallelism",
    ]
