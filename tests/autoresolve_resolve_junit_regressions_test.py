"""Regressions of auto-resolve, resolve and `test --junit`, one test each; every one failed
before its fix. The docstrings tell what used to happen."""

from __future__ import annotations

import os
import shutil

import pytest

from howtoctl.autoresolve import intent
from tests.commands.autoresolve_test import _rebase, _repo, needs_wiggle
from tests.commands.resolve_test import _resolve_in_worktree


def _wt(res) -> str:
    return res.out.split("waiting for you in:\n", 1)[1].split("\n", 1)[0].strip()


@needs_wiggle
def test_auto_resolve_accepts_both_sides_of_an_add_add_config_concatenated(tmp_path):
    """WRONG RESULT, BRANCH MOVED. The HOWTO adds ex/config.yaml (lr: 0.01); the base then adds
    its own ex/config.yaml (lr: 0.1). patch-fuzz's candidate is the two files one after the
    other - duplicate YAML keys, where the base's (later) value wins - and every check passes
    (intent: all the HOWTO's lines are there). rebase-all exits 0, status auto-resolved."""
    r = _repo(tmp_path, {"ex/model.py": "X = 1\n"})
    r.add_howto("alpha", {"ex/model.py": ("X = 1\n", "X = 1\nY = 2\n")}, save=False)
    r.git("switch", "-q", "howto/alpha")
    r.write("ex/config.yaml", "lr: 0.01\nepochs: 10\n")
    r.write("ex/model_test.py", "def test_h():\n    assert True\n")
    r.commit("alpha adds config")
    r.git("switch", "-q", "main")
    assert r.cli("save", "alpha").code == 0
    r.commit("save")
    r.write("ex/config.yaml", "lr: 0.1\nepochs: 3\n")
    r.commit("base adds config too")
    code, report = _rebase(r)
    (branch,) = report["branches"]
    merged = r.git("show", "howto/alpha:ex/config.yaml")
    assert branch["status"] != "auto-resolved", (branch["method"], merged)


def test_resolve_continue_after_the_work_tree_was_deleted_is_a_clear_error(conflicted):
    """TRACEBACK (exit 3, FileNotFoundError). The user removed ../repo-resolve-beta by hand
    (rm -rf) and ran --continue: howtoctl crashes instead of saying the work tree is gone and
    pointing at --abort. (--abort then works.)"""
    r = conflicted
    shutil.rmtree(_wt(r.cli("resolve", "beta")))
    res = r.cli("resolve", "beta", "--continue")
    assert res.code == 2, res


def test_resolve_continue_does_not_silently_empty_the_howto(conflicted):
    """WRONG RESULT (recoverable from the backup). In the work tree the user ran
    `git rebase --skip` (or otherwise ended with no commit of the HOWTO); --continue exits 0
    and moves howto/beta onto main itself: the HOWTO's change is gone, 'rebased' reported."""
    r = conflicted
    wt = _wt(r.cli("resolve", "beta"))
    r.git("-C", wt, "rebase", "--skip")
    res = r.cli("resolve", "beta", "--continue")
    assert res.code != 0 or r.rev("howto/beta") != r.rev("main"), res


def test_resolve_continue_does_not_move_a_branch_checked_out_in_the_users_work_tree(conflicted):
    """WRONG RESULT / RISK OF LOSS. howto/beta is checked out in the main work tree (before or
    during the resolve). --continue moves the ref under it (exit 0): HEAD jumps to the rebased
    commit while index and files stay at the old tip, so `git status` shows the rebase undone,
    staged (here: ex/train.py modified, howtos/diffs/beta.diff deleted); the next `git commit`
    reverts the base. rebase-all skips such a branch; resolve does not."""
    r = conflicted
    _resolve_in_worktree(r)
    r.git("switch", "-q", "howto/beta")
    res = r.cli("resolve", "beta", "--continue")
    assert res.code == 2 or r.git("status", "--porcelain") == "", (res, r.git("status", "--short"))


def test_resolve_with_rebase_update_refs_moves_no_branch_behind_howtoctls_back(conflicted):
    """BRANCHES MOVED WITHOUT BACKUP. With the user's `rebase.updateRefs=true` (a common
    setting), the rebase in the resolve work tree moves every branch pointing into the
    rebased commits when it ends: howto/beta itself, another HOWTO branch stacked on it and a
    user's branch `wip`, none backed up by howtoctl (old tips only in reflogs); --continue
    then reports that howto/beta 'moved while it was being resolved'. resolve should pin
    --no-update-refs (or -c rebase.updateRefs=false)."""
    r = conflicted
    r.git("config", "rebase.updateRefs", "true")
    r.git("branch", "wip", "howto/beta")
    r.git("switch", "-q", "-c", "howto/beta2", "howto/beta")
    r.write("new.txt", "x\n")
    r.commit("beta2 on top")
    r.git("switch", "-q", "main")
    r.git("branch", "-f", "howto/beta", "howto/beta2")  # two commits; wip at the first
    before = r.refs("refs/heads/")
    _resolve_in_worktree(r)
    res = r.cli("resolve", "beta", "--continue")
    after = r.refs("refs/heads/")
    assert after["refs/heads/wip"] == before["refs/heads/wip"], res
    assert after["refs/heads/howto/beta2"] == before["refs/heads/howto/beta2"], res
    assert res.code == 0, res


