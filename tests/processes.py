"""Watching processes the tests do not own (orphans of a killed run: no wait() for them)."""

from __future__ import annotations

import subprocess
import sys
import time


def gone(pid: int) -> bool:
    """Whether `pid` has exited (or is a zombie nobody reaped yet). Linux: reads /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def until_gone(pid: int, seconds: float = 30) -> bool:
    """Wait for `pid` to exit, polling for the kill's effect; whether it did."""
    deadline = time.monotonic() + seconds
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return gone(pid)


def default_sigint() -> None:
    """preexec_fn for a child a test sends Ctrl-C to: a shell that started the suite in the
    background without job control leaves SIGINT ignored, and the child would inherit that."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def killed_at_work_tree_write(r, *args) -> subprocess.CompletedProcess:
    """Run howtoctl ARGS in repository `r` in a child that SIGKILLs itself when it first writes
    a work-tree file with write_files (after its ref transaction): a kill at that moment, made
    repeatable."""
    killer = (
        "import os, signal, sys\n"
        "from howtoctl import cli, fsutil\n"
        "fsutil.write_files = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"sys.exit(cli.main(['-C', {str(r.path)!r}, *{list(args)!r}]))\n"
    )
    return subprocess.run([sys.executable, "-c", killer], capture_output=True)
