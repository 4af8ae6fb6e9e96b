"""`prove`'s mutants of this repository's own HOWTOs: each diff without any one of its hunks
still applies to the base, and lacks exactly that hunk."""

from __future__ import annotations

import pathlib
import subprocess

import pytest

from howtoctl.model import patch, proof

ROOT = pathlib.Path(__file__).resolve().parents[1]
DIFFS = sorted((ROOT / "howtos" / "diffs").glob("*.diff"))


@pytest.mark.parametrize("path", DIFFS, ids=lambda p: p.stem)
def test_every_mutant_applies_and_lacks_just_its_hunk(path, tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    data = path.read_bytes()
    full = patch.parse(data)
    hunks = [h for f in full.files for h in f.hunks]
    for i, hunk in enumerate(hunks):
        mutant = proof.without_hunk(data, i)
        rest = patch.parse(mutant)
        assert [h.lines for f in rest.files for h in f.hunks] == [
            h.lines for j, h in enumerate(hunks) if j != i
        ]
        proc = subprocess.run(
            ["git", "apply", "--check", "-"], cwd=clone, input=mutant, capture_output=True
        )
        assert proc.returncode == 0, (i, hunk.section, proc.stderr)
