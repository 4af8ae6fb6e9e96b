from howtoctl.site import pages

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
    assert pages.page_name("polyak") == "polyak.html"
    assert pages.page_name("index") == "index_.html"
    assert pages.page_name("maintaining") == "maintaining_.html"
    src = pages.SiteSource(
        howtos=[pages.HowtoSource("index", DIFF), pages.HowtoSource("maintaining", DIFF)],
        guide="# G\n",
    )
    written = pages.render_site(src).pages
    assert sorted(written) == ["index.html", "index_.html", "maintaining.html", "maintaining_.html"]
    assert 'href="index_.html"' in written["index.html"]


def test_broken_diffs_are_shown_and_reported():
    src = pages.SiteSource(
        howtos=[pages.HowtoSource("good", DIFF), pages.HowtoSource("bad", DIFF[:-9])]
    )
    result = pages.render_site(src)
    assert [name for name, _ in result.broken] == ["bad"]
    assert "bad.html" not in result.pages and "good.html" in result.pages
    index = result.pages["index.html"]
    assert "broken:</strong> " in index and "truncated" in index
    assert 'href="bad.html"' not in index


def test_no_guide_no_guide_page_or_link():
    written = pages.render_site(pages.SiteSource(howtos=[pages.HowtoSource("good", DIFF)])).pages
    assert "maintaining.html" not in written
    assert "maintaining.html" not in written["index.html"]


def test_no_remote_no_compare_link_and_empty_site():
    written = pages.render_site(
        pages.SiteSource(howtos=[pages.HowtoSource("good", DIFF)], remote_url="/srv/repo.git")
    ).pages
    assert "/compare/" not in written["good.html"] and "Compare" not in written["good.html"]
    empty = pages.render_site(pages.SiteSource(howtos=[])).pages
    assert "No HOWTOs yet" in empty["index.html"]


def test_output_is_deterministic():
    src = pages.SiteSource(
        howtos=[pages.HowtoSource("good", DIFF, title="T")], remote_url="git@github.com:o/r.git"
    )
    assert pages.render_site(src).pages == pages.render_site(src).pages


def test_hunk_sections_paths_and_metadata_are_escaped():
    diff = DIFF.replace(b"def main():", b'def main(x="<script>&"):').replace(
        b"ex/train.py", b"ex/<i>.py"
    )
    src = pages.SiteSource(
        howtos=[pages.HowtoSource("good", diff, title="<i>t</i>", summary="a & b", example="<ex>")],
        remote_url='git@github.com:o/r.git"onmouseover=x',
    )
    written = pages.render_site(src).pages
    for html in written.values():
        assert "<script" not in html and "<i>" not in html and "<ex>" not in html
        assert "onmouseover" not in html
    assert "def main(x=&quot;&lt;script&gt;&amp;&quot;):" in written["index.html"]
    assert "ex/&lt;i&gt;.py" in written["good.html"] and "a &amp; b" in written["good.html"]


def test_one_meta_line_for_the_site_and_for_a_page_that_embeds_a_howto():
    how = pages.HowtoSource("good", DIFF, example="ex")
    h = pages.prepare(how, pages.SiteSource(howtos=[how], remote_url="git@github.com:o/r.git"))
    on_index = pages.meta_html(h, on_index=True)
    embedded = pages.meta_html(h, on_index=False, on_site=False)
    assert 'href="good.html"' in on_index and "index.html" not in embedded
    # The same items, without the links to the site's other views.
    assert embedded == on_index.replace('<span><a href="good.html">Side by side</a></span>', "")
