"""The PR gate: `matrix`/`check --changed-since` keep it to the HOWTOs a change can affect, and
check, test and prove write a table of those HOWTOs to GitHub's job summary."""

import json
import os
import pathlib
import re
import subprocess
import sys
import threading

import pytest
import yaml

from tests.gitrepo import GitRepo

ROOT = pathlib.Path(__file__).resolve().parents[1]
MANIFEST = (
    '[howtos.one]\ntitle = "One"\nexample = "ex1"\n\n'
    '[howtos.two]\ntitle = "Two"\nexample = "ex2"\n\n'
    '[howtos.three]\ntitle = "Three"\nexample = "ex2"\n'
)
TEST_ONE = "from ex1 import calc\n\n\ndef test_add():\n    assert calc.add(2, 3) == 5\n"


@pytest.fixture
def gate(tmp_path):
    """Two examples; `one` modifies ex1, `two` ex2, and `three` ex2 and a shared file."""
    r = GitRepo.create(tmp_path / "proj", base="main")
    r.write("pyproject.toml", "[tool.howtoctl]\nbase = 'main'\n")
    r.write("howtos/manifest.toml", MANIFEST)
    r.write("ex1/__init__.py", "")
    r.write("ex1/calc.py", "def add(a, b):\n    return a + b\n")
    r.write("ex1/calc_test.py", TEST_ONE)
    r.write("ex2/__init__.py", "")
    filler = "".join(f"LAYER_{i} = {i}\n" for i in range(8))  # keeps the two hunks apart
    r.write("ex2/model.py", f"WIDTH = 8\n{filler}DEPTH = 2\n")
    r.write("shared/util.py", "SEED = 0\n")
    r.write("docs/README.md", "docs\n")
    r.commit("base")
    r.add_howto("one", {"ex1/calc.py": ("return a + b\n", "return b + a  # commutative\n")})
    r.add_howto("two", {"ex2/model.py": ("WIDTH = 8\n", "WIDTH = 16\n")})
    r.add_howto(
        "three", {"ex2/model.py": ("DEPTH = 2\n", "DEPTH = 4\n"), "shared/util.py": ("0", "1")}
    )
    return r


def _matrix(r, since):
    res = r.cli("matrix", "--changed-since", since)
    assert res.code == 0, res
    return [e["name"] for e in json.loads(res.out)["include"]]


def _change(r, rel, old, new):
    since = r.rev("main")
    r.replace(rel, old, new)
    r.commit(f"change {rel}")
    return since


def test_a_change_to_one_example_selects_only_its_howtos(gate):
    since = _change(gate, "ex1/calc_test.py", "== 5", "== 5  # still five")
    assert _matrix(gate, since) == ["one"]


def test_a_change_to_a_diff_selects_that_howto(gate):
    since = gate.rev("main")
    gate.write("howtos/diffs/two.diff", gate.read("howtos/diffs/two.diff") + "\n")
    gate.commit("touch two's diff")
    assert _matrix(gate, since) == ["two"]


def test_a_change_to_a_file_the_diff_touches_outside_its_example(gate):
    since = _change(gate, "shared/util.py", "SEED = 0", "SEED = 0  # fixed")
    assert _matrix(gate, since) == ["three"]


def test_a_change_to_one_manifest_entry_selects_that_howto(gate):
    since = _change(gate, "howtos/manifest.toml", 'title = "Two"', 'title = "Two, wider"')
    assert _matrix(gate, since) == ["two"]


def test_a_change_to_the_tools_config_selects_all(gate):
    since = _change(gate, "pyproject.toml", "base = 'main'", "base = 'main'\nkeep-backups = 5")
    assert _matrix(gate, since) == ["one", "three", "two"]


