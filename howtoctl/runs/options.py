"""The options of a run of smoke tests (--devices, --jobs, --timeout) and its command,
checked before anything runs: bad ones are refused, not found out half-way."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence

from howtoctl.errors import HowtoError
from howtoctl.model.manifest import Entry
from howtoctl.runs import variants


def default_jobs() -> int:
    """How many smoke tests run at once unless told: one per core, at most 4."""
    return min(4, os.cpu_count() or 1)


def check_timeout(timeout: float | None) -> None:
    """Validate --timeout (None: not given)."""
    if timeout is not None and not timeout > 0:
        raise HowtoError("--timeout must be a number of seconds above 0")


def check_options(devices: int, jobs: int | None) -> int:
    """Validate --devices and --jobs; the number of jobs to run at once."""
    if devices < 1:
        raise HowtoError("--devices must be at least 1")
    if jobs is None:
        jobs = default_jobs()
    if jobs < 1:
        raise HowtoError("--jobs must be at least 1")
    return jobs


def check_command(entry: Entry, files: Sequence[str], manifest: str) -> None:
    """Refuse, before anything runs, a smoke command that cannot be split into words or whose
    program is not on PATH (a path such as ./run.sh is looked for in the work tree later)."""
    command = variants.smoke_command(entry, files, manifest)
    program = command[0] if command else ""
    if program in ("python", "python3") or "/" in program:
        return
    if not program or shutil.which(program) is None:
        raise HowtoError(
            f"{program or 'the smoke command'}: command not found; "
            + variants.where_configured(entry, manifest),
            "install it, or fix the manifest's test command",
        )
