"""Fault injection: real howtoctl processes interrupted at random moments, on real repositories.

Every command that writes: rebase-all (plain, on a synthetic repository of 40 branches, and
--auto-resolve), save --all, restore --all, prove NAME, test NAME, resolve NAME (its start and
its --continue) and undo. After SIGINT (to the whole process group, as Ctrl-C does) or SIGKILL
(to howtoctl itself; a git child it started may finish its own step):

- every howto/* ref is its old or its new value, all moved together (a command that moves none
  moved none), and backups exist for the old tips of what moved;
- the work tree, index and HEAD are untouched; a diff file is old or new, never partial;
- the records under <git common dir>/howtoctl/ read whole, and a read-only `check` reads them
  without a traceback; a branch an automatic resolution moved is marked for review;
- the rerun (after `resolve --abort` where a resolve is recorded as under way) never ends with a
  traceback or exit status 3, and converges: the same branches, to the commit id, as an
  uninterrupted run (commit dates and identities are fixed), and for prove and test the same
  verdicts; an undo or resolve --continue that finished its move before the kill is not rerun;
- then no process of the killed run is alive (a smoke test runs in a session of its own: its
  environment tells), no temporary work tree is registered, the temporary directory is empty,
  nothing beside the repository changed, and `git fsck` is clean. After Ctrl-C, the run itself
  stopped its processes and removed its work trees before it exited.

HOWTOCTL_FAULT_SEEDS sets how many random moments per command and signal (default 1, which
keeps this file near a minute; nightly: 50, see .github/workflows/prove-nightly.yml).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from bench import synthetic
from tests.commands.autoresolve_test import MODEL  # the same small project file
from tests.conftest import tree_digest
from tests.processes import default_sigint

DEFAULT_SEEDS = 1
SEEDS = int(os.environ.get("HOWTOCTL_FAULT_SEEDS", DEFAULT_SEEDS))
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
    "GIT_AUTHOR_NAME": "Fault",
    "GIT_AUTHOR_EMAIL": "fault@example.com",
    "GIT_AUTHOR_DATE": "1700000000 +0000",
    "GIT_COMMITTER_NAME": "Fault",
    "GIT_COMMITTER_EMAIL": "fault@example.com",
    "GIT_COMMITTER_DATE": "1700000000 +0000",
    # Sealed from the machine's git configuration, as every test is (conftest.hermetic_git).
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo, *args):
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env=ENV
    ).stdout


def howtoctl(repo, *args, **kw):
    return subprocess.Popen(
        [sys.executable, "-m", "howtoctl", "-C", str(repo), *args],
        env=kw.pop("env", ENV),
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
    from howtoctl.workspace import Workspace

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
        with contextlib.suppress(
            ProcessLookupError
        ):  # the run had ended: the checks hold all the same
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


# --- Every other command that writes, on a small project of four HOWTOs --------------------
#
# alpha rebases cleanly; git stops at beta's conflict and wiggle merges it (its smoke test
# passes); gamma and the base rewrote the same line, which no candidate resolves (resolve's
# case); delta fixes a function and adds its pytest test (prove's and test's case).

CALC = '"""Calculator."""\n\n\ndef double(x):\n    return x  # not yet\n\n\nMODE = "fast"\n'
CALC_TEST = "from ex import calc\n\n\ndef test_double():\n    assert calc.double(2) == 4\n"
PROJECT = {
    "ex/__init__.py": "",
    "ex/model.py": MODEL,
    "ex/check.py": "import ex.model as m\n\nassert m.build().dropout == 0.5\n",
    "ex/train.py": "".join(f"line {i}\n" for i in range(1, 41)),
    "ex/calc.py": CALC,
    "howtos/manifest.toml": (
        '[howtos.alpha]\ntitle = "Alpha"\ntest = "python -c pass"\n\n'
        '[howtos.beta]\ntitle = "Beta"\ntest = "python ex/check.py"\n\n'
        '[howtos.gamma]\ntitle = "Gamma"\ntest = "python -c pass"\n\n'
        '[howtos.delta]\ntitle = "Delta"\ntest = "python -m pytest -q ex/calc_test.py"\n'
    ),
}
HOWTOS = {  # name: {path: (old text, new text)}; old None: a new file
    "alpha": {"ex/train.py": ("line 5\n", "line 5 alpha\n")},
    "beta": {"ex/model.py": ("dropout=0.1", "dropout=0.5")},
    "gamma": {"ex/train.py": ("line 20\n", "line 20 gamma\n")},
    "delta": {
        "ex/calc.py": ("return x  # not yet", "return 2 * x"),
        "ex/calc_test.py": (None, CALC_TEST),
    },
}
BASE_MOVES = {
    "ex/model.py": ("features=10", "features=32"),
    "ex/train.py": ("line 20\n", "line 20 main\n"),
}
RESOLUTION = "line 20 main and gamma\n"


def _edit(repo, edits) -> None:
    for rel, (old, new) in edits.items():
        path = repo / rel
        text = path.read_text() if old is not None else ""
        assert old is None or old in text, (rel, old)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace(old, new, 1) if old is not None else new)


def _commit(repo, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def run_to_end(repo, *args, env=None) -> tuple[int, str, str]:
    proc = howtoctl(repo, *args, env=env or ENV)
    out, err = proc.communicate()
    return proc.returncode, out.decode(), err.decode()


def build_project(path) -> None:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "gc.auto", "0")
    _edit(path, {rel: (None, text) for rel, text in PROJECT.items()})
    _commit(path, "base examples")
    for name, edits in HOWTOS.items():
        git(path, "switch", "-q", "-c", f"howto/{name}", "main")
        _edit(path, edits)
        _commit(path, f"{name}: the HOWTO")
    git(path, "switch", "-q", "main")
    assert run_to_end(path, "save", "--all")[0] == 0
    _commit(path, "save HOWTO diffs")
    _edit(path, BASE_MOVES)
    _commit(path, "the base moves")


def resolve_worktree(repo):
    """Where `resolve gamma` puts its work tree: beside the repository."""
    return repo.parent / f"{repo.name}-resolve-gamma"


def resolve_state(repo):
    return repo / ".git" / "howtoctl" / "resolve" / "gamma.json"


def start_resolve_and_fix_the_conflict(repo) -> None:
    code, out, err = run_to_end(repo, "resolve", "gamma")
    assert code == 0, (out, err)  # its work tree is open, holding git's conflict
    wt = resolve_worktree(repo)
    text = (wt / "ex/train.py").read_text()
    head, rest = text.split("<<<<<<<", 1)
    (wt / "ex/train.py").write_text(
        head + RESOLUTION + rest.split(">>>>>>>", 1)[1].split("\n", 1)[1]
    )
    git(wt, "add", "ex/train.py")


def _hunks(out: str) -> list:
    return [
        (h["name"], [(x["file"], x["status"]) for x in h["hunks"]])
        for h in json.loads(out)["howtos"]
    ]


def _tests(out: str) -> list:
    return [(r["name"], r["status"]) for r in json.loads(out)["results"]]


def _conflict(repo) -> str | None:
    path = resolve_worktree(repo) / "ex/train.py"
    return path.read_text() if path.exists() else None


@dataclasses.dataclass
class Scenario:
    """A command to interrupt, and how to tell its result: `verdict(repo, exit code, stdout)`
    is the same after a rerun as after an uninterrupted run."""

    command: tuple[str, ...]
    start: str  # the template it starts from: "project", or "rebased" (after rebase-all)
    moves: bool  # it moves howto/* branches (all together); else it moves no ref at all
    verdict: Callable
    prepare: Callable = lambda repo: None  # in the copy, before the run (paths are absolute)


SCENARIOS = {
    "auto-resolve": Scenario(
        ("rebase-all", "--auto-resolve", "--json"), "project", True, lambda r, c, o: (c, heads(r))
    ),
    "prove": Scenario(
        ("prove", "delta", "--json"), "project", False, lambda r, c, o: (c, _hunks(o))
    ),
    "test": Scenario(("test", "delta", "--json"), "project", False, lambda r, c, o: (c, _tests(o))),
    "resolve": Scenario(
        ("resolve", "gamma"), "project", False, lambda r, c, o: (c, heads(r), _conflict(r))
    ),
    "resolve-continue": Scenario(
        ("resolve", "gamma", "--continue"),
        "project",
        True,
        lambda r, c, o: (c, heads(r)),
        start_resolve_and_fix_the_conflict,
    ),
    "undo": Scenario(("undo",), "rebased", True, lambda r, c, o: (c, heads(r))),
}


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    """Each scenario's start, and the verdict, branches and duration of an uninterrupted run."""
    if shutil.which("wiggle") is None:
        pytest.skip("wiggle is not installed (apt install wiggle)")
    root = tmp_path_factory.mktemp("scenarios")
    project = root / "project"
    build_project(project)
    rebased = root / "rebased"
    shutil.copytree(project, rebased)
    assert run_to_end(rebased, "rebase-all", "--auto-resolve")[0] == 1  # gamma conflicts
    templates = {"project": project, "rebased": rebased}
    out = {}
    for name, s in SCENARIOS.items():
        done = root / f"{name}-done"
        shutil.copytree(templates[s.start], done)
        s.prepare(done)
        t = time.perf_counter()
        code, stdout, err = run_to_end(done, *s.command)
        seconds = time.perf_counter() - t
        assert code in (0, 1), err
        out[name] = {
            "start": templates[s.start],
            "seconds": seconds,
            "verdict": s.verdict(done, code, stdout),
            "heads": heads(done),
            "auto_resolved": _auto_resolved(stdout) if name == "auto-resolve" else set(),
        }
    return out


