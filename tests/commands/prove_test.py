import json
import os
import signal
import subprocess
import sys
import time

import pytest

from howtoctl.fsutil import owned_prefix
from tests.gitrepo import GitRepo
from tests.processes import default_sigint, gone, until_gone

FILLER = "".join(f"\n\ndef filler_{i}():\n    return {i}\n" for i in range(4))
CALC = (
    '"""Calculator."""\n'
    + FILLER
    + "\n\ndef double(x):\n    return x  # not yet\n"
    + FILLER.replace("filler_", "then_")
    + "\n# How modes work.\n"
    + FILLER.replace("filler_", "more_")
    + '\nLOG_LEVEL = "warning"\n'
    + FILLER.replace("filler_", "other_")
    + '\nMODE = "fast"\n'
)
CALC_TEST = "from ex import calc\n\n\ndef test_filler():\n    assert calc.filler_1() == 1\n"
MANIFEST = """\
[howtos.h]
test = "python -m pytest -q ex"

[[howtos.h.exempt]]
file = "ex/calc.py"
match = "LOG_LEVEL"
reason = "logging configuration: no test can observe it"

[howtos.na]
test = "python -c 'import ex.n; assert ex.n.Y == 1'"
"""
# A hand-written diff: its second part edits the file its first part creates, so the diff
# without the first hunk does not apply.
NA_DIFF = b"""\
diff --git a/ex/n.py b/ex/n.py
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/ex/n.py
@@ -0,0 +1 @@
+X = 1
diff --git a/ex/n.py b/ex/n.py
index 1111111..2222222 100644
--- a/ex/n.py
+++ b/ex/n.py
@@ -1 +1,2 @@
 X = 1
+Y = X
"""


@pytest.fixture
def proj(tmp_path):
    r = GitRepo.create(tmp_path / "proj", base="main")
    r.write("ex/__init__.py", "")
    r.write("ex/calc.py", CALC)
    r.write("ex/calc_test.py", CALC_TEST)
    r.write("ex/README.md", "The calculator.\n")
    r.write("howtos/manifest.toml", MANIFEST)
    r.commit("base")
    r.git("switch", "-q", "-c", "howto/h")
    r.replace("ex/calc.py", "return x  # not yet", "return 2 * x")  # proved by test_double
    r.replace("ex/calc.py", '"""Calculator."""', '"""A calculator that doubles."""')  # docstring
    r.replace("ex/calc.py", "# How modes work.", "# How the modes work.")  # comment only
    r.replace("ex/calc.py", '"warning"', '"info"')  # exempt
    r.replace("ex/calc.py", '"fast"', '"slow"')  # no test looks: survives
    r.write(
        "ex/calc_test.py", CALC_TEST + "\n\ndef test_double():\n    assert calc.double(2) == 4\n"
    )
    r.replace("ex/README.md", "The calculator.", "The calculator, doubling.")
    r.commit("h")
    r.git("switch", "-q", "main")
    assert r.cli("save", "h").code == 0
    r.write("howtos/diffs/na.diff", NA_DIFF)
    r.commit("save HOWTOs")
    return r


def test_prove_reports_each_counted_hunk(proj):
    before = proj.snapshot()
    res = proj.cli("prove", "--all", "--jobs", "2", "--json")
    assert res.code == 1, res
    data = json.loads(res.out)
    by_name = {h["name"]: h["hunks"] for h in data["howtos"]}
    assert list(by_name) == ["h", "na"]
    h = by_name["h"]
    # Docstring, comment, test file and README hunks do not count.
    assert [x["status"] for x in h] == ["proved", "exempt", "survived"]
    assert h[0]["file"] == "ex/calc.py" and not h[0]["header"].startswith("@@ -1,")
    assert h[0]["failing_test"] == "ex/calc_test.py::test_double"
    assert h[0]["killing_tests"] == ["ex/calc_test.py::test_double"]
    assert h[1]["reason"] == "logging configuration: no test can observe it"
    assert set(h[0]) == {"file", "header", "status", "failing_test", "killing_tests", "reason"}
    na = by_name["na"]
    # A smoke command that is not pytest names no test: as a whole, its failure proves.
    assert [x["status"] for x in na] == ["not-applicable", "proved"]
    assert "does not apply" in na[0]["reason"] and na[1]["failing_test"] == ""
    assert na[1]["reason"] == "exit status 1" and na[1]["killing_tests"] == []
    assert proj.snapshot() == before  # only temporary work trees, all removed
    assert len(proj.git("worktree", "list").splitlines()) == 1


