import json
import subprocess

import pytest

from tests import htmlcheck
from tests.gitrepo import GitRepo
from tests.watchdog import watchdog


def test_render_writes_the_site_into_site_by_default(repo_with_howto):
    r = repo_with_howto
    r.write("howtos/MAINTAINING.md", "# Maintaining\n\n## Add\n\nRun `howtoctl new`.\n")
    r.commit("guide")
    res = r.cli("render")
    assert res.code == 0, res
    site = r.path / "site"
    assert sorted(p.name for p in site.glob("*.html")) == [
        "alpha.html",
        "index.html",
        "maintaining.html",
        "maintenance.html",
    ]
    assert "rendered" in res.out and "alpha" in res.out and str(site / "index.html") in res.out
    assert htmlcheck.broken_links(site) == []
    # Nothing of the repository changed but the (ignored) output directory.
    assert r.git("status", "--porcelain", "--untracked-files=no") == ""


def test_out_is_relative_to_dash_c(repo_with_howto, tmp_path, monkeypatch):
    r = repo_with_howto
    monkeypatch.chdir(tmp_path)
    res = r.cli("render", "--out", "public/howtos")
    assert res.code == 0, res
    assert (r.path / "public" / "howtos" / "index.html").exists()
    res = r.cli("render", "--out", str(tmp_path / "abs"))
    assert res.code == 0 and (tmp_path / "abs" / "alpha.html").exists()


def test_broken_diff_renders_the_rest_and_exits_1(repo_with_howto):
    r = repo_with_howto
    r.add_howto("beta", {"ex/train.py": ("line 30\n", "line 30 beta\n")})
    text = r.read("howtos/diffs/alpha.diff")
    r.write("howtos/diffs/alpha.diff", text[: len(text) - 12])
    res = r.cli("render")
    assert res.code == 1
    assert "broken" in res.out and "alpha" in res.out
    site = r.path / "site"
    index = (site / "index.html").read_text()
    assert "broken:" in index and "truncated" in index
    assert (site / "beta.html").exists() and not (site / "alpha.html").exists()
    assert htmlcheck.broken_links(site) == []


def test_pages_of_removed_howtos_are_deleted_other_files_kept(repo_with_howto):
    r = repo_with_howto
    r.add_howto("beta", {"ex/train.py": ("line 30\n", "line 30 beta\n")})
    assert r.cli("render").code == 0
    site = r.path / "site"
    (site / "notes.html").write_text("mine")
    (site / "notes.txt").write_text("mine")
    r.git("rm", "-q", "howtos/diffs/beta.diff")
    r.commit("drop beta")
    res = r.cli("render")
    assert res.code == 0, res
    assert not (site / "beta.html").exists()
    assert (
        (site / "alpha.html").exists()
        and (site / "notes.html").exists()
        and (site / "notes.txt").exists()
    )
    assert json.loads((site / ".howtoctl-render.json").read_text())["pages"] == [
        "alpha.html",
        "index.html",
        "maintenance.html",
    ]


def test_a_forged_marker_cannot_delete_files_outside(repo_with_howto, tmp_path):
    r = repo_with_howto
    victim = tmp_path / "victim.html"
    victim.write_text("keep me")
    site = r.path / "site"
    site.mkdir()
    (site / ".howtoctl-render.json").write_text(
        json.dumps({"pages": [str(victim), "../victim.html", ".x.html"]})
    )
    assert r.cli("render").code == 0
    assert victim.read_text() == "keep me"


def test_out_must_be_a_directory(repo_with_howto):
    r = repo_with_howto
    r.write("afile", "x")
    res = r.cli("render", "--out", "afile")
    assert res.code == 2 and "not a directory" in res.err


def test_unsaved_howtos_are_left_out(repo_with_howto):
    r = repo_with_howto
    assert r.cli("new", "gamma", "--title", "Gamma").code == 0
    res = r.cli("render")
    assert res.code == 0
    assert "gamma" in res.err and "no diff file yet" in res.err
    assert not (r.path / "site" / "gamma.html").exists()


