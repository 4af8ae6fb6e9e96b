"""A smoke test's own files in its work tree (output log, process group, JUnit report) are made
anew by howtoctl: a branch that commits links under their names leads nothing outside, what a
test prints is read back bounded, and what it leaves running in the background is ended."""

from __future__ import annotations

import json
import os

import pytest

from tests.gitrepo import GitRepo
from tests.watchdog import watchdog

PASSING = "def test_ok():\n    assert True\n"


@pytest.fixture
def proj(tmp_path):
    r = GitRepo.create(tmp_path / "proj", base="main")
    r.write("ex/__init__.py", "")
    r.write("ex/thing_test.py", PASSING)
    r.write("howtos/manifest.toml", '[howtos.alpha]\ntest = "python -m pytest -q ex"\n')
    r.commit("base")
    return r


def _howto_with_links(r, links: dict[str, str]) -> None:
    r.git("switch", "-q", "-c", "howto/alpha")
    for name, target in links.items():
        os.symlink(target, r.path / name)
    r.write("ex/thing_test.py", PASSING + "\n\ndef test_more():\n    assert 1 + 1 == 2\n")
    r.commit("alpha, with links under howtoctl's file names")
    r.git("switch", "-q", "main")


@pytest.mark.parametrize("name", [".howtoctl-output.log", ".howtoctl-pgid", ".howtoctl-junit.xml"])
def test_a_committed_link_at_a_run_file_leads_no_write_outside(proj, tmp_path, name):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    _howto_with_links(proj, {name: str(victim)})
    res = proj.cli("test", "alpha", "--json")
    assert res.code == 0, res
    assert victim.read_text() == "keep me\n"


def test_a_report_linked_to_dev_zero_is_not_read_without_bound(proj):
    _howto_with_links(proj, {".howtoctl-junit.xml": "/dev/zero"})
    with watchdog(120):  # before the fix: pytest wrote into /dev/zero and the read never ended
        res = proj.cli("test", "alpha", "--json")
    assert res.code == 0, res


def test_the_output_kept_of_a_failing_run_is_bounded(proj):
    proj.git("switch", "-q", "-c", "howto/alpha")
    proj.write(
        "ex/thing_test.py",
        "import sys\n\n\ndef test_loud():\n"
        "    sys.stdout.write('x' * 20_000_000)\n    assert False\n",
    )
    proj.commit("a test that prints 20 MB on one line, then fails")
    proj.git("switch", "-q", "main")
    res = proj.cli("test", "alpha", "--json")
    assert res.code == 1, res
    (result,) = json.loads(res.out)["results"]
    assert result["status"] == "failed"
    assert 0 < len(result["output_tail"]) <= 64 * 1024


def test_what_a_passing_test_starts_in_the_background_is_ended(proj, tmp_path):
    pid_file = tmp_path / "child.pid"
    proj.git("switch", "-q", "-c", "howto/alpha")
    proj.write(
        "ex/thing_test.py",
        "import subprocess, sys\n\n\ndef test_spawns():\n"
        "    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)'])\n"
        f"    open({str(pid_file)!r}, 'w').write(str(child.pid))\n",
    )
    proj.commit("a test that leaves a process behind")
    proj.git("switch", "-q", "main")
    res = proj.cli("test", "alpha", "--json")
    assert res.code == 0, res
    pid = int(pid_file.read_text())
    with watchdog(60):  # killed by now; only its reaping (by init) may lag
        while _alive(pid):
            os.sched_yield()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _reader(fifo, into: list) -> None:
    import threading

    def read():
        with open(fifo, "rb") as f:
            into.append(f.read())

    t = threading.Thread(target=read, daemon=True)
    t.start()
    return t


@pytest.mark.parametrize("through_link", [False, True])
def test_junit_into_a_pipe_is_written_into_never_replaced(proj, tmp_path, through_link):
    _howto_with_links(proj, {})
    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    target = fifo
    if through_link:  # as /dev/stdout is: a link to what the shell opened
        target = tmp_path / "stdout"
        os.symlink(fifo, target)
    got: list = []
    reader = _reader(fifo, got)
    with watchdog(120):
        res = proj.cli("test", "alpha", "--junit", str(target))
        reader.join()
    assert res.code == 0, res
    assert os.path.exists(fifo) and not os.path.isfile(fifo)  # still the pipe
    assert os.path.islink(target) == through_link
    assert got and b"<testsuites" in got[0]


def test_junit_into_a_pipe_nobody_reads_is_a_clear_error(proj, tmp_path):
    _howto_with_links(proj, {})
    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    with watchdog(120):
        res = proj.cli("test", "alpha", "--junit", str(fifo))
    assert res.code == 2 and "nothing reads that pipe" in res.err, res
    assert not os.path.isfile(fifo)


def test_junit_to_dev_stdout_in_a_pipe(proj):
    _howto_with_links(proj, {})
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "howtoctl", "-C", str(proj.path), "test", "alpha"]
        + ["--junit", "/dev/stdout"],
        capture_output=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"<testsuites" in proc.stdout
    assert os.path.islink("/dev/stdout")