def test_survivor_is_named_in_text_output(proj):
    res = proj.cli("prove", "h")
    assert res.code == 1
    assert "survived: h: ex/calc.py @@ -" in res.out
    assert '-MODE = "fast"' in res.out and '+MODE = "slow"' in res.out
    assert "1 proved, 1 survived, 1 exempt" in res.err


def test_no_survivor_exits_0_and_record_is_written(proj):
    proj.write(
        "howtos/manifest.toml",
        MANIFEST.replace(
            "[howtos.na]",
            '[[howtos.h.exempt]]\nfile = "ex/calc.py"\nmatch = "MODE = "\nreason = "a default"\n\n[howtos.na]',
        ),
    )
    proj.commit("exempt MODE")
    res = proj.cli("prove", "h", "--record")
    assert res.code == 0, res
    record = json.loads(proj.read("howtos/proofs/h.json"))
    assert [x["status"] for x in record["hunks"]] == ["proved", "exempt", "exempt"]
    assert proj.cli("list").code == 0  # the record is bookkeeping: h stays fresh
    assert "fresh" in proj.cli("list").out


def test_failing_variant_proves_nothing(proj):
    proj.write(
        "howtos/manifest.toml",
        MANIFEST.replace("python -m pytest -q ex", "python -c 'raise SystemExit(3)'"),
    )
    proj.commit("broken smoke test")
    data = json.loads(proj.cli("prove", "h", "--json").out)
    assert "exit status 3" in data["howtos"][0]["error"]
    assert {x["status"] for x in data["howtos"][0]["hunks"]} == {"not-run", "exempt"}


def test_device_shortfall_is_a_failure(proj):
    proj.write(
        "howtos/manifest.toml",
        MANIFEST.replace(
            'test = "python -m pytest -q ex"', 'test = "python -m pytest -q ex"\ndevices = 8'
        ),
    )
    proj.commit("needs 8")
    res = proj.cli("prove", "h", "--devices", "2")
    assert res.code == 1 and "needs 8 devices, found 2; on CPU use --devices 8" in res.err
    res = proj.cli("test", "h", "--devices", "2")
    assert res.code == 1 and "needs 8 devices, found 2; on CPU use --devices 8" in res.out


def test_device_skip_is_a_failure(proj):
    proj.write(
        "howtos/manifest.toml",
        MANIFEST.replace(
            'test = "python -m pytest -q ex"', 'test = "python -m pytest -q ex"\ndevices = 2'
        ),
    )
    proj.write(
        "ex/skip_test.py",
        "import pytest\n\n\n@pytest.mark.skip(reason='needs 8 devices')\ndef test_many():\n    pass\n",
    )
    proj.commit("a skipped test")
    res = proj.cli("test", "h", "--devices", "2", "--from-diff")
    assert res.code == 1 and "skipped for lack of devices: ex/skip_test.py::test_many" in res.out


