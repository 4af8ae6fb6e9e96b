"""A sparse checkout that leaves howtos/ off the disk (a common set-up in large repositories):
the commands that read HOWTOs read git's copy of the manifest and the diff files; those that
would write there refuse, naming the sparse checkout, rather than write a file that drops
what git has."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def sparse(repo_with_howto):
    """The example only on disk: howtos/ is in the index and HEAD, not in the work tree."""
    r = repo_with_howto
    r.write("howtos/manifest.toml", '[howtos.alpha]\ntitle = "Alpha"\n')
    r.commit("manifest")
    r.git("sparse-checkout", "set", "ex")
    assert not (r.path / "howtos").exists()
    return r


def test_new_in_a_sparse_checkout_keeps_the_committed_manifest(sparse):
    """`howtoctl new zeta` found no howtos/manifest.toml on disk and wrote a new one holding
    only zeta; `git diff` showed alpha's entry deleted, and the commit the command's own hint
    suggests removed it. It refuses (exit 2), naming the sparse checkout, changing nothing."""
    r = sparse
    before = r.snapshot()
    res = r.cli("new", "zeta")
    assert res.code == 2 and "sparse" in res.err and "howtos" in res.err, res
    assert not (r.path / "howtos").exists()
    assert r.snapshot() == before


def test_save_in_a_sparse_checkout_is_refused(sparse):
    r = sparse
    before = r.snapshot()
    res = r.cli("save", "alpha")
    assert res.code == 2 and "sparse" in res.err, res
    assert r.snapshot() == before


def test_check_in_a_sparse_checkout_sees_the_committed_diff(sparse):
    """`check` reported every HOWTO 'missing-diff' (exit 1) with the hint `howtoctl save
    alpha`, `list` said the same, and `render` wrote a site without any HOWTO (exit 0): the
    diff files are committed, only not on disk. They are read from the index."""
    r = sparse
    res = r.cli("check", "--json")
    assert res.code == 0, res
    assert [(h["name"], h["state"]) for h in json.loads(res.out)["howtos"]] == [("alpha", "fresh")]


def test_list_and_render_in_a_sparse_checkout_show_the_committed_howtos(sparse):
    r = sparse
    res = r.cli("list", "--json")
    assert res.code == 0, res
    assert "missing-diff" not in res.out and "alpha" in res.out, res
    res = r.cli("render")
    assert res.code == 0, res
    assert (r.path / "site" / "alpha.html").exists()
    assert "Alpha" in (r.path / "site" / "index.html").read_text()
