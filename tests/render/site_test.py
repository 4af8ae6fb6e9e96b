from howtoctl.render import site

DIFF = (
    b"diff --git a/ex/train.py b/ex/train.py\n"
    b"index 1111111..2222222 100644\n"
    b"--- a/ex/train.py\n"
    b"+++ b/ex/train.py\n"
    b"@@ -1,2 +1,2 @@ def main():\n"
    b" a = 1\n"
    b"-b = 2\n"
    b"+b = 3\n"
)


def test_page_names_never_collide_with_the_site_pages():
    assert site.page_name("polyak") == "polyak.html"
    assert site.page_name("index") == "index_.html"
    assert site.page_name("maintaining") == "maintaining_.html"
    src = site.SiteSource(
        howtos=[site.HowtoSource("index", DIFF), site.HowtoSource("maintaining", DIFF)],
        guide="# G\n",
    )
    pages = site.render_site(src).pages
    assert sorted(pages) == ["index.html", "index_.html", "maintaining.html", "maintaining_.html"]
    assert 'href="index_.html"' in pages["index.html"]


def test_broken_diffs_are_shown_and_reported():
    src = site.SiteSource(
        howtos=[site.HowtoSource("good", DIFF), site.HowtoSource("bad", DIFF[:-9])]
    )
    result = site.render_site(src)
    assert [name for name, _ in result.broken] == ["bad"]
    assert "bad.html" not in result.pages and "good.html" in result.pages
    index = result.pages["index.html"]
    assert "broken:</strong> " in index and "truncated" in index
    assert 'href="bad.html"' not in index


def test_no_guide_no_guide_page_or_link():
    pages = site.render_site(site.SiteSource(howtos=[site.HowtoSource("good", DIFF)])).pages
    assert "maintaining.html" not in pages
    assert "maintaining.html" not in pages["index.html"]


def test_no_remote_no_compare_link_and_empty_site():
    pages = site.render_site(
        site.SiteSource(howtos=[site.HowtoSource("good", DIFF)], remote_url="/srv/repo.git")
    ).pages
    assert "/compare/" not in pages["good.html"] and "Compare" not in pages["good.html"]
    empty = site.render_site(site.SiteSource(howtos=[])).pages
    assert "No HOWTOs yet" in empty["index.html"]


def test_output_is_deterministic():
    src = site.SiteSource(
        howtos=[site.HowtoSource("good", DIFF, title="T")], remote_url="git@github.com:o/r.git"
    )
    assert site.render_site(src).pages == site.render_site(src).pages


def test_hunk_sections_paths_and_metadata_are_escaped():
    diff = DIFF.replace(b"def main():", b'def main(x="<script>&"):').replace(
        b"ex/train.py", b"ex/<i>.py"
    )
    src = site.SiteSource(
        howtos=[site.HowtoSource("good", diff, title="<i>t</i>", summary="a & b", example="<ex>")],
        remote_url='git@github.com:o/r.git"onmouseover=x',
    )
    pages = site.render_site(src).pages
    for html in pages.values():
        assert "<script" not in html and "<i>" not in html and "<ex>" not in html
        assert "onmouseover" not in html
    assert "def main(x=&quot;&lt;script&gt;&amp;&quot;):" in pages["index.html"]
    assert "ex/&lt;i&gt;.py" in pages["good.html"] and "a &amp; b" in pages["good.html"]