@pytest.mark.parametrize(
    "args, manifest",
    [
        (["prove", "nope"], MANIFEST),
        (["prove"], MANIFEST),
        (["prove", "h", "--devices", "0"], MANIFEST),
        (["prove", "--changed-since", "not-a-commit"], MANIFEST),
        (
            ["prove", "h"],
            MANIFEST.replace('reason = "logging configuration: no test can observe it"\n', ""),
        ),
        (["prove", "h"], MANIFEST.replace('match = "LOG_LEVEL"', 'match = "NO_SUCH_LINE"')),
        (["prove", "h"], MANIFEST.replace('match = "LOG_LEVEL"', 'match = "calc"')),
    ],
    ids=[
        "unknown",
        "no-names",
        "devices",
        "changed-since",
        "no-reason",
        "matches-nothing",
        "matches-several",
    ],
)
def test_bad_input_exits_2_and_changes_nothing(proj, args, manifest):
    if manifest != MANIFEST:
        proj.write("howtos/manifest.toml", manifest)
        proj.commit("manifest edit")
    before = proj.snapshot()
    res = proj.cli(*args)
    assert res.code == 2, res
    assert res.err.strip()
    assert proj.snapshot() == before


def test_list_shows_exemption_count(proj):
    data = json.loads(proj.cli("list", "--json").out)
    assert {h["name"]: h["exempt"] for h in data["howtos"]} == {"h": 1, "na": 0}


def _pages(proj, tmp_path):
    out = tmp_path / "site"
    assert proj.cli("render", "--out", str(out)).code == 0
    return (out / "index.html").read_text(), (out / "h.html").read_text()


def test_reader_pages_say_not_proved_and_only_the_maintainer_is_told_the_command(proj, tmp_path):
    out = tmp_path / "site"
    res = proj.cli("render", "--out", str(out))
    assert res.code == 0, res
    for page in ((out / "index.html").read_text(), (out / "h.html").read_text()):
        assert 'class="proof proof-unproved">not proved yet<' in page
        assert "howtoctl prove" not in page
    assert "h: 2 hunk(s) not proved yet: howtoctl prove h --record" in res.err


def test_render_shows_each_hunks_proof_in_both_views(proj, tmp_path):
    for page in _pages(proj, tmp_path):
        assert "not proved yet" in page and "howtoctl prove" not in page
    assert proj.cli("prove", "h", "--record").code == 1  # recorded, survivor and all
    proj.commit("record the proof")
    for page in _pages(proj, tmp_path):
        assert "proved by ex/calc_test.py::test_double" in page
        assert 'class="proof proof-survived">survived: the tests pass without it' in page
        assert "exempt: logging configuration: no test can observe it" in page
        assert "not counted: comments, blank lines, docstrings or annotations" in page
        assert "not counted: test file" in page and "not counted: documentation" in page
        assert "howtoctl prove" not in page
    # A record belongs to one version of the diff: a changed diff is not proved yet.
    proj.write(
        "howtos/diffs/h.diff", proj.read("howtos/diffs/h.diff").replace('"slow"', '"slower"')
    )
    for page in _pages(proj, tmp_path):
        assert "not proved yet" in page and "proved by" not in page


def test_ctrl_c_stops_the_runs_and_removes_work_trees_and_cache(proj, tmp_path):
    started = tmp_path / "started"
    proj.write(
        "howtos/manifest.toml",
        MANIFEST.replace(
            "python -m pytest -q ex",
            "python -c 'import os, pathlib, time; "
            'pathlib.Path(os.environ[\\"PROVE_STARTED\\"]).touch(); time.sleep(60)\'',
        ),
    )
    proj.commit("a slow smoke test")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "howtoctl", "-C", str(proj.path), "prove", "h"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(scratch), "PROVE_STARTED": str(started)},
        preexec_fn=default_sigint,
    )
    deadline = time.monotonic() + 60
    while not started.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # polling for the smoke test's own signal
    assert started.exists(), proc.communicate()
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(30)
    assert rc == 130 and "interrupted" in proc.stderr.read().decode()
    assert len(proj.git("worktree", "list").splitlines()) == 1
    assert [d for d in os.listdir(scratch) if d.startswith("howtoctl-")] == []


