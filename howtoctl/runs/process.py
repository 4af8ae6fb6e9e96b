"""The one way howtoctl starts a program that is not git (git/run.py starts git): a tool whose
output is read whole (wiggle, patch, ruff, a JAX device count), or a smoke test in a process
group of its own, which is stopped as a whole."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from typing import IO


@dataclasses.dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: bytes
    stderr: bytes


def run_tool(
    args: Sequence[str], input: bytes | None = None, env: Mapping[str, str] | None = None
) -> Completed:
    """Runs a tool to its end and returns what it wrote; stdin is `input`, else nothing (a tool
    that asks a question must not wait on the user's terminal)."""
    proc = subprocess.run(
        list(args),
        input=input,
        capture_output=True,
        stdin=subprocess.DEVNULL if input is None else None,
        env=None if env is None else dict(env),
    )
    return Completed(proc.returncode, proc.stdout, proc.stderr)


class Group:
    """A program started in a session of its own: Ctrl-C reaches howtoctl, which stops the
    whole group itself, with whatever the program started in the background."""

    def __init__(
        self, command: Sequence[str], cwd: str, env: Mapping[str, str], log: IO[bytes]
    ) -> None:
        self._proc = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.pid = self._proc.pid  # also the group's id

    def signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def wait(self, timeout: float | None) -> tuple[int, bool]:
        """Waits for the program, then kills what is left of its group; (its exit status,
        whether it was killed for running past `timeout`)."""
        try:
            rc = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            rc = self._proc.wait()
            timed_out = True
        else:
            timed_out = False
        # What the test started in the background ends with it; children that left the group
        # are out of reach.
        self.signal(signal.SIGKILL)
        return rc, timed_out

    def wait_or_kill(self, grace: float) -> None:
        """Gives a program that was sent SIGTERM `grace` seconds to end, then kills its group."""
        try:
            self._proc.wait(max(0.1, grace))
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)


def kill_group(group: int) -> None:
    """SIGKILL to a process group (one a killed run left), if it is still there."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
