"""Every way a run can end on bad input or a hostile machine is a clear message and an exit
status, never a traceback: no temporary directory to write in."""

from __future__ import annotations

import os
import resource
import subprocess
import sys


def _run_limited(r, *args, fsize: int):
    """howtoctl in a child process whose files may not grow past `fsize` bytes (a full disk)."""

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "howtoctl", "-C", str(r.path), *args],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=limit,
        timeout=120,
    )


def test_test_on_a_full_disk_is_a_clear_error(repo_with_howto):
    """With no byte left to write (RLIMIT_FSIZE=0, as on a full disk), `howtoctl test alpha`
    crashed in the stale-run sweep: tempfile.gettempdir() raised FileNotFoundError 'No usable
    temporary directory found'. `save`, `restore`, `rebase-all`, `new` and `render` report
    the full disk as a clear error (exit 2); `test` does too."""
    proc = _run_limited(repo_with_howto, "test", "alpha", fsize=0)
    assert "hit a bug" not in proc.stderr, proc.stderr
    assert proc.returncode == 2 and "temporary directory" in proc.stderr, proc.stderr
