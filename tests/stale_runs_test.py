"""What a howtoctl killed with SIGKILL leaves in the temporary directory carries its owner's pid,
so that the next run removes it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from howtoctl.fsutil import owned_prefix


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    path = tmp_path / "tmp"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path


def test_git_scratch_directories_are_owned_and_swept(repo_with_howto, private_tmp, monkeypatch):
    r = repo_with_howto
    # Every temporary directory the commands make carries this process's pid.
    made = []
    real = tempfile.mkdtemp

    def spy(*args, **kwargs):
        made.append(os.path.basename(real(*args, **kwargs)))
        return os.path.join(str(private_tmp), made[-1])

    monkeypatch.setattr(tempfile, "mkdtemp", spy)
    r.replace("ex/train.py", "line 30\n", "line 30 moved on the base\n")
    r.commit("base moves")
    assert r.cli("rebase-all").code == 0  # writes commits
    assert r.cli("save", "alpha").code == 0
    r.commit("save")
    assert r.cli("check").code == 0  # applies the diffs to an index copy
    monkeypatch.setattr(tempfile, "mkdtemp", real)
    assert made and all(f"-P{os.getpid()}-" in name for name in made), made
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()  # its pid names no process now, like a howtoctl killed with SIGKILL
    left = [
        tempfile.mkdtemp(prefix=owned_prefix(f"howtoctl-{kind}-", dead.pid), dir=private_tmp)
        for kind in ("index", "check", "commits")
    ]
    res = r.cli("test", "--changed-since", "HEAD")
    assert res.code == 0, res
    assert not any(os.path.exists(p) for p in left)
