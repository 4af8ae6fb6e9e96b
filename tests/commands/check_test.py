import json

from tests.gitrepo import GitRepo


def test_check_passes_on_fresh_howtos(repo_with_howto):
    res = repo_with_howto.cli("check")
    assert res.code == 0 and "ok" in res.out and "alpha" in res.out


def test_check_reports_stale_branch(repo_with_howto):
    r = repo_with_howto
    r.git("switch", "-q", "howto/alpha")
    r.replace("ex/train.py", "line 9\n", "line 9 x\n")
    r.commit("more")
    r.git("switch", "-q", "main")
    res = r.cli("check")
    assert res.code == 1 and "stale" in res.out and "howtoctl save alpha" in res.out


def test_check_against_staged_changes_that_break_a_diff(repo_with_howto):
    r = repo_with_howto
    r.replace("ex/train.py", "line 5\n", "line 5 edited on main\n")
    assert r.cli("check").code == 0  # unstaged: the next commit would not hold it
    r.git("add", "ex/train.py")
    res = r.cli("check")
    assert res.code == 1 and "broken" in res.out and "does not apply" in res.out


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