def test_resolve_says_why_git_would_not_start_the_rebase(conflicted):
    """UNCLEAR ERROR. A rebase git refuses to start (here a pre-rebase hook exits 1; its
    message says why) is reported as 'conflict beta' with no file, 'The conflicted files hold
    git's conflict', exit 1; git's message is not shown. --continue then says the work tree
    'is not on top of main any more'."""
    r = conflicted
    hook = r.path / ".git/hooks/pre-rebase"
    hook.write_text("#!/bin/sh\necho 'no rebasing here' >&2\nexit 1\n")
    os.chmod(hook, 0o755)
    res = r.cli("resolve", "beta")
    r.cli("resolve", "beta", "--abort")
    assert "no rebasing here" in res.out + res.err, res


@pytest.mark.parametrize("where", ["inside-work-tree", "inside-.git"])
def test_resolve_path_inside_the_repository_is_refused(conflicted, where):
    """WRITES INTO THE REPOSITORY. `resolve --path` accepts a place inside the repository's own
    work tree (an untracked nested checkout every `git status`/`git add -A` then sees) or
    inside .git; configured paths are held to 'inside the repo, outside .git', this one to
    nothing."""
    r = conflicted
    sub = r.path / ("sub" if where == "inside-work-tree" else ".git/resolve-here")
    res = r.cli("resolve", "beta", "--path", str(sub))
    r.cli("resolve", "beta", "--abort")
    assert res.code == 2, res


def test_junit_to_a_directory_loses_the_json_report_of_the_run(repo_with_howto, tmp_path):
    """LOST RESULTS / LATE ERROR. The --junit target is checked only after every smoke test
    ran (minutes); then the error is raised before the --json report is printed, so the run's
    results are lost. The target should be refused before anything runs (or the report still
    printed)."""
    r = repo_with_howto
    d = tmp_path / "adir"
    d.mkdir()
    res = r.cli("test", "alpha", "--json", "--junit", str(d))
    assert res.code == 2
    assert res.out.strip() or "testing" not in res.err, res  # a report, or refused up front


def test_junit_empty_path_is_bad_input(repo_with_howto):
    """SILENTLY IGNORED. `--junit ''` exits 0 and writes no report anywhere."""
    r = repo_with_howto
    res = r.cli("test", "--all", "--changed-since", "HEAD", "--junit", "")
    assert res.code == 2, res


def test_junit_into_a_dangling_symlink_writes_its_target_as_a_shell_would(
    repo_with_howto, tmp_path
):
    """INCONSISTENT WITH ITS DOCSTRING (low). write_output says a link the user names is
    written into as a shell's `>` would; a dangling link is instead replaced by a regular file
    (the link is gone, its target never created)."""
    r = repo_with_howto
    link = tmp_path / "report.xml"
    os.symlink(tmp_path / "target.xml", link)
    assert r.cli("test", "--all", "--changed-since", "HEAD", "--junit", str(link)).code == 0
    assert os.path.islink(link) and (tmp_path / "target.xml").exists()


def test_own_tests_takes_a_test_in_a_directory_named_like_a_changed_module():
    """WRONG RESULT (a base test counts as the HOWTO's). The HOWTO changes ex/model.py; a test
    under model/ (or tests/ when it changes any */tests.py) is taken as the HOWTO's own: the
    first path part of the test id alone is matched against the end of the module name."""
    assert intent.own_tests(["model/other_test.py::test_x"], ["ex/model.py"]) == []
    assert intent.own_tests(["tests/test_other.py::test_x"], ["ex/tests.py"]) == []


def test_junit_relative_path_follows_dash_c_like_git(repo_with_howto, tmp_path, monkeypatch):
    """WRONG PLACE. `-C PATH` is documented as 'run as if started in PATH (like git -C)', but
    `-C repo test --junit report.xml` writes report.xml into the caller's directory (resolve
    --path is likewise taken from the caller's directory)."""
    r = repo_with_howto
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert r.cli("test", "--all", "--changed-since", "HEAD", "--junit", "report.xml").code == 0
    assert (r.path / "report.xml").exists() and not (elsewhere / "report.xml").exists()


@needs_wiggle
def test_auto_resolve_refuses_every_merge_of_a_file_that_documents_conflict_markers(tmp_path):
    """WRONG REFUSAL, INCONSISTENT WITH save/check. conflict_markers counts added lines only,
    'so a file that documents markers can still be edited'; auto-resolve's no-markers check
    scans the merged files whole, so a conflicted file whose base already shows a conflict
    (docs, a merge tool's test fixture) fails every candidate, right ones included."""
    doc = (
        "# Conflicts\n\nIntro line.\n\nWhat git leaves:\n\n"
        "<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> branch\n\nEnd.\n"
    )
    r = _repo(tmp_path, {"ex/model.py": "X = 1\n", "docs/conflicts.md": doc})
    r.add_howto("alpha", {"docs/conflicts.md": ("Intro line.\n", "Intro line, HOWTO.\n")})
    r.replace("docs/conflicts.md", "What git leaves:\n", "What git leaves behind:\n")
    r.replace("docs/conflicts.md", "Intro line.\n\n", "Intro line.\nBase line.\n\n")
    r.commit("base moves")
    code, report = _rebase(r)
    (branch,) = report["branches"]
    assert branch["attempts"][0]["failed"] != "no-markers", branch["attempts"]
