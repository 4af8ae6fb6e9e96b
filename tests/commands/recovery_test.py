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
