"""Markdown to HTML for the maintainer guide: markdown-it-py (CommonMark + tables).

Raw HTML in the markdown is escaped, not passed through, and markdown-it refuses
`javascript:` and similar links. Headings get ids (slugs of their text) so that the guide can
link to its own sections, and fenced code is highlighted with pygments.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

from howtoctl.site import highlight


def slug(text: str) -> str:
    """GitHub-like anchor: lower case, punctuation dropped, spaces to '-'."""
    s = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return re.sub(r" ", "-", s) or "section"


def _highlight_code(code: str, lang: str, _attrs) -> str:
    try:
        lexer = get_lexer_by_name(lang or "text", stripnl=False, ensurenl=True)
    except ClassNotFound:
        lexer = TextLexer(stripnl=False, ensurenl=True)
    lines = code.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return "\n".join(highlight.line_html(segs) for segs in highlight.lex_with(lines, lexer)) + "\n"


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "highlight": _highlight_code}).enable("table")


def to_html(text: str) -> tuple[str, str, list[tuple[int, str, str]]]:
    """(HTML, first heading's text, [(level, id, text) of every h2/h3]) for a markdown text."""
    md = _parser()
    tokens = md.parse(text)
    title = ""
    toc = []
    used: dict[str, int] = {}
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        inline = tokens[i + 1]
        plain = "".join(
            c.content for c in (inline.children or []) if c.type in ("text", "code_inline")
        )
        base = slug(plain)
        n = used.get(base, 0)
        used[base] = n + 1
        anchor = base if n == 0 else f"{base}-{n}"
        tok.attrSet("id", anchor)
        level = int(tok.tag[1])
        if level == 1 and not title:
            title = plain
        elif level in (2, 3):
            toc.append((level, anchor, plain))
    return md.renderer.render(tokens, md.options, {}), title, toc
