import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from tests.gitrepo import GitRepo
from tests.processes import default_sigint

CALC = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"
CALC_TEST = (
    "import os\n\nfrom ex import calc\n\n\n"
    "def test_add():\n    assert calc.add(2, 3) == 5\n\n\n"
    "def test_devices():\n"
    "    assert 'xla_force_host_platform_device_count=' + os.environ['EXPECT_DEVICES'] in os.environ['XLA_FLAGS']\n"
)


@pytest.fixture
def proj(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPECT_DEVICES", "8")
    r = GitRepo.create(tmp_path / "proj", base="main")
    r.write("ex/__init__.py", "")
    r.write("ex/calc.py", CALC)
    r.write("ex/calc_test.py", CALC_TEST)
    r.write("docs/README.md", "docs\n")
    r.commit("base")
    r.add_howto("good", {"ex/calc.py": ("return a * b\n", "return b * a  # commutative\n")})
    r.add_howto(
        "bad",
        {
            "ex/calc_test.py": (
                "assert calc.add(2, 3) == 5\n",
                "assert calc.add(2, 3) == 6  # wrong on purpose\n",
            )
        },
    )
    return r


def _worktrees(r):
    return len(r.git("worktree", "list").splitlines())


def test_passing_and_failing_variants(proj, tmp_path):
    junit_file = tmp_path / "results.xml"
    res = proj.cli("test", "--all", "--junit", str(junit_file))
    assert res.code == 1, res
    assert "bad" in res.out and "ex/calc_test.py::test_add" in res.out and "failed" in res.out
    assert "good" in res.out and "passed" in res.out
    root = ET.parse(junit_file).getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["good"].find("failure") is None
    assert "ex/calc_test.py::test_add" in cases["bad"].find("failure").text
    assert _worktrees(proj) == 1  # every temporary work tree removed


def test_device_count_and_json(proj, monkeypatch):
    monkeypatch.setenv("EXPECT_DEVICES", "4")
    res = proj.cli("test", "good", "--devices", "4", "--json")
    data = json.loads(res.out)
    assert res.code == 0 and data["devices"] == 4 and data["results"][0]["status"] == "passed"


def test_variant_from_diff_when_no_branch(proj):
    proj.git("branch", "-D", "howto/good", "howto/bad")
    res = proj.cli("test", "--all", "--json")
    status = {r["name"]: r["status"] for r in json.loads(res.out)["results"]}
    assert status == {"bad": "failed", "good": "passed"}


def test_keep_keeps_worktrees(proj):
    res = proj.cli("test", "good", "--keep")
    assert res.code == 0 and "work tree kept at" in res.err
    assert _worktrees(proj) == 2
    kept = res.err.split("work tree kept at", 1)[1].split()[0]
    assert os.path.isfile(os.path.join(kept, "ex", "calc.py"))
    proj.git("worktree", "remove", "--force", kept)


def test_a_kept_work_tree_is_never_taken_for_a_killed_runs(proj):
    # A HOWTO name may start like a pid ("99999-answer"): its kept work tree is not stale.
    proj.add_howto("99999-answer", {"ex/calc.py": ("return a + b\n", "return b + a\n")})
    res = proj.cli("test", "99999-answer", "--keep")
    assert res.code == 0, res
    kept = res.err.split("work tree kept at", 1)[1].split()[0]
    assert proj.cli("test", "99999-answer").code == 0
    assert os.path.isfile(os.path.join(kept, "ex", "calc.py"))
    proj.git("worktree", "remove", "--force", kept)


def test_changed_since_selects_affected_only(proj):
    base = proj.rev("main")
    proj.replace("docs/README.md", "docs", "more docs")
    proj.commit("docs only")
    res = proj.cli("test", "--changed-since", base)
    assert res.code == 0 and "no HOWTO variants to test" in res.err
    res = proj.cli("matrix", "--changed-since", base)
    assert json.loads(res.out) == {"include": []}
    proj.replace("ex/calc.py", "return a + b", "return b + a")
    proj.commit("example change")
    res = proj.cli("matrix", "--changed-since", base)
    assert [e["name"] for e in json.loads(res.out)["include"]] == ["bad", "good"]
    assert proj.cli("test", "--changed-since", "nope").code == 2


def test_matrix_github_output(proj, tmp_path, monkeypatch):
    out = tmp_path / "gh_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    assert proj.cli("matrix", "--github-output").code == 0
    lines = out.read_text().splitlines()
    assert (
        lines[0].startswith("matrix=") and json.loads(lines[0][7:])["include"][0]["name"] == "bad"
    )
    assert lines[1] == "any=true"


def test_bad_arguments(proj):
    assert proj.cli("test", "nope").code == 2
    assert proj.cli("test", "--all", "--devices", "0").code == 2
    assert proj.cli("test").code == 2


def test_ctrl_c_stops_and_cleans_up(proj, tmp_path):
    # The slow test says it has started by creating a file: SIGINT then reaches a running pytest,
    # however loaded the machine is.
    started = tmp_path / "started"
    proj.write(
        "ex/slow_test.py",
        "import os\nimport pathlib\nimport time\n\n\ndef test_slow():\n"
        "    pathlib.Path(os.environ['SLOW_TEST_STARTED']).touch()\n    time.sleep(600)\n",
    )
    proj.commit("slow test")
    proj.git("branch", "-D", "howto/good", "howto/bad")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "howtoctl", "-C", str(proj.path), "test", "good"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(scratch), "SLOW_TEST_STARTED": str(started)},
        preexec_fn=default_sigint,
    )
    while not started.exists():
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(120)
    assert rc == 130
    assert "interrupted" in proc.stderr.read().decode()
    assert _worktrees(proj) == 1
    assert [d for d in os.listdir(scratch) if d.startswith("howtoctl-test-")] == []


def test_empty_changed_since_means_all(proj):
    res = proj.cli("matrix", "--changed-since", "")
    assert [e["name"] for e in json.loads(res.out)["include"]] == ["bad", "good"]
