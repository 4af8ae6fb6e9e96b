"""Running smoke tests: each in a temporary work tree of its own, J at a time, stopped and
cleaned up on Ctrl-C. Shared by `howtoctl test` (one run per variant) and `howtoctl prove`
(one run per mutant)."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from howtoctl import fsutil, output, signals
from howtoctl.errors import HowtoError
from howtoctl.git import Repo
from howtoctl.model.manifest import Entry
from howtoctl.runs import junit, process, stale, variants
from howtoctl.runs.result import VariantResult
from howtoctl.statuses import Run

TAIL_LINES = 40
# What is read back of a run's output (its last bytes) and of its JUnit report: a test that
# prints without end must not fill memory, nor a report that is a link to /dev/zero.
TAIL_BYTES = 64 * 1024
MAX_REPORT_BYTES = 64 * 1024 * 1024


# pytest runs every test, whatever the command says (`-x`, `--maxfail`), and the tests of
# the modules it can import when another cannot be: a mutant's killing tests are all seen.
RUN_ALL = ("--maxfail=0", "--continue-on-collection-errors")


def invocation(
    command: Sequence[str],
    worktree: str,
    env: Mapping[str, str],
    junit_report: str = "",
    run_all: bool = False,
) -> tuple[list[str], dict[str, str]]:
    """How a smoke command runs in `worktree`: `python` is this interpreter, pytest keeps no
    cache there (and writes `junit_report`, if named; with `run_all`, runs every test), and
    the work tree leads PYTHONPATH."""
    command = list(command)
    if command and command[0] in ("python", "python3"):
        command[0] = sys.executable
    if variants.is_pytest(command):
        command += [f"--junitxml={junit_report}"] if junit_report else []
        command += ["-p", "no:cacheprovider"]
        command += RUN_ALL if run_all else []
    path = os.pathsep.join(filter(None, [worktree, env.get("PYTHONPATH")]))
    return command, {**env, "PYTHONPATH": path}


def jax_cache_env(cache: str) -> dict[str, str]:
    """Environment for smoke tests to share JAX's compilation cache in `cache`."""
    return {
        "JAX_COMPILATION_CACHE_DIR": cache,
        # Cache every compilation, however quick or small: mutants repeat them all.
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
        "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1",
    }


# pytest's exit status when it collected no test: the smoke test proved nothing.
PYTEST_NO_TESTS = 5


def no_tests_message(entry: Entry, command: Sequence[str], manifest: str) -> str:
    """Why a smoke test that ran no test failed, and where to name one that does."""
    ran = shlex.join(command)
    if entry.test:
        where = f"fix it: {variants.where_configured(entry, manifest)}"
    else:
        where = (
            f'name the HOWTO\'s smoke test with test = "COMMAND" under [howtos.{entry.name}] '
            f"in {manifest} (for a new HOWTO: howtoctl new NAME --test COMMAND)"
        )
    return f"exit status 5: pytest collected no tests ({ran}); {where}"


def device_shortfall(needed: int, found: int, platform: str) -> str:
    """'' when there are enough devices, else the failure message."""
    if not needed or found >= needed:
        return ""
    hint = f"on CPU use --devices {needed}" if platform == "cpu" else "run on a larger host"
    return f"needs {needed} devices, found {found}; {hint}"


