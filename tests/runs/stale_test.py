"""What a howtoctl killed with SIGKILL leaves in the temporary directory carries its owner's pid,
so that the next run removes it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from howtoctl.fsutil import OWNED, owned_prefix


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
    owners = [OWNED.match(name) for name in made]
    assert made and all(m and int(m.group(1)) == os.getpid() for m in owners), made
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()  # its pid names no process now, like a howtoctl killed with SIGKILL
    left = [
        tempfile.mkdtemp(prefix=owned_prefix(f"howtoctl-{kind}-", dead.pid), dir=private_tmp)
        for kind in ("index", "check", "commits")
    ]
    res = r.cli("test", "--changed-since", "HEAD")
    assert res.code == 0, res
    assert not any(os.path.exists(p) for p in left)


def test_a_run_whose_pid_this_process_cannot_see_is_alive_while_it_holds_its_lock(
    repo_with_howto, private_tmp
):
    """Another PID namespace sharing the temporary directory (containers): its runs' pids name
    no process here, or another one. Its leftovers stay while it holds its liveness lock."""
    r = repo_with_howto
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()  # the pid as seen from here: no process
    token = "0123456789abcdef"
    lock = private_tmp / f"howtoctl-alive-{token}.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys\n"
            f"fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_SH)\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "locked\n"  # a signal, not a wait
        live = tempfile.mkdtemp(prefix=f"howtoctl-test-P{dead.pid}.{token}-h-", dir=private_tmp)
        assert r.cli("test", "--changed-since", "HEAD").code == 0
        assert os.path.isdir(live)  # its owner runs on, out of sight
    finally:
        holder.stdin.close()
        holder.wait()
    assert r.cli("test", "--changed-since", "HEAD").code == 0
    assert not os.path.exists(live) and not lock.exists()  # ended: swept, lock and all


def test_a_live_run_under_another_tmpdir_keeps_its_work_tree(
    repo_with_howto, tmp_path, monkeypatch
):
    """A `test` run in another PID namespace (a container sharing the repository) with its
    own TMPDIR holds its liveness lock in that TMPDIR. A `test` run here, with a different
    TMPDIR, looked for the lock only in its own TMPDIR, fell back to the pid - which names no
    process here - and removed the live run's registered work tree. The lock is looked for
    beside the work tree too, and a token whose lock is nowhere is not taken for dead. Here
    the other run is played by this process: its lock held in tA, its work tree named with a
    pid that does not exist."""
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
    lost = ta / f"howtoctl-test-P{2**22 + 7}.{'f' * 16}-alpha-y"  # a token whose lock is gone
    r.git("worktree", "add", "-q", "--detach", str(lost), "howto/alpha")
    monkeypatch.setenv("TMPDIR", str(tb))
    monkeypatch.setattr(tempfile, "tempdir", None)
    try:
        res = r.cli("test", "--changed-since", "HEAD")
        assert other.exists() and lost.exists(), res
    finally:
        os.close(lock)  # the other run ends: the next sweep removes its work tree
    res = r.cli("test", "--changed-since", "HEAD")
    assert not other.exists() and lost.exists(), res
