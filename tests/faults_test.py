"""Fault injection: real howtoctl processes interrupted at random moments, on real repositories.

After SIGINT (to the whole process group, as Ctrl-C does) or SIGKILL (to howtoctl itself), every
howto/* ref is either its old or its new value, all moved together, backups exist for what moved,
the work tree and index are untouched, and a rerun converges to an uninterrupted run's result.
Commit dates and identities are fixed, so "the same result" means the same commit ids.

HOWTOCTL_FAULT_SEEDS sets how many random moments per command and signal (default 3; nightly: 50).
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time

import pytest

from bench import synthetic
from tests.conftest import tree_digest
from tests.processes import default_sigint

SEEDS = int(os.environ.get("HOWTOCTL_FAULT_SEEDS", "3"))
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Fault",
    "GIT_AUTHOR_EMAIL": "fault@example.com",
    "GIT_AUTHOR_DATE": "1700000000 +0000",
    "GIT_COMMITTER_NAME": "Fault",
    "GIT_COMMITTER_EMAIL": "fault@example.com",
    "GIT_COMMITTER_DATE": "1700000000 +0000",
}


def git(repo, *args):
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env=ENV
    ).stdout


def howtoctl(repo, *args, **kw):
    return subprocess.Popen(
        [sys.executable, "-m", "howtoctl", "-C", str(repo), *args],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **{"preexec_fn": default_sigint, **kw},
    )


def wait_until_group_exits(pgid: int, timeout: float = 120) -> None:
    """Wait until no live process is left in the process group (zombies don't count)."""
    deadline = time.monotonic() + timeout
    while _live_members(pgid):
        assert time.monotonic() < deadline, f"process group {pgid} still running"
        time.sleep(0.01)


def _live_members(pgid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:  # exited meanwhile
            continue
        # Fields after the parenthesised command name: state, ppid, pgrp, ...
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            members.append(int(entry))
    return members


def heads(repo):
    out = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/howto/")
    return dict(line.split() for line in out.splitlines())


def backups(repo):
    out = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/howtoctl/backup/")
    return dict(line.split() for line in out.splitlines())


def diffs(repo):
    d = repo / "howtos" / "diffs"
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())} if d.is_dir() else {}


def outside_state(repo):
    return tree_digest(repo), git(repo, "ls-files", "-s"), git(repo, "symbolic-ref", "HEAD")


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """Three starting points, each with the result of an uninterrupted run and its duration."""
    root = tmp_path_factory.mktemp("faults")
    base = root / "base"
    synthetic.build(base, branches=40, files=60)
    # Save every branch's diff before the base moved on... (the builder already moved main, so
    # write the diffs save wrote at the fork points: save itself now refuses one that does not
    # apply to the tip; that is what a maintainer had committed before).
    from howtoctl.howtos import Workspace

    ws = Workspace(str(base))
    (base / "howtos" / "diffs").mkdir(parents=True, exist_ok=True)
    for name, tip in ws.branches().items():
        (base / "howtos" / "diffs" / f"{name}.diff").write_bytes(ws.branch_diff(name, tip))
    git(base, "add", "-A")
    git(base, "commit", "-q", "-m", "save HOWTO diffs")
    out = {}

    def prepare(name, setup, command):
        start = root / f"{name}-start"
        shutil.copytree(base, start)
        setup(start)
        done = root / f"{name}-done"
        shutil.copytree(start, done)
        t = time.perf_counter()
        p = howtoctl(done, *command)
        p.wait()
        out[name] = {
            "start": start,
            "done": done,
            "seconds": time.perf_counter() - t,
            "command": command,
        }

    prepare("rebase-all", lambda r: None, ["rebase-all"])

    def rebased(r):
        howtoctl(r, "rebase-all").wait()

    prepare("save", rebased, ["save", "--all"])

    def no_branches(r):
        for ref in heads(r):
            git(r, "update-ref", "-d", ref)

    prepare("restore", no_branches, ["restore", "--all"])
    return out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
