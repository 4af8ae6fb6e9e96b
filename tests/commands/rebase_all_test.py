import json
import subprocess

import pytest

from howtoctl import lock
from tests.commands.autoresolve_test import MODEL, needs_wiggle  # the same small project file
from tests.conftest import tree_digest


@pytest.fixture
def moved(repo):
    """Three HOWTOs, then the base moves: alpha rebases cleanly, beta conflicts, gamma has 3 commits."""
    repo.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 alpha\n")})
    repo.add_howto("beta", {"ex/train.py": ("line 20\n", "line 20 beta\n")})
    repo.add_howto(
        "gamma",
        {
            "ex/train.py": ("line 35\n", "line 35 gamma\n"),
            "ex/README.md": ("An example.", "Gamma example."),
        },
        commits=2,
    )
    repo.replace("ex/train.py", "line 20\n", "line 20 changed on main\n")
    repo.replace("ex/train.py", "line 12\n", "line 12 changed on main\n")
    repo.commit("base moves")
    return repo


def rebase_all(r, *args):
    """Run rebase-all --json: (exit code, {name: that branch's entry in the report})."""
    res = r.cli("rebase-all", "--json", *args)
    return res.code, {b["name"]: b for b in json.loads(res.out)["branches"]}


def test_rebase_all_moves_clean_branches_and_leaves_conflicts(moved):
    r = moved
    before_branches = r.branches()
    before_tree = tree_digest(r.path)
    before_index = r.git("ls-files", "-s")
    res = r.cli("rebase-all")
    assert res.code == 1, res  # one conflict
    after = r.branches()
    assert after["refs/heads/howto/beta"] == before_branches["refs/heads/howto/beta"]
    assert "howtoctl resolve beta" in res.out  # the advice for a person reading it
    for name in ("alpha", "gamma"):
        ref = f"refs/heads/howto/{name}"
        assert after[ref] != before_branches[ref]
        assert r.git("merge-base", "--is-ancestor", "main", ref) == ""
        # the backup keeps the old tip
        assert before_branches[ref] in r.refs("refs/howtoctl/backup/").values()
    assert tree_digest(r.path) == before_tree and r.git("ls-files", "-s") == before_index
    assert r.head() == "refs/heads/main"
    text = r.git("show", "howto/alpha:ex/train.py")
    assert "line 5 alpha" in text and "line 12 changed on main" in text


def test_rebase_all_in_a_sha256_repository(tmp_path):
    from tests.gitrepo import GitRepo

    r = GitRepo.create(tmp_path / "repo", object_format="sha256")
    r.write("ex/train.py", "".join(f"line {i}\n" for i in range(1, 41)))
    r.write("ex/README.md", "An example.\n")
    r.commit("base example")
    r.add_howto(
        "alpha",
        {"ex/train.py": ("line 5\n", "line 5 alpha\n"), "ex/README.md": ("An", "Alpha's")},
        commits=2,
    )
    r.replace("ex/train.py", "line 30\n", "line 30 on main\n")
    r.commit("base moves")
    code, report = rebase_all(r)
    assert code == 0 and report["alpha"]["status"] == "rebased"
    assert (
        len(report["alpha"]["new_tip"]) == 64 and r.rev("howto/alpha") == report["alpha"]["new_tip"]
    )
    assert r.git("merge-base", "--is-ancestor", "main", "howto/alpha") == ""
    assert r.git("fsck", "--strict", "--no-progress") == ""


def test_rebase_preserves_commits_messages_and_authors(moved):
    r = moved
    old = r.git("log", "--format=%an|%ae|%ad|%s", "main~1..howto/gamma")
    r.cli("rebase-all")
    new = r.git("log", "--format=%an|%ae|%ad|%s", "main..howto/gamma")
    assert old == new and len(new.splitlines()) == 2
    committer = r.git("log", "-1", "--format=%cn", "howto/gamma")
    assert committer == "Test User"


def test_in_memory_result_matches_git_rebase(moved, tmp_path):
    r = moved
    r.cli("rebase-all")
    ours = r.git("rev-parse", "howto/gamma^{tree}")
    backups = r.refs("refs/howtoctl/backup/")
    old_gamma = next(oid for ref, oid in backups.items() if ref.endswith("/howto/gamma"))
    r.git("switch", "-q", "-c", "check", old_gamma)
    r.git("rebase", "-q", "main")
    assert r.git("rev-parse", "HEAD^{tree}") == ours


