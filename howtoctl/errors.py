"""The project's exceptions and their exit codes.

Commands raise; only `cli.main` turns an exception into a message and an exit code, so every
expected failure reads the same way: what happened, then what to do about it.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_PROBLEMS = 1  # the command ran and found problems (conflicts, stale or broken diffs)
EXIT_USAGE = 2  # bad input or a repository state that stops the command; nothing was changed
EXIT_BUG = 3  # an unexpected exception: a bug in howtoctl, not a finding about the HOWTOs
BUG_REPORT_URL = "https://github.com/howtoctl/howtoctl/issues"


class HowtoError(Exception):
    """An expected failure that stops a command before it changes anything."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class GitError(HowtoError):
    """A git command failed unexpectedly."""

    def __init__(self, args: list[str], returncode: int, stderr: str, hint: str | None = None):
        cmd = " ".join(args)
        detail = stderr.strip() or f"exit status {returncode}"
        if returncode < 0:
            import signal

            detail = f"killed by {signal.Signals(-returncode).name}" + (
                " (a file grew past the size limit: is the disk full?)"
                if -returncode == signal.SIGXFSZ
                else ""
            )
        super().__init__(f"git {cmd} failed: {detail}", hint)
        self.git_args = args
        self.returncode = returncode
        self.stderr = stderr


class LockedError(HowtoError):
    """Another howtoctl command holds the repository lock."""