def test_a_test_module_that_no_longer_imports_leaves_the_hunk_weak(proj):
    proj.git("switch", "-q", "-c", "howto/imp")
    proj.write("ex/newmod.py", "def triple(x):\n    return 3 * x\n")
    proj.write(
        "ex/newmod_test.py",
        "from ex.newmod import triple\n\n\ndef test_triple():\n    assert triple(1) == 3\n",
    )
    proj.commit("imp")
    proj.git("switch", "-q", "main")
    assert proj.cli("save", "imp").code == 0
    proj.commit("save imp")
    data = json.loads(proj.cli("prove", "imp", "--json").out)
    [hunk] = data["howtos"][0]["hunks"]
    # An import error shows that something broke, not what the hunk does.
    assert hunk["status"] == "weak" and hunk["file"] == "ex/newmod.py"
    assert hunk["failing_test"] == "" and hunk["killing_tests"] == []
    assert hunk["reason"] == "only set-up, collection or import errors: ex.newmod_test"


def test_changed_since_proves_only_the_affected(proj):
    base = proj.rev("main")
    proj.write("docs.md", "notes\n")
    proj.commit("outside every HOWTO")
    res = proj.cli("prove", "--changed-since", base, "--json")
    assert res.code == 0 and json.loads(res.out) == {"howtos": []}
    proj.write("howtos/diffs/na.diff", NA_DIFF.replace(b"+Y = X", b"+Y = X  # same"))
    proj.commit("na changed")
    res = proj.cli("prove", "--changed-since", base, "--json")
    assert [h["name"] for h in json.loads(res.out)["howtos"]] == ["na"]


