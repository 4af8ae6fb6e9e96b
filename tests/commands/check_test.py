import json

from tests.gitrepo import GitRepo


def check(r, *args):
    """Run check --json: (exit code, {name: that HOWTO's report})."""
    res = r.cli("check", "--json", *args)
    return res.code, {h["name"]: h for h in json.loads(res.out)["howtos"]}


def test_check_passes_on_fresh_howtos(repo_with_howto):
    code, reports = check(repo_with_howto)
    assert code == 0 and reports["alpha"]["state"] == "fresh"


def test_check_reports_stale_branch(repo_with_howto):
    r = repo_with_howto
    r.git("switch", "-q", "howto/alpha")
    r.replace("ex/train.py", "line 9\n", "line 9 x\n")
    r.commit("more")
    r.git("switch", "-q", "main")
    code, reports = check(r)
    assert code == 1 and reports["alpha"]["state"] == "stale"
    assert "howtoctl save alpha" in reports["alpha"]["hint"]


def test_check_against_staged_changes_that_break_a_diff(repo_with_howto):
    r = repo_with_howto
    r.replace("ex/train.py", "line 5\n", "line 5 edited on main\n")
    assert r.cli("check").code == 0  # unstaged: the next commit would not hold it
    r.git("add", "ex/train.py")
    code, reports = check(r)
    assert code == 1 and reports["alpha"]["state"] == "broken"
    assert "does not apply" in reports["alpha"]["detail"]


def test_check_without_branches_checks_application_only(repo_with_howto, tmp_path):
    import subprocess

    subprocess.run(
        ["git", "clone", "-q", str(repo_with_howto.path), str(tmp_path / "c")], check=True
    )
    clone = GitRepo(tmp_path / "c", "main")
    res = clone.cli("check", "--json")
    data = json.loads(res.out)
    assert res.code == 0 and data["ok"] and data["howtos"][0]["state"] == "missing-branch"


def test_check_broken_and_misnamed_diffs(repo_with_howto):
    r = repo_with_howto
    r.write("howtos/diffs/Bad Name.diff", "x\n")
    r.write("howtos/diffs/crlf.diff", r.read("howtos/diffs/alpha.diff").replace("\n", "\r\n"))
    res = r.cli("check")
    assert res.code == 1
    assert "Bad Name" in res.out and "CRLF" in res.out


def test_check_rev_and_unknown_names(repo_with_howto):
    r = repo_with_howto
    assert r.cli("check", "--rev", "main").code == 0
    assert r.cli("check", "--rev", "nope").code == 2
    res = r.cli("check", "zeta")
    assert res.code == 2 and "no HOWTO named" in res.err


def test_check_from_a_howto_branch_uses_the_base_tip(repo_with_howto):
    r = repo_with_howto
    r.git("switch", "-q", "howto/alpha")
    assert r.cli("check").code == 0


def test_check_in_a_bare_repository(repo_with_howto, tmp_path):
    import subprocess

    subprocess.run(
        ["git", "clone", "-q", "--bare", str(repo_with_howto.path), str(tmp_path / "b.git")],
        check=True,
    )
    bare = GitRepo(tmp_path / "b.git", "main")
    res = bare.cli("check")
    assert res.code == 0, res
    res = bare.cli("save", "alpha")
    assert res.code == 2 and "bare" in res.err


def _no_apply_check(monkeypatch):
    from howtoctl.git import Repo

    def refuse(*args, **kwargs):
        raise AssertionError("git apply --check ran although the diff applies by construction")

    monkeypatch.setattr(Repo, "apply_check", refuse)
    monkeypatch.setattr(Repo, "apply_check_together", refuse)


def test_diff_whose_files_the_base_left_alone_applies_without_asking_git(
    repo_with_howto, monkeypatch
):
    r = repo_with_howto
    r.replace("ex/README.md", "An example.", "An example, edited on main.")
    r.commit("main edits another file")
    _no_apply_check(monkeypatch)
    res = r.cli("check")
    assert res.code == 0 and "ok" in res.out
    rows = json.loads(r.cli("list", "--json").out)["howtos"]
    assert [(h["state"], h["behind"]) for h in rows] == [("needs-rebase", 1)]


def test_base_changes_to_a_diffs_files_are_still_checked(repo_with_howto):
    r = repo_with_howto
    r.replace("ex/train.py", "line 5\n", "line 5 edited on main\n")
    r.commit("main edits the line alpha edits")
    code, reports = check(r)
    assert code == 1 and reports["alpha"]["state"] == "broken"


def test_file_where_a_diff_adds_into_a_directory_is_broken(repo):
    r = repo
    r.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 alpha\n")})
    r.git("switch", "-q", "howto/alpha")
    r.write("ex/new/helper.py", "x = 1\n")
    r.commit("alpha adds a helper")
    r.git("switch", "-q", "main")
    assert r.cli("save", "alpha").code == 0
    r.commit("save alpha")
    r.write("ex/new", "now a file\n")  # the directory the diff adds into is a file on main
    r.commit("main adds a file named like the directory")
    code, reports = check(r)
    # `git apply --check` alone lets this through: only writing the entries fails.
    assert code == 1 and reports["alpha"]["state"] == "broken"
    assert "ex/new" in reports["alpha"]["detail"]


def test_check_writes_no_object_into_the_repository(repo_with_howto, tmp_path):
    import subprocess

    # Only main's objects: the file contents the diff makes are not in this clone.
    subprocess.run(
        ["git", "clone", "-q", "--no-local", "--single-branch", "--branch", "main"]
        + [str(repo_with_howto.path), str(tmp_path / "c")],
        check=True,
    )
    clone = GitRepo(tmp_path / "c", "main")
    before = clone.git("count-objects", "-v")
    assert clone.cli("check").code == 0 and clone.cli("list").code == 0
    assert clone.git("count-objects", "-v") == before


def test_check_fails_a_diff_that_adds_conflict_markers(repo_with_howto):
    r = repo_with_howto
    # A branch committed with a conflict still in it, its diff written by hand (save refuses).
    r.git("switch", "-q", "howto/alpha")
    r.replace("ex/train.py", "line 9\n", "<<<<<<< HEAD\nline 9\n=======\nline 9 a\n>>>>>>> a\n")
    r.commit("alpha: conflicted")
    r.git("switch", "-q", "main")
    diff = r.git("diff", "--full-index", "main...howto/alpha", strip_newline_in_stdout=False)
    r.write("howtos/diffs/alpha.diff", diff)
    r.commit("alpha, saved by hand")
    before = r.snapshot()
    code, reports = check(r)
    assert code == 1, reports
    alpha = reports["alpha"]
    assert alpha["state"] == "conflict-markers", alpha
    assert alpha["detail"].startswith("ex/train.py:9: conflict marker '<<<<<<< HEAD'"), alpha
    assert "ex/train.py:11" in alpha["detail"] and "ex/train.py:13" in alpha["detail"]
    assert "howtoctl save alpha" in alpha["hint"]
    res = r.cli("check", "alpha")
    assert res.code == 1 and "conflict-markers" in res.out and "ex/train.py:9" in res.out, res
    assert r.snapshot() == before
    assert r.read("howtos/diffs/alpha.diff") == diff
