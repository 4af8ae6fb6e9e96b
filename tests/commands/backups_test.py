def _backup_stamps(r):
    return {ref.split("/")[3] for ref in r.refs("refs/howtoctl/backup/")}


def _force_restores(r, times):
    for _ in range(times):
        r.git("switch", "-q", "howto/alpha")
        r.write("ex/extra.txt", r.read("ex/README.md") + "x\n")
        r.commit("more work")
        r.git("switch", "-q", "main")
        assert r.cli("restore", "alpha", "--force").code == 0


def test_only_the_last_runs_backups_are_kept(repo_with_howto):
    r = repo_with_howto
    r.write("pyproject.toml", "[tool.howtoctl]\nkeep-backups = 2\n")
    r.commit("keep two")
    _force_restores(r, 4)
    stamps = _backup_stamps(r)
    assert len(stamps) == 2, stamps
    assert r.cli("undo").code == 0  # the latest backup is still there


def test_backups_prune_by_hand(repo_with_howto):
    r = repo_with_howto
    _force_restores(r, 3)
    stamps = sorted(_backup_stamps(r))
    assert len(stamps) == 3
    res = r.cli("backups")
    assert res.code == 0 and all(s in res.out for s in stamps), res
    res = r.cli("backups", "--prune", "--keep", "1")
    assert res.code == 0, res
    assert _backup_stamps(r) == {stamps[-1]}
    assert r.cli("backups", "--prune", "--keep", "0").code == 2


def test_foreign_refs_under_the_backup_root_are_listed_never_pruned_or_undone_to(
    repo_with_howto,
):
    r = repo_with_howto
    _force_restores(r, 2)
    stamps = sorted(_backup_stamps(r))
    tip = r.rev("howto/alpha")
    base = r.rev("main")
    # Sorted after every real stamp, and another one that has a stamp's form but no branch.
    foreign = {
        "refs/howtoctl/backup/zzz": base,
        "refs/howtoctl/backup/99999999-zzz/howto/alpha": base,
    }
    for ref, oid in foreign.items():
        r.git("update-ref", ref, oid)
    res = r.cli("backups")
    assert res.code == 0 and "foreign" in res.out and "refs/howtoctl/backup/zzz" in res.out, res
    assert "2 backup run(s)" in res.err, res
    latest = r.rev(f"refs/howtoctl/backup/{stamps[-1]}/howto/alpha")
    assert latest not in (tip, base)
    res = r.cli("backups", "--prune", "--keep", "1")
    assert res.code == 0, res
    assert {s for s in _backup_stamps(r) if s[0].isdigit() and len(s) == 22} == {stamps[-1]}
    assert {k: v for k, v in r.refs("refs/howtoctl/backup/").items() if k in foreign} == foreign
    assert r.cli("undo").code == 0
    assert r.rev("howto/alpha") == latest  # the latest real backup, not a foreign ref


def test_undo_never_moves_a_branch_outside_the_howto_prefix(repo_with_howto):
    # A stamp-shaped backup ref naming `release` (written by hand, or by a tool that mimics
    # ours), newest of all: undo restores HOWTO branches only, and says what it left alone.
    r = repo_with_howto
    _force_restores(r, 1)
    (stamp,) = _backup_stamps(r)
    r.git("branch", "release", "main~1")
    r.git("update-ref", "refs/howtoctl/backup/99991231-235959-999999/release", "main")
    r.git("update-ref", "refs/howtoctl/backup/99991231-235959-999999/howto/alpha", "main")
    res = r.cli("undo")
    assert res.code == 0, res
    assert r.rev("release") == r.rev("main~1")
    assert r.rev("howto/alpha") == r.rev("main")
    assert "refs/heads/release" in res.err and "left alone" in res.err, res.err
    # A run naming no HOWTO branch at all is no run to undo to.
    r.git("update-ref", "-d", "refs/howtoctl/backup/99991231-235959-999999/howto/alpha")
    res = r.cli("undo")
    assert res.code == 0, res
    assert r.rev("release") == r.rev("main~1")


def test_undo_leaves_alone_backup_refs_it_cannot_restore(repo_with_howto):
    # Stamp-shaped, newest of all: one names a blob, one a branch no HOWTO can have.
    r = repo_with_howto
    _force_restores(r, 1)
    (stamp,) = _backup_stamps(r)
    blob = r.git("hash-object", "-w", "ex/README.md")
    r.git("update-ref", "refs/howtoctl/backup/99991231-235959-999999/howto/alpha", blob)
    r.git("update-ref", "refs/howtoctl/backup/99991231-235959-999999/howto/zeta/nested", "main")
    res = r.cli("undo")
    assert res.code == 0, res
    assert r.rev("howto/alpha") == r.rev(f"refs/howtoctl/backup/{stamp}/howto/alpha")
    assert "howto/zeta/nested" not in r.branches()
    assert "which is no commit" in res.err and "howto/zeta/nested" in res.err, res.err


def test_a_refused_undo_writes_no_backup(repo_with_howto):
    # The branch moved after the backup: undo's transaction expects the tip it read. A ref
    # lock held by another program makes the transaction fail: nothing at all changes.
    r = repo_with_howto
    _force_restores(r, 1)
    lock = r.path / ".git" / "refs" / "heads" / "howto" / "alpha.lock"
    lock.write_text("")
    before = r.snapshot()
    try:
        res = r.cli("undo")
        assert res.code == 2, res
        assert r.snapshot() == before
    finally:
        lock.unlink()


def test_a_backup_stamped_in_the_future_never_pushes_out_the_run_just_written(repo_with_howto):
    """A clock that was ahead once left a stamp from the future: the next run must still be
    the newest, kept by pruning and the one undo goes back to."""
    r = repo_with_howto
    r.write("pyproject.toml", "[tool.howtoctl]\nkeep-backups = 1\n")
    r.commit("keep one")
    future = "20991231-235959-999999"
    r.git("update-ref", f"refs/howtoctl/backup/{future}/howto/alpha", r.rev("main"))
    r.git("switch", "-q", "howto/alpha")
    r.write("ex/extra.txt", "only on the branch\n")
    r.commit("work that restore --force replaces")
    amended = r.rev("HEAD")
    r.git("switch", "-q", "main")
    assert r.cli("restore", "alpha", "--force").code == 0
    runs = r.refs("refs/howtoctl/backup/")
    # The run just written holds the replaced commit; the future one was pruned (keep 1).
    assert list(runs.values()) == [amended], runs
    assert future not in "".join(runs)
    assert r.cli("undo").code == 0
    assert r.rev("howto/alpha") == amended


def test_rebase_all_prunes_old_backup_runs(repo_with_howto):
    r = repo_with_howto
    r.write("pyproject.toml", "[tool.howtoctl]\nkeep-backups = 2\n")
    r.commit("keep two")
    for i in range(4):
        r.replace("ex/train.py", f"line {30 + i}\n", f"line {30 + i} moved on the base\n")
        r.commit(f"base moves {i}")
        res = r.cli("rebase-all", "--json")
        assert res.code == 0, res
    assert len(_backup_stamps(r)) == 2
