import pytest


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


def test_new_commits_its_manifest_entry_on_the_base(repo):
    r = repo
    base_before = r.rev("main")
    res = r.cli("new", "zeta", "--title", "Zeta things")
    assert res.code == 0, res
    tip = r.rev("main")
    assert r.git("rev-parse", f"{tip}^") == base_before
    assert r.git("show", "--name-only", "--format=%s", tip).splitlines() == [
        "Add zeta to the HOWTO manifest",
        "",
        "howtos/manifest.toml",
    ]
    assert r.rev("howto/zeta") == tip
    assert r.git("status", "--porcelain") == ""  # work tree and index match the commit


def test_following_new_s_steps_keeps_the_manifest_off_the_branch(repo):
    """new's printed steps (switch, edit, `git commit -am`) used to commit the still
    uncommitted manifest entry on the HOWTO branch."""
    r = repo
    r.write("howtos/manifest.toml", "# HOWTOs, as init writes the file\n")
    r.commit("Adopt howtoctl")
    res = r.cli("new", "zeta", "--title", "Zeta")
    assert res.code == 0, res
    r.git("switch", "-q", "howto/zeta")
    r.replace("ex/train.py", "line 3\n", "line 3 zeta\n")
    r.git("commit", "-q", "-am", "zeta")
    assert r.git("diff", "--name-only", "main...howto/zeta").splitlines() == ["ex/train.py"]
    r.git("switch", "-q", "main")
    assert r.cli("save", "zeta").code == 0
    listed = r.cli("list", "--json")
    assert "Zeta" in listed.out


def test_other_staged_and_changed_files_are_left_alone(repo):
    r = repo
    r.write("ex/README.md", "staged\n")
    r.git("add", "ex/README.md")
    r.write("ex/train.py", "changed, not staged\n")
    assert r.cli("new", "zeta").code == 0
    assert r.git("show", "--name-only", "--format=", "main").split() == ["howtos/manifest.toml"]
    assert r.git("status", "--porcelain").splitlines() == ["M  ex/README.md", " M ex/train.py"]


@pytest.mark.parametrize("how", ["changed", "staged", "untracked"])
def test_new_refuses_a_manifest_with_uncommitted_changes(repo, how):
    r = repo
    if how != "untracked":
        r.write("howtos/manifest.toml", '[howtos.a]\ntitle = "A"\n')
        r.commit("manifest")
    r.write("howtos/manifest.toml", '[howtos.a]\ntitle = "A, edited"\n')
    if how == "staged":
        r.git("add", "howtos/manifest.toml")
    before = r.snapshot()
    res = r.cli("new", "zeta")
    assert res.code == 2 and "howtos/manifest.toml" in res.err, res
    assert r.snapshot() == before