def test_second_run_reports_up_to_date(moved):
    r = moved
    r.cli("rebase-all")
    after_first = r.branches()
    code, report = rebase_all(r)
    assert {n: b["status"] for n, b in report.items()} == {
        "alpha": "up-to-date",
        "beta": "conflict",
        "gamma": "up-to-date",
    }
    assert report["beta"]["conflicts"] == ["ex/train.py"]
    assert r.branches() == after_first


def test_dry_run_moves_nothing(moved):
    r = moved
    before = r.snapshot()
    code, report = rebase_all(r, "--dry-run")
    assert code == 1
    assert {n: b["status"] for n, b in report.items()} == {
        "alpha": "rebased",
        "beta": "conflict",
        "gamma": "rebased",
    }
    assert r.snapshot() == before
    res = r.cli("rebase-all", "--dry-run")  # and a person reads that nothing moved
    assert "2 would-rebase" in res.err and "rebased" not in res.err


def test_json_output(moved):
    import json

    res = moved.cli("rebase-all", "--json")
    data = json.loads(res.out)
    status = {b["name"]: b["status"] for b in data["branches"]}
    assert status == {"alpha": "rebased", "beta": "conflict", "gamma": "rebased"}
    assert data["backup"].startswith("refs/howtoctl/backup/")


def test_checked_out_branch_is_skipped_not_moved(moved, tmp_path):
    r = moved
    r.git("worktree", "add", "-q", str(tmp_path / "wt"), "howto/alpha")
    before = r.rev("howto/alpha")
    _, report = rebase_all(r)
    assert report["alpha"]["status"] == "skipped" and "checked out in" in report["alpha"]["detail"]
    assert r.rev("howto/alpha") == before
    assert r.rev("howto/gamma") != before


def test_works_with_dirty_work_tree_and_detached_head(moved):
    r = moved
    r.git("switch", "-q", "--detach", "main~1")
    r.write("ex/train.py", "dirty\n")
    r.write("untracked.txt", "x\n")
    before_tree = tree_digest(r.path)
    res = r.cli("rebase-all")
    assert res.code == 1
    assert tree_digest(r.path) == before_tree
    assert r.git("rev-parse", "HEAD") == r.rev("main~1")


def test_merge_commit_in_a_branch_is_skipped(repo):
    r = repo
    r.add_howto("merged", {"ex/train.py": ("line 5\n", "line 5 m\n")}, save=False)
    r.git("switch", "-q", "-c", "side", "main")
    r.replace("ex/README.md", "An example.", "Side.")
    r.commit("side")
    r.git("switch", "-q", "howto/merged")
    r.git("merge", "-q", "--no-edit", "side")
    r.git("switch", "-q", "main")
    r.replace("ex/train.py", "line 30\n", "line 30 main\n")
    r.commit("move")
    before = r.rev("howto/merged")
    code, report = rebase_all(r)
    assert code == 1 and report["merged"]["status"] == "skipped"
    assert "merge commit" in report["merged"]["detail"]
    assert r.rev("howto/merged") == before


def test_commit_already_in_base_is_dropped(repo):
    r = repo
    r.add_howto(
        "dup",
        {"ex/train.py": ("line 5\n", "line 5 same\n"), "ex/README.md": ("An example.", "Dup.")},
        save=False,
        commits=2,
    )
    r.replace("ex/train.py", "line 5\n", "line 5 same\n")
    r.commit("main gets the same change")
    code, report = rebase_all(r)
    assert code == 0 and report["dup"]["status"] == "rebased"
    assert report["dup"]["new_tip"] == r.rev("howto/dup")
    assert r.git("rev-list", "--count", "main..howto/dup") == "1"  # of its 2 commits


def test_onto_a_ref(moved):
    r = moved
    r.git("branch", "release", "main~0")
    res = r.cli("rebase-all", "--onto", "release", "--json")
    assert res.code == 1
    assert json.loads(res.out)["onto"] == "release", res.out
    res = r.cli("rebase-all", "--onto", "no-such-ref")
    assert res.code == 2 and "does not name a commit" in res.err


def test_concurrent_run_refuses_cleanly(moved):
    r = moved
    before = r.snapshot()
    with lock.repository_lock(str(r.path / ".git"), "rebase-all"):
        res = r.cli("rebase-all")
    assert res.code == 2 and "another howtoctl command" in res.err
    assert r.snapshot() == before


