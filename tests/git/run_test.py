"""git/run.py: the one way git is started, with the environment sealed."""

from __future__ import annotations

import ast
import os
import pathlib
import time

import pytest

from howtoctl.errors import GitError, HowtoError
from howtoctl.git import Repo, run

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "howtoctl"


def test_environment_appends_to_configuration_the_caller_set():
    env = run.git_environment(
        {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "user.name", "GIT_CONFIG_VALUE_0": "X"}
    )
    assert env["GIT_CONFIG_KEY_0"] == "user.name"
    assert env["GIT_CONFIG_KEY_1"] == "core.warnAmbiguousRefs"
    assert env["GIT_CONFIG_COUNT"] == str(1 + len(run._CONFIG_OVERRIDES))
    assert run.git_environment({})["GIT_CONFIG_KEY_0"] == "core.warnAmbiguousRefs"


def test_caller_configuration_still_reaches_git(repo, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "remote.probe.url")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "seen")
    assert Repo(str(repo.path)).remote_url("probe") == "seen"


def test_a_failure_is_raised_unless_the_caller_reads_the_exit_status(repo):
    git = run.Git(str(repo.path), run.git_environment(os.environ))
    with pytest.raises(GitError) as failed:
        git.run("rev-parse", "--verify", "no-such-branch")
    assert failed.value.returncode == 128 and failed.value.git_args[0] == "rev-parse"
    assert git.run("rev-parse", "--verify", "no-such-branch", check=False).returncode == 128


def test_a_work_tree_elsewhere_does_not_see_this_ones_index_variable(repo, tmp_path):
    repo.git("worktree", "add", "-q", "--detach", str(tmp_path / "wt"))
    env = run.git_environment({**os.environ, "GIT_INDEX_FILE": str(tmp_path / "nowhere")})
    git = run.Git(str(repo.path), env)
    assert git.text("ls-files", cwd=str(tmp_path / "wt")).split() == ["ex/README.md", "ex/train.py"]
    assert git.text("ls-files") == ""  # here the variable holds: an index that does not exist


def test_a_git_that_does_not_finish_in_time_is_stopped(repo, tmp_path):
    fifo = tmp_path / "never-written"
    os.mkfifo(fifo)  # git blocks opening it: no writer ever comes
    git = run.Git(str(repo.path), run.git_environment(os.environ))
    start = time.monotonic()
    with pytest.raises(HowtoError, match=r"did not finish within 0\.5 s"):
        git.run("hash-object", str(fifo), timeout=0.5)
    assert time.monotonic() - start < 10


def test_only_run_py_starts_a_process_in_the_git_package():
    """`run.run` is the one way git is started: no other module of howtoctl/git uses
    subprocess, and no module outside the package names git as a program to run."""
    starts = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(), rel)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if "subprocess" in names and rel.startswith("git/") and rel != "git/run.py":
                    starts.append(f"{rel}:{node.lineno} imports subprocess")
            if isinstance(node, ast.List | ast.Tuple) and node.elts:
                first = node.elts[0]
                if isinstance(first, ast.Constant) and first.value == "git" and rel != "git/run.py":
                    starts.append(f"{rel}:{node.lineno} runs git")
    assert not starts, "start git through howtoctl/git/run.py:\n" + "\n".join(starts)
