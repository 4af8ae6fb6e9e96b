"""`howtoctl test`: run each HOWTO variant's smoke test in a temporary work tree of its own."""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time

from howtoctl import junit, output, variants
from howtoctl.errors import EXIT_OK, EXIT_PROBLEMS, HowtoError
from howtoctl.howtos import Workspace
from howtoctl.junit import VariantResult

TAIL_LINES = 40


def select(
    ws: Workspace, requested: tuple[str, ...], all_: bool, changed_since: str | None
) -> list[str]:
    """The HOWTOs to test: the named ones, or all, narrowed to those a change affects."""
    if changed_since and not requested:
        all_ = True
    selected = ws.select(requested, all_)
    known = set(ws.diff_names()) | set(ws.branches())
    unknown = [n for n in selected if n not in known]
    if unknown and requested:
        raise HowtoError(f"no HOWTO named {', '.join(map(repr, unknown))}", "see `howtoctl list`")
    selected = [n for n in selected if n in known]
    if changed_since:
        since = ws.repo.rev_parse(changed_since)  # an id from here on: never read as an option
        if since is None:
            raise HowtoError(
                f"--changed-since {changed_since!r} does not name a commit",
                "fetch it first (e.g. git fetch origin main) or pass another ref",
            )
        changed = ws.repo.changed_paths(since)
        selected = variants.affected(
            selected,
            changed,
            {n: ws.diff_relpath(n) for n in selected},
            {n: variants.example_dirs(ws.entry(n), _files(ws, n)) for n in selected},
            ws.config.manifest,
        )
    return selected


def _files(ws: Workspace, name: str) -> tuple[str, ...]:
    """Files a HOWTO changes, from its diff (or nothing if it has none or it is broken)."""
    from howtoctl import patch

    data = ws.read_diff(name)
    if data is None:
        return ()
    try:
        return patch.parse(data).paths
    except patch.PatchError:
        return ()


def variant_commit(ws: Workspace, name: str, from_diff: bool) -> tuple[str, str]:
    """The commit holding a variant: its branch tip, or its diff applied on the current commit."""
    tip = ws.branches().get(name)
    if tip is not None and not from_diff:
        return tip, f"branch {ws.config.branch_prefix}{name}"
    data, _ = ws.load_patch(name)
    base = ws.repo.rev_parse("HEAD") if ws.diffs_from_worktree() else ws.base_tip
    base_label = "HEAD" if ws.diffs_from_worktree() else ws.base
    try:
        tree = ws.repo.tree_with_patch(base, data)
    except HowtoError as e:
        raise HowtoError(
            f"{ws.diff_relpath(name)} does not apply to {base_label}: {e.message}"
        ) from None
    commit = ws.repo.commit_tree(tree, [base], f"howtoctl test: {name} (diff on {base_label})\n")
    return commit, f"{ws.diff_relpath(name)} on {base_label}"


class _Runner:
    def __init__(self, ws: Workspace, devices: int, keep: bool, from_diff: bool) -> None:
        self.ws = ws
        self.platform = variants.detect_platform()
        self.env = {**os.environ, **variants.device_env(devices, self.platform)}
        self.keep = keep
        self.from_diff = from_diff
        self.worktrees: list[str] = []
        self.procs: set[subprocess.Popen] = set()
        self.lock = threading.Lock()
        self.stopping = False

    def run_one(self, name: str) -> VariantResult:
        started = time.monotonic()
        try:
            commit, source = variant_commit(self.ws, name, self.from_diff)
        except HowtoError as e:
            return VariantResult(name, "error", time.monotonic() - started, message=e.message)
        path = tempfile.mkdtemp(prefix=f"howtoctl-test-{name}-")
        with self.lock:  # git's work tree bookkeeping is not meant for concurrent adds
            self.worktrees.append(path)
            self.ws.repo.add_worktree(path, commit)
        entry = self.ws.entry(name)
        command = variants.smoke_command(entry, _files(self.ws, name))
        if command and command[0] in ("python", "python3"):
            command = [sys.executable, *command[1:]]
        report = os.path.join(path, ".howtoctl-junit.xml")
        if variants.is_pytest(command):
            command += [f"--junitxml={report}", "-p", "no:cacheprovider"]
        log_path = os.path.join(path, ".howtoctl-output.log")
        env = {
            **self.env,
            "PYTHONPATH": os.pathsep.join(filter(None, [path, self.env.get("PYTHONPATH")])),
        }
        with open(log_path, "wb") as log:
            if self.stopping:
                raise KeyboardInterrupt
            proc = subprocess.Popen(
                command,
                cwd=path,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches us; we stop the whole group ourselves
            )
            with self.lock:
                self.procs.add(proc)
            try:
                rc = proc.wait()
            finally:
                with self.lock:
                    self.procs.discard(proc)
        seconds = time.monotonic() - started
        with open(log_path, "rb") as f:
            tail = "\n".join(f.read().decode(errors="replace").splitlines()[-TAIL_LINES:])
        failing = skipped = ()
        if os.path.exists(report):
            with open(report, "rb") as f:
                xml = f.read()
            failing, skipped = junit.failing_tests(xml), junit.skipped_tests(xml)
        status = "passed" if rc == 0 else "failed"
        message = (
            ""
            if rc == 0
            else f"exit status {rc}" + (f"; failed: {', '.join(failing)}" if failing else "")
        )
        return VariantResult(
            name,
            status,
            seconds,
            command=shlex.join(command),
            failing_tests=failing,
            skipped_tests=skipped,
            message=message,
            output_tail=tail if rc else "",
            worktree=path if self.keep else "",
        )

    def stop(self) -> None:
        self.stopping = True
        with self.lock:
            procs = list(self.procs)
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for proc in procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)

    def cleanup(self) -> None:
        if self.keep:
            return
        for path in self.worktrees:
            self.ws.repo.remove_worktree(path)