def test_two_processes_at_once_one_proceeds(moved):
    r = moved
    procs = [
        subprocess.Popen(
            ["howtoctl", "-C", str(r.path), "rebase-all"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    codes = sorted(p.wait() for p in procs)
    errs = b"".join(p.stderr.read() for p in procs).decode()
    # Either they overlapped (one refused with the lock message) or ran one after the other.
    assert codes in ([1, 1], [1, 2])
    if 2 in codes:
        assert "another howtoctl command" in errs
    assert r.git("merge-base", "--is-ancestor", "main", "howto/alpha") == ""


def test_no_branches(repo):
    res = repo.cli("rebase-all")
    assert res.code == 0 and "no howto/" in res.err


def test_undo_restores_previous_tips_and_can_be_undone(moved):
    r = moved
    before = r.branches()
    r.cli("rebase-all")
    after = r.branches()
    res = r.cli("undo")
    assert res.code == 0
    assert r.branches() == before
    res = r.cli("undo")  # undo the undo
    assert r.branches() == after


def test_undo_without_backups(repo):
    res = repo.cli("undo")
    assert res.code == 2 and "no howtoctl backup" in res.err


def test_undo_refuses_checked_out_branch(moved, tmp_path):
    r = moved
    r.cli("rebase-all")
    r.git("worktree", "add", "-q", str(tmp_path / "wt"), "howto/alpha")
    before = r.snapshot()
    res = r.cli("undo")
    assert res.code == 2 and "checked out" in res.err
    assert r.snapshot() == before


def test_branch_checked_out_in_this_work_tree_is_skipped(moved):
    r = moved
    r.git("switch", "-q", "howto/alpha")
    before = r.rev("howto/alpha")
    res = r.cli("rebase-all")
    assert res.code == 1 and "skipped" in res.out and str(r.path) in res.out
    assert r.rev("howto/alpha") == before
    assert r.head() == "refs/heads/howto/alpha"


def test_undo_dry_run_changes_nothing(moved):
    r = moved
    r.cli("rebase-all")
    before = r.snapshot()
    res = r.cli("undo", "--dry-run")
    assert res.code == 0 and "would-restore" in res.out
    assert r.snapshot() == before


def test_every_stale_ref_lock_is_named_with_the_command_to_remove_them(repo):
    for name in ("a", "b", "c"):
        repo.add_howto(name, {"ex/train.py": (f"line {ord(name) - 90}\n", f"{name}\n")})
    repo.replace("ex/train.py", "line 30\n", "line 30 main\n")
    repo.commit("base moves")
    before = repo.branches()
    locks = [repo.path / ".git/refs/heads/howto/a.lock", repo.path / ".git/refs/heads/howto/c.lock"]
    for stale in locks:
        stale.write_text("left behind by a killed git\n")
    res = repo.cli("rebase-all")
    assert res.code == 2, res
    assert all(str(stale) in res.err for stale in locks), res.err
    assert "rm -f" in res.err and "no git process" in res.err
    assert repo.branches() == before


def _manifest_entry_rewritten_on_main(r, upstream_title):
    """`howtoctl new zeta`'s shape: main commits zeta's manifest entry (C), howto/zeta forks
    after it and adds its change. Then main is rewritten as `git pull --rebase` would: C goes
    on top of another commit as C' (its title `upstream_title`: "Zeta" is C's very patch),
    and a later commit on main edits that entry. Returns C."""
    r.write("howtos/manifest.toml", '[howtos.alpha]\ntitle = "Alpha"\n')
    base = r.commit("manifest")
    r.write(
        "howtos/manifest.toml", '[howtos.alpha]\ntitle = "Alpha"\n\n[howtos.zeta]\ntitle = "Zeta"\n'
    )
    c = r.commit("Add zeta to the HOWTO manifest")
    r.git("switch", "-q", "-c", "howto/zeta")
    r.replace("ex/train.py", "line 5\n", "line 5 zeta\n")
    r.commit("zeta: its change")
    r.git("switch", "-q", "main")
    r.git("reset", "-q", "--hard", base)
    r.replace("ex/README.md", "An example.", "An example, upstream.")
    r.commit("upstream work")
    r.write(
        "howtos/manifest.toml",
        f'[howtos.alpha]\ntitle = "Alpha"\n\n[howtos.zeta]\ntitle = "{upstream_title}"\n',
    )
    r.git(
        "commit",
        "-q",
        "-am",
        "Add zeta to the HOWTO manifest (pulled)",
        "--date",
        "1600000000 +0000",
    )
    r.write(
        "howtos/manifest.toml",
        '[howtos.alpha]\ntitle = "Alpha"\n\n[howtos.zeta]\ntitle = "Zeta, retitled"\n',
    )
    r.commit("retitle zeta")
    return c


def test_a_commit_already_upstream_under_another_id_is_skipped_as_git_rebase_does(repo):
    """rebase-all merged C (zeta's manifest entry) onto main, which has it as C' and then
    edited it: a conflict on the manifest, where git rebase (and so `howtoctl resolve`) skips
    C as already upstream (same patch-id) and replays only the branch's own change."""
    r = repo
    c = _manifest_entry_rewritten_on_main(r, "Zeta")
    old_tip = r.rev("howto/zeta")
    code, report = rebase_all(r, "--dry-run")  # (no committer: its stand-in commits need one)
    assert code == 0 and report["zeta"]["dropped"] == [c], report
    assert r.rev("howto/zeta") == old_tip
    code, report = rebase_all(r)
    zeta = report["zeta"]
    assert code == 0 and zeta["status"] == "rebased", zeta
    assert zeta["dropped"] == [c] and c[:12] in zeta["detail"]
    assert r.git("rev-list", "--count", "main..howto/zeta") == "1"
    assert r.git("log", "-1", "--format=%s", "howto/zeta") == "zeta: its change"
    # The same tree as git rebase gives.
    r.git("switch", "-q", "-c", "by-git", old_tip)
    r.git("rebase", "-q", "main")
    assert r.git("rev-parse", "HEAD^{tree}") == r.git("rev-parse", "howto/zeta^{tree}")


def test_a_commit_whose_patch_is_not_upstream_still_conflicts(repo):
    r = repo
    c = _manifest_entry_rewritten_on_main(r, "Zeta, as main has it")
    old_tip = r.rev("howto/zeta")
    code, report = rebase_all(r)
    zeta = report["zeta"]
    assert code == 1 and zeta["status"] == "conflict", zeta
    assert zeta["conflicts"] == ["howtos/manifest.toml"] and c[:7] in zeta["detail"]
    assert zeta["dropped"] == [] and r.rev("howto/zeta") == old_tip


ALPHA = '[howtos.alpha]\ntitle = "Alpha"\n'


def _pulled_main(r, base, manifest, retitled, then=None):
    """main rewritten from `base` as `git pull --rebase` would: other work, the branch's
    manifest commit again as C' (`manifest`), a later edit of the entry (`retitled`), then
    `then(r)`."""
    r.git("switch", "-q", "main")
    r.git("reset", "-q", "--hard", base)
    r.replace("ex/README.md", "An example.", "An example, upstream.")
    r.commit("upstream work")
    r.write("howtos/manifest.toml", manifest)
    r.git("commit", "-q", "-am", "Add zeta to the HOWTO manifest (pulled)")
    r.write("howtos/manifest.toml", retitled)
    r.commit("retitle zeta")
    if then:
        then(r)


def _git_rebase_stops_at(r, old_tip):
    """The commit `git rebase main` of `old_tip` stops at (None: it does not stop)."""
    r.git("switch", "-q", "-c", "by-git", old_tip)
    try:
        r.git("rebase", "-q", "main")
        return None
    except Exception:
        return r.git("rev-parse", "REBASE_HEAD")
    finally:
        if (r.path / ".git" / "rebase-merge").exists():
            r.git("rebase", "--abort")
        r.git("switch", "-q", "main")


ZETA = ALPHA + '\n[howtos.zeta]\ntitle = "Zeta"\n'
ZETA_RETITLED = ALPHA + '\n[howtos.zeta]\ntitle = "Zeta, retitled"\n'


def _zeta_after_its_manifest_entry(r):
    """main commits zeta's manifest entry (C) on `base`; howto/zeta forks after it."""
    r.write("howtos/manifest.toml", ALPHA)
    base = r.commit("manifest")
    r.write("howtos/manifest.toml", ZETA)
    c = r.commit("Add zeta to the HOWTO manifest")
    r.git("switch", "-q", "-c", "howto/zeta")
    return base, c


def test_a_conflict_after_a_skipped_commit_is_reported_where_git_rebase_stops(repo):
    """C is upstream and skipped; `zeta: two` conflicts with main: git rebase (and so
    `howtoctl resolve`) stops at `zeta: two`, and so does the report, with its paths."""
    r = repo
    base, _ = _zeta_after_its_manifest_entry(r)
    r.replace("ex/train.py", "line 5\n", "line 5 zeta\n")
    r.commit("zeta: one")
    r.replace("ex/train.py", "line 20\n", "line 20 zeta\n")
    two = r.commit("zeta: two")
    old_tip = r.rev("howto/zeta")

    def main_edits_line_20(r):
        r.replace("ex/train.py", "line 20\n", "line 20 main\n")
        r.commit("main edits line 20")

    _pulled_main(r, base, ZETA, ZETA_RETITLED, main_edits_line_20)
    assert _git_rebase_stops_at(r, old_tip) == two
    code, report = rebase_all(r)
    zeta = report["zeta"]
    assert code == 1 and zeta["status"] == "conflict", zeta
    assert zeta["conflicts"] == ["ex/train.py"] and two[:7] in zeta["detail"], zeta
    assert zeta["dropped"] == [] and r.rev("howto/zeta") == old_tip


def test_json_commits_counts_the_replayed_commits_not_the_skipped_ones(repo):
    """docs/reference/json.md: `commits` is how many were replayed."""
    r = repo
    base, c = _zeta_after_its_manifest_entry(r)
    r.replace("ex/train.py", "line 5\n", "line 5 zeta\n")
    r.commit("zeta: one")
    _pulled_main(r, base, ZETA, ZETA_RETITLED)
    code, report = rebase_all(r)
    zeta = report["zeta"]
    assert code == 0 and zeta["dropped"] == [c], zeta
    assert r.git("rev-list", "--count", "main..howto/zeta") == "1"
    assert zeta["commits"] == 1, zeta


ZT = ALPHA + '\n[howtos.zeta]\ntitle = "Zeta"\ntest = "true"\n'
ZT_RETITLED = ALPHA + '\n[howtos.zeta]\ntitle = "Zeta, retitled"\ntest = "true"\n'


@needs_wiggle
def test_auto_resolve_skips_a_commit_already_upstream_as_the_rebase_does(repo):
    """C is upstream; the branch's own change conflicts with main where wiggle merges it.
    git rebase skips C and stops only at the own change: the resolution is main plus the own
    change, main's retitled manifest entry kept."""
    r = repo
    r.write("ex/model.py", MODEL)
    r.write("howtos/manifest.toml", ALPHA)
    base = r.commit("manifest")
    r.write("howtos/manifest.toml", ZT)
    c = r.commit("Add zeta to the HOWTO manifest")
    r.git("switch", "-q", "-c", "howto/zeta")
    r.replace("ex/model.py", "dropout=0.1", "dropout=0.5")
    own = r.commit("zeta: dropout")
    old_tip = r.rev("howto/zeta")

    def features(r):
        r.replace("ex/model.py", "features=10", "features=32")
        r.commit("main: features")

    _pulled_main(r, base, ZT, ZT_RETITLED, features)
    assert _git_rebase_stops_at(r, old_tip) == own
    code, report = rebase_all(r, "--auto-resolve")
    zeta = report["zeta"]
    assert code == 0 and zeta["status"] == "auto-resolved", json.dumps(zeta)
    assert zeta["dropped"] == [c] and zeta["commits"] == 1, zeta
    assert r.git("show", "howto/zeta:howtos/manifest.toml") == ZT_RETITLED.rstrip("\n")
    assert r.git("show", "howto/zeta:ex/model.py") == MODEL.replace(
        "features=10, dropout=0.1", "features=32, dropout=0.5"
    ).rstrip("\n")
    assert r.git("rev-list", "--count", "main..howto/zeta") == "1"


def test_the_detail_names_both_the_commits_upstream_and_those_dropped_as_in_the_base(repo):
    """`dropped` holds the commit skipped as upstream and the one whose change main made
    itself: the detail says both."""
    r = repo
    base, c = _zeta_after_its_manifest_entry(r)
    r.replace("ex/train.py", "line 5\n", "line 5 zeta\n")
    one = r.commit("zeta: one")
    r.replace("ex/train.py", "line 9\n", "line 9 zeta\n")
    r.commit("zeta: two")

    def main_makes_one(r):  # with another change: not the same patch, not upstream
        r.replace("ex/train.py", "line 5\n", "line 5 zeta\n")
        r.replace("ex/train.py", "line 30\n", "line 30 main\n")
        r.commit("main makes zeta's first change and one of its own")

    _pulled_main(r, base, ZETA, ZETA_RETITLED, main_makes_one)
    code, report = rebase_all(r)
    zeta = report["zeta"]
    assert code == 0 and zeta["dropped"] == [c, one], zeta
    assert r.git("log", "--format=%s", "main..howto/zeta") == "zeta: two"
    assert c[:12] in zeta["detail"] and "dropped 1 commit(s) already in the base" in zeta["detail"]