def test_record_into_a_symlink_leading_outside_is_refused(proj, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (proj.path / "howtos" / "proofs").symlink_to(outside)
    res = proj.cli("prove", "h", "--record")
    assert res.code == 2 and "leads outside the repository" in res.err, res
    assert list(outside.iterdir()) == []


def test_record_refused_off_the_base_names_the_proofs_directory(proj):
    proj.git("switch", "-q", "-c", "elsewhere")
    res = proj.cli("prove", "h", "--record")
    assert res.code == 2 and "writes into howtos/proofs/ of the base branch" in res.err, res


@pytest.mark.parametrize("command", ["prove", "test"])
@pytest.mark.parametrize(
    "smoke, said",
    [
        ("python -c 'unbalanced", "No closing quotation"),
        ("no-such-program-here -q", "no-such-program-here: command not found"),
        ("./bin/no-such-script", "./bin/no-such-script: command not found"),
        ("ex/calc.py/x", "ex/calc.py/x: Not a directory"),
    ],
)
def test_bad_smoke_command_is_bad_input(proj, command, smoke, said):
    proj.write("howtos/manifest.toml", MANIFEST.replace("python -m pytest -q ex", smoke))
    proj.commit("bad smoke test")
    before = proj.snapshot()
    res = proj.cli(command, "h")
    assert res.code == 2, res
    assert said in res.err and "[howtos.h] test in howtos/manifest.toml" in res.err, res
    assert proj.snapshot() == before
    assert len(proj.git("worktree", "list").splitlines()) == 1


LOOP = "import os\n\nSTEP = 0\n\n\ndef count():\n    i = 0\n    while i != 3:\n        i += STEP\n    return i\n"
LOOP_TEST = """\
import os

from ex import loop


def test_count():
    with open(os.environ["HOWTOCTL_TEST_PIDS"], "a") as f:
        f.write(f"{os.getpid()}\\n")
    assert loop.count() == 3
"""


def test_a_mutant_that_never_ends_is_stopped_and_its_hunk_is_weak(tmp_path):
    r = GitRepo.create(tmp_path / "proj", base="main")
    r.write("ex/__init__.py", "")
    r.write("ex/loop.py", LOOP)
    r.write("howtos/manifest.toml", '[howtos.h]\ntest = "python -m pytest -q -x ex"\n')
    r.commit("base")
    r.git("switch", "-q", "-c", "howto/h")
    r.replace("ex/loop.py", "STEP = 0", "STEP = 1")
    r.write("ex/loop_test.py", LOOP_TEST)
    r.commit("h")
    r.git("switch", "-q", "main")
    assert r.cli("save", "h").code == 0
    r.commit("save h")
    pids = tmp_path / "pids"
    # Long enough for the HOWTO's own run on a loaded machine: the limit applies to it too.
    res = r.cli("prove", "h", "--timeout", "10", "--json", env={"HOWTOCTL_TEST_PIDS": str(pids)})
    assert res.code == 1, res
    (hunk,) = json.loads(res.out)["howtos"][0]["hunks"]
    # Killed, so no test report: which test hung, and how, is not known.
    assert hunk["status"] == "weak", hunk
    assert hunk["reason"] == "timed out after 10 s: no test was seen to fail", hunk
    for pid in map(int, pids.read_text().split()):  # the variant's and the mutant's pytest
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert len(r.git("worktree", "list").splitlines()) == 1


def test_timeout_is_derived_from_the_howtos_own_run():
    from howtoctl.runs import mutants

    assert mutants.mutant_timeout(None, 2.0) == 60
    assert mutants.mutant_timeout(None, 30.0) == 150
    assert mutants.mutant_timeout(7, 30.0) == 7


def test_timeout_must_be_positive(proj):
    res = proj.cli("prove", "h", "--timeout", "0")
    assert res.code == 2 and "--timeout" in res.err


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A temp dir of this test's own: what it makes look like a killed run's leftovers must
    not be swept by a howtoctl running elsewhere on the machine meanwhile (nor the reverse)."""
    import tempfile

    path = tmp_path / "tmp"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path


@pytest.mark.parametrize("command", ["prove", "test"])
def test_what_a_killed_run_left_behind_is_removed_by_the_next(proj, command, private_tmp):
    import tempfile

    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()  # its pid names no process now, like a howtoctl killed with SIGKILL
    tmp = tempfile.gettempdir()
    stale_tree = tempfile.mkdtemp(prefix=owned_prefix("howtoctl-prove-", dead.pid) + "h-", dir=tmp)
    os.rmdir(stale_tree)
    proj.git("worktree", "add", "--detach", "-q", stale_tree, "HEAD")
    stale_cache = tempfile.mkdtemp(prefix=owned_prefix("howtoctl-jax-cache-", dead.pid), dir=tmp)
    # A dry run's throwaway objects (rebase-all --dry-run killed with SIGKILL).
    stale_objects = tempfile.mkdtemp(prefix=owned_prefix("howtoctl-objects-", dead.pid), dir=tmp)
    live_cache = tempfile.mkdtemp(prefix=owned_prefix("howtoctl-jax-cache-"), dir=tmp)
    try:
        res = proj.cli(command, "--changed-since", "HEAD")
        assert res.code == 0, res
        assert not os.path.exists(stale_tree) and not os.path.exists(stale_cache)
        assert not os.path.exists(stale_objects)
        assert os.path.isdir(live_cache)  # its owner runs on
        assert len(proj.git("worktree", "list").splitlines()) == 1
    finally:
        os.rmdir(live_cache)


@pytest.mark.parametrize("match", ["NO_SUCH_LINE", "calc"])
def test_check_reports_an_exemption_prove_would_refuse(proj, match):
    proj.write(
        "howtos/manifest.toml", MANIFEST.replace('match = "LOG_LEVEL"', f'match = "{match}"')
    )
    proj.commit("exemption edit")
    res = proj.cli("check")
    assert res.code == 1, res
    assert "bad-exemption" in res.out and f"matching {match!r}" in res.out, res
    assert proj.cli("prove", "h").code == 2
    assert proj.cli("check", "--json").code == 1


def test_a_diff_of_one_hunk_is_proved_by_its_base(tmp_path):
    # Without its only hunk the diff is empty: the mutant is the base commit itself.
    r = GitRepo.create(tmp_path / "one", base="main")
    r.write("ex/__init__.py", "")
    r.write("ex/calc.py", "def double(x):\n    return x\n")
    r.write(
        "howtos/manifest.toml",
        "[howtos.one]\ntest = \"python -c 'import ex.calc as c; assert c.double(2) == 4'\"\n",
    )
    r.commit("base")
    r.add_howto("one", {"ex/calc.py": ("return x", "return 2 * x")})
    res = r.cli("prove", "one", "--json")
    assert res.code == 0, res
    (hunk,) = json.loads(res.out)["howtos"][0]["hunks"]
    assert (hunk["file"], hunk["status"]) == ("ex/calc.py", "proved"), hunk


FOREVER = "import time\nwhile True: time.sleep(1)"


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc (Linux)")
@pytest.mark.parametrize(
    "leader",
    [
        'exec python3 -c "$FOREVER"',  # the smoke command itself, in the work tree
        'mkdir -p sub && cd sub && exec python3 -c "$FOREVER"',  # it moved to a subdirectory
        'python3 -c "$FOREVER" & echo $! > "$CHILD"',  # it is gone; its child runs on
    ],
    ids=["in-work-tree", "in-subdirectory", "leader-gone"],
)
def test_a_smoke_test_a_killed_run_left_running_is_stopped_by_the_next(
    proj, tmp_path, leader, private_tmp
):
    import tempfile

    from howtoctl.runs import stale

    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()  # its pid names no process now, like a howtoctl killed with SIGKILL
    stale_tree = tempfile.mkdtemp(prefix=owned_prefix("howtoctl-prove-", dead.pid) + "h-")
    os.rmdir(stale_tree)
    proj.git("worktree", "add", "--detach", "-q", stale_tree, "HEAD")
    child = tmp_path / "child"
    env = {**os.environ, "FOREVER": FOREVER, "CHILD": str(child)}
    # The orphan: a smoke test in its own session, running in the stale work tree.
    orphan = subprocess.Popen(["sh", "-c", leader], cwd=stale_tree, env=env, start_new_session=True)
    if "CHILD" in leader:
        orphan.wait()
        deadline = time.monotonic() + 30
        while not child.read_text().strip() and time.monotonic() < deadline:
            time.sleep(0.05)  # polling for the shell's own signal
        member = int(child.read_text())
    else:
        member = orphan.pid
    # A process elsewhere that happens to have a recorded group id (a reused pid): spared.
    bystander = subprocess.Popen([sys.executable, "-c", FOREVER], start_new_session=True)
    other_tree = tempfile.mkdtemp(prefix=owned_prefix("howtoctl-test-", dead.pid) + "h-")
    os.rmdir(other_tree)
    proj.git("worktree", "add", "--detach", "-q", other_tree, "HEAD")
    for tree, proc in ((stale_tree, orphan), (other_tree, bystander)):
        with open(os.path.join(tree, stale.GROUP_FILE), "w") as f:
            f.write(str(proc.pid))
    try:
        res = proj.cli("prove", "--changed-since", "HEAD")
        assert res.code == 0, res
        if member == orphan.pid:
            assert orphan.wait(timeout=60) == -signal.SIGKILL
        assert until_gone(member, 60)
        assert bystander.poll() is None
        assert not os.path.exists(stale_tree) and not os.path.exists(other_tree)
    finally:
        for proc in (orphan, bystander):
            proc.kill()
            proc.wait()
        if not gone(member):
            os.kill(member, signal.SIGKILL)


KINDS = (
    "LIMIT = 10\n"
    + FILLER
    + "\n\ndef clamp(v):\n    return min(v, LIMIT)\n"
    + FILLER.replace("filler_", "then_")
    + "\n\nSCALE = 1\n"
)
KINDS_BASE_TEST = "from ex import kinds\n\n\ndef test_clamp():\n    assert kinds.clamp(100) == 10\n"
KINDS_OWN_TEST = """\
import pytest

from ex import kinds


@pytest.fixture
def factor():
    return kinds.FACTOR


def test_limit():
    assert kinds.LIMIT == 5


def test_factor(factor):
    assert factor * 2 == 6
"""


@pytest.fixture
def kinds(tmp_path):
    """A HOWTO of three hunks: one its own test proves (a base test fails too, and comes
    first, which `-x` would stop at), one only the base test fails without, and one whose
    absence breaks only a fixture."""
    r = GitRepo.create(tmp_path / "kinds", base="main")
    r.write("ex/__init__.py", "")
    r.write("ex/kinds.py", KINDS)
    r.write("ex/base_test.py", KINDS_BASE_TEST)
    r.write("howtos/manifest.toml", '[howtos.k]\ntest = "python -m pytest -q -x ex"\n')
    r.commit("base")
    r.git("switch", "-q", "-c", "howto/k")
    r.replace("ex/kinds.py", "LIMIT = 10", "LIMIT = 5")
    r.replace("ex/kinds.py", "min(v, LIMIT)", "min(v, LIMIT * 2)")
    r.replace("ex/kinds.py", "SCALE = 1", "SCALE = 1\nFACTOR = 3")
    r.write("ex/h_test.py", KINDS_OWN_TEST)
    r.commit("k")
    r.git("switch", "-q", "main")
    assert r.cli("save", "k").code == 0
    r.commit("save k")
    return r


def test_only_a_failure_of_the_howtos_own_test_proves_a_hunk(kinds):
    res = kinds.cli("prove", "k", "--json", "--record")
    assert res.code == 1, res  # weak hunks are not proved
    limit, clamp, factor = json.loads(res.out)["howtos"][0]["hunks"]
    # Its own test fails with an assertion: proved, every killing test listed, its own first,
    # although the manifest's `-x` would have stopped at the base test before it.
    assert (limit["status"], limit["failing_test"]) == ("proved", "ex/h_test.py::test_limit")
    assert limit["killing_tests"] == ["ex/h_test.py::test_limit", "ex/base_test.py::test_clamp"]
    # Only a test the HOWTO does not touch fails.
    assert (clamp["status"], clamp["failing_test"]) == ("weak", "")
    assert clamp["killing_tests"] == ["ex/base_test.py::test_clamp"]
    assert clamp["reason"] == "only tests the HOWTO does not add or change fail"
    # Only a fixture fails (JUnit <error>): weak, even though it is the HOWTO's own test's.
    assert (factor["status"], factor["killing_tests"]) == ("weak", [])
    assert factor["reason"] == "only set-up, collection or import errors: ex/h_test.py::test_factor"
    record = json.loads(kinds.read("howtos/proofs/k.json"))
    assert [h["killing_tests"] for h in record["hunks"]] == [
        limit["killing_tests"],
        clamp["killing_tests"],
        [],
    ]


def test_weak_hunks_are_named_and_shown_and_an_exemption_makes_them_pass(kinds, tmp_path):
    res = kinds.cli("prove", "k", "--record")
    assert res.code == 1 and "1 proved, 2 weak" in res.err, res
    assert "weak: k: ex/kinds.py @@ " in res.out and "fails without it: ex/base_test.py" in res.out
    kinds.commit("record the proof")
    out = tmp_path / "site"
    assert kinds.cli("render", "--out", str(out)).code == 0
    page = (out / "k.html").read_text()
    assert "proved by ex/h_test.py::test_limit and 1 more" in page
    assert (
        'class="proof proof-weak">weak: only tests the HOWTO does not add or change fail; '
        "fails ex/base_test.py::test_clamp<" in page
    )
    kinds.write(
        "howtos/manifest.toml",
        kinds.read("howtos/manifest.toml")
        + '\n[[howtos.k.exempt]]\nfile = "ex/kinds.py"\nmatch = "LIMIT * 2"\nreason = "r1"\n'
        + '\n[[howtos.k.exempt]]\nfile = "ex/kinds.py"\nmatch = "FACTOR"\nreason = "r2"\n',
    )
    kinds.commit("exempt the weak hunks")
    res = kinds.cli("prove", "k", "--json")
    assert res.code == 0, res
    assert [h["status"] for h in json.loads(res.out)["howtos"][0]["hunks"]] == [
        "proved",
        "exempt",
        "exempt",
    ]
