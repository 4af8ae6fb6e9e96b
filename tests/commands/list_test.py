import json


def test_list_states(repo):
    r = repo
    r.add_howto("fresh1", {"ex/train.py": ("line 2\n", "line 2 f\n")})
    r.add_howto("stale1", {"ex/train.py": ("line 10\n", "line 10 s\n")})
    r.git("switch", "-q", "howto/stale1")
    r.replace("ex/train.py", "line 11\n", "line 11 s\n")
    r.commit("unsaved")
    r.git("switch", "-q", "main")
    r.add_howto("nodiff", {"ex/train.py": ("line 30\n", "line 30 n\n")}, save=False)
    r.write("howtos/manifest.toml", '[howtos.fresh1]\ntitle = "Fresh one"\n')
    r.commit("manifest")
    res = r.cli("list", "--json")
    assert res.code == 1 and json.loads(res.out)["ok"] is False  # stale1 and nodiff
    rows = {h["name"]: h for h in json.loads(res.out)["howtos"]}
    assert rows["fresh1"]["state"] == "fresh" and rows["fresh1"]["title"] == "Fresh one"
    assert rows["fresh1"]["behind"] == 0  # commits that only touch howtos/ do not count
    assert rows["stale1"]["state"] == "stale"
    assert rows["nodiff"]["state"] == "missing-diff"
    r.replace("ex/README.md", "An example.", "Moved.")
    r.commit("base moves")
    rows = {h["name"]: h for h in json.loads(r.cli("list", "--json").out)["howtos"]}
    assert rows["fresh1"]["state"] == "needs-rebase" and rows["fresh1"]["behind"] == 1
    text = r.cli("list").out
    assert "needs-rebase" in text and "Fresh one" in text


def test_list_empty_repo_says_what_to_do(repo):
    res = repo.cli("list")
    assert res.code == 0 and "howtoctl new" in res.err


def test_list_missing_branch_and_broken(repo_with_howto):
    r = repo_with_howto
    r.git("branch", "-D", "howto/alpha")
    rows = {h["name"]: h for h in json.loads(r.cli("list", "--json").out)["howtos"]}
    assert rows["alpha"]["state"] == "missing-branch"
    r.replace("ex/train.py", "line 5\n", "line five\n")
    r.commit("break it")
    rows = {h["name"]: h for h in json.loads(r.cli("list", "--json").out)["howtos"]}
    assert rows["alpha"]["state"] == "broken"


def test_list_in_manifest_order_unless_sorted_by_name(repo):
    r = repo
    for name, line in (("zeta", "line 2"), ("alpha", "line 10"), ("mid", "line 20")):
        r.add_howto(name, {"ex/train.py": (f"{line}\n", f"{line} {name}\n")})
    r.add_howto("beta", {"ex/train.py": ("line 30\n", "line 30 beta\n")}, save=False)
    r.write("howtos/manifest.toml", "[howtos.mid]\n\n[howtos.zeta]\n")
    r.commit("manifest: mid first")

    def names(*args):
        return [h["name"] for h in json.loads(r.cli("list", "--json", *args).out)["howtos"]]

    assert names() == ["mid", "zeta", "alpha", "beta"]  # listed ones first, then the rest
    assert names("--sort", "name") == ["alpha", "beta", "mid", "zeta"]
    text = r.cli("list").out
    assert text.index("mid") < text.index("zeta") < text.index("alpha")
    assert r.cli("list", "--sort", "size").code == 2
