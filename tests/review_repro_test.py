"""Open defects found by trying hostile inputs against the CLI, one failing test each. The
docstrings say what happens today and what should happen instead."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap

import pytest


def test_junit_into_dot_git_is_refused(repo_with_howto):
    """DATA LOSS. `howtoctl test alpha --junit .git/config` replaces the repository's
    configuration with the JUnit XML (exit 0); afterwards every git command fails with 'bad
    config line 1 in file .git/config' (`--junit .git/HEAD` likewise leaves a directory git no
    longer takes for a repository). A target under .git/ should be refused before anything
    runs (exit 2, nothing changed), as diff-dir, manifest and resolve --path are."""
    r = repo_with_howto
    config = (r.path / ".git/config").read_bytes()
    res = r.cli("test", "alpha", "--junit", ".git/config")
    assert (r.path / ".git/config").read_bytes() == config, res
    assert res.code == 2, res


def test_render_out_inside_dot_git_is_refused(repo_with_howto):
    """WRITES INTO .git. `howtoctl render --out .git` (or any directory under .git) writes
    index.html, alpha.html and .howtoctl-render.json into the repository's git directory
    (exit 0). Every other path the tool takes is held to 'inside the repository, outside
    .git'; --out should be refused there (exit 2) as well."""
    r = repo_with_howto
    before = sorted(os.listdir(r.path / ".git"))
    res = r.cli("render", "--out", str(r.path / ".git"))
    assert sorted(os.listdir(r.path / ".git")) == before, res
    assert res.code == 2, res


@pytest.mark.parametrize("where", ["pyproject.toml", "howtos/manifest.toml"])
def test_deeply_nested_toml_is_a_clear_error(repo_with_howto, where):
    """TRACEBACK (exit 3, RecursionError from tomllib). A pyproject.toml holding a value nested
    5,000 arrays deep (legal TOML) makes `list`, `save` and `rebase-all` crash. It should be
    the same clear error as any other unreadable configuration: exit 2 naming the file."""
    r = repo_with_howto
    r.write(where, "x = " + "[" * 5000 + "]" * 5000 + "\n")
    res = r.cli("list")
    assert "hit a bug" not in res.err, res
    assert res.code == 2, res


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
    """TRACEBACK (exit 3). With no byte left to write (RLIMIT_FSIZE=0, as on a full disk),
    `howtoctl test alpha` crashes in the stale-run sweep: tempfile.gettempdir() raises
    FileNotFoundError 'No usable temporary directory found'. `save`, `restore`, `rebase-all`,
    `new` and `render` report the full disk as a clear error (exit 2); `test` should too."""
    proc = _run_limited(repo_with_howto, "test", "alpha", fsize=0)
    assert "hit a bug" not in proc.stderr, proc.stderr
    assert proc.returncode == 2, proc.stderr