def test_bare_repository_needs_out_and_reads_the_base_tip(repo_with_howto, tmp_path):
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(repo_with_howto.path), str(tmp_path / "b.git")],
        check=True,
    )
    bare = GitRepo(tmp_path / "b.git", "main")
    res = bare.cli("render")
    assert res.code == 2 and "--out" in res.err
    res = bare.cli("render", "--out", str(tmp_path / "out"))
    assert res.code == 0, res
    assert (
        "line 5 changed by alpha"
        in htmlcheck.Page((tmp_path / "out" / "alpha.html").read_text()).text
    )


def test_from_a_howto_branch_the_base_tip_is_rendered(repo_with_howto):
    r = repo_with_howto
    r.git("switch", "-q", "howto/alpha")
    res = r.cli("render")
    assert res.code == 0, res
    assert (r.path / "site" / "alpha.html").exists()


def test_compare_link_from_origin(repo_with_howto):
    r = repo_with_howto
    r.git("remote", "add", "origin", "https://github.com/acme/models.git")
    assert r.cli("render").code == 0
    page = (r.path / "site" / "alpha.html").read_text()
    assert 'href="https://github.com/acme/models/compare/main...howto/alpha"' in page
    r.git("remote", "set-url", "origin", "/srv/models.git")
    assert r.cli("render").code == 0
    assert "/compare/" not in (r.path / "site" / "alpha.html").read_text()


def _bad_record(r, kind, tmp_path):
    import os

    path = r.path / "howtos" / "proofs" / "alpha.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "outside":
        (tmp_path / "secret.json").write_text("{}")
        path.symlink_to(tmp_path / "secret.json")
    else:
        path.parent.rmdir()
        (tmp_path / "proofs").mkdir()
        path.parent.symlink_to(tmp_path / "proofs")
        (tmp_path / "proofs" / "alpha.json").write_text("{}")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "outside", "outside-dir"])
def test_a_proof_record_that_is_no_regular_file_inside_is_not_read(repo_with_howto, tmp_path, kind):
    r = repo_with_howto
    _bad_record(r, kind, tmp_path)
    with watchdog(60):  # a watchdog: before the fix, a pipe was read for ever
        res = r.cli("render")
    assert res.code == 0, res
    assert "howtos/proofs/alpha.json" in res.err
    assert "not proved yet" in r.read("site/alpha.html")


def test_a_render_that_fails_midway_leaves_the_site_as_it_was(repo_with_howto, monkeypatch):
    """render replaced its pages one by one and its page list last: a failure in between
    (a full disk) left new pages the list did not know, so the next render, once a HOWTO had
    changed, refused them as files it had not written. Now the pages and the list are put
    into place as one step."""
    import os

    from tests.conftest import tree_digest

    r = repo_with_howto

    def titled(title):
        r.write("howtos/manifest.toml", f'[howtos.alpha]\ntitle = "{title}"\n')
        r.commit(f"title {title}")

    titled("One")
    assert r.cli("render").code == 0
    before = tree_digest(r.path / "site")
    titled("Two")
    replace = os.replace

    def full_disk_at_the_last_page(src, dst, *a, **kw):
        if str(dst).endswith("maintenance.html"):
            raise OSError(28, "No space left on device")
        return replace(src, dst, *a, **kw)

    monkeypatch.setattr(os, "replace", full_disk_at_the_last_page)
    res = r.cli("render")
    monkeypatch.setattr(os, "replace", replace)
    assert res.code == 2 and "maintenance.html" in res.err, res
    assert tree_digest(r.path / "site") == before
    titled("Three")
    res = r.cli("render")
    assert res.code == 0, res
    assert "Three" in (r.path / "site" / "alpha.html").read_text()
