"""Every way a run can end on bad input or a hostile machine is a clear message and an exit
status, never a traceback: configuration nested too deep to parse, no temporary directory to
write in, Ctrl-C while howtoctl is still starting."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap

import pytest


@pytest.mark.parametrize("where", ["pyproject.toml", "howtos/manifest.toml"])
def test_deeply_nested_toml_is_a_clear_error(repo_with_howto, where):
    """A value nested 5,000 arrays deep (legal TOML) made tomllib raise RecursionError and
    `list`, `save` and `rebase-all` crash (exit 3). It is the same clear error as any other
    unreadable configuration: exit 2 naming the file."""
    r = repo_with_howto
    r.write(where, "x = " + "[" * 5000 + "]" * 5000 + "\n")
    res = r.cli("list")
    assert "hit a bug" not in res.err, res
    assert res.code == 2 and where in res.err, res


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


@pytest.mark.parametrize("command", ["cost", "render"])
def test_history_on_a_full_disk_is_a_clear_error(repo_with_howto, tmp_path, command):
    """`cost` and `render` (its maintenance page reads the same history) replay the base's
    moves in temporary directories, which fsutil made without asking for a usable temporary
    root: on a full disk tempfile raised FileNotFoundError ("hit a bug", exit 3). It is the
    same clear error as elsewhere: exit 2, naming the temporary directory."""
    r = repo_with_howto
    r.replace("ex/train.py", "line 30\n", "line 30 moved\n")
    r.commit("base moves")
    args = ("render", "--out", str(tmp_path / "site")) if command == "render" else (command,)
    proc = _run_limited(r, *args, fsize=0)
    assert "hit a bug" not in proc.stderr, proc.stderr[-300:]
    assert proc.returncode == 2 and "temporary directory" in proc.stderr, proc.stderr


@pytest.mark.parametrize("how", ["python -m howtoctl", "howtoctl script"])
def test_ctrl_c_while_howtoctl_starts_prints_no_traceback(tmp_path, how):
    """Ctrl-C in the first ~0.2 s, while howtoctl.cli and its imports load, printed a
    KeyboardInterrupt traceback through howtoctl/__main__.py and cli.py (seen with real
    SIGINTs in 4 of 78 random signal kills). Like a Ctrl-C later in the run, it ends quietly
    with exit 130, through `python -m howtoctl` and through the console script's entry point
    alike. The interrupt is raised where a real one lands: while howtoctl.cli is imported."""
    if how == "python -m howtoctl":
        run = 'sys.argv = ["howtoctl", "list"]\nrunpy.run_module("howtoctl", run_name="__main__")'
    else:  # what the installed script does: load the entry point pyproject.toml names
        run = textwrap.dedent(
            """
            import tomllib
            spec = tomllib.load(open(sys.argv[1], "rb"))["project"]["scripts"]["howtoctl"]
            module, _, attr = spec.partition(":")
            sys.argv = ["howtoctl", "list"]
            sys.exit(getattr(__import__(module, fromlist=[attr]), attr)())
            """
        )
    script = (
        textwrap.dedent(
            """
        import runpy, sys

        class Interrupt:
            def find_spec(self, name, path=None, target=None):
                if name == "howtoctl.cli":
                    raise KeyboardInterrupt

        sys.meta_path.insert(0, Interrupt())
        """
        )
        + run
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    pyproject = os.path.join(os.path.dirname(os.path.dirname(__file__)), "pyproject.toml")
    proc = subprocess.run(
        [sys.executable, "-c", script, pyproject],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 130, proc.stderr


def _run_bytes(r, *args: str | bytes):
    """howtoctl with arguments as raw bytes (a terminal in another encoding types them so)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "howtoctl", "-C", str(r.path), *args],
        capture_output=True,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["new", "gamma", "--title"],
        ["new", "gamma", "--summary"],
        ["new", "gamma", "--example"],
        ["new"],
        ["init", "--test"],
        ["init", "--action-ref"],
        ["init", "--requirements"],
        ["--base"],
    ],
)
def test_an_argument_that_is_not_utf8_is_a_clear_error(repo_with_howto, args):
    """An argument typed in a Latin-1 terminal (`new gamma --title $'caf\\xe9'`) reaches Python
    with a lone surrogate; written into the manifest, pyproject.toml or a workflow it raised
    UnicodeEncodeError ("hit a bug", exit 3). Every text argument is checked when the command
    line is parsed: exit 2 naming the option, nothing changed."""
    r = repo_with_howto
    before = r.snapshot()
    proc = _run_bytes(r, *args, b"caf\xe9", *(["list"] if args == ["--base"] else []))
    assert b"hit a bug" not in proc.stderr, proc.stderr[-200:]
    assert proc.returncode == 2 and b"not valid UTF-8" in proc.stderr, proc
    assert r.snapshot() == before


def test_a_path_argument_may_be_any_bytes(repo_with_howto, tmp_path):
    """Paths are only opened, never written into a file: `--junit` names a report file
    whose name is not UTF-8 (a Latin-1 file system) and it is written there."""
    r = repo_with_howto
    target = os.fsencode(tmp_path) + b"/r\xe9sults.xml"
    proc = _run_bytes(r, "test", "alpha", "--junit", target)
    assert b"not valid UTF-8" not in proc.stderr, proc
    assert os.path.exists(target), proc
