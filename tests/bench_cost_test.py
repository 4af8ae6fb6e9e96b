"""bench/cost.py on a short history: cost finds the breaks and fixes the builder made."""

from __future__ import annotations

import json
import subprocess
import sys

from bench import cost as bench_cost


def test_cost_finds_what_the_builder_made(tmp_path):
    facts = bench_cost.build(tmp_path / "repo", commits=120, howtos=3)
    assert sum(h["breaks"] for h in facts["howtos"].values()) > 0
    proc = subprocess.run(
        [sys.executable, "-m", "howtoctl", "-C", str(tmp_path / "repo"), "cost", "--json"],
        capture_output=True,
        check=True,
    )
    doc = json.loads(proc.stdout)
    assert doc["range"]["commits"] == facts["commits"] == 120
    found = {h["name"]: {k: h[k] for k in ("breaks", "human_fixes")} for h in doc["howtos"]}
    assert found == facts["howtos"]
    assert [h["name"] for h in doc["howtos"] if h["broken_now"]] == facts["still_broken"]
