"""check applies save's rule: a HOWTO branch may not change HOWTO metadata."""

from __future__ import annotations

import json


def test_check_flags_a_branch_that_save_refuses_for_changing_metadata(repo_with_howto):
    r = repo_with_howto
    r.write("howtos/manifest.toml", '[howtos.alpha]\ntitle = "Alpha"\n')
    r.commit("manifest")
    r.git("switch", "-q", "howto/alpha")
    r.write("howtos/manifest.toml", '[howtos.alpha]\ntitle = "Alpha, renamed on the branch"\n')
    r.commit("edit metadata on the branch")
    r.git("switch", "-q", "main")
    assert r.cli("save", "alpha").code == 2
    res = r.cli("check", "--json")
    assert res.code == 1, res
    (alpha,) = [h for h in json.loads(res.out)["howtos"] if h["name"] == "alpha"]
    assert alpha["state"] == "stale" and "howtos/manifest.toml" in alpha["detail"], alpha
