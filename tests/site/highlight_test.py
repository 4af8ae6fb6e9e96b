from howtoctl.site import highlight


def test_lines_are_lexed_as_one_text():
    lines = ['x = """first', "not code: def if", 'end"""', "y = 1"]
    segs = highlight.lex_lines(lines, "a/train.py")
    assert len(segs) == 4
    assert all(cls.startswith("s") for cls, _ in segs[1])  # inside the string
    assert ("k", "def") not in segs[1]
    assert segs[3][0] == ("n", "y")
    for line, s in zip(lines, segs, strict=True):
        assert "".join(t for _, t in s) == line


def test_blank_and_leading_blank_lines_are_kept():
    lines = ["", "", "import os", "", "  x = 1", ""]
    segs = highlight.lex_lines(lines, "m.py")
    assert ["".join(t for _, t in s) for s in segs] == lines


def test_unknown_file_types_are_plain_text():
    segs = highlight.lex_lines(["<b>hi</b>", "x"], "weird.unknownext")
    assert segs == [(("", "<b>hi</b>"),), (("", "x"),)]
    assert highlight.lexer_for("Makefile").name != "Text only"


def test_line_html_escapes_and_marks():
    segs = (("k", "return"), ("", " "), ("n", "a<b"), ("o", "&"))
    html = highlight.line_html(segs, [(7, 10)])
    assert html == (
        '<span class="k">return</span> <span class="n chg">a&lt;b</span><span class="o">&amp;</span>'
    )
    # A mark cutting through segments splits them.
    html = highlight.line_html((("n", "abcdef"),), [(2, 4)])
    assert html == '<span class="n">ab</span><span class="n chg">cd</span><span class="n">ef</span>'
    assert highlight.line_html((("", '"<script>"'),)) == '"&lt;script&gt;"'
    assert highlight.line_html(()) == ""


def test_token_css_has_light_and_dark():
    css = highlight.token_css([".src"])
    assert ".src .k" in css and "@media (prefers-color-scheme: dark)" in css
