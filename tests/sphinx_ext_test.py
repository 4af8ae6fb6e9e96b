"""howtoctl.sphinx: a tiny Sphinx project (reStructuredText and MyST pages) renders HOWTOs
through the `howto` directive with render's HTML and CSS."""

import hashlib
import json
import re

import pytest

from howtoctl.render import site
from howtoctl.sphinx import proof, scoped_css

sphinx_cmd = pytest.importorskip("sphinx.cmd.build", reason="needs the docs extra (sphinx)")
pytest.importorskip("myst_parser", reason="needs the docs extra (myst-parser)")

CONF = 'extensions = ["myst_parser", "howtoctl.sphinx"]\nhowtoctl_repository = ".."\n'
INDEX = """Docs
====

.. toctree::

   guide

.. howto:: alpha
"""
GUIDE = """# Guide

```{howto} alpha
:view: side-by-side
```
"""


def _build(docs, builder="html"):
    out = docs / "_build" / builder
    code = sphinx_cmd.build_main(["-q", "-W", "-E", "-b", builder, str(docs), str(out)])
    return code, out


@pytest.fixture
def docs(repo_with_howto):
    r = repo_with_howto
    r.write("howtos/manifest.toml", '[howtos.alpha]\ntitle = "Alpha <one>"\nsummary = "Does a."\n')
    r.commit("manifest")
    docs = r.path / "docs"
    docs.mkdir()
    (docs / "conf.py").write_text(CONF)
    (docs / "index.rst").write_text(INDEX)
    (docs / "guide.md").write_text(GUIDE)
    return docs


def test_rst_and_myst_pages_embed_the_howto(docs):
    code, out = _build(docs)
    assert code == 0
    rst = (out / "index.html").read_text()
    myst = (out / "guide.html").read_text()
    for page, table in ((rst, "diff unified"), (myst, "diff split")):
        assert 'class="howtoctl' in page and "howto-alpha" in page
        assert "Alpha &lt;one&gt;" in page and "Does a." in page  # title and summary, escaped
        assert "not proved" in page
        assert f'<table class="{table}">' in page
        assert "line 5 changed by alpha" in re.sub("<[^>]+>", "", page)  # highlighted
        assert "git apply --3way howtos/diffs/alpha.diff" in page
        assert '<link rel="stylesheet" type="text/css" href="_static/howtoctl.css' in page
    css = (out / "_static" / "howtoctl.css").read_text()
    assert ".howtoctl table.split td.src" in css and ".howtoctl {" in css


def test_same_html_as_render(docs, repo_with_howto):
    """The file blocks are the very ones `howtoctl render` writes for the side-by-side page."""
    code, out = _build(docs)
    assert code == 0
    r = repo_with_howto
    assert r.cli("render", "--out", "site").code == 0
    rendered = (r.path / "site" / "alpha.html").read_text()
    start = rendered.index('<div class="file">')
    block = rendered[start : rendered.index("</main>")].strip()
    assert block in (out / "guide.html").read_text()


def test_proof_record_is_shown(docs, repo_with_howto):
    r = repo_with_howto
    diff = r.read("howtos/diffs/alpha.diff").encode()
    record = {
        "name": "alpha",
        "diff_sha256": hashlib.sha256(diff).hexdigest(),
        "proved_on": "8 CPU devices",
        "hunks": [{"file": "ex/train.py", "header": "@@", "status": "proved"}],
    }
    r.write("howtos/proofs/alpha.json", json.dumps(record))
    code, out = _build(docs)
    assert code == 0
    assert (
        "proved on 8 CPU devices: taking out any of its 1 code hunk fails its tests"
        in (out / "index.html").read_text()
    )


def test_unknown_howto_fails_the_build_with_a_clear_message(docs, capsys):
    (docs / "index.rst").write_text("Docs\n====\n\n.. howto:: nope\n")
    (docs / "guide.md").unlink()
    code, _ = _build(docs)
    assert code != 0
    assert "no HOWTO named 'nope' (known: alpha)" in capsys.readouterr().err


def test_other_builders_get_the_diff_as_text(docs):
    code, out = _build(docs, "text")
    assert code == 0
    text = (out / "index.txt").read_text()
    assert "line 5 changed by alpha" in text and "not proved" in text


def test_scoped_css_keeps_render_styles_inside_the_block():
    css = scoped_css(site.stylesheet())
    assert "\nbody {" not in css and ".howtoctl body {" in css
    assert ":root" not in css and ".howtoctl {" in css
    assert "@media (prefers-color-scheme: dark) {\n.howtoctl {" in css
    assert css.count("{") == css.count("}")


@pytest.mark.parametrize(
    "record, proved, text",
    [
        (None, False, "not proved"),
        (b"{", False, "unreadable"),
        ({"diff_sha256": "0" * 64, "hunks": []}, False, "older version"),
        ({"hunks": [{"status": "proved"}, {"status": "survived"}]}, False, "1 of 2"),
        ({"hunks": [{"status": "proved"}, {"status": "exempt"}]}, True, "2 code hunks"),
    ],
)
def test_proof_status(record, proved, text):
    diff = b"diff --git a/x b/x\n"
    if isinstance(record, dict):
        record = {"diff_sha256": hashlib.sha256(diff).hexdigest(), **record}
        record = json.dumps(record).encode()
    got = proof.status(record, diff)
    assert got[0] is proved and text in got[1]
