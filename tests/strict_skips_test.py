"""The CI's strict-skip rule: a skip for a missing tool fails the run, a TPU-only skip does not."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _pytest(tmp_path, body: str, strict: bool) -> subprocess.CompletedProcess:
    (tmp_path / "demo_test.py").write_text(f"import pytest\n\n\ndef test_demo():\n    {body}\n")
    env = {k: v for k, v in os.environ.items() if k != "HOWTOCTL_STRICT_SKIPS"}
    if strict:
        env["HOWTOCTL_STRICT_SKIPS"] = "1"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.strict_skips",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "demo_test.py"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("strict", [False, True])
def test_skip_for_a_missing_tool(tmp_path, strict):
    proc = _pytest(tmp_path, 'pytest.skip("chromium is not installed")', strict)
    if strict:
        assert proc.returncode == 1, proc.stdout
        assert "demo_test.py::test_demo: Skipped: chromium is not installed" in proc.stdout
    else:
        assert proc.returncode == 0, proc.stdout


def test_tpu_only_skip_is_allowed(tmp_path):
    proc = _pytest(tmp_path, 'pytest.skip("needs a TPU")', strict=True)
    assert proc.returncode == 0, proc.stdout


def test_nested_runs_do_not_inherit_the_rule(tmp_path):
    # The variants' own pytest runs (started by `howtoctl test`) keep their usual rules.
    proc = _pytest(
        tmp_path, 'assert "HOWTOCTL_STRICT_SKIPS" not in __import__("os").environ', strict=True
    )
    assert proc.returncode == 0, proc.stdout
