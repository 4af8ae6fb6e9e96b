def test_new_creates_branch_and_manifest_entry(repo):
    res = repo.cli("new", "zeta", "--title", "Zeta things", "--example", "ex")
    assert res.code == 0
    assert repo.rev("howto/zeta") == repo.rev("main")
    assert '[howtos.zeta]\ntitle = "Zeta things"\nexample = "ex"\n' in repo.read(
        "howtos/manifest.toml"
    )


def test_new_refuses_existing_and_bad_names(repo_with_howto):
    r = repo_with_howto
    before = r.snapshot()
    assert r.cli("new", "alpha").code == 2
    for bad in ("../x", "a b", "UPPER"):
        res = r.cli("new", bad)
        assert res.code == 2 and "invalid HOWTO name" in res.err
    assert r.snapshot() == before


def test_new_refuses_off_base(repo):
    repo.git("switch", "-q", "-c", "feature")
    before = repo.snapshot()
    assert repo.cli("new", "zeta").code == 2
    assert repo.snapshot() == before