@pytest.mark.parametrize("command", ["rebase-all", "save", "restore"])
@pytest.mark.parametrize("seed", range(SEEDS))
def test_interrupted_at_a_random_moment(templates, tmp_path, command, sig, seed):
    t = templates[command]
    repo = tmp_path / "repo"
    shutil.copytree(t["start"], repo)
    old_heads, old_diffs, old_outside = heads(repo), diffs(repo), outside_state(repo)
    new_heads, new_diffs = heads(t["done"]), diffs(t["done"])
    delay = random.Random(f"{command}-{sig}-{seed}").uniform(0.05, t["seconds"])

    proc = howtoctl(repo, *t["command"], start_new_session=True)
    time.sleep(delay)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    else:
        proc.kill()  # howtoctl dies; a git child it started may still finish its own step
    proc.wait()
    wait_until_group_exits(proc.pid)  # a git child orphaned by SIGKILL finishes its own step

    now = heads(repo)
    if command in ("rebase-all", "restore"):
        moved = {r for r in set(old_heads) | set(now) if old_heads.get(r) != now.get(r)}
        expected = {
            r for r in set(old_heads) | set(new_heads) if old_heads.get(r) != new_heads.get(r)
        }
        assert moved in (set(), expected), "branches did not move together"
        for ref in moved:
            assert now.get(ref) == new_heads.get(ref)
        if command == "rebase-all" and moved:
            assert {old_heads[r] for r in moved} <= set(backups(repo).values())
        assert outside_state(repo) == old_outside, "work tree, index or HEAD changed"
    else:
        for name, data in diffs(repo).items():
            assert data in (old_diffs.get(name), new_diffs.get(name)), (
                f"{name} is neither old nor new"
            )
        assert not [n for n in os.listdir(repo / "howtos" / "diffs") if not n.endswith(".diff")]
        assert now == old_heads

    rerun = howtoctl(repo, *t["command"])
    rerun.wait()
    assert heads(repo) == new_heads
    assert diffs(repo) == new_diffs
    # The repository is whole: every object reachable, every pack readable. (Objects a killed
    # run wrote are unreachable, harmless, and pruned by git gc.)
    git(repo, "fsck", "--no-dangling", "--no-progress")


def test_four_concurrent_runs_one_proceeds(templates, tmp_path):
    t = templates["rebase-all"]
    repo = tmp_path / "repo"
    shutil.copytree(t["start"], repo)
    procs = [howtoctl(repo, "rebase-all") for _ in range(4)]
    results = [(p.wait(), p.stderr.read().decode()) for p in procs]
    refused = [err for code, err in results if code == 2]
    proceeded = [code for code, _ in results if code in (0, 1)]
    assert proceeded, results
    assert all("another howtoctl command is changing this repository" in err for err in refused)
    assert heads(repo) == heads(t["done"])


def test_save_on_a_full_disk_leaves_the_old_file(templates, tmp_path):
    t = templates["save"]
    repo = tmp_path / "repo"
    shutil.copytree(t["start"], repo)
    before = diffs(repo)

    def small_files_only():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))

    p = subprocess.run(
        [sys.executable, "-m", "howtoctl", "-C", str(repo), "save", "--all"],
        env=ENV,
        capture_output=True,
        text=True,
        preexec_fn=small_files_only,
    )
    assert p.returncode == 2 and "cannot write" in p.stderr and "left as it was" in p.stderr
    assert diffs(repo) == before
    assert not [n for n in os.listdir(repo / "howtos" / "diffs") if not n.endswith(".diff")]


def test_a_stale_ref_lock_is_reported_and_nothing_moves(templates, tmp_path):
    t = templates["rebase-all"]
    repo = tmp_path / "repo"
    shutil.copytree(t["start"], repo)
    before = heads(repo)
    lock = repo / ".git" / "refs" / "heads" / "howto" / "h0.lock"
    lock.write_text("left behind by a killed git\n")
    p = howtoctl(repo, "rebase-all")
    assert p.wait() == 2
    err = p.stderr.read().decode()
    assert "none was moved" in err and "rm -f" in err and "h0.lock" in err
    assert heads(repo) == before
