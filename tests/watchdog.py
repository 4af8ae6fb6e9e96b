"""A guard for tests of hangs: a test that would wait for ever fails instead."""

from __future__ import annotations

import contextlib
import signal


@contextlib.contextmanager
def watchdog(seconds: int):
    """Raise TimeoutError in the main thread if the block has not finished after `seconds`."""

    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: it hangs")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
