"""rebase-all --auto-resolve: each check refuses a wrong merge and nothing moves; an accepted
resolution is a normal rebased commit, reported in --json, marked in list and check, undoable."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from tests.gitrepo import GitRepo
from tests.processes import gone, until_gone

needs_wiggle = pytest.mark.skipif(
    shutil.which("wiggle") is None, reason="wiggle is not installed (apt install wiggle)"
)
pytestmark = needs_wiggle

MODEL = """\
import os


def build():
    model = Model(features=10, dropout=0.1)
    return model


class Model:
    def __init__(self, features, dropout):
        self.features = features
        self.dropout = dropout
"""


def _repo(tmp_path, files: dict[str, str], manifest: str = "") -> GitRepo:
    r = GitRepo.create(tmp_path / "repo", base="main")
    for rel, text in files.items():
        r.write(rel, text)
    if manifest:
        r.write("howtos/manifest.toml", manifest)
    r.commit("base example")
    return r


def _conflicting(tmp_path, base: str, main: str, branch: str, manifest: str = "") -> GitRepo:
    """howto/alpha changes ex/model.py from `base` to `branch`; then main changes it to `main`."""
    r = _repo(tmp_path, {"ex/model.py": base}, manifest)
    r.add_howto("alpha", {"ex/model.py": (base, branch)})
    r.replace("ex/model.py", base, main)
    r.commit("base moves")
    return r


def _mergeable(tmp_path) -> GitRepo:
    """A conflict for git that wiggle merges: main sets features, howto/alpha sets dropout."""
    return _conflicting(
        tmp_path,
        MODEL,
        MODEL.replace("features=10", "features=32"),
        MODEL.replace("dropout=0.1", "dropout=0.5"),
    )


def _save_then_move_the_base(r: GitRepo) -> None:
    """From howto/alpha, checked out: save it on main, then main sets features (a conflict)."""
    r.git("switch", "-q", "main")
    assert r.cli("save", "alpha").code == 0
    r.commit("save alpha")
    r.replace("ex/model.py", "features=10", "features=32")
    r.commit("base moves")


def _rebase(r: GitRepo, *args: str) -> tuple[int, dict]:
    res = r.cli("rebase-all", "--auto-resolve", "--json", *args)
    return res.code, json.loads(res.out)


def _refused(r: GitRepo, before: tuple, failed: str, *args: str) -> dict:
    code, report = _rebase(r, *args)
    (branch,) = report["branches"]
    assert code == 1 and branch["status"] == "conflict", report
    # wiggle's merge is the one the check under test refuses; every other candidate fails too.
    assert branch["attempts"][0]["method"] == "wiggle", report
    assert branch["attempts"][0]["failed"] == failed, report
    assert all(a["failed"] for a in branch["attempts"]), report
    assert branch["method"] is None and branch["new_tip"] is None
    assert r.snapshot() == before  # nothing moved, no backup written, work tree untouched
    return branch


def test_a_word_level_merge_is_accepted_reported_marked_and_undone(tmp_path):
    r = _mergeable(tmp_path)
    old_tip = r.rev("howto/alpha")
    assert r.cli("rebase-all", "--json").code == 1  # git alone conflicts

    code, report = _rebase(r)

    (branch,) = report["branches"]
    assert code == 0 and branch["status"] == "auto-resolved", report
    assert branch["method"] == "wiggle"
    assert branch["checks"] == [
        "no-markers",
        "intent",
        "compiles",
        "names",
        "removals",
        "round-trip",
    ]
    assert "Model(features=32, dropout=0.5)" in r.git("show", "howto/alpha:ex/model.py")
    # A normal rebased commit on the new base, saying how it was made.
    assert r.git("merge-base", "--is-ancestor", "main", "howto/alpha") == ""
    message = r.git("log", "-1", "--format=%B", "howto/alpha")
    assert "Howtoctl-Auto-Resolved: wiggle" in message
    assert "Howtoctl-Verified: no-markers, intent, compiles, names, removals, round-trip" in message
    assert old_tip in r.refs("refs/howtoctl/backup/").values()

    listed = json.loads(r.cli("list", "--json").out)["howtos"][0]
    assert listed["auto_resolved"] == "wiggle", listed
    assert "auto-resolved" in r.cli("list").out
    checked = r.cli("check")
    assert "auto-resolved by wiggle" in checked.out
    # The advice is to review and save it, not to rebase it again.
    assert "rebase-all" not in checked.out, checked.out
    assert "review" in checked.out and "howtoctl save alpha" in checked.out, checked.out

    # Saved and committed: reviewed like any change, no longer marked.
    assert r.cli("save", "alpha").code == 0
    assert not (r.path / "howtos/proofs").exists()  # nothing proved it (no --prove)
    r.commit("save alpha")
    assert json.loads(r.cli("list", "--json").out)["howtos"][0]["auto_resolved"] == ""

    assert r.cli("undo").code == 0
    assert r.rev("howto/alpha") == old_tip


def test_conflict_markers_are_refused(tmp_path):
    # Both sides change the same word: no tool can know which value is meant.
    r = _conflicting(
        tmp_path,
        MODEL,
        MODEL.replace("features=10", "features=32"),
        MODEL.replace("features=10", "features=64"),
    )
    branch = _refused(r, r.snapshot(), "no-markers")
    assert [a["method"] for a in branch["attempts"]] == ["wiggle", "wiggle+renames", "patch-fuzz"]


def test_a_merge_that_does_not_compile_is_refused(tmp_path):
    base = "items = [\n    1,\n    2,\n]\n"
    # main appends an element; the branch drops the trailing comma: merged, `2 3,` is a
    # syntax error although no tool saw a conflict.
    r = _conflicting(
        tmp_path,
        base,
        "items = [\n    1,\n    2,\n    3,\n]\n",
        "items = [\n    1,\n    2\n]\nprint(items)\n",
    )
    branch = _refused(r, r.snapshot(), "compiles")
    assert "ex/model.py" in branch["attempts"][0]["detail"]


def test_a_merge_that_leaves_a_name_undefined_is_refused(tmp_path):
    # An API port on main (os -> pathlib) while the branch adds a use of the old API.
    base = "import os\n\nx = os.getcwd()\nprint(x)\n"
    r = _conflicting(
        tmp_path,
        base,
        "import pathlib\n\nx = pathlib.Path.cwd()\nprint(x)\n",
        'import os\n\nx = os.getcwd()\ny = os.path.join(x, "a")\nprint(x)\n',
    )
    branch = _refused(r, r.snapshot(), "names")
    assert "Undefined name `os`" in branch["attempts"][0]["detail"]


SMOKE_MANIFEST = """\
[howtos.alpha]
title = "Alpha"
test = "python ex/check.py"
"""


PROVE_FILES = {
    "ex/model.py": MODEL,
    # The HOWTO's test: it looks at the dropout the HOWTO sets, not at ex/extra.py.
    "ex/check.py": "import ex.model as m\n\nassert m.build().dropout == 0.5\n",
    "ex/extra.py": "LOG_EVERY = 10\n",
    "ex/__init__.py": "",
}


# howto/alpha's edit in most tests below: its test (ex/check.py) looks at it.
DROPOUT = {"ex/model.py": ("dropout=0.1", "dropout=0.5")}


def _proving(
    tmp_path, edits: dict[str, tuple[str, str]], manifest: str = SMOKE_MANIFEST, **files: str
):
    """howto/alpha makes `edits`; then main changes ex/model.py next to them (wiggle merges)."""
    r = _repo(tmp_path, {**PROVE_FILES, **files}, manifest)
    r.add_howto("alpha", edits)
    r.replace("ex/model.py", "features=10", "features=32")
    r.commit("base moves")
    return r


def test_a_merge_whose_smoke_test_fails_is_refused(tmp_path):
    # The merge is clean text and valid Python, but the branch's test pins a value main changed.
    check = "import ex.model as m\n\nassert m.build().features == 10\n"
    r = _proving(tmp_path, DROPOUT, **{"ex/check.py": check})
    branch = _refused(r, r.snapshot(), "smoke-test")
    assert branch["attempts"][0]["passed"] == [
        "no-markers",
        "intent",
        "compiles",
        "names",
        "removals",
        "round-trip",
    ]
    assert "AssertionError" in branch["attempts"][0]["detail"]


def test_a_merge_whose_smoke_test_passes_is_accepted_with_it(tmp_path):
    r = _proving(tmp_path, DROPOUT)
    code, report = _rebase(r)
    (branch,) = report["branches"]
    assert code == 0 and branch["checks"][-1] == "smoke-test"


def test_without_auto_resolve_and_in_a_dry_run_nothing_moves(tmp_path):
    r = _mergeable(tmp_path)
    before = r.snapshot()
    code, report = _rebase(r, "--dry-run")
    assert code == 0 and report["branches"][0]["status"] == "auto-resolved"
    assert r.snapshot() == before
    assert r.cli("rebase-all").code == 1 and r.snapshot() == before


def _objects(r: GitRepo) -> list[str]:
    root = r.path / ".git" / "objects"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("prove", [(), ("--prove",)], ids=["", "prove"])
def test_a_dry_run_adds_no_object_to_the_repository(tmp_path, prove):
    # With a smoke test, so that a candidate's commits are checked out and tested, too; with
    # --prove, its mutants as well.
    r = _proving(tmp_path, DROPOUT)
    before = (_objects(r), r.snapshot())
    code, report = _rebase(r, "--dry-run", *prove)
    checks = report["branches"][0]["checks"]
    assert code == 0 and checks[-1] == ("proved" if prove else "smoke-test"), report
    assert (_objects(r), r.snapshot()) == before
    assert r.git("worktree", "list").count("\n") == 0  # the smoke test's work tree is gone


def test_a_dry_run_smoke_test_cannot_point_a_ref_at_a_throwaway_commit(tmp_path):
    # The candidate exists only in the dry run's throwaway objects, which go afterwards: a
    # test that tags HEAD must fail, not leave a ref to a missing object (git fsck, gc).
    manifest = SMOKE_MANIFEST.replace("python ex/check.py", "sh ex/run.sh")
    run = "git tag -f leaked HEAD && python ex/check.py\n"
    r = _proving(tmp_path, DROPOUT, manifest, **{"ex/run.sh": run})
    before = (_objects(r), r.snapshot())
    code, report = _rebase(r, "--dry-run")
    assert code == 1 and report["branches"][0]["attempts"][0]["failed"] == "smoke-test", report
    assert (_objects(r), r.snapshot()) == before
    r.git("fsck", "--no-progress")


def test_a_file_renamed_on_the_base_is_merged_along_the_rename(tmp_path):
    r = _repo(tmp_path, {"ex/model.py": MODEL})
    r.add_howto("alpha", DROPOUT)
    # main renames the file and edits it heavily: git's merge loses the rename (below 50 %).
    r.git("mv", "ex/model.py", "ex/models.py")
    r.write(
        "ex/models.py",
        MODEL.replace("features=10", "features=32")
        .replace("import os\n", "import os\nimport sys\n\nprint(os, sys)\n")
        .replace("self.features = features", "self.features = int(features)")
        .replace("self.dropout = dropout", "self.dropout = float(dropout)"),
    )
    r.commit("base renames the model")
    code, report = _rebase(r)
    (branch,) = report["branches"]
    assert code == 0 and branch["method"] == "wiggle+renames", report
    assert "Model(features=32, dropout=0.5)" in r.git("show", "howto/alpha:ex/models.py")
    assert r.git("ls-tree", "--name-only", "howto/alpha", "ex/") == "ex/models.py"


def test_resolve_offers_the_best_candidate_and_starts_from_it_only_on_request(tmp_path):
    base = "import os\n\nx = os.getcwd()\nprint(x)\n"
    r = _conflicting(
        tmp_path,
        base,
        "import pathlib\n\nx = pathlib.Path.cwd()\nprint(x)\n",
        'import os\n\nx = os.getcwd()\ny = os.path.join(x, "a")\nprint(x)\n',
    )
    assert _rebase(r)[0] == 1  # wiggle's merge fails the names check: kept as the best
    res = r.cli("resolve", "alpha")
    assert res.code == 0
    assert "wiggle" in res.out and "names" in res.out and "--from-candidate" in res.out, res
    worktree = res.out.split("waiting for you in:\n", 1)[1].split("\n", 1)[0].strip()
    assert worktree == str(r.path.parent / "repo-resolve-alpha")
    with open(f"{worktree}/ex/model.py") as f:
        text = f.read()
    # git's conflict, as `git rebase` leaves it: not the candidate, no wiggle markers.
    head, _, tail = text.partition("<<<<<<< HEAD\nx = pathlib.Path.cwd()\n=======\n")
    assert head == "import pathlib\n\n", text
    assert tail.startswith('x = os.getcwd()\ny = os.path.join(x, "a")\n>>>>>>> '), text
    assert tail.endswith(" (alpha: step 1)\nprint(x)\n") and "<<<---" not in text, text
    assert r.cli("resolve", "alpha", "--abort").code == 0
    res = r.cli("resolve", "alpha", "--from-candidate")
    assert res.code == 0 and "best candidate (wiggle)" in res.out, res
    with open(f"{worktree}/ex/model.py") as f:
        text = f.read()
    assert "<<<<<<<" not in text and 'y = os.path.join(x, "a")' in text
    assert "pathlib.Path.cwd()" in text
    # Unstaged: git still has the path as conflicted until the maintainer adds it.
    assert r.git("-C", worktree, "diff", "--name-only", "--diff-filter=U") == "ex/model.py"
    assert r.cli("resolve", "alpha", "--abort").code == 0


def test_a_branch_line_in_the_style_an_api_port_removed_is_refused(tmp_path):
    # The merge compiles and defines every name; only the old call style gives it away.
    base = "loss = compute_loss(state, batch)\nprint(loss)\n"
    r = _conflicting(
        tmp_path,
        base,
        "loss = compute_loss(state.params, batch)\nprint(loss)\n",
        "loss = compute_loss(state, batch)\naux = compute_loss(state, batch, aux=True)\n"
        "print(loss)\n",
    )
    branch = _refused(r, r.snapshot(), "removals")
    assert "which the new base removed" in branch["attempts"][0]["detail"]


def test_without_wiggle_it_says_so_once_and_uses_patch(tmp_path, monkeypatch):
    from howtoctl.autoresolve import merge_tools

    real = merge_tools.available
    monkeypatch.setattr(merge_tools, "available", lambda tool: tool != "wiggle" and real(tool))
    r = _repo(tmp_path, {"ex/a.py": MODEL, "ex/b.py": MODEL})
    r.add_howto("alpha", {"ex/a.py": ("features=10", "features=64")})
    r.add_howto("beta", {"ex/b.py": ("features=10", "features=64")})
    r.replace("ex/a.py", "features=10", "features=32")
    r.replace("ex/b.py", "features=10", "features=32")
    r.commit("base moves")
    res = r.cli("rebase-all", "--auto-resolve", "--json")
    assert res.err.count("wiggle not found") == 1 and "apt install wiggle" in res.err, res.err
    assert res.err.count("warning:") == 1
    report = json.loads(res.out)
    assert [[a["method"] for a in b["attempts"]] for b in report["branches"]] == [
        ["patch-fuzz"],
        ["patch-fuzz"],
    ]


def test_auto_resolve_can_be_the_default_in_pyproject(tmp_path):
    r = _mergeable(tmp_path)
    r.write("pyproject.toml", "[tool.howtoctl]\nauto-resolve = true\n")
    r.commit("configure")
    before = r.snapshot()
    assert r.cli("rebase-all", "--no-auto-resolve").code == 1 and r.snapshot() == before
    res = r.cli("rebase-all", "--json")
    assert json.loads(res.out)["branches"][0]["status"] == "auto-resolved"


SUM = "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n"
SUM_TEST = "from m import f\n\n\ndef test_f():\n    assert f([1, 2]) == 5\n"


def test_a_line_merged_at_the_wrong_indentation_is_refused(tmp_path):
    # The base wraps the loop in `if xs:`; wiggle keeps the branch's line at its old indentation,
    # after the loop instead of in it. That merge even round-trips exactly, indentation
    # included: only the HOWTO's own test (no `test` in the manifest: pytest) sees it.
    r = _repo(tmp_path, {"m.py": SUM})
    r.git("switch", "-q", "-c", "howto/h")
    r.write("m.py", SUM.replace("total += x\n", "total += x\n        total += 1\n"))
    r.write("m_test.py", SUM_TEST)
    r.commit("h: count one more per item")
    r.git("switch", "-q", "main")
    assert r.cli("save", "h").code == 0
    r.commit("save h")
    r.write(
        "m.py",
        SUM.replace(
            "    for x in xs:\n        total += x\n",
            "    if xs:\n        for x in xs:\n            total += x\n",
        ),
    )
    r.commit("base: guard the loop")
    branch = _refused(r, r.snapshot(), "smoke-test")
    assert "`python -m pytest -q -x` failed" in branch["attempts"][0]["detail"], branch


def test_without_a_manifest_test_the_smoke_test_is_howtoctl_tests_default(tmp_path):
    # No `test` in the manifest: `howtoctl test` runs pytest on the example, and so must the
    # smoke-test check. The branch's test pins a value the base changed; the text merges.
    files = {"ex/model.py": MODEL, "ex/__init__.py": ""}
    r = _repo(tmp_path, files)
    r.git("switch", "-q", "-c", "howto/alpha")
    r.replace("ex/model.py", "dropout=0.1", "dropout=0.5")
    r.write(
        "ex/model_test.py",
        "from ex import model\n\n\ndef test_build():\n"
        "    assert model.build().features == 10\n    assert model.build().dropout == 0.5\n",
    )
    r.commit("alpha")
    _save_then_move_the_base(r)
    branch = _refused(r, r.snapshot(), "smoke-test")
    assert "pytest" in branch["attempts"][0]["detail"], branch
    # Where the example has no tests at all, there is nothing to run: not a failure, and not
    # claimed as verified either (the accepted test above lists no smoke-test).


# -- --prove: every hunk of the merged diff is still proved ---------------------------------------


def _worktrees(r: GitRepo) -> int:
    return len(r.git("worktree", "list").splitlines())


def test_with_prove_an_accepted_merge_has_every_hunk_proved(tmp_path):
    r = _proving(tmp_path, DROPOUT)
    code, report = _rebase(r, "--prove")
    (branch,) = report["branches"]
    assert code == 0 and branch["status"] == "auto-resolved", report
    assert branch["checks"][-2:] == ["smoke-test", "proved"]
    (hunk,) = branch["attempts"][0]["hunks"]
    assert (hunk["file"], hunk["status"]) == ("ex/model.py", "proved"), hunk
    message = r.git("log", "-1", "--format=%B", "howto/alpha")
    assert (
        "Howtoctl-Verified: no-markers, intent, compiles, names, removals, round-trip, smoke-test,"
        " proved" in message
    )
    assert _worktrees(r) == 1  # the mutants' work trees are gone


def test_save_writes_the_proof_of_the_diff_prove_proved(tmp_path):
    from howtoctl.model import proof

    r = _proving(tmp_path, DROPOUT)
    assert _rebase(r, "--prove")[0] == 0
    assert "commit its diff and proof" in r.cli("check").out
    res = r.cli("save", "alpha")
    assert res.code == 0 and "howtos/proofs/alpha.json" in res.out, res
    record = (r.path / "howtos/proofs/alpha.json").read_bytes()
    hunks = proof.read_record(record, (r.path / "howtos/diffs/alpha.diff").read_bytes())
    assert [h["status"] for h in hunks.values()] == ["proved"], record  # for exactly this diff
    assert b'"proved_on": "8 CPU devices"' in record
    # Without --prove, or once the branch moved on, no proof is claimed.
    r.commit("save alpha")
    r.git("switch", "-q", "howto/alpha")
    r.replace("ex/model.py", "dropout=0.5", "dropout=0.6")
    r.commit("alpha: more dropout")
    r.git("switch", "-q", "main")
    res = r.cli("save", "alpha")
    assert res.code == 0 and "proofs" not in res.out, res
    assert (r.path / "howtos/proofs/alpha.json").read_bytes() == record


def test_save_never_replaces_a_newer_proof_with_the_auto_resolved_one(tmp_path):
    r = _proving(tmp_path, DROPOUT)
    assert _rebase(r, "--prove")[0] == 0
    assert r.cli("save", "alpha").code == 0
    r.commit("save alpha, reviewed")
    # Later the test weakens: prove records the truth, survived.
    r.replace("ex/check.py", "assert m.build().dropout == 0.5", "assert m.build() is not None")
    r.commit("weaker check")
    assert r.cli("prove", "alpha", "--record").code == 1
    r.commit("record the proof")
    survived = (r.path / "howtos/proofs/alpha.json").read_bytes()
    assert b'"survived"' in survived
    res = r.cli("save", "alpha")
    assert res.code == 0 and "proofs" not in res.out, res
    assert (r.path / "howtos/proofs/alpha.json").read_bytes() == survived


def test_once_the_base_moves_on_save_says_why_it_writes_no_proof(tmp_path):
    r = _proving(tmp_path, DROPOUT)
    assert _rebase(r, "--prove")[0] == 0
    assert "commit its diff and proof" in r.cli("check").out
    r.write("NOTES.md", "notes\n")
    r.commit("an unrelated change on main")
    assert "commit its diff and proof" not in r.cli("check").out
    res = r.cli("save", "alpha")
    assert res.code == 0 and "the base is now" in res.err, res
    assert "howtoctl prove alpha --record" in res.err
    assert not (r.path / "howtos/proofs").exists()


def test_save_writes_no_proof_made_on_an_older_base(tmp_path):
    # --onto an older commit: the mutants ran against its test, which main has weakened since.
    r = _proving(tmp_path, DROPOUT)
    older = r.rev("main")
    r.replace("ex/check.py", "assert m.build().dropout == 0.5", "assert m.build() is not None")
    r.commit("weaker check")
    assert _rebase(r, "--prove", "--onto", older)[0] == 0
    res = r.cli("save", "alpha")
    assert res.code == 0 and "proofs" not in res.out, res
    assert not (r.path / "howtos/proofs").exists()


@pytest.mark.parametrize("target", ["symlinked-dir", "fifo", "file-for-dir", "dangling-link"])
def test_save_refuses_a_proof_it_cannot_write_before_writing_anything(tmp_path, target):
    r = _proving(tmp_path, DROPOUT)
    assert _rebase(r, "--prove")[0] == 0
    proofs = r.path / "howtos/proofs"
    outside = tmp_path / "outside"
    outside.mkdir()
    if target == "fifo":
        proofs.mkdir()
        os.mkfifo(proofs / "alpha.json")
    elif target == "file-for-dir":
        proofs.write_text("x\n")
    elif target == "dangling-link":
        proofs.symlink_to(r.path / "nowhere")
    else:
        proofs.symlink_to(outside)
    diff = (r.path / "howtos/diffs/alpha.diff").read_bytes()
    res = r.cli("save", "alpha")
    said = {
        "fifo": "is not a regular file",
        "symlinked-dir": "outside the repository",
        "file-for-dir": "is not a directory",
        "dangling-link": "is not a directory",
    }[target]
    assert res.code == 2 and said in res.err, res
    assert (r.path / "howtos/diffs/alpha.diff").read_bytes() == diff
    assert list(outside.iterdir()) == []


def test_with_prove_a_merge_with_a_hunk_no_test_guards_is_refused(tmp_path):
    # ex/extra.py's change merges and passes the smoke test, but nothing tests it.
    edits = {"ex/model.py": ("dropout=0.1", "dropout=0.5"), "ex/extra.py": ("10", "20")}
    r = _proving(tmp_path, edits)
    before = r.snapshot()
    code, report = _rebase(r, "--dry-run")
    assert code == 0 and report["branches"][0]["status"] == "auto-resolved"  # without --prove

    branch = _refused(r, before, "proved", "--prove")

    first = branch["attempts"][0]
    assert first["passed"][-1] == "smoke-test", first
    assert "ex/extra.py @@ -1,1 +1,1 @@: survived" in first["detail"], first
    assert "ex/model.py" not in first["detail"]
    assert [(h["file"], h["status"]) for h in first["hunks"]] == [
        ("ex/extra.py", "survived"),
        ("ex/model.py", "proved"),
    ]
    assert _worktrees(r) == 1


def test_with_prove_an_exempt_hunk_needs_no_proof(tmp_path):
    manifest = SMOKE_MANIFEST + (
        '\n[[howtos.alpha.exempt]]\nfile = "ex/extra.py"\nmatch = "LOG_EVERY"\n'
        'reason = "logging only"\n'
    )
    edits = {"ex/model.py": ("dropout=0.1", "dropout=0.5"), "ex/extra.py": ("10", "20")}
    r = _proving(tmp_path, edits, manifest)
    code, report = _rebase(r, "--prove")
    (branch,) = report["branches"]
    assert code == 0 and branch["checks"][-1] == "proved", report
    assert [h["status"] for h in branch["attempts"][0]["hunks"]] == ["exempt", "proved"]


def test_with_prove_a_howto_without_tests_is_refused(tmp_path):
    # No manifest test and no test in the example: nothing could fail without a hunk.
    r = _mergeable(tmp_path)
    branch = _refused(r, r.snapshot(), "proved", "--prove")
    assert "no test ran" in branch["attempts"][0]["detail"], branch


def test_prove_can_be_the_default_in_pyproject(tmp_path):
    edits = {"ex/model.py": ("dropout=0.1", "dropout=0.5"), "ex/extra.py": ("10", "20")}
    r = _proving(tmp_path, edits)
    r.write("pyproject.toml", "[tool.howtoctl]\nauto-resolve = true\nauto-resolve-prove = true\n")
    r.commit("configure")
    before = r.snapshot()
    res = r.cli("rebase-all", "--json")
    assert json.loads(res.out)["branches"][0]["attempts"][0]["failed"] == "proved", res.out
    assert r.snapshot() == before
    code, report = _rebase(r, "--no-prove", "--dry-run")
    assert code == 0 and report["branches"][0]["checks"][-1] == "smoke-test", report


def test_prove_without_auto_resolve_is_bad_input(tmp_path):
    r = _proving(tmp_path, DROPOUT)
    before = r.snapshot()
    res = r.cli("rebase-all", "--prove")
    assert res.code == 2 and r.snapshot() == before
    assert "--auto-resolve is off" in res.err and "add --auto-resolve" in res.err, res.err
    assert r.cli("rebase-all", "--no-auto-resolve", "--prove").code == 2
    assert r.snapshot() == before


def test_a_candidate_merged_the_same_as_an_earlier_one_is_not_tested_again(tmp_path):
    # Without renames, wiggle+renames merges exactly as wiggle did: its verdict is wiggle's.
    runs = tmp_path / "runs.log"
    check = PROVE_FILES["ex/check.py"].replace(
        "\nassert", f"\nopen({str(runs)!r}, 'a').write('run\\n')\nassert"
    )
    edits = {"ex/model.py": ("dropout=0.1", "dropout=0.5"), "ex/extra.py": ("10", "20")}
    r = _proving(tmp_path, edits, **{"ex/check.py": check})
    branch = _refused(r, r.snapshot(), "proved", "--prove")
    wiggle, renames, _ = branch["attempts"]
    assert renames["detail"] == "same merge as wiggle", renames
    assert (renames["failed"], renames["hunks"]) == (wiggle["failed"], wiggle["hunks"])
    # wiggle's merge: the smoke test, the prove run of the HOWTO, one per mutant (2 hunks).
    assert runs.read_text().splitlines() == ["run"] * 4


UNGUARDED = {"ex/model.py": ("dropout=0.1", "dropout=0.5"), "ex/extra.py": ("10", "20")}
PYTEST_MANIFEST = '[howtos.alpha]\ntitle = "Alpha"\ntest = "python -m pytest -q ex"\n'
MODEL_TEST = "import ex.model as m\n\n\ndef test_d():\n    assert m.build().dropout == 0.5\n"


@pytest.mark.parametrize(
    "manifest, files",
    [
        # More devices than the run has: every run fails, the mutants' too.
        (SMOKE_MANIFEST + "devices = 16\n", {}),
        # A multi-device HOWTO whose test skips for lack of a device fails as `prove` has it.
        (
            PYTEST_MANIFEST + "devices = 8\n",
            {
                "ex/model_test.py": MODEL_TEST,
                "ex/gpu_test.py": "import pytest\n\n\n@pytest.mark.skip(reason='needs a GPU"
                " device')\ndef test_gpu():\n    pass\n",
            },
        ),
    ],
    ids=["too-few-devices", "device-skip"],
)
def test_a_smoke_test_short_of_its_devices_fails_as_howtoctl_test_has_it(tmp_path, manifest, files):
    # Else, with --prove, every mutant would fail for want of devices and "prove" its hunk.
    r = _proving(tmp_path, UNGUARDED, manifest, **files)
    branch = _refused(r, r.snapshot(), "smoke-test", "--prove")
    first = branch["attempts"][0]
    assert "devices" in first["detail"] and "hunks" not in first, first


def test_with_prove_the_howto_runs_under_the_mutants_command(tmp_path):
    # No manifest test: pytest on the example directories of the diff. The saved diff names
    # ex/ only; the merged branch also changes other/, whose (base) test always fails. Run
    # under the mutants' command, the merged HOWTO fails too: nothing is proved by that test.
    # (The HOWTO's own test is ex/dropout_test.py: the base's tests passing prove nothing.)
    files = {
        "other/__init__.py": "",
        "other/util.py": "X = 1\n",
        "other/util_test.py": "def test_broken():\n    assert False\n",
    }
    r = _repo(tmp_path, {**PROVE_FILES, **files}, '[howtos.alpha]\ntitle = "Alpha"\n')
    r.add_howto("alpha", DROPOUT)
    r.git("switch", "-q", "howto/alpha")
    r.replace("other/util.py", "X = 1", "X = 2")  # unsaved yet, guarded by nothing
    r.write("ex/dropout_test.py", MODEL_TEST)
    r.commit("alpha: step 2")
    r.git("switch", "-q", "main")
    r.replace("ex/model.py", "features=10", "features=32")
    r.commit("base moves")
    branch = _refused(r, r.snapshot(), "proved", "--prove")
    first = branch["attempts"][0]
    assert {h["status"] for h in first["hunks"]} == {"not-run"}, first
    assert "own smoke test fails" in first["detail"], first


def test_with_prove_a_test_script_the_howto_adds_proves_its_hunk(tmp_path):
    # Without the hunk that adds ./ex/run.sh the test command is not there: the test fails.
    manifest = SMOKE_MANIFEST.replace("python ex/check.py", "./ex/run.sh")
    r = _repo(tmp_path, PROVE_FILES, manifest)
    r.git("switch", "-q", "-c", "howto/alpha")
    r.replace("ex/model.py", "dropout=0.1", "dropout=0.5")
    r.write("ex/run.sh", "#!/bin/sh\nexec python ex/check.py\n")
    (r.path / "ex/run.sh").chmod(0o755)
    r.commit("alpha")
    _save_then_move_the_base(r)
    code, report = _rebase(r, "--prove")
    (branch,) = report["branches"]
    assert code == 0 and branch["checks"][-1] == "proved", report
    hunks = branch["attempts"][0]["hunks"]
    assert [(h["file"], h["status"]) for h in hunks] == [
        ("ex/model.py", "proved"),
        ("ex/run.sh", "proved"),
    ], hunks
    assert "command not found" in hunks[1]["reason"], hunks


@pytest.mark.parametrize(
    "command, said",
    [
        ("no-such-program-here ex/check.py", "no-such-program-here: command not found"),
        (" ", "the smoke command: command not found"),  # blank
        ("''", "the smoke command: command not found"),  # an empty word
        ("ex/check.py/x", "ex/check.py/x: Not a directory"),  # a path through a file
    ],
    ids=["not-installed", "blank", "empty-word", "through-a-file"],
)
def test_a_smoke_command_that_cannot_run_fails_the_check(tmp_path, command, said):
    manifest = SMOKE_MANIFEST.replace("python ex/check.py", command)
    r = _proving(tmp_path, DROPOUT, manifest)
    branch = _refused(r, r.snapshot(), "smoke-test")
    detail = branch["attempts"][0]["detail"]
    assert said in detail, detail
    assert "[howtos.alpha] test in howtos/manifest.toml" in detail, detail
    assert _worktrees(r) == 1


def test_a_default_pytest_that_skipped_its_tests_is_no_pass(tmp_path):
    # pytest exits 5 here too, but it found a test: skipped for lack of devices, it fails.
    skipped = "import pytest\n\npytest.skip('needs 4 devices', allow_module_level=True)\n"
    r = _proving(
        tmp_path,
        DROPOUT,
        '[howtos.alpha]\ntitle = "Alpha"\ndevices = 4\n',
        **{"ex/model_test.py": skipped},
    )
    branch = _refused(r, r.snapshot(), "smoke-test")
    assert "exit status 5" in branch["attempts"][0]["detail"], branch


# The smoke test runs `sh ex/run.sh`, whose python child holds (records its pid, sleeps)
# while HOLD is set: a process a plain kill of the shell would leave running.
HOLDING = {
    "ex/run.sh": "python ex/check.py\n",
    "ex/check.py": (
        "import os, pathlib, time\n\nif os.environ.get('HOLD'):\n"
        "    pathlib.Path(os.environ['HOLD']).write_text(str(os.getpid()))\n"
        "    time.sleep(600)\n"  # until killed: the test waits for that
    ),
}


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc (Linux)")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("dry_run", [(), ("--dry-run",)], ids=["", "dry-run"])
def test_a_killed_smoke_test_leaves_nothing_behind(tmp_path, monkeypatch, dry_run, sig):
    # SIGTERM: howtoctl stops the smoke test's whole process group and removes its work tree.
    # SIGKILL: it cannot; the next run does. A dry run's candidate is a commit in a throwaway
    # object directory: a work tree left at it would make `git gc` fail until then.
    held = tmp_path / "held"
    manifest = SMOKE_MANIFEST.replace("python ex/check.py", "sh ex/run.sh")
    r = _proving(tmp_path, DROPOUT, manifest, **HOLDING)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    before = r.snapshot()
    env = {**os.environ, "TMPDIR": str(scratch), "HOLD": str(held)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "howtoctl", "-C", str(r.path), "rebase-all", "--auto-resolve"]
        + list(dry_run),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    deadline = time.monotonic() + 60
    while not held.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # polling for the smoke test's own signal
    assert held.exists(), proc.communicate()
    while not held.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(held.read_text())
    proc.send_signal(sig)
    assert proc.wait(30) == (130 if sig == signal.SIGTERM else -signal.SIGKILL)
    assert r.snapshot() == before
    if dry_run:
        # A dry run registers no work tree at its throwaway commit: git is whole at once,
        # before any later command sweeps.
        assert _worktrees(r) == 1
        r.git("fsck", "--no-progress")
    if sig == signal.SIGKILL:
        assert not gone(child)  # still holding, in a work tree nobody removed
        monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the next runs look
        # The next run in any repository stops it (the work tree is in the shared temp dir)...
        other = _repo(tmp_path / "other", {"a.txt": "a\n"})
        assert other.cli("prove", "--all").code == 0
        assert until_gone(child)
        # ... and the next one here forgets the work tree that is gone.
        r.cli("rebase-all", "--auto-resolve", "--dry-run")
    assert until_gone(child)
    assert _worktrees(r) == 1
    # Nothing of the killed run's; this test process's own liveness lock, held, may be there.
    left = [d for d in os.listdir(scratch) if d.startswith("howtoctl-")]
    assert [d for d in left if not _held_lock(scratch, d)] == []
    r.git("gc", "--quiet")


def _held_lock(directory, name: str) -> bool:
    import fcntl

    if not name.startswith("howtoctl-alive-"):
        return False
    fd = os.open(os.path.join(directory, name), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def test_a_smoke_test_that_never_ends_fails_its_check(tmp_path):
    r = _proving(
        tmp_path,
        DROPOUT,
        **{"ex/check.py": "import time\n\ntime.sleep(600)\n"},
    )
    branch = _refused(r, r.snapshot(), "smoke-test", "--timeout", "1")
    assert "timed out after 1 s" in branch["attempts"][0]["detail"], branch
    assert _worktrees(r) == 1
    for bad in (("--timeout", "0"), ("--no-auto-resolve", "--timeout", "5")):
        res = r.cli("rebase-all", *bad)
        assert res.code == 2 and "--timeout" in res.err, res


def test_with_prove_an_exemption_does_not_spread_to_a_change_the_merge_joins_to_it(tmp_path):
    # Exempt LOG_EVERY and tested SCALE are 9 lines apart: two hunks. The base drops two lines
    # between them (and the SCALE test): merged, they are one hunk, which the exemption named
    # for LOG_EVERY must not cover.
    extra = "LOG_EVERY = 10\n" + "".join(f"f{i} = {i}\n" for i in range(8)) + "SCALE = 1\n"
    check = PROVE_FILES["ex/check.py"] + "import ex.extra as x\n\nassert x.SCALE == 2\n"
    manifest = SMOKE_MANIFEST + (
        '\n[[howtos.alpha.exempt]]\nfile = "ex/extra.py"\nmatch = "LOG_EVERY"\n'
        'reason = "logging only"\n'
    )
    edits = {
        "ex/model.py": ("dropout=0.1", "dropout=0.5"),
        "ex/extra.py": ("LOG_EVERY = 10", "LOG_EVERY = 20"),
    }
    r = _repo(tmp_path, {**PROVE_FILES, "ex/extra.py": extra, "ex/check.py": check}, manifest)
    r.add_howto("alpha", edits)
    r.git("switch", "-q", "howto/alpha")
    r.replace("ex/extra.py", "SCALE = 1", "SCALE = 2")
    r.commit("alpha: scale")
    r.git("switch", "-q", "main")
    assert r.cli("save", "alpha").code == 0  # saved before the base moves (save refuses after)
    r.commit("save alpha")
    r.replace("ex/model.py", "features=10", "features=32")
    r.commit("base moves")
    r.replace("ex/extra.py", "f3 = 3\nf4 = 4\n", "")
    r.replace("ex/check.py", "\nassert x.SCALE == 2\n", "\n")
    r.commit("base: fewer settings, SCALE untested")
    branch = _refused(r, r.snapshot(), "proved", "--prove")
    assert "names only part of the hunk" in branch["attempts"][0]["detail"], branch


# -- intent: the merge still makes the HOWTO's change -----------------------------------------


def _lossy_tool(monkeypatch, merge) -> None:
    """Make wiggle merge as `merge(ours, base, theirs, real_result)` does, and leave patch out:
    a merge tool that loses part of the HOWTO without a conflict."""
    from howtoctl.autoresolve import merge_tools

    real_wiggle, real_available = merge_tools.wiggle, merge_tools.available

    def wiggle(ours, base, theirs, scratch=None):
        return merge_tools.Merged(
            merge(ours, base, theirs, real_wiggle(ours, base, theirs, scratch))
        )

    monkeypatch.setattr(merge_tools, "wiggle", wiggle)
    monkeypatch.setattr(
        merge_tools, "available", lambda tool: tool != "patch" and real_available(tool)
    )


def _refused_for_intent(r: GitRepo) -> dict:
    code, report = _rebase(r)
    (branch,) = report["branches"]
    assert code == 1 and branch["status"] == "conflict", report
    attempt = branch["attempts"][0]
    assert (attempt["method"], attempt["passed"], attempt["failed"]) == (
        "wiggle",
        ["no-markers"],
        "intent",
    ), attempt
    return attempt


def test_a_merge_equal_to_the_new_base_is_refused(tmp_path, monkeypatch):
    # The tool keeps the new base's file: every other check passes such a merge.
    r = _mergeable(tmp_path)
    _lossy_tool(monkeypatch, lambda ours, base, theirs, merged: ours)
    before = r.snapshot()
    attempt = _refused_for_intent(r)
    assert "no change against the new base" in attempt["detail"], attempt
    assert attempt["lost"] == [{"path": "", "kind": "empty", "lines": []}]
    assert r.snapshot() == before


def test_a_merge_that_loses_one_added_line_is_refused_and_names_it(tmp_path, monkeypatch):
    branch = MODEL.replace(
        "        self.dropout = dropout\n",
        "        self.dropout = dropout\n        self.seed = 0\n",
    )
    r = _conflicting(
        tmp_path,
        MODEL,
        MODEL.replace("features=10", "features=32"),
        branch.replace("dropout=0.1", "dropout=0.5"),
    )
    _lossy_tool(
        monkeypatch,
        lambda ours, base, theirs, merged: merged.data.replace(b"        self.seed = 0\n", b""),
    )
    attempt = _refused_for_intent(r)
    assert attempt["lost"] == [{"path": "ex/model.py", "kind": "added", "lines": ["self.seed = 0"]}]
    assert "ex/model.py: lines the HOWTO adds are missing: `self.seed = 0`" in attempt["detail"]


def test_a_test_file_both_sides_added_is_left_to_a_human(tmp_path, monkeypatch):
    # The HOWTO adds its test; the new base adds another file at that path. A tool that kept
    # the base's would drop the HOWTO's test (the merge compiles, the base's test passes; the
    # intent check's unit tests cover that loss): no version is common to both, so no
    # candidate merges the file at all.
    r = _repo(tmp_path, {"ex/model.py": MODEL, "ex/__init__.py": ""})
    r.git("switch", "-q", "-c", "howto/alpha")
    r.replace("ex/model.py", "dropout=0.1", "dropout=0.5")
    r.write("ex/model_test.py", MODEL_TEST)
    r.commit("alpha")
    r.git("switch", "-q", "main")
    r.write("ex/model_test.py", "def test_nothing():\n    pass\n")
    r.commit("base: a test")
    _lossy_tool(monkeypatch, lambda ours, base, theirs, merged: ours)
    tip = r.rev("howto/alpha")
    code, report = _rebase(r)
    (branch,) = report["branches"]
    assert code == 1 and branch["status"] == "conflict", report
    assert {a["failed"] for a in branch["attempts"]} == {"no-markers"}, branch["attempts"]
    first = branch["attempts"][0]
    assert "ex/model_test.py: added on both sides" in first["detail"], first
    assert r.rev("howto/alpha") == tip


LIB = "def step(x):\n    a = x + 1\n    b = a * 2\n    return b\n"
TRAIN = "import os\n\n\ndef main():\n    print(os.sep)\n    return 0\n"


def _moved_into_train(tmp_path) -> GitRepo:
    """howto/alpha adds two lines to ex/lib.py; main moves lib.py's code into a new ex/train.py,
    below code of its own (too much for git's merge to see a rename, not for wiggle+renames)."""
    r = _repo(tmp_path, {"ex/lib.py": LIB})
    r.add_howto(
        "alpha",
        {"ex/lib.py": ("    b = a * 2\n", "    b = a * 2\n    b = b + x\n    b = b - 1\n")},
    )
    r.git("rm", "-q", "ex/lib.py")
    r.write("ex/train.py", TRAIN + "\n\n" + LIB.replace("a = x + 1", "a = x + 2"))
    r.commit("base: lib.py moves into train.py")
    return r


def test_a_hunk_moved_into_another_file_counts_only_whole_beside_its_context(tmp_path, monkeypatch):
    # Whole, where git's rename detection put it: accepted.
    r = _moved_into_train(tmp_path / "whole")
    code, report = _rebase(r)
    (branch,) = report["branches"]
    assert code == 0 and branch["method"] == "wiggle+renames", report
    assert "    b = a * 2\n    b = b + x\n    b = b - 1\n" in r.git(
        "show", "howto/alpha:ex/train.py"
    )
    # The same lines scattered over the file: refused.
    r = _moved_into_train(tmp_path / "scattered")

    def scatter(ours, base, theirs, merged):
        return ours.replace(b"    print(os.sep)\n", b"    print(os.sep)\n    b = b + x\n").replace(
            b"    return b\n", b"    b = b - 1\n    return b\n"
        )

    _lossy_tool(monkeypatch, scatter)
    code, report = _rebase(r)
    (branch,) = report["branches"]
    renames = branch["attempts"][1]
    assert code == 1 and (renames["method"], renames["failed"]) == ("wiggle+renames", "intent"), (
        report
    )
    assert renames["lost"] == [
        {"path": "ex/lib.py", "kind": "scattered", "lines": ["b = b + x", "b = b - 1"]}
    ]


TWO_STEPS = (
    "def train(x):\n    a = 1\n    b = 2\n    c = 3\n    return a\n\n\n"
    "def evaluate(x):\n    a = 1\n    b = 2\n    c = 3\n    return b\n"
)


def test_a_fuzzed_hunk_that_lands_in_another_function_is_refused(tmp_path, monkeypatch):
    from howtoctl.autoresolve import merge_tools

    real = merge_tools.available
    monkeypatch.setattr(merge_tools, "available", lambda tool: tool != "wiggle" and real(tool))
    r = _repo(tmp_path, {"ex/steps.py": TWO_STEPS})
    r.add_howto(
        "alpha",
        {"ex/steps.py": ("    c = 3\n    return a\n", "    print(b)\n    c = 3\n    return a\n")},
    )
    r.replace(
        "ex/steps.py",
        "a = 1\n    b = 2\n    c = 3\n    return a",
        "a, b, c = 1, 2, 3\n    return a",
    )
    r.commit("base: train() rewritten")
    code, report = _rebase(r)
    (attempt,) = report["branches"][0]["attempts"]
    assert code == 1 and (attempt["method"], attempt["failed"]) == ("patch-fuzz", "no-markers"), (
        report
    )
    assert attempt["detail"] == "ex/steps.py: Hunk #1 of train landed in evaluate", attempt


BASE_TEST = "import ex.model as m\n\n\ndef test_features():\n    assert m.build().features == 32\n"


@pytest.mark.parametrize("own_test", [False, True], ids=["base-tests-only", "own-test"])
def test_the_smoke_test_must_run_a_test_of_the_howtos_own_files(tmp_path, own_test):
    # pytest on ex/ passes either way: only the base's test, or the HOWTO's own as well.
    r = _repo(
        tmp_path,
        {**PROVE_FILES, "ex/features_test.py": BASE_TEST.replace("32", "10")},
        PYTEST_MANIFEST,
    )
    r.git("switch", "-q", "-c", "howto/alpha")
    r.replace("ex/model.py", "dropout=0.1", "dropout=0.5")
    if own_test:
        r.write("ex/model_test.py", MODEL_TEST)
    r.commit("alpha")
    _save_then_move_the_base(r)
    r.write("ex/features_test.py", BASE_TEST)
    r.commit("base: its test follows")
    if own_test:
        code, report = _rebase(r)
        assert code == 0 and report["branches"][0]["checks"][-1] == "smoke-test", report
        return
    branch = _refused(r, r.snapshot(), "smoke-test")
    detail = branch["attempts"][0]["detail"]
    assert detail == (
        "no test of the HOWTO's own files (ex/model.py) passed, "
        "only the base's: ex/features_test.py::test_features"
    ), detail


def test_a_file_git_follows_to_its_new_name_is_merged_from_gits_own_pairing(tmp_path):
    """The base moves ex/model.py to ex/net.py and edits the line the HOWTO edits: git's merge
    follows the rename and conflicts in ex/net.py. The versions git paired (the old file's, at
    the fork and on the branch) are merged there by the first method, not the branch's
    ex/net.py, which does not exist."""
    r = _repo(tmp_path, {"ex/model.py": MODEL})
    r.add_howto("alpha", DROPOUT)
    r.git("mv", "ex/model.py", "ex/net.py")
    r.replace("ex/net.py", "features=10", "features=32")
    r.commit("base moves the model to ex/net.py")
    code, report = _rebase(r)
    (branch,) = report["branches"]
    assert code == 0 and branch["method"] == "wiggle", report
    assert "Model(features=32, dropout=0.5)" in r.git("show", "howto/alpha:ex/net.py")
    assert r.git("ls-tree", "--name-only", "howto/alpha", "ex/") == "ex/net.py"


def test_a_branch_checked_out_while_its_smoke_test_runs_is_not_moved(tmp_path, monkeypatch):
    """The smoke test checks the branch out in another work tree (as a user might, minutes
    into a run): the transaction must not move a branch under a work tree's HEAD."""
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("CHECKOUT_INTO", str(elsewhere))
    checkout = (
        "import os, subprocess\n"
        "repo = subprocess.run(['git', 'rev-parse', '--git-common-dir'], capture_output=True,"
        " text=True, check=True).stdout.strip()\n"
        "subprocess.run(['git', '--git-dir', repo, 'worktree', 'add', '-q',"
        " os.environ['CHECKOUT_INTO'], 'howto/alpha'], check=True)\n"
    )
    r = _conflicting(
        tmp_path,
        MODEL,
        MODEL.replace("features=10", "features=32"),
        MODEL.replace("dropout=0.1", "dropout=0.5"),
        manifest='[howtos.alpha]\ntest = "python ex/checkout.py"\n',
    )
    r.write("ex/checkout.py", checkout)
    r.commit("a smoke test that checks the branch out elsewhere")
    tip = r.rev("howto/alpha")
    code, report = _rebase(r)
    (branch,) = report["branches"]
    assert code == 1 and branch["status"] == "skipped", report
    assert "checked out in" in branch["detail"]
    assert r.rev("howto/alpha") == tip
    assert (elsewhere / "ex" / "model.py").read_text() == MODEL.replace(
        "dropout=0.1", "dropout=0.5"
    )
