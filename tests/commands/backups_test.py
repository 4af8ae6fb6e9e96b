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
