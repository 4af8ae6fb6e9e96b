"""runs/process.py: the one way a program other than git is started."""

import ast
import os
import pathlib
import sys
import time

from howtoctl.runs import process
from tests import processes

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "howtoctl"


def test_only_process_py_and_git_run_py_import_subprocess():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(), rel)):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if "subprocess" in names and rel not in ("runs/process.py", "git/run.py"):
                found.append(f"{rel}:{node.lineno}")
    assert not found, "start programs through howtoctl/runs/process.py:\n" + "\n".join(found)


def test_run_tool_gives_the_output_and_no_terminal_input():
    done = process.run_tool([sys.executable, "-c", "import sys; print(sys.stdin.read() == '')"])
    assert (done.returncode, done.stdout.strip()) == (0, b"True")
    fed = process.run_tool([sys.executable, "-c", "import sys; print(sys.stdin.read())"], b"hi")
    assert fed.stdout.strip() == b"hi"


def test_a_group_past_its_timeout_is_killed_with_what_it_started(tmp_path):
    pidfile = tmp_path / "child"
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(600)\n"
    )
    with open(tmp_path / "log", "wb") as log:
        group = process.Group([sys.executable, "-c", script], str(tmp_path), os.environ, log)
        deadline = time.monotonic() + 60
        while not (pidfile.exists() and pidfile.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        rc, timed_out = group.wait(timeout=0.1)
    assert timed_out and rc != 0
    assert processes.until_gone(int(pidfile.read_text()))


def test_a_group_that_ends_leaves_nothing_in_the_background(tmp_path):
    pidfile = tmp_path / "child"
    script = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(child.pid))\n"
    )
    with open(tmp_path / "log", "wb") as log:
        group = process.Group([sys.executable, "-c", script], str(tmp_path), os.environ, log)
        assert group.wait(timeout=120) == (0, False)
    assert processes.until_gone(int(pidfile.read_text()))
