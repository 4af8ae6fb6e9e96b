"""Recovery paths: what `check` advises after `undo`, `save` on a branch behind the base,
`undo --to`, what `backups` says of each run, and `restore --all` with a stale diff."""

import json

import pytest


@pytest.fixture
def undone(repo_with_howto):
    """alpha rebased onto a base that changed a line of its diff's context, saved, committed,
    then `undo` put the branch back on its old fork point: behind, its diff against the new base."""
    r = repo_with_howto
    r.replace("ex/train.py", "line 8\n", "line 8 main\n")
    r.commit("base moves next to alpha's change")
    assert r.cli("rebase-all").code == 0
    assert r.cli("save", "alpha").code == 0
    r.commit("save alpha on the new base")
    assert r.cli("undo").code == 0
    return r


def _check(r):
    res = r.cli("check", "--json")
    return res.code, {h["name"]: h for h in json.loads(res.out)["howtos"]}


def test_check_after_undo_advises_a_rebase_not_a_save(undone):
    code, rows = _check(undone)
    assert code == 1
    alpha = rows["alpha"]
    assert (alpha["state"], alpha["behind"]) == ("stale", 1)
    assert alpha["hint"].startswith("howtoctl rebase-all"), alpha
    # Following the advice leads back to a fresh HOWTO, the diff file unchanged.
    diff = undone.read("howtos/diffs/alpha.diff")
    assert undone.cli("rebase-all").code == 0
    res = undone.cli("save", "alpha")
    assert res.code == 0 and "unchanged" in res.out, res
    assert undone.read("howtos/diffs/alpha.diff") == diff
    assert _check(undone)[0] == 0


def test_save_refuses_a_branch_whose_diff_would_not_apply_to_the_base(undone):
    r = undone
    before = r.snapshot()
    for args in (("save", "alpha"), ("save", "alpha", "--force"), ("save", "--all")):
        res = r.cli(*args)
        assert res.code == 2, (args, res)
        assert "does not apply" in res.err and "howtoctl rebase-all" in res.err, res.err
        assert r.snapshot() == before


def test_save_of_a_branch_behind_whose_diff_still_applies_writes_it(repo_with_howto):
    r = repo_with_howto
    r.git("switch", "-q", "howto/alpha")
    r.replace("ex/train.py", "line 30\n", "line 30 alpha\n")
    r.commit("more alpha")
    r.git("switch", "-q", "main")
    r.replace("ex/README.md", "An example.", "A changed example.")
    r.commit("base moves elsewhere")
    res = r.cli("save", "alpha")
    assert res.code == 0 and "behind main" in res.err, res
    assert "line 30 alpha" in r.read("howtos/diffs/alpha.diff")


def _runs(r):
    res = r.cli("backups", "--json")
    assert res.code == 0, res
    return json.loads(res.out)["runs"]


@pytest.fixture
def three_runs(repo):
    """alpha and beta rebased twice (two runs), then alpha replaced by restore --force."""
    repo.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 alpha\n")})
    repo.add_howto("beta", {"ex/train.py": ("line 25\n", "line 25 beta\n")})
    tips = [repo.branches()]
    for i in (12, 35):
        repo.replace("ex/train.py", f"line {i}\n", f"line {i} main\n")
        repo.commit(f"base moves at {i}")
        assert repo.cli("rebase-all", "--json").code == 0
        tips.append(repo.branches())
    assert repo.cli("restore", "alpha", "--force").code == 0
    return repo, tips


def test_backups_say_when_which_command_and_which_branches(three_runs):
    r, tips = three_runs
    runs = _runs(r)
    assert [run["command"] for run in runs] == ["rebase-all", "rebase-all", "restore alpha --force"]
    assert [sorted(run["branches"]) for run in runs] == [
        ["howto/alpha", "howto/beta"],
        ["howto/alpha", "howto/beta"],
        ["howto/alpha"],
    ]
    assert runs[0]["branches"]["howto/alpha"] == tips[0]["refs/heads/howto/alpha"]
    assert all(run["time"].endswith("+00:00") for run in runs)
    assert runs[0]["time"][:10] <= runs[-1]["time"][:10]
    res = r.cli("backups")
    assert res.code == 0 and "howtoctl restore alpha --force: howto/alpha" in res.out, res


def test_backups_list_runs_of_older_versions_without_a_record(three_runs):
    r, _ = three_runs
    for ref in r.refs("refs/howtoctl/backup-run/"):
        r.git("update-ref", "-d", ref)
    runs = _runs(r)
    assert len(runs) == 3 and {run["command"] for run in runs} == {None}
    assert sorted(runs[0]["branches"]) == ["howto/alpha", "howto/beta"]
    assert "command not recorded" in r.cli("backups").out
    assert r.cli("undo", "--to", runs[0]["stamp"]).code == 0


def test_pruning_removes_a_runs_record_with_it(three_runs):
    r, _ = three_runs
    stamps = [run["stamp"] for run in _runs(r)]
    assert r.cli("backups", "--prune", "--keep", "1").code == 0
    assert list(r.refs("refs/howtoctl/backup-run/")) == [f"refs/howtoctl/backup-run/{stamps[-1]}"]


def test_undo_to_a_chosen_run(three_runs):
    r, tips = three_runs
    first = _runs(r)[0]["stamp"]
    before = r.snapshot()
    res = r.cli("undo", "--to", first, "--dry-run")
    assert res.code == 0 and res.out.count("would-restore") == 2, res
    assert r.snapshot() == before
    res = r.cli("undo", "--to", first)
    assert res.code == 0, res
    assert r.branches() == tips[0]
    # Undo's own run says what it did, and is undone like any other.
    latest = _runs(r)[-1]
    assert latest["command"] == f"undo --to {first}"
    assert sorted(latest["branches"]) == ["howto/alpha", "howto/beta"]
    # A beginning of a stamp that only one run has is enough (an old run, written by hand).
    r.git(
        "update-ref",
        "refs/howtoctl/backup/20200101-000000-000000/howto/beta",
        tips[1]["refs/heads/howto/beta"],
    )
    assert r.cli("undo", "--to", "2020").code == 0
    assert r.rev("howto/beta") == tips[1]["refs/heads/howto/beta"]


