"""The one signal policy: what Ctrl-C (SIGINT) and SIGTERM do while howtoctl is in a step that
must not stop half-way.

- `deferred()`: both are blocked for the block, in this process and in the processes it starts
  (they inherit the mask), and delivered when it ends. For steps of this process's own (a
  multi-file write, removing a work tree).
- `uninterruptible()`: both are caught and raised as KeyboardInterrupt once the block is done;
  the git processes inside it run in a session of their own (a ref transaction).
- `sigterm_interrupts()`: SIGTERM raises KeyboardInterrupt as Ctrl-C does, so `finally` blocks
  run (a CI job cancelled while smoke tests run).
Each is a no-op outside the main thread, where Python handles no signal.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a CI job cancelled, `kill`) raises KeyboardInterrupt as Ctrl-C does, so that
    the `finally` blocks that stop smoke tests and remove their work trees run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Block SIGINT and SIGTERM for the block, in this process and in the git processes it
    starts (they inherit the mask: a Ctrl-C to the process group stops none half-way); one
    that came meanwhile is delivered when the block ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    blocked = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def uninterruptible() -> Iterator[None]:
    """Let a block that must not stop half-way finish before Ctrl-C or SIGTERM take effect.

    Run the git processes inside it with `new_session=True`: a Ctrl-C goes to the whole
    foreground process group, and a `git update-ref` killed mid-transaction leaves its lock files
    behind. The interrupt is raised as KeyboardInterrupt once the block is done.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda signum, frame: received.append(signum))
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        raise KeyboardInterrupt