def _report(results: list[VariantResult], as_json: bool, platform: str, devices: int) -> None:
    if as_json:
        output.emit_json(
            {"platform": platform, "devices": devices, "results": [r.as_dict() for r in results]}
        )
        return
    rows = [
        (
            r.name,
            r.status,
            f"{r.seconds:.1f}s",
            str(len(r.skipped_tests)),
            ", ".join(r.failing_tests) or r.message.split(";")[0],
        )
        for r in results
    ]
    output.table(
        ["name", "status", "duration", "skipped", "failing test"], rows, status_column="status"
    )
    for r in results:
        if r.status != "passed" and r.output_tail:
            output.line(f"--- {r.name}: last lines of output ---", style="bold")
            output.line(r.output_tail)
        if r.worktree:
            output.info(f"{r.name}: work tree kept at {r.worktree}")


def run(
    ws: Workspace,
    requested: tuple[str, ...],
    all_: bool,
    devices: int = 8,
    jobs: int | None = None,
    junit_path: str | None = None,
    as_json: bool = False,
    changed_since: str | None = None,
    keep: bool = False,
    from_diff: bool = False,
) -> int:
    if devices < 1:
        raise HowtoError("--devices must be at least 1")
    if jobs is None:
        jobs = min(4, os.cpu_count() or 1)
    if jobs < 1:
        raise HowtoError("--jobs must be at least 1")
    selected = select(ws, requested, all_, changed_since)
    runner = _Runner(ws, devices, keep, from_diff)
    if not selected:
        output.info(
            "no HOWTO variants to test"
            + (f" (nothing affected since {changed_since})" if changed_since else "")
        )
        if junit_path:
            _write(junit_path, junit.render([]))
        if as_json:
            output.emit_json({"platform": runner.platform, "devices": devices, "results": []})
        return EXIT_OK
    where = f"{devices} CPU devices" if runner.platform == "cpu" else runner.platform
    output.info(f"testing {len(selected)} HOWTO variant(s) on {where}, {jobs} at a time")
    results: dict[str, VariantResult] = {}
    previous = (
        signal.signal(signal.SIGTERM, _raise_interrupt)
        if threading.current_thread() is threading.main_thread()
        else None
    )
    try:
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=output.stderr(),
            transient=True,
        ) as progress:
            task = progress.add_task("smoke tests", total=len(selected))
            with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
                futures = {pool.submit(runner.run_one, n): n for n in selected}
                try:
                    for fut in concurrent.futures.as_completed(futures):
                        r = fut.result()
                        results[r.name] = r
                        progress.advance(task)
                        progress.console.print(
                            f"[{output.STATUS_STYLES.get(r.status, '')}]{r.status:<8}[/] {output.escape(r.name)} "
                            f"[dim]{r.seconds:.1f}s[/dim]"
                        )
                except BaseException:
                    runner.stop()
                    for f in futures:
                        f.cancel()
                    raise
    except KeyboardInterrupt:
        output.error("interrupted: stopped the running smoke tests and removed their work trees")
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        runner.cleanup()
    ordered = [results[n] for n in selected]
    if junit_path:
        _write(junit_path, junit.render(ordered))
    _report(ordered, as_json, runner.platform, devices)
    return EXIT_PROBLEMS if any(r.status != "passed" for r in ordered) else EXIT_OK


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _write(path: str, data: bytes) -> None:
    from howtoctl import fsutil

    fsutil.write_atomic(os.path.abspath(path), data)
