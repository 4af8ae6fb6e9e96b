"""howtoctl cost: figures read from a synthetic history whose answers are known."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.commands.autoresolve_test import MODEL  # the same small project file
from tests.gitrepo import GitRepo

DAY = 86400
T0 = 1700000000


def _at(monkeypatch, day: float) -> None:
    for var in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.setenv(var, f"{T0 + int(day * DAY)} +0000")


def _lines(prefix: str) -> str:
    return "".join(f"{prefix} {i}\n" for i in range(1, 41))


def _write_diffs(r: GitRepo, diffs: dict[str, dict[str, tuple[str, str]]]) -> None:
    """Write howtos/diffs/NAME.diff by hand, as a repository that never ran howtoctl did."""
    texts = {name: _diff_text(r, edits) for name, edits in diffs.items()}
    for name, text in texts.items():
        r.write(f"howtos/diffs/{name}.diff", text)


def _diff_text(r: GitRepo, edits: dict[str, tuple[str, str]]) -> str:
    r.git("switch", "-q", "-c", "scratch", r.base)
    for rel, (old, new) in edits.items():
        r.replace(rel, old, new)
    r.commit("scratch")
    diff = r.git("diff", f"{r.base}...scratch", strip_newline_in_stdout=False)
    r.git("switch", "-q", r.base)
    r.git("branch", "-q", "-D", "scratch")
    return diff


@pytest.fixture
def history(tmp_path, monkeypatch):
    """Three HOWTOs on main, one commit a day (day numbers in brackets):
    - broken: three base moves break it [3, 4, 5], a person rewrites its diff [7];
    - steady: the same three moves touch its file far from its hunk, never breaking it;
    - auto: a base move breaks it [8]; rebase-all --auto-resolve merges it, saved [9]."""
    r = GitRepo.create(tmp_path / "repo", base="main")
    _at(monkeypatch, 0)
    r.write("ex/a.py", _lines("a"))
    r.write("ex/b.py", _lines("b"))
    r.write("ex/model.py", MODEL)
    commits = {"example": r.commit("base example")}
    _at(monkeypatch, 1)
    _write_diffs(
        r,
        {
            "broken": {"ex/a.py": ("a 10\n", "a 10 broken\n")},
            "steady": {"ex/b.py": ("b 5\n", "b 5 steady\n")},
        },
    )
    commits["written"] = r.commit("two HOWTOs")
    _at(monkeypatch, 2)
    r.add_howto("auto", {"ex/model.py": ("dropout=0.1", "dropout=0.5")})
    commits["auto_saved"] = r.rev("main")
    for day, line in ((3, 10), (4, 11), (5, 12)):
        _at(monkeypatch, day)
        r.replace("ex/a.py", f"a {line}\n", f"a {line} moved\n")
        r.replace("ex/b.py", f"b {25 + line}\n", f"b {25 + line} moved\n")
        commits[f"move{day}"] = r.commit(f"base moves on day {day}")
    _at(monkeypatch, 7)
    _write_diffs(r, {"broken": {"ex/a.py": ("a 10 moved\n", "a 10 broken again\n")}})
    commits["fixed"] = r.commit("broken: rewritten by hand")
    _at(monkeypatch, 8)
    r.replace("ex/model.py", "features=10", "features=32")
    commits["model_moved"] = r.commit("base moves the model")
    _at(monkeypatch, 9)
    res = r.cli("rebase-all", "--auto-resolve", "--json")
    assert res.code == 0 and json.loads(res.out)["branches"][0]["status"] == "auto-resolved", res
    # Until its diff is saved and committed, the resolution awaits review.
    (unsaved,) = [h for h in _cost(r)["howtos"] if h["name"] == "auto"]
    assert (unsaved["awaiting_review"], unsaved["broken_now"]) == ("wiggle", True)
    assert r.cli("save", "auto").code == 0
    commits["auto_fixed"] = r.commit("auto: save its auto-resolved diff")
    return r, commits


def _cost(r: GitRepo, *args: str) -> dict:
    res = r.cli("cost", "--json", *args)
    assert res.code == 0, res
    return json.loads(res.out)


@pytest.mark.skipif(shutil.which("wiggle") is None, reason="wiggle is not installed")
def test_each_figure_of_a_known_history(history):
    r, c = history
    doc = _cost(r)
    assert doc["schema"] == 1 and doc["base"] == "main"
    assert doc["range"]["commits"] == 9 and doc["range"]["last"]["commit"] == c["auto_fixed"]
    rows = {h["name"]: h for h in doc["howtos"]}
    # Ordered by cost, then days broken.
    assert [h["name"] for h in doc["howtos"]] == ["broken", "auto", "steady"]

    broken = rows["broken"]
    assert {k: broken[k] for k in _COUNTS} == {
        "cost": 1,
        "base_moves": 3,
        "moves_applying": 0,
        "breaks": 1,
        "moves_while_broken": 2,
        "human_fixes": 1,
        "auto_resolved": 0,
        "base_fixes": 0,
        "human_edits": 0,
        "broken_now": False,
        "broken_commits": 3,
        "broken_days": 4.0,
    }
    (stretch,) = broken["stretches"]
    assert stretch["broke_at"]["commit"] == c["move3"]
    assert stretch["fixed_at"]["commit"] == c["fixed"]
    assert (stretch["fixed_by"], stretch["base_moves"]) == ("human", 3)
    assert broken["last_human_touch"]["commit"] == c["fixed"]
    assert [(x["commit"], x["added"], x["removed"]) for x in broken["lines"]] == [
        (c["written"], 1, 1),
        (c["fixed"], 1, 1),
    ]

    steady = rows["steady"]
    assert {k: steady[k] for k in _COUNTS} == {
        "cost": 0,
        "base_moves": 3,
        "moves_applying": 3,
        "breaks": 0,
        "moves_while_broken": 0,
        "human_fixes": 0,
        "auto_resolved": 0,
        "base_fixes": 0,
        "human_edits": 0,
        "broken_now": False,
        "broken_commits": 0,
        "broken_days": 0.0,
    }
    assert steady["stretches"] == []
    assert steady["last_human_touch"]["commit"] == c["written"]

    auto = rows["auto"]
    assert {k: auto[k] for k in _COUNTS} == {
        "cost": 0,
        "base_moves": 1,
        "moves_applying": 0,
        "breaks": 1,
        "moves_while_broken": 0,
        "human_fixes": 0,
        "auto_resolved": 1,
        "base_fixes": 0,
        "human_edits": 0,
        "broken_now": False,
        "broken_commits": 1,
        "broken_days": 1.0,
    }
    (stretch,) = auto["stretches"]
    assert (
        stretch["fixed_by"] == "auto-resolve" and stretch["fixed_at"]["commit"] == c["auto_fixed"]
    )
    # The automatic rewrite is no human touch: the last one is the first save.
    assert auto["last_human_touch"]["commit"] == c["auto_saved"]
    assert auto["awaiting_review"] == ""

    total = doc["total"]
    assert (total["cost"], total["base_moves"], total["breaks"]) == (1, 7, 2)
    assert (total["human_fixes"], total["auto_resolved"], total["broken_days"]) == (1, 1, 5.0)


@pytest.mark.skipif(shutil.which("wiggle") is None, reason="wiggle is not installed")
@pytest.mark.parametrize("edit_on_top", [False, True])
def test_a_commit_a_person_adds_to_an_auto_resolved_branch_makes_its_fix_human(
    tmp_path, monkeypatch, edit_on_top
):
    r = GitRepo.create(tmp_path / "repo", base="main")
    _at(monkeypatch, 0)
    r.write("ex/model.py", MODEL)
    r.commit("base example")
    _at(monkeypatch, 1)
    r.add_howto("auto", {"ex/model.py": ("dropout=0.1", "dropout=0.5")})
    _at(monkeypatch, 2)
    r.replace("ex/model.py", "features=10", "features=32")
    r.commit("base moves the model")
    _at(monkeypatch, 3)
    assert r.cli("rebase-all", "--auto-resolve").code == 0
    if edit_on_top:
        _at(monkeypatch, 4)
        r.git("switch", "-q", "howto/auto")
        r.replace("ex/model.py", "return model\n", "return model  # reviewed\n")
        r.commit("a person's change on top")
        r.git("switch", "-q", "main")
    assert r.cli("save", "auto").code == 0
    r.commit("save auto")
    (h,) = _cost(r)["howtos"]
    assert (h["auto_resolved"], h["human_fixes"]) == ((0, 1) if edit_on_top else (1, 0)), h


_COUNTS = (
    "cost",
    "base_moves",
    "moves_applying",
    "breaks",
    "moves_while_broken",
    "human_fixes",
    "auto_resolved",
    "base_fixes",
    "human_edits",
    "broken_now",
    "broken_commits",
    "broken_days",
)


def _hand_made(tmp_path, monkeypatch) -> tuple[GitRepo, dict]:
    """Only diff files, as Flax had in 2020: `broken` broken by one move, still broken."""
    r = GitRepo.create(tmp_path / "repo", base="master")
    _at(monkeypatch, 0)
    r.write("examples/a.py", _lines("a"))
    c = {"example": r.commit("example")}
    _at(monkeypatch, 1)
    _write_diffs(r, {"broken": {"examples/a.py": ("a 10\n", "a 10 broken\n")}})
    c["written"] = r.commit("a HOWTO")
    _at(monkeypatch, 2)
    r.replace("examples/a.py", "a 11\n", "a 11 moved\n")
    c["move"] = r.commit("move")
    _at(monkeypatch, 3.5)
    r.write("README", "unrelated\n")
    c["unrelated"] = r.commit("unrelated")
    return r, c


def test_a_diff_still_broken_counts_to_the_end_of_the_range(tmp_path, monkeypatch):
    r, c = _hand_made(tmp_path, monkeypatch)
    (h,) = _cost(r)["howtos"]
    assert (h["cost"], h["breaks"], h["human_fixes"], h["broken_now"]) == (1, 1, 0, True)
    assert (h["broken_commits"], h["broken_days"]) == (2, 1.5)
    assert h["stretches"][0]["fixed_by"] == ""


def test_since_a_commit_or_a_date_starts_the_range_there(tmp_path, monkeypatch):
    r, c = _hand_made(tmp_path, monkeypatch)
    doc = _cost(r, "--since", c["move"])
    assert doc["range"]["commits"] == 1
    (h,) = doc["howtos"]
    # Broken when the range begins: counted from its first commit, no break in the range.
    assert (h["breaks"], h["broken_now"], h["broken_commits"]) == (0, True, 1)
    doc = _cost(r, "--since", "1970-01-01")
    assert doc["range"]["commits"] == 4
    assert doc["howtos"][0]["breaks"] == 1
    day2 = _cost(r, "--since", "2023-11-16")  # T0 is 2023-11-14 22:13 UTC
    assert day2["range"]["first"]["commit"] == c["move"]


def test_junit_times_give_each_howto_its_share_of_the_gate(tmp_path, monkeypatch):
    r, _ = _hand_made(tmp_path, monkeypatch)
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite name="howtoctl test">'
        '<testcase classname="howto" name="broken" time="30.0"/>'
        '<testcase classname="howto" name="other" time="10.0"/>'
        "</testsuite></testsuites>"
    )
    (h,) = _cost(r, "--junit", str(report))["howtos"]
    assert (h["smoke_seconds"], h["gate_share"]) == (30.0, 0.75)


@pytest.mark.parametrize(
    "args, says",
    [
        (("nosuch",), "no HOWTO named 'nosuch'"),
        (("../bad",), "invalid HOWTO name"),
        (("--since", "not-a-date-or-commit"), "neither a date"),
        (("--since", "--all"), "neither a date"),
        (("--junit", "missing.xml"), "no such file"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(tmp_path, monkeypatch, args, says):
    r, _ = _hand_made(tmp_path, monkeypatch)
    before = r.snapshot()
    res = r.cli("cost", *args)
    assert res.code == 2 and says in res.err, res
    assert r.snapshot() == before