@pytest.mark.parametrize("stamp", ["nonsense", "2026", "", "19990101-000000-000000"])
def test_undo_to_a_run_there_is_not_changes_nothing(three_runs, stamp):
    r, _ = three_runs
    before = r.snapshot()
    res = r.cli("undo", "--to", stamp)
    assert res.code == 2 and "howtoctl backups" in res.err, res
    assert r.snapshot() == before


@pytest.fixture
def stale_clone(repo, tmp_path):
    """A fresh clone (no sync records) whose base moved since three HOWTOs were saved: alpha's
    line was rewritten (a conflict), gamma's context changed, then an unrelated line of the same
    file (so the fork point is not the newest commit's parent); beta still applies."""
    repo.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 alpha\n")})
    repo.add_howto("beta", {"ex/README.md": ("An example.", "Beta example.")})
    repo.add_howto("gamma", {"ex/train.py": ("line 30\n", "line 30 gamma\n")})
    saved_on = repo.rev("main")
    repo.replace("ex/train.py", "line 5\n", "line 5 rewritten on main\n")
    repo.replace("ex/train.py", "line 32\n", "line 32 main\n")
    repo.commit("base rewrites alpha's line and gamma's context")
    repo.replace("ex/train.py", "line 18\n", "line 18 main\n")
    repo.commit("base moves elsewhere in the same file")
    import subprocess

    from tests.gitrepo import GitRepo

    dest = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo.path), str(dest)], check=True)
    return GitRepo(dest, "main"), saved_on


def _restore(r, *args):
    res = r.cli("restore", *args, "--json")
    return res.code, {h["name"]: h for h in json.loads(res.out)["howtos"]}


def test_restore_all_places_stale_diffs_where_they_were_saved_from(stale_clone):
    r, saved_on = stale_clone
    code, rows = _restore(r, "--all")
    assert code == 1
    assert {n: h["status"] for n, h in rows.items()} == {
        "alpha": "at-fork-point",
        "beta": "restored",
        "gamma": "at-fork-point",
    }
    assert rows["alpha"]["fork"] == rows["gamma"]["fork"] == saved_on
    assert rows["beta"]["fork"] == r.rev("main")
    for name in ("alpha", "gamma"):
        assert r.rev(f"howto/{name}^") == saved_on
        diff = r.git("diff", "--full-index", f"main...howto/{name}", strip_newline_in_stdout=False)
        assert diff == r.read(f"howtos/diffs/{name}.diff")
        assert "rebase-all" in rows[name]["hint"] and f"resolve {name}" in rows[name]["hint"]
    # Ready for rebase-all: gamma comes forward, alpha is the conflict resolve takes.
    res = r.cli("rebase-all", "--json")
    assert res.code == 1, res
    status = {b["name"]: b["status"] for b in json.loads(res.out)["branches"]}
    assert status["gamma"] == "rebased" and status["alpha"] == "conflict", status
    assert "restore --all" not in res.out + res.err
    assert r.cli("save", "gamma").code == 0
    code, checks = _check(r)
    assert checks["gamma"]["state"] == "fresh" and checks["alpha"]["state"] == "broken"


def test_restore_text_report_names_each_stale_diff(stale_clone):
    r, _ = stale_clone
    res = r.cli("restore", "alpha", "beta")
    assert res.code == 1, res
    assert "at-fork-point" in res.out and "howtoctl rebase-all" in res.out
    assert set(r.branches()) == {"refs/heads/howto/alpha", "refs/heads/howto/beta"}


def test_restore_says_when_a_stale_diffs_fork_point_cannot_be_found(repo, tmp_path):
    import subprocess

    from tests.gitrepo import GitRepo

    repo.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 alpha\n")})
    repo.add_howto("beta", {"ex/README.md": ("An example.", "Beta example.")})
    repo.replace("ex/train.py", "line 6\n", "line 6 main\n")
    repo.commit("base changes alpha's context")
    dest = tmp_path / "shallow"
    url = f"file://{repo.path}"
    subprocess.run(["git", "clone", "-q", "--depth", "1", url, str(dest)], check=True)
    r = GitRepo(dest, "main")
    code, rows = _restore(r, "--all")
    assert code == 1
    assert rows["beta"]["status"] == "restored"
    assert rows["alpha"]["status"] == "not-restored" and rows["alpha"]["fork"] is None
    assert "git fetch --unshallow" in rows["alpha"]["hint"]
    assert "git apply --3way" in rows["alpha"]["hint"]
    assert set(r.branches()) == {"refs/heads/howto/beta"}
    r.git("fetch", "-q", "--unshallow")
    code, rows = _restore(r, "alpha")
    assert code == 1 and rows["alpha"]["status"] == "at-fork-point"
    assert rows["alpha"]["fork"] == r.rev("main~1")


def test_rebase_all_without_branches_points_to_restore_only_where_there_are_diffs(repo):
    res = repo.cli("rebase-all")
    assert res.code == 0 and "howtoctl new NAME" in res.err and "restore" not in res.err, res
    repo.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 alpha\n")})
    repo.git("branch", "-q", "-D", "howto/alpha")
    res = repo.cli("rebase-all")
    assert res.code == 0 and "howtoctl restore --all" in res.err, res