def test_ctrl_c_while_howtoctl_starts_prints_no_traceback(tmp_path):
    """TRACEBACK. Ctrl-C in the first ~0.2 s, while howtoctl.cli and its imports load, prints
    a KeyboardInterrupt traceback through howtoctl/__main__.py and cli.py (seen with real
    SIGINTs in 4 of 78 random signal kills). Like a Ctrl-C later in the run, it should end
    quietly with exit 130. Here the interrupt is raised where a real one lands: while
    howtoctl.cli is being imported."""
    script = textwrap.dedent(
        """
        import runpy, sys

        class Interrupt:
            def find_spec(self, name, path=None, target=None):
                if name == "howtoctl.cli":
                    raise KeyboardInterrupt

        sys.meta_path.insert(0, Interrupt())
        sys.argv = ["howtoctl", "list"]
        runpy.run_module("howtoctl", run_name="__main__")
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 130, proc.stderr


def test_restore_is_not_changed_by_the_users_apply_whitespace(repo):
    """WRONG RESULT. With the user's `apply.whitespace=error` (a documented git setting) and a
    HOWTO whose change ends a line with spaces - a diff `save` wrote itself - `restore` refuses
    ('git apply --numstat -z - failed: <stdin>:15: trailing whitespace', exit 2) and, once the
    branch is gone, `check` calls the HOWTO 'broken ... rebuild it with git apply --3way'
    (while the branch exists, `check` says 'ok'). Diff options are pinned for `save`; the apply
    side should pin whitespace handling the same way (e.g. `-c apply.whitespace=nowarn`), so
    that restore writes exactly the diff whatever the user's configuration."""
    r = repo
    r.add_howto("ws", {"ex/train.py": ("line 9\n", "line 9   \n")})
    r.git("branch", "-D", "howto/ws")
    r.git("config", "apply.whitespace", "error")
    res = r.cli("restore", "ws")
    assert res.code == 0, res
    assert "line 9   \n" in r.git("show", "howto/ws:ex/train.py", strip_newline_in_stdout=False)


def test_render_keeps_a_file_it_did_not_write(repo_with_howto):
    """WRONG RESULT (a user's file replaced). `render` (default --out site/) replaces an
    existing site/index.html that no earlier render wrote (no page list claims it) - here a
    committed file - and `render --out DIR` does the same in any directory the user names.
    It should refuse (exit 2, naming the file), or keep the file."""
    r = repo_with_howto
    r.write("site/index.html", "my own landing page\n")
    r.commit("own landing page")
    res = r.cli("render")
    assert r.read("site/index.html") == "my own landing page\n", res


def test_render_removes_only_pages_it_wrote(repo_with_howto):
    """WRONG RESULT (a file removed). render deletes every page named in the page list
    (site/.howtoctl-render.json) that it does not write this time, trusting the list: a
    committed list naming docs.html made `render` delete the committed site/docs.html. A
    page it removes should be one it wrote (e.g. its content still what it wrote: keep a
    digest per page in the list)."""
    r = repo_with_howto
    r.write("site/docs.html", "hand-written docs\n")
    r.write(
        "site/.howtoctl-render.json",
        json.dumps({"generator": "howtoctl render", "pages": ["docs.html"]}),
    )
    r.commit("site")
    res = r.cli("render")
    assert r.exists("site/docs.html"), res


def _sparse_without_howtos(r):
    """A sparse checkout of the example only: howtos/ is in the index and HEAD, not on disk."""
    r.git("sparse-checkout", "set", "ex")
    assert not (r.path / "howtos").exists()


def test_new_in_a_sparse_checkout_keeps_the_committed_manifest(repo_with_howto):
    """WRONG RESULT (manifest entries dropped). In a sparse checkout that leaves howtos/ out
    (a legal, common set-up in large repositories), `howtoctl new zeta` finds no
    howtos/manifest.toml on disk and writes a new one holding only zeta; `git diff` shows
    alpha's entry deleted, and the commit the command's own hint suggests removes it. `new`
    should read the manifest git has (index or base tip), or refuse (exit 2) to write a file
    the sparse checkout leaves out."""
    r = repo_with_howto
    r.write("howtos/manifest.toml", '[howtos.alpha]\ntitle = "Alpha"\n')
    r.commit("manifest")
    _sparse_without_howtos(r)
    res = r.cli("new", "zeta")
    on_disk = r.path / "howtos/manifest.toml"
    assert res.code == 2 or "[howtos.alpha]" in on_disk.read_text(), (res, on_disk.read_text())


def test_check_in_a_sparse_checkout_sees_the_committed_diff(repo_with_howto):
    """WRONG RESULT. In a sparse checkout that leaves howtos/ out, `check` reports every HOWTO
    'missing-diff' (exit 1) with the hint `howtoctl save alpha`, `list` says the same, and
    `render` writes a site without any HOWTO (exit 0): the diff files are committed, only not
    on disk. Read them from the index (as `check` does for applying) or say that the sparse
    checkout leaves the diff directory out (exit 2)."""
    r = repo_with_howto
    _sparse_without_howtos(r)
    res = r.cli("check", "--json")
    assert res.code == 2 or json.loads(res.out)["howtos"][0]["state"] != "missing-diff", res


def test_a_howto_adding_a_crlf_file_is_not_blamed_on_conversion(repo):
    """WRONG RESULT (misleading message). A HOWTO that adds a Windows batch file with CRLF line
    endings (the file's real content; core.autocrlf unset) cannot be saved: 'line 7: CRLF line
    endings: the diff was converted (check core.autocrlf and .gitattributes ...)'. Nothing was
    converted. Either save it (git diff and git apply keep the CR bytes) or name the file and
    say that HOWTO diffs support LF-only files."""
    r = repo
    r.git("switch", "-q", "-c", "howto/win", "main")
    r.write("ex/run.bat", "@echo off\r\necho hi\r\n")
    r.commit("a batch file")
    r.git("switch", "-q", "main")
    res = r.cli("save", "win")
    assert res.code == 0 or ("ex/run.bat" in res.err and "converted" not in res.err), res


def test_github_output_inside_dot_git_is_refused(repo_with_howto):
    """WRITES INTO .git. `matrix --github-output` appends `matrix=...` and `any=...` to
    whatever GITHUB_OUTPUT names; with GITHUB_OUTPUT=.git/config the lines land in the
    repository's configuration (git reads them as keys of its last section), with .git/HEAD
    they are appended to HEAD (exit 0 both times). The same rule as for --junit should hold:
    nothing under .git/ is written (exit 2)."""
    r = repo_with_howto
    config = (r.path / ".git/config").read_bytes()
    res = r.cli("matrix", "--github-output", env={"GITHUB_OUTPUT": str(r.path / ".git/config")})
    assert (r.path / ".git/config").read_bytes() == config, res
    assert res.code == 2, res


def test_init_that_cannot_finish_writes_nothing(repo):
    """WRONG RESULT (exit 2, yet files written). With a file named .github at the top (so no
    .github/workflows/ can be made), `howtoctl init` creates howtos/MAINTAINING.md and
    .pre-commit-config.yaml, then fails on the workflow: exit 2 with two new untracked files.
    Exit 2 promises nothing changed: check every target before writing the first one."""
    r = repo
    r.write(".github", "not a directory\n")
    r.commit("a file named .github")
    before = r.snapshot()
    res = r.cli("init")
    assert res.code == 2, res
    assert r.snapshot() == before, (res, r.git("status", "--porcelain"))


def test_a_live_run_under_another_tmpdir_keeps_its_work_tree(
    repo_with_howto, tmp_path, monkeypatch
):
    """A LIVE RUN'S WORK TREE DELETED (E4 again, by another way). A `test` run in another PID
    namespace (a container sharing the repository) with its own TMPDIR holds its liveness lock
    in that TMPDIR. A `test` run here, with a different TMPDIR, sweeps the repository's
    registered work trees, looks for the lock only in its own TMPDIR, finds none, falls back to
    the pid - which names no process here - and removes the live run's work tree ('removed
    what a killed run left behind'); the other run's passing smoke test then fails. Seen with
    `unshare --pid --fork` and TMPDIRs /x/tA and /x/tB. Here the other run is played by this
    process: its lock is held in tA, its work tree named with a pid that does not exist. A work
    tree whose token has no lock in our TMPDIR is not known to be dead: leave it (or keep the
    lock beside the work tree)."""
    import fcntl

    r = repo_with_howto
    ta, tb = tmp_path / "tA", tmp_path / "tB"
    ta.mkdir()
    tb.mkdir()
    token = "0123456789abcdef"
    lock = os.open(ta / f"howtoctl-alive-{token}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)  # the other run is alive
    other = ta / f"howtoctl-test-P{2**22 + 7}.{token}-alpha-x"
    r.git("worktree", "add", "-q", "--detach", str(other), "howto/alpha")
    import tempfile

    monkeypatch.setenv("TMPDIR", str(tb))
    monkeypatch.setattr(tempfile, "tempdir", None)
    try:
        res = r.cli("test", "alpha")
    finally:
        os.close(lock)
    assert other.exists(), res