def _accelerator_devices() -> int:
    """How many devices JAX sees here (asked in a child process: importing jax is slow)."""
    proc = process.run_tool([sys.executable, "-c", "import jax; print(jax.device_count())"])
    try:
        return int(proc.stdout.decode(errors="replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        return 0


class _ProgramMissing(Exception):
    """The smoke command's program cannot be started: `message` and `hint` for a HowtoError,
    `brief` for a failed run (a mutant without the hunk that adds the test script)."""

    def __init__(self, message: str, hint: str, brief: str) -> None:
        super().__init__(message)
        self.message, self.hint, self.brief = message, hint, brief


@dataclasses.dataclass(frozen=True)
class _Run:
    """How a smoke test's process ended, and where it left its output and report."""

    rc: int
    timed_out: bool
    timeout: float | None
    log_path: str
    report: str
    kept_worktree: str


class Runner:
    """Runs smoke tests of commits in temporary work trees; `stop` and `cleanup` undo it all."""

    def __init__(
        self,
        repo: Repo,
        devices: int,
        keep: bool = False,
        extra_env: Mapping[str, str] | None = None,
        prefix: str = "howtoctl-test-",
        manifest: str = "the manifest",
    ) -> None:
        self.repo = repo
        self.manifest = manifest  # named in errors about a smoke command
        self.platform = variants.detect_platform()
        self.env = {
            **os.environ,
            **variants.device_env(devices, self.platform),
            **(extra_env or {}),
        }
        self.devices = devices
        self.keep = keep
        self.prefix = prefix
        self.worktrees: list[str] = []
        self.procs: set[process.Group] = set()
        self.lock = threading.Lock()
        self.stopping = False
        self._found: int | None = None

    def devices_found(self) -> int:
        if self.platform == "cpu":
            return self.devices
        with self.lock:
            if self._found is None:
                self._found = _accelerator_devices()
            return self._found

    def run(
        self,
        label: str,
        commit: str,
        entry: Entry,
        files: Sequence[str],
        started: float,
        timeout: float | None = None,
        missing_program_fails: bool = False,
        run_all: bool = False,
    ) -> VariantResult:
        """Run `entry`'s smoke test on `commit`; the result is called `label`. With `run_all`,
        pytest does not stop at the first failure (a mutant: which tests fail is the point).

        After `timeout` seconds the test's whole process group is killed and the run fails
        with "timed out after N s". A program not found in the work tree is bad input
        (HowtoError), or with `missing_program_fails` (a mutant without the hunk that adds
        the test script) a failed run."""
        short = device_shortfall(entry.devices, self.devices_found(), self.platform)
        if short:
            return VariantResult(label, Run.FAILED, time.monotonic() - started, message=short)
        # A kept work tree outlives this process: no pid, so no later run takes it for stale.
        prefix = self.prefix if self.keep else fsutil.owned_prefix(self.prefix)
        path = fsutil.make_temporary_directory(f"{prefix}{entry.name}-")
        with self.lock:  # git's work tree bookkeeping is not meant for concurrent adds
            self.worktrees.append(path)
            self.repo.add_worktree(path, commit)
        report = os.path.join(path, ".howtoctl-junit.xml")
        smoke_command = variants.smoke_command(entry, files, self.manifest)
        command, env = invocation(smoke_command, path, self.env, report, run_all)
        log_path = os.path.join(path, ".howtoctl-output.log")
        # The work tree is the branch's: howtoctl's own files there are made anew, never
        # opened through whatever the branch committed under their names.
        os.close(fsutil.create_private(report))
        with os.fdopen(fsutil.create_private(log_path), "wb") as log:
            if self.stopping:
                raise KeyboardInterrupt
            try:
                proc = self._start(command, path, env, log, entry, label)
            except _ProgramMissing as e:
                if not missing_program_fails:
                    raise HowtoError(e.message, e.hint) from None
                return VariantResult(label, Run.FAILED, time.monotonic() - started, message=e.brief)
            rc, timed_out = self._wait(proc, path, timeout)
        seconds = time.monotonic() - started
        run = _Run(rc, timed_out, timeout, log_path, report, path if self.keep else "")
        return self._result(label, entry, smoke_command, command, seconds, run)

    def _start(self, command, path, env, log, entry: Entry, label: str) -> process.Group:
        try:
            if not command or not command[0].strip():  # a blank `test`, or ''
                raise FileNotFoundError
            return process.Group(command, path, env, log)
        except OSError as e:  # not found, not executable, no #! line, a path through a file
            what = "command not found" if isinstance(e, FileNotFoundError) else e.strerror
            program = command[0] if command and command[0].strip() else "the smoke command"
            where = variants.where_configured(entry, self.manifest)
            raise _ProgramMissing(
                f"{program}: {what} (in the work tree of {label}); {where}",
                "fix the manifest's test command",
                f"{program}: {what}; {where}",
            ) from None

    def _wait(self, proc: process.Group, path: str, timeout: float | None) -> tuple[int, bool]:
        with self.lock:
            self.procs.add(proc)  # from now on, `stop` stops it
        with os.fdopen(fsutil.create_private(os.path.join(path, stale.GROUP_FILE)), "w") as f:
            f.write(str(proc.pid))  # its own session: the group id is its pid
        try:
            return proc.wait(timeout)
        finally:
            with self.lock:
                self.procs.discard(proc)

    def _result(
        self, label: str, entry: Entry, smoke_command, command, seconds: float, run: _Run
    ) -> VariantResult:
        """What a finished smoke test's exit status, output and JUnit report say."""
        rc = run.rc
        output_end = fsutil.read_private(run.log_path, TAIL_BYTES, tail=True) or b""
        tail = "\n".join(output_end.decode(errors="replace").splitlines()[-TAIL_LINES:])
        failing = skipped = ()
        outcomes = None
        reasons: dict[str, str] = {}
        xml = fsutil.read_private(run.report, MAX_REPORT_BYTES)
        if xml:
            failing, reasons = junit.failing_tests(xml), junit.skip_reasons(xml)
            skipped, outcomes = tuple(reasons), junit.outcomes(xml)
        message = (
            ""
            if rc == 0
            else f"exit status {rc}" + (f"; failed: {', '.join(failing)}" if failing else "")
        )
        if rc == PYTEST_NO_TESTS and variants.is_pytest(smoke_command):
            message = no_tests_message(entry, smoke_command, self.manifest)
        if run.timed_out:
            rc, failing, message = rc or -9, (), f"timed out after {run.timeout:g} s"
            outcomes = None  # a report left from before says nothing of this run
        # A HOWTO that declares its devices proves nothing by skipping its multi-device tests.
        lacking = [t for t, why in reasons.items() if entry.devices and "device" in why.lower()]
        if rc == 0 and lacking:
            rc = 1
            message = f"skipped for lack of devices: {', '.join(lacking)}"
        return VariantResult(
            label,
            Run.PASSED if rc == 0 else Run.FAILED,
            seconds,
            command=shlex.join(command),
            failing_tests=failing,
            skipped_tests=skipped,
            message=message,
            output_tail=tail if rc else "",
            worktree=run.kept_worktree,
            returncode=None if run.timed_out else run.rc,
            outcomes=outcomes,
        )

    def stop(self) -> None:
        self.stopping = True
        with self.lock:
            procs = list(self.procs)
        for proc in procs:
            proc.signal(signal.SIGTERM)
        deadline = time.monotonic() + 5
        for proc in procs:
            proc.wait_or_kill(deadline - time.monotonic())

    def cleanup(self) -> None:
        if self.keep:
            return
        # A Ctrl-C or SIGTERM that comes now takes effect once every work tree is gone: one cut
        # short would stay registered (and half-removed) until the next run sweeps it.
        with signals.deferred():
            for path in self.worktrees:
                self.repo.remove_worktree(path)


# A job returns its result and the jobs it makes possible (prove: a HOWTO's mutants run after
# the unchanged variant passed, so they find its compilations in the cache).
Job = Callable[[], tuple[VariantResult, Iterable["Job"]]]


def run_jobs(
    runner: Runner,
    first: Sequence[Job],
    jobs: int,
    title: str,
    status: Callable[[VariantResult], str] = lambda r: r.status,
) -> list[VariantResult]:
    """Run `first` and whatever jobs they lead to, `jobs` at a time, with a progress bar
    (each finished run printed with its `status`).

    Ctrl-C or SIGTERM stops every running smoke test; work trees go in any case (unless kept).
    """
    results: list[VariantResult] = []
    with signals.sigterm_interrupts():
        try:
            from rich.progress import (
                BarColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=output.stderr(),
                transient=True,
            ) as progress:
                task = progress.add_task(title, total=len(first))
                with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
                    pending = {pool.submit(job) for job in first}
                    total = len(first)
                    try:
                        while pending:
                            done, pending = concurrent.futures.wait(
                                pending, return_when=concurrent.futures.FIRST_COMPLETED
                            )
                            for fut in done:
                                r, more = fut.result()
                                results.append(r)
                                for job in more:
                                    pending.add(pool.submit(job))
                                    total += 1
                                progress.update(task, total=total, advance=1)
                                word = status(r)
                                progress.console.print(
                                    f"[{output.STATUS_STYLES.get(word, '')}]{word:<8}[/] "
                                    f"{output.escape(r.name)} [dim]{r.seconds:.1f}s[/dim]"
                                )
                    except BaseException:
                        runner.stop()
                        for f in pending:
                            f.cancel()
                        raise
        finally:
            runner.cleanup()
    return results
