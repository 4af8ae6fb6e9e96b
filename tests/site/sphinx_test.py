"""howtoctl.sphinx: a tiny Sphinx project (reStructuredText and MyST pages) renders HOWTOs
through the `howto` directive with render's HTML and CSS."""

import hashlib
import json
import re

import pytest

from howtoctl.site import proof_summary, stylesheet
from howtoctl.site.sphinx import scoped_css

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
    _alpha_record(r, "proved")  # the record names the hunk by its header, as prove writes it
    code, out = _build(docs)
    assert code == 0
    assert (
        "proved on 8 CPU devices: taking out any of its 1 tested code hunk fails its tests"
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
    css = scoped_css(stylesheet.stylesheet())
    assert "\nbody {" not in css and ".howtoctl body {" in css
    assert ":root" not in css and ".howtoctl {" in css
    assert "@media (prefers-color-scheme: dark) {\n.howtoctl {" in css
    assert css.count("{") == css.count("}")


@pytest.mark.parametrize(
    "statuses, proved, text",
    [
        ([], True, "none of its hunks changes code"),
        (["not-counted"], True, "none of its hunks changes code"),
        (["not-run", "not-run"], False, "its own smoke test failed"),
        (["unproved", "proved"], False, "not proved yet"),
        (["proved", "survived"], False, "1 of 2 code hunks survived"),
        (["proved", "weak"], False, "1 of 2 code hunks weak: no test of its own fails"),
        (["weak", "survived"], False, "1 of 2 code hunks survived, 1 weak"),
        (["proved", "exempt", "not-counted"], True, "any of its 1 tested code hunk fails"),
        (["exempt"], True, "nothing for its tests to prove: its 1 code hunk is exempt"),
    ],
)
def test_proof_status(statuses, proved, text):
    got = proof_summary.status([(s, "") for s in statuses], "")
    assert got[0] is proved and text in got[1], got
    if statuses == ["exempt"]:
        assert "fails its tests" not in got[1]


def _alpha_record(r, status, **extra):
    from howtoctl.model import counted_hunks, patch

    diff = r.read("howtos/diffs/alpha.diff").encode()
    (h,) = counted_hunks.classify(patch.parse(diff).files, {})
    record = {
        "name": "alpha",
        "diff_sha256": hashlib.sha256(diff).hexdigest(),
        "proved_on": "8 CPU devices",
        "hunks": [{"file": h.file, "header": h.header, "status": status, **extra}],
    }
    r.write("howtos/proofs/alpha.json", json.dumps(record))


@pytest.mark.parametrize(
    "status, manifest_exempt, shown",
    [
        ("exempt", False, "not proved yet"),  # the exemption was taken out of the manifest
        (["x"], False, "not proved yet"),  # a malformed record does not break the build
        ("not-run", False, "its own smoke test failed"),
        ("proved", False, "proved on 8 CPU devices: taking out any of its 1 tested code hunk"),
        ("survived", True, "nothing for its tests to prove: its 1 code hunk is exempt"),
        ("weak", False, "not proved (1 of 1 code hunk weak"),
    ],
)
def test_directive_agrees_with_render(docs, repo_with_howto, status, manifest_exempt, shown):
    r = repo_with_howto
    _alpha_record(r, status)
    if manifest_exempt:
        r.write(
            "howtos/manifest.toml",
            r.read("howtos/manifest.toml")
            + '\n[[howtos.alpha.exempt]]\nfile = "ex/train.py"\nmatch = "line 5"\n'
            'reason = "a log line"\n',
        )
    code, out = _build(docs)
    assert code == 0
    # The summary line above the diff (each hunk's own line, below, is render's).
    (summary,) = re.findall(r'<p class="proof[^"]*">(.*?)</p>', (out / "index.html").read_text())
    assert shown in summary


def test_the_maintenance_directive_embeds_each_howtos_cost(docs):
    (docs / "index.rst").write_text(INDEX + "\n.. howto-maintenance::\n")
    code, out = _build(docs)
    assert code == 0
    page = (out / "index.html").read_text()
    assert 'class="howtoctl howtoctl-maintenance' in page and "maintenance-table" in page
    assert "<th scope=row>alpha</th>" in page and "<h1>Maintenance</h1>" not in page
    code, out = _build(docs, "text")
    assert code == 0
    assert "alpha: cost 0, 0 base moves" in (out / "index.txt").read_text()
