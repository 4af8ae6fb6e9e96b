from howtoctl.site import markdown
from tests import render_fixture


def test_headings_get_ids_and_a_table_of_contents():
    html, title, toc = markdown.to_html(
        "# Guide\n\n## Add a HOWTO\n\n### Step 1\n\n## Add a HOWTO\n\nSee [add](#add-a-howto).\n"
    )
    assert title == "Guide"
    assert toc == [
        (2, "add-a-howto", "Add a HOWTO"),
        (3, "step-1", "Step 1"),
        (2, "add-a-howto-1", "Add a HOWTO"),
    ]
    assert '<h2 id="add-a-howto">' in html and '<h2 id="add-a-howto-1">' in html
    assert '<a href="#add-a-howto">add</a>' in html


def test_raw_html_and_script_links_are_not_passed_through():
    html, _, _ = markdown.to_html(
        '<script>alert(1)</script>\n\n[x](javascript:alert(1)) <b onclick="x">b</b>\n'
    )
    assert "<script" not in html and "<b " not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_code_blocks_and_tables():
    html, _, _ = markdown.to_html(
        "```python\nx = '<'\n```\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n```nosuchlang\n<&>\n```\n"
    )
    assert '<span class="n">x</span>' in html and "&#x27;&lt;&#x27;" not in html and "&lt;" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert "&lt;&amp;&gt;" in html


def test_the_maintainer_guide_covers_every_task():
    text = render_fixture.GUIDE.read_text()
    _html, title, toc = markdown.to_html(text)
    assert title
    for command in (
        "howtoctl new",
        "howtoctl save",
        "howtoctl rebase-all",
        "howtoctl resolve NAME --continue",
        "howtoctl resolve NAME --abort",
        "howtoctl undo",
        "howtoctl check",
        "howtoctl restore",
    ):
        assert command in text, command
    assert len(toc) >= 8
