"""Benchmarks (run as scripts: `python bench/NAME.py`)."""

from __future__ import annotations

import pathlib
import subprocess
import sys

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "howtoctl"


def compile_howtoctl() -> None:
    """Compile howtoctl's bytecode, as a regular `pip install` leaves it: an editable install
    under PYTHONDONTWRITEBYTECODE would otherwise recompile every module on every timed run."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(PACKAGE)], check=True)
