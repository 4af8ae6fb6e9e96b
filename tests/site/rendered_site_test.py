"""The rendered site as a whole: a fixture repository rendered, then read back with html.parser."""

import re
import subprocess

import pytest

from howtoctl.model import patch
from tests import htmlcheck, render_fixture
from tests.render_fixture import EX, add_howto

NASTY_TITLE = '<b>Bold</b> & "quoted" title'
NASTY_SUMMARY = "<img src=x onerror=alert(1)> summary"
NASTY_LINE = '  # <script>alert("pwned")</script> & </td></tr></table>'
NASTY_FILE = f"{EX}/a<b>&c.py"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The fixture repository plus a HOWTO full of HTML, rendered to site/."""
    repo = render_fixture.build(tmp_path_factory.mktemp("render") / "repo")
    add_howto(
        repo,
        "escaping",
        [
            (
                f"{EX}/train.py",
                "  return grads, loss, accuracy\n",
                f"{NASTY_LINE}\n  return grads, loss, accuracy\n",
            ),
            (NASTY_FILE, None, "x = '<!--'\n"),
        ],
        NASTY_TITLE,
        NASTY_SUMMARY,
    )
    res = repo.cli("render")
    assert res.code == 0, res
    site = repo.path / "site"
    return repo, site, htmlcheck.read_site(site)


def _names(repo):
    return sorted(p.stem for p in (repo.path / "howtos" / "diffs").glob("*.diff"))


def test_every_howto_is_in_the_index_with_a_page(rendered):
    repo, site, pages = rendered
    index = pages["index.html"]
    names = _names(repo)
    assert len(names) == 4
    for name in names:
        assert f"howto-{name}" in index.ids
        assert f"{name}.html" in pages
    for _, title, summary, _ in render_fixture.HOWTOS:
        assert title in index.text and summary in index.text
    assert "maintaining.html" in pages
    assert "Maintaining HOWTOs" in pages["maintaining.html"].text
    # HOWTOs come in manifest order.
    html = (site / "index.html").read_text()
    positions = [html.index(f'id="howto-{n}"') for n, *_ in render_fixture.HOWTOS]
    assert positions == sorted(positions)


def test_changed_line_counts_match_git(rendered):
    repo, site, pages = rendered
    html = (site / "index.html").read_text()
    for name in _names(repo):
        diff_path = repo.path / "howtos" / "diffs" / f"{name}.diff"
        numstat = subprocess.run(
            ["git", "apply", "--numstat", str(diff_path)],
            cwd=repo.path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        added = sum(int(line.split("\t")[0]) for line in numstat.splitlines())
        removed = sum(int(line.split("\t")[1]) for line in numstat.splitlines())
        section = html[html.index(f'id="howto-{name}"') :]
        m = re.search(
            r'<span class="plus">\+(\d+)</span> <span class="minus">\u2212(\d+)</span>', section
        )
        assert (int(m.group(1)), int(m.group(2))) == (added, removed), name
    # The unified tables have one row per changed line.
    total_add = sum(
        patch.parse((repo.path / "howtos/diffs" / f"{n}.diff").read_bytes()).added
        for n in _names(repo)
    )
    rows = [r for t in pages["index.html"].tables for r in t.rows]
    assert sum(1 for r in rows if "add" in r.classes) == total_add
    total_del = sum(
        patch.parse((repo.path / "howtos/diffs" / f"{n}.diff").read_bytes()).removed
        for n in _names(repo)
    )
    assert sum(1 for r in rows if "del" in r.classes) == total_del


def test_side_by_side_rows_are_aligned_and_complete(rendered):
    repo, _site, pages = rendered
    for name in _names(repo):
        p = patch.parse((repo.path / "howtos" / "diffs" / f"{name}.diff").read_bytes())
        tables = [t for t in pages[f"{name}.html"].tables if "split" in t.classes]
        files_with_hunks = [f for f in p.files if f.hunks]
        assert len(tables) == len(files_with_hunks)
        for fp, table in zip(files_with_hunks, tables, strict=True):
            old_seen, new_seen = [], []
            hunks = 0
            for row in table.rows:
                if "hunk" in row.classes:
                    hunks += 1
                    assert len(row.cells) == 1 and row.cells[0].attrs.get("colspan") == "4"
                    continue
                left = [c for c in row.cells if "old" in c.classes]
                right = [c for c in row.cells if "new" in c.classes]
                assert len(left) == len(right) == 2 and len(row.cells) == 4
                assert [c.classes[0] for c in row.cells] == ["num", "src", "num", "src"]
                for side, seen in ((left, old_seen), (right, new_seen)):
                    if "empty" in side[0].classes:
                        assert "empty" in side[1].classes and side[1].text == ""
                    else:
                        seen.append((int(side[0].attrs["data-n"]), side[1].text))
                if "change" in row.classes:
                    assert "del" in left[1].classes and "add" in right[1].classes
            assert hunks == len(fp.hunks)
            # Read down each side: exactly the old and the new lines of the hunks, numbered.
            want_old, want_new = [], []
            for h in fp.hunks:
                o, n = h.old_start, h.new_start
                for ln in h.lines:
                    text = ln[1:].decode()
                    if ln[:1] in (b" ", b"-"):
                        want_old.append((o, text))
                        o += 1
                    if ln[:1] in (b" ", b"+"):
                        want_new.append((n, text))
                        n += 1
            assert old_seen == want_old
            assert new_seen == want_new


def test_removed_run_pairs_with_following_added_run(rendered):
    _repo, site, pages = rendered
    table = [t for t in pages["warmup-cosine-schedule.html"].tables if "split" in t.classes][1]
    kinds = [r.classes[0] for r in table.rows]
    # def line, one-line docstring and `tx = ...` change against longer new text.
    assert kinds.count("change") >= 3
    first_change = kinds.index("change")
    row = table.rows[first_change]
    assert "def create_train_state(rng, config):" in row.cells[1].text
    assert "def create_train_state(rng, config, steps_per_epoch):" in row.cells[3].text
    html = (site / "warmup-cosine-schedule.html").read_text()
    assert (
        '<span class="p chg">,</span><span class="chg"> </span><span class="n chg">steps_per_epoch</span>'
        in html
    )


def test_html_is_escaped(rendered):
    _repo, site, pages = rendered
    for name in ("index.html", "escaping.html"):
        html = (site / name).read_text()
        assert "<script" not in html.lower()
        assert "<img" not in html.lower()
        assert "<b>Bold" not in html
        assert "&lt;script&gt;" in html
        text = pages[name].text
        assert NASTY_LINE.strip() in text
        assert NASTY_TITLE in text
        assert NASTY_FILE in text
    assert NASTY_SUMMARY in pages["index.html"].text
    # The HTML-looking diff line did not break the table structure.
    for t in pages["escaping.html"].tables:
        for row in t.rows:
            assert len(row.cells) in (1, 4)


def test_python_is_highlighted_inside_diff_lines(rendered):
    _repo, site, _pages = rendered
    html = (site / "polyak-averaging.html").read_text()
    # `class TrainState(...)` added: keyword and class name highlighted inside an added line.
    assert (
        '<td class="src new add"><span class="k">class</span> <span class="nc">TrainState</span>'
        in html
    )
    index = (site / "index.html").read_text()
    # A multi-line docstring, added line by line, is a string on every line (whole-text lexing).
    line = "  The learning rate warms up linearly from 0 for `config.warmup_epochs`, then"
    assert f'<td class="src"><span class="sd">{line}</span></td>' in index


def test_no_broken_links_and_nothing_external_loaded(rendered):
    _repo, site, pages = rendered
    assert htmlcheck.broken_links(site, pages) == []
    external = htmlcheck.external_links(pages)
    assert external  # the compare links
    for url in external:
        assert re.fullmatch(
            r"https://github\.com/example-org/examples/compare/main\.\.\.howto/[a-z0-9.-]+", url
        ), url
    for name, page in pages.items():
        assert "script" not in page.tags and "link" not in page.tags, name
        # The one image: the maintenance page's plot, inside the page (an <img> runs no script).
        images = [url for tag, _, url in page.links if tag == "img"]
        assert all(u.startswith("data:image/svg+xml;base64,") for u in images), name
        assert not images or name == "maintenance.html", name
        raw = (site / name).read_text()
        assert "Content-Security-Policy" in raw
        # Nothing fetched from anywhere: no url() in the CSS, no http(s) outside the compare links.
        assert "url(" not in raw
        for url in re.findall(r"https?://[^\s\"'<>]+", raw):
            assert url in external, (name, url)


def test_index_has_getting_instructions(rendered):
    _repo, _site, pages = rendered
    text = pages["index.html"].text
    assert "git checkout howto/NAME" in text
    assert "git apply --3way howtos/diffs/NAME.diff" in text
    assert "git checkout howto/polyak-averaging" in text
    assert "git apply --3way howtos/diffs/polyak-averaging.diff" in text