def test_a_bad_rev_is_refused(gate, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    before = gate.snapshot()
    for command in ("matrix", "check", "test"):
        res = gate.cli(command, "--changed-since", "no-such-rev")
        assert res.code == 2 and "does not name a commit" in res.err, (command, res)
    assert gate.snapshot() == before and not summary.exists()


# -- the job summary ---------------------------------------------------------------------------


def _table(text):
    """{HOWTO: {column: cell}} of each Markdown table in `text` (the last row for a name wins)."""
    rows, header = {}, None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
        if header is None:
            header = cells
        elif not set(cells[0]) <= set("-: "):
            rows[cells[0].strip("`")] = dict(zip(header, cells, strict=True))
    return rows


def test_check_summary_lists_each_affected_howto_with_its_state(gate, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    # A CI checkout: no HOWTO branches. The change breaks two's diff and leaves three's alone.
    gate.git("branch", "-D", "howto/one", "howto/two", "howto/three")
    since = _change(gate, "ex2/model.py", "WIDTH = 8", "WIDTH = 32")
    res = gate.cli("check", "--changed-since", since)
    assert res.code == 1, res
    text = summary.read_text()
    assert text.startswith("earlier step\n")  # appended to, never replaced
    rows = _table(text)
    assert set(rows) == {"two", "three"}
    assert rows["three"]["state"] == "applies" and rows["three"]["to do"] == ""
    assert rows["two"]["state"] == "needs its author"
    assert "does not apply" in rows["two"]["detail"]
    assert "howtoctl resolve two" in rows["two"]["to do"]
    for row in rows.values():
        assert float(row["check (s)"]) >= 0 and row["smoke test (s)"] == row["prove (s)"] == ""


def test_check_summary_marks_an_auto_resolution_awaiting_review(gate, tmp_path, monkeypatch):
    from howtoctl import autoresolve_record
    from howtoctl.workspace import Workspace

    # What `rebase-all --auto-resolve` leaves in the clone for a branch it moved.
    ws = Workspace(str(gate.path))
    autoresolve_record.remember_accepted(ws, "one", gate.rev("howto/one"), {"method": "wiggle"})
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert gate.cli("check", "one", "two").code == 0
    rows = _table(summary.read_text())
    assert rows["one"]["state"] == "auto-resolved" and "howtoctl save one" in rows["one"]["to do"]
    assert rows["two"]["state"] == "applies"


def test_test_summary_gives_each_smoke_tests_time_and_the_command(gate, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    gate.add_howto("wrong", {"ex1/calc_test.py": ("== 5\n", "== 6\n")})
    res = gate.cli("test", "one", "wrong", "--devices", "1")
    assert res.code == 1, res
    rows = _table(summary.read_text())
    assert rows["one"]["state"] == "applies" and float(rows["one"]["smoke test (s)"]) > 0
    assert rows["wrong"]["state"] == "needs its author"
    assert rows["wrong"]["to do"] == "`howtoctl test wrong`"
    assert "calc_test.py::test_add" in rows["wrong"]["detail"]


def test_prove_summary_gives_each_howtos_proving_time(gate, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    # one's hunk swaps the operands of a sum: its tests pass without it, so the hunk survives.
    assert gate.cli("prove", "one", "--devices", "1").code == 1
    row = _table(summary.read_text())["one"]
    assert row["state"] == "needs its author" and row["to do"] == "`howtoctl prove one`"
    assert "1 hunk(s) unproved: ex1/calc.py" in row["detail"] and float(row["prove (s)"]) > 0


def test_nothing_affected_says_so(gate, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    since = _change(gate, "docs/README.md", "docs", "more docs")
    assert gate.cli("test", "--changed-since", since).code == 0
    assert "No HOWTO affected." in summary.read_text()
    res = gate.cli("check", "--changed-since", since)
    assert res.code == 0 and f"no HOWTO affected since {since}" in res.err


def test_a_summary_cell_cannot_break_the_table():
    from howtoctl import gate_summary

    row = gate_summary.Row("x", "needs its author", "check", 1.0, "a | b\nc", "howtoctl save x")
    rows = _table(gate_summary.markdown("t", [row]))
    assert rows["x"]["detail"] == "a \\| b c" and rows["x"]["to do"] == "`howtoctl save x`"


def test_a_summary_path_that_is_no_file_is_refused_before_any_work(gate, tmp_path):
    before = gate.snapshot()
    for bad in (str(tmp_path), "/dev/null", str(tmp_path / "missing" / "summary.md")):
        res = gate.cli("test", "one", env={"GITHUB_STEP_SUMMARY": bad})
        assert res.code == 2 and "GITHUB_STEP_SUMMARY" in res.err, (bad, res)
        assert "testing" not in res.err
    assert gate.snapshot() == before


def test_a_summary_pipe_is_written_into(gate, tmp_path):
    fifo = tmp_path / "summary.fifo"
    os.mkfifo(fifo)
    got = []
    # The reader opens the pipe first (a write end with no reader is refused, not waited on).
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    while True:  # until the reader holds the pipe open: opening a write end then succeeds
        try:
            probe = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # held: the reader waits for it
            break
        except OSError:
            threading.Event().wait(0.01)
    res = gate.cli("check", "one", env={"GITHUB_STEP_SUMMARY": str(fifo)})
    os.close(probe)
    reader.join(30)
    assert res.code == 0, res
    assert "one" in _table("".join(got))


# -- the action wires it ------------------------------------------------------------------------


def _action_step(step_id):
    action = yaml.load((ROOT / "action.yml").read_text(), Loader=yaml.BaseLoader)
    return next(s for s in action["runs"]["steps"] if s.get("id") == step_id)


def test_the_action_passes_the_change_and_the_summary_to_check(gate, tmp_path):
    """The action's own script, run with a `howtoctl` that is this checkout, on a repository."""
    step = _action_step("run")
    assert "GITHUB_STEP_SUMMARY" not in step.get("env", {})  # the runner's, passed through
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "howtoctl").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m howtoctl "$@"\n')
    (bin_dir / "howtoctl").chmod(0o755)
    gate.git("branch", "-D", "howto/one", "howto/two", "howto/three")
    since = _change(gate, "ex1/calc_test.py", "== 5", "== 5  # still five")
    summary = tmp_path / "summary.md"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "GITHUB_STEP_SUMMARY": str(summary),
        "COMMAND": "check",
        "ARGS": "",
        "CHANGED_SINCE": since,
        "DEVICES": "1",
    }
    proc = subprocess.run(
        ["bash", "-e", "-c", step["run"]], env=env, cwd=gate.path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    rows = _table(summary.read_text())
    assert list(rows) == ["one"] and rows["one"]["state"] == "applies"


@pytest.mark.parametrize("path", [".github/workflows/pr.yml", "init"])
def test_the_gate_checks_what_the_change_could_break(path, tmp_path):
    if path == "init":
        from howtoctl.model import init_templates

        settings = init_templates.Settings(base="main")
        text = init_templates.files(settings)[init_templates.PR_WORKFLOW]
    else:
        text = (ROOT / path).read_text()
    check = yaml.load(text, Loader=yaml.BaseLoader)["jobs"]["check"]
    assert check["steps"][0]["with"]["fetch-depth"] == "0"  # the base ref is there to compare
    uses = [s for s in check["steps"] if s.get("with", {}).get("command") == "check"]
    assert "github.base_ref" in uses[0]["with"]["changed-since"]
