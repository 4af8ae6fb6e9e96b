"""The site's maintenance page and the index's cost column, from `howtoctl cost`'s figures."""

from __future__ import annotations

import json

from tests import htmlcheck
from tests.commands.cost_test import _hand_made


def test_the_maintenance_page_shows_each_howtos_cost_and_the_index_links_it(tmp_path, monkeypatch):
    r, _ = _hand_made(tmp_path, monkeypatch)
    costs = json.loads(r.cli("cost", "--json").out)
    site = tmp_path / "site"
    res = r.cli("render", "--out", str(site))
    assert res.code == 0, res
    pages = htmlcheck.read_site(site)
    assert htmlcheck.broken_links(site, pages) == []

    page = pages["maintenance.html"]
    (table,) = [t for t in page.tables if "maintenance-table" in t.classes]
    body = [row for row in table.rows if row.cells]
    assert len(body) == len(costs["howtos"]) == 1
    cells = [c.text.strip() for c in body[0].cells]
    # cost, base moves, still applied, broke it, human fixes, auto-resolved, days, commits
    assert cells[:7] == ["1", "1", "0", "1", "0", "0", "1.5"], cells
    assert cells[7] == str(costs["howtos"][0]["broken_commits"])
    assert any(tag == "img" and url.startswith("data:image/svg+xml") for tag, _, url in page.links)
    assert "broken" in page.text and "total cost 1" in page.text

    index = pages["index.html"]
    assert ("a", "href", "maintenance.html") in index.links
    assert "cost 1, broken now" in index.text


def test_a_render_of_the_same_history_reuses_its_plot(tmp_path, monkeypatch):
    r, _ = _hand_made(tmp_path, monkeypatch)
    site = tmp_path / "site"
    assert r.cli("render", "--out", str(site)).code == 0
    cache = r.path / ".git" / "howtoctl" / "maintenance-plot"
    key, _, svg = cache.read_bytes().partition(b"\n")
    assert svg.startswith(b"<?xml") and len(key) == 64
    # The same figures: the kept plot is used (marked here to tell it from a new drawing).
    cache.write_bytes(key + b"\n" + svg.replace(b"</svg>", b"<!--kept--></svg>"))
    assert r.cli("render", "--out", str(site)).code == 0
    assert "<!--kept-->" in _plot_of(site)
    # The history moved on: a new plot.
    r.write("notes.txt", "x\n")
    r.commit("unrelated")
    assert r.cli("render", "--out", str(site)).code == 0
    assert "<!--kept-->" not in _plot_of(site) and "<svg" in _plot_of(site)


def _plot_of(site) -> str:
    import base64
    import re

    page = (site / "maintenance.html").read_text()
    (data,) = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    return base64.b64decode(data).decode()


def test_the_page_is_there_only_with_figures():
    from howtoctl.site import pages

    assert "maintenance.html" not in pages.render_site(pages.SiteSource(howtos=[])).pages
    doc = {"base": "main", "range": {"commits": 0}, "howtos": [], "total": {}}
    written = pages.render_site(pages.SiteSource(howtos=[], cost=doc)).pages
    assert (
        "Maintenance" in written["maintenance.html"] and "maintenance.html" in written["index.html"]
    )