def _auto_resolved(stdout: str) -> set[str]:
    """The branches a rebase-all --auto-resolve --json report says it merged automatically."""
    branches = json.loads(stdout)["branches"]
    return {f"refs/heads/howto/{b['name']}" for b in branches if b["status"] == "auto-resolved"}


def _marked(token: str) -> list[int]:
    """Live processes whose environment carries `token`: those of one run, whatever session
    or process group they moved to (a smoke test runs in a session of its own)."""
    found = []
    needle = f"HOWTOCTL_FAULT_RUN={token}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:  # exited meanwhile, or not ours to read
            continue
        if needle in env and state != "Z":
            found.append(int(entry))
    return found


def until_unmarked(token: str, timeout: float = 60) -> list[int]:
    """Wait for every process of the run `token` to exit; those still running at the end."""
    deadline = time.monotonic() + timeout
    while (left := _marked(token)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return left


def beside(tmp_path) -> dict[str, str]:
    """A digest of everything around the repository (the test's HOME, a neighbour's files)
    but the temporary directory and resolve's work tree, whose places are known."""
    skip = {"repo", "tmp", resolve_worktree(tmp_path / "repo").name}
    return {p.name: tree_digest(p) for p in tmp_path.iterdir() if p.name not in skip}


def state_files_are_whole(repo) -> None:
    """Every record howtoctl keeps in the git directory reads whole (each is written by
    rename): JSON parses, a sync record has its tip and digest lines."""
    root = repo / ".git" / "howtoctl"
    for path in root.rglob("*") if root.is_dir() else ():
        if not path.is_file() or path.name.endswith(".tmp") or path.parent.name == "tmp":
            continue
        data = path.read_bytes()
        if path.suffix == ".json":
            json.loads(data)
        elif path.parent.name == "sync":
            assert data.startswith(b"tip ") and b"\ndiff " in data, path


def registered_worktrees(repo) -> list[str]:
    out = git(repo, "worktree", "list", "--porcelain")
    return [ln.split(" ", 1)[1] for ln in out.splitlines() if ln.startswith("worktree ")]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc (Linux)")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("seed", range(SEEDS))
def test_every_writing_command_interrupted(scenarios, tmp_path, name, sig, seed):
    s, t = SCENARIOS[name], scenarios[name]
    repo = tmp_path / "repo"
    shutil.copytree(t["start"], repo)
    s.prepare(repo)
    (tmp_path / "tmp").mkdir()
    (tmp_path / "home").mkdir()
    (tmp_path / "neighbour").mkdir()
    (tmp_path / "neighbour" / "notes.txt").write_text("not howtoctl's\n")
    token = f"{name}-{sig.name}-{seed}-{os.getpid()}"
    env = {**ENV, "TMPDIR": str(tmp_path / "tmp"), "HOME": str(tmp_path / "home")}
    old_heads, old_refs = heads(repo), git(repo, "for-each-ref")
    old_outside, old_beside = outside_state(repo), beside(tmp_path)
    delay = random.Random(f"{name}-{sig}-{seed}").uniform(0.05, t["seconds"])

    proc = howtoctl(
        repo, *s.command, env={**env, "HOWTOCTL_FAULT_RUN": token}, start_new_session=True
    )
    time.sleep(delay)
    if sig == signal.SIGINT:
        with contextlib.suppress(
            ProcessLookupError
        ):  # the run had ended: the checks hold all the same
            os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.kill()
    out, err = proc.communicate()
    wait_until_group_exits(proc.pid)
    err = err.decode()
    # Exit status 3 is a bug. A traceback is one too, but for Ctrl-C while Python still loads
    # the modules, before howtoctl's main() can catch it.
    assert proc.returncode != 3 and "hit a bug" not in err, err
    assert "Traceback" not in err or (
        err.rstrip().endswith("KeyboardInterrupt")
        and not re.search(r'howtoctl/cli\.py", line \d+, in main', err)
    ), err
    if sig == signal.SIGINT:
        # Ctrl-C: howtoctl stops its smoke tests (each in a session of its own) and removes
        # their work trees before it exits.
        assert until_unmarked(token) == [], "a process of the interrupted run still runs"
        assert [w for w in registered_worktrees(repo)[1:] if "-resolve-" not in w] == []

    # The branches: all old or all new, the old tips of those that moved backed up.
    now = heads(repo)
    if s.moves:
        new = t["heads"]
        moved = {r for r in set(old_heads) | set(now) if old_heads.get(r) != now.get(r)}
        expected = {r for r in set(old_heads) | set(new) if old_heads.get(r) != new.get(r)}
        assert moved in (set(), expected), "branches did not move together"
        assert all(now.get(r) == new.get(r) for r in moved)
        assert {old_heads[r] for r in moved} <= set(backups(repo).values())
    else:
        moved = set()
        assert git(repo, "for-each-ref") == old_refs, "a ref moved"
    assert outside_state(repo) == old_outside, "work tree, index or HEAD changed"
    state_files_are_whole(repo)
    # A read-only command reads every record the run left: no traceback, no exit status 3.
    code, probe, probe_err = run_to_end(repo, "check", "--json", env=env)
    assert code in (0, 1, 2) and "Traceback" not in probe_err, probe_err
    # A branch an automatic resolution moved is marked for review until its diff is saved.
    marked = {
        f"refs/heads/howto/{h['name']}"
        for h in json.loads(probe)["howtos"]
        if h.get("auto_resolved")
    }
    assert t["auto_resolved"] & moved <= marked, "an automatic resolution lost its mark"

    # The rerun: as a user would, after an --abort where a resolve is recorded as under way.
    runs = []
    if name == "resolve" and resolve_state(repo).exists():
        runs.append(run_to_end(repo, "resolve", "gamma", "--abort", env=env))
        assert runs[-1][0] == 0, runs[-1]
        assert registered_worktrees(repo)[1:] == [] and not resolve_worktree(repo).exists()
    finished = (name == "resolve-continue" and not resolve_state(repo).exists()) or (
        name == "undo" and moved
    )
    if finished:  # the kill came after the command's work: a rerun would undo the undo
        verdict = s.verdict(repo, 0, "")
    else:
        runs.append(run_to_end(repo, *s.command, env=env))
        verdict = s.verdict(repo, runs[-1][0], runs[-1][1])
    for code, _, rerun_err in runs:
        assert code != 3 and "Traceback" not in rerun_err, rerun_err
    assert verdict == t["verdict"], runs
    assert heads(repo) == t["heads"]

    # Nothing of the killed run is left: no process, no work tree, no temporary file.
    assert until_unmarked(token) == [], "a process of the killed run still runs"
    kept = [str(resolve_worktree(repo))] if name == "resolve" else []
    assert registered_worktrees(repo)[1:] == kept
    assert os.listdir(tmp_path / "tmp") == []
    assert beside(tmp_path) == old_beside, "something outside the repository changed"
    assert outside_state(repo) == old_outside
    git(repo, "fsck", "--no-dangling", "--no-progress")


# --- Kills at the moments the random ones found, made certain with a git hook that waits -----


def _pause_in_hook(repo, hook: str, body: str, tmp_path):
    """Install `hook` in `repo`, which runs `body` (a shell condition) and then, if it held,
    announces itself in tmp_path/paused and waits for tmp_path/go."""
    path = repo / ".git" / "hooks" / hook
    path.write_text(
        "#!/bin/sh\n"
        f"if {body}; then\n"
        f"  touch '{tmp_path}/paused'\n"
        f"  while [ ! -e '{tmp_path}/go' ]; do sleep 0.01; done\n"
        "fi\n"
    )
    path.chmod(0o755)


def _kill_when_paused(repo, tmp_path, *args, env=None):
    """Run howtoctl `args`, SIGKILL it while its git child waits in the hook, let git finish."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "howtoctl", "-C", str(repo), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "paused").exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.01)  # polling for the hook's own signal
    proc.kill()
    proc.wait()
    (tmp_path / "go").touch()
    wait_until_group_exits(proc.pid)  # the orphaned git finishes its step


def test_resolve_killed_while_git_adds_its_work_tree_can_be_aborted(conflicted, tmp_path):
    # The work tree git was adding when howtoctl died must not block the next resolve: --abort
    # removes it (it carries the resolve's lock), and the resolve starts again.
    r = conflicted
    before = r.snapshot()
    _pause_in_hook(r.path, "post-checkout", "true", tmp_path)
    _kill_when_paused(r.path, tmp_path, "resolve", "beta")
    (r.path / ".git" / "hooks" / "post-checkout").unlink()
    assert r.snapshot() == before
    aborted = r.cli("resolve", "beta", "--abort")
    assert aborted.code == 0, aborted
    assert len(r.git("worktree", "list").splitlines()) == 1
    again = r.cli("resolve", "beta")
    assert again.code == 0 and "conflict" in again.out, again
    assert r.snapshot() == before


def test_resolve_continue_killed_after_the_branch_moved_finishes_on_a_rerun(conflicted, tmp_path):
    # Killed after the branch moved, before the work tree and the record went: the rerun
    # finishes the cleanup instead of taking its own move for someone else's.
    from tests.commands.resolve_test import _resolve_in_worktree

    r = conflicted
    old = r.rev("howto/beta")
    wt = _resolve_in_worktree(r)
    _pause_in_hook(
        r.path,
        "reference-transaction",
        '[ "$1" = committed ] && grep -q " refs/heads/howto/beta$"',
        tmp_path,
    )
    _kill_when_paused(r.path, tmp_path, "resolve", "beta", "--continue")
    (r.path / ".git" / "hooks" / "reference-transaction").unlink()
    moved = r.rev("howto/beta")
    assert moved != old and old in r.refs("refs/howtoctl/backup/").values()
    res = r.cli("resolve", "beta", "--continue")
    assert res.code == 0, res
    assert r.rev("howto/beta") == moved
    assert not os.path.exists(wt) and len(r.git("worktree", "list").splitlines()) == 1
    assert r.refs("refs/howtoctl/resolved/") == {}
    assert r.cli("resolve", "beta").code == 0  # nothing left under way: up to date


@pytest.mark.skipif(shutil.which("wiggle") is None, reason="wiggle is not installed")
def test_auto_resolve_killed_after_the_move_keeps_the_mark_for_review(tmp_path):
    # A branch an automatic resolution moved is marked by list and check until its diff is
    # saved: a kill right after the move must not leave it looking reviewed.
    repo = tmp_path / "repo"
    build_project(repo)
    old = heads(repo)
    condition = '[ "$1" = committed ] && grep -q " refs/heads/howto/beta$"'
    _pause_in_hook(repo, "reference-transaction", condition, tmp_path)
    _kill_when_paused(repo, tmp_path, "rebase-all", "--auto-resolve", env=ENV)
    (repo / ".git" / "hooks" / "reference-transaction").unlink()
    assert heads(repo)["refs/heads/howto/beta"] != old["refs/heads/howto/beta"]
    code, out, err = run_to_end(repo, "check", "--json")
    (beta,) = [h for h in json.loads(out)["howtos"] if h["name"] == "beta"]
    assert beta["auto_resolved"] == "wiggle", beta


def test_ctrl_c_during_the_cleanup_of_smoke_tests_removes_every_work_tree(repo, monkeypatch):
    # Found by a Ctrl-C at a random moment of `test NAME`: one that came while the work trees
    # were being removed left the rest registered. It takes effect once they are all gone.
    from howtoctl.git import Repo
    from howtoctl.runs import smoke

    git_repo = Repo(str(repo.path))
    runner = smoke.Runner(git_repo, 1)
    for i in range(2):
        path = str(repo.path.parent / f"howtoctl-test-{i}")
        git_repo.add_worktree(path, repo.rev("HEAD"))
        runner.worktrees.append(path)
    remove = git_repo.remove_worktree

    def interrupted_first(path):
        if path == runner.worktrees[0]:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, now
        remove(path)

    monkeypatch.setattr(git_repo, "remove_worktree", interrupted_first)
    # Python's own Ctrl-C handler, as at a terminal: a shell that started the suite in the
    # background without job control leaves SIGINT ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            runner.cleanup()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert registered_worktrees(repo.path) == [str(repo.path)]
