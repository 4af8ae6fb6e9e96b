"""A newcomer's first hour, run as written: `init` on a repository whose base branch is
`trunk`, then every command it and `new` print, verbatim, in a shell; only the change itself
is the user's. Each must exit 0."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import howtoctl
from tests.gitrepo import GitRepo

ROOT = pathlib.Path(howtoctl.__file__).resolve().parents[1]


def _next_steps(out: str) -> list[str]:
    """The commands a command prints under `next:`, one per line."""
    lines = out.splitlines()
    steps = lines[lines.index("next:") + 1 :]
    return [line.strip() for line in steps if line.startswith("  ")]


def _shell(repo: GitRepo, command: str, env: dict) -> str:
    proc = subprocess.run(
        ["bash", "-e", "-c", command], cwd=repo.path, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, (command, proc.stdout, proc.stderr)
    return proc.stdout


def test_init_new_edit_save_check_test_as_printed(tmp_path):
    r = GitRepo.create(tmp_path / "repo", base="trunk")
    r.write("ex/calc.py", "def add(a, b):\n    return a + b\n")
    r.write(
        "ex/calc_test.py", "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    )
    r.write("ex/conftest.py", "import os, sys\n\nsys.path.insert(0, os.path.dirname(__file__))\n")
    r.write("ex/requirements.txt", "pytest\n")
    r.commit("A tiny example")
    # `howtoctl` on PATH is this checkout's, as an installed one would be.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "howtoctl"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m howtoctl "$@"\n')
    exe.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
    }

    out = _shell(r, "howtoctl init --example ex", env)
    assert "warning: ex/" not in out
    init_steps = _next_steps(out)
    assert [s.split()[:2] for s in init_steps] == [["git", "add"], ["howtoctl", "new"]]
    _shell(r, init_steps[0], env)
    new_steps = _next_steps(_shell(r, init_steps[1], env))
    assert new_steps[0].startswith("git switch howto/")
    _shell(r, new_steps[0], env)
    # The user's change: a new function, with its test.
    r.write("ex/calc.py", r.read("ex/calc.py") + "\n\ndef sub(a, b):\n    return a - b\n")
    r.replace("ex/calc_test.py", "from calc import add\n", "from calc import add, sub\n")
    test = r.read("ex/calc_test.py") + "\n\ndef test_sub():\n    assert sub(3, 2) == 1\n"
    r.write("ex/calc_test.py", test)
    for step in new_steps[1:]:
        _shell(r, step, env)
    assert r.head() == "refs/heads/trunk"
    assert r.git("status", "--porcelain") == ""
    listed = _shell(r, "howtoctl list --json", env)
    assert "my-first-howto" in listed
