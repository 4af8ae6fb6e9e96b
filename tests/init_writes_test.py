"""How init writes the files it edits: nothing left in the work tree, links and line ends kept."""

from __future__ import annotations

import os
import subprocess
import sys


def test_init_killed_while_writing_leaves_no_temporary_file_in_the_work_tree(repo):
    """Temporary files live in .git/howtoctl/tmp: a kill before the rename leaves nothing that
    `git add -A` would commit."""
    r = repo
    r.write("pyproject.toml", '[project]\nname = "x"\n')
    r.commit("pyproject")
    killer = (
        "import os, signal, sys\n"
        "from howtoctl import cli\n"
        "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"sys.exit(cli.main(['-C', {str(r.path)!r}, 'init']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", killer], capture_output=True)
    assert proc.returncode == -9, proc
    res = r.cli("init")
    assert res.code == 0, res
    left = [
        str(p.relative_to(r.path)) for p in r.path.rglob(".howtoctl-*") if ".git" not in p.parts
    ]
    assert left == [], left


def test_init_refuses_to_replace_a_symlinked_pyproject(repo):
    """Renaming a new file over the link would drop the link and leave the file it leads to
    without the settings: init names the link and the lines to add, and writes nothing."""
    r = repo
    r.write("conf/pyproject.toml", '[project]\nname = "x"\n')
    os.symlink("conf/pyproject.toml", r.path / "pyproject.toml")
    r.commit("linked pyproject")
    before = r.snapshot()
    res = r.cli("init")
    assert res.code == 2, res
    assert "pyproject.toml is a symbolic link" in res.err and "[tool.howtoctl]" in res.err
    assert os.path.islink(r.path / "pyproject.toml")
    assert r.snapshot() == before
    assert not (r.path / "howtos").exists()


def test_init_keeps_a_crlf_pyproject_crlf(repo):
    r = repo
    r.write("pyproject.toml", b'[project]\r\nname = "x"\r\n\r\n[tool.ruff]\r\nline-length = 99\r\n')
    r.commit("crlf pyproject")
    res = r.cli("init")
    assert res.code == 0, res
    data = (r.path / "pyproject.toml").read_bytes()
    assert b"[tool.howtoctl]" in data
    assert data.replace(b"\r\n", b"").count(b"\n") == 0, data


def test_init_finds_a_crlf_tool_howtoctl_table(repo):
    r = repo
    r.write("pyproject.toml", b'[project]\r\nname = "x"\r\n\r\n[tool.howtoctl]\r\n')
    r.commit("crlf pyproject")
    res = r.cli("init")
    assert res.code == 0, res
    data = (r.path / "pyproject.toml").read_bytes()
    assert data.count(b"[tool.howtoctl]") == 1, data
    assert data.replace(b"\r\n", b"").count(b"\n") == 0, data


def test_init_that_fails_at_its_last_write_leaves_every_file_as_it_was(repo):
    """init removed the files it had created when a later write failed, but not its edit of
    an existing pyproject.toml: exit 2 with the settings added. Now every file it writes is
    put into place as one step."""
    r = repo
    r.write("pyproject.toml", '[project]\nname = "x"\n')
    r.write(".gitignore", "*.pyc\n")
    r.commit("pyproject and gitignore")
    before = r.snapshot()
    failing = (
        "import os, sys\n"
        "from howtoctl import cli\n"
        "real = os.replace\n"
        "def replace(src, dst, *a, **k):\n"
        "    if str(dst).endswith('.gitignore'):\n"
        "        raise OSError(28, 'No space left on device')\n"
        "    return real(src, dst, *a, **k)\n"
        "os.replace = replace\n"
        f"sys.exit(cli.main(['-C', {str(r.path)!r}, 'init']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", failing], capture_output=True, text=True)
    assert proc.returncode == 2 and ".gitignore" in proc.stderr, proc
    assert r.snapshot() == before
    assert not (r.path / "howtos").exists()
