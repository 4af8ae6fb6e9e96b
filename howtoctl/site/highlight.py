"""Syntax highlighting with pygments, one line at a time but lexed as whole text.

A diff shows lines, but a lexer needs the whole text: a line inside a triple-quoted string
looks like code on its own. So callers lex a whole side of a file (`lex_lines`) and get back,
per line, the (css class, text) segments that fall on it; `line_html` turns one line's
segments into escaped HTML, optionally marking character ranges (changed words).
"""

from __future__ import annotations

import functools
import html
import itertools
import posixpath
from collections.abc import Sequence

from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.lexers.special import TextLexer
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

Segment = tuple[str, str]  # (pygments css class or '', text)
Line = tuple[Segment, ...]

# The class marking changed words. Pygments' own classes are letters only, so a name of our
# own cannot collide with one.
CHANGED = "chg"
LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"
_LEXER_OPTIONS = {"stripnl": False, "stripall": False, "ensurenl": True, "tabsize": 0}


# The files examples are made of, by suffix. Asking pygments by file name also loads every
# installed plugin lexer (IPython's among them), which costs more than rendering a whole site,
# so it is only done for a name this table does not know.
_KNOWN_SUFFIXES = {
    ".py": "python",
    ".pyi": "python",
    ".md": "markdown",
    ".toml": "toml",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".ipynb": "json",
    ".cfg": "ini",
    ".ini": "ini",
    ".sh": "bash",
    ".txt": "text",
    ".rst": "rst",
    ".html": "html",
    ".css": "css",
    ".js": "javascript",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".proto": "protobuf",
}


@functools.cache
def lexer_for(path: str) -> Lexer:
    """A lexer chosen by file name; plain text when pygments knows none (or the name is odd)."""
    name = posixpath.basename(path)
    alias = _KNOWN_SUFFIXES.get(posixpath.splitext(name)[1].lower())
    try:
        if alias:
            return get_lexer_by_name(alias, **_LEXER_OPTIONS)
        return get_lexer_for_filename(name, **_LEXER_OPTIONS)
    except (ClassNotFound, ValueError):
        return TextLexer(**_LEXER_OPTIONS)


@functools.cache
def css_class(ttype) -> str:
    """The short class HtmlFormatter would use: that of the nearest standard parent type.

    Whitespace gets none: no style colours it, and it is most of the spans of indented code.
    """
    while ttype is not None:
        cls = STANDARD_TYPES.get(ttype)
        if cls is not None:
            return "" if cls == "w" else cls
        ttype = ttype.parent
    return ""


def lex_lines(lines: Sequence[str], path: str) -> list[Line]:
    """Lex `lines` (without newlines) as one text with the lexer for `path`; segments per line."""
    return list(_lex_cached(tuple(lines), posixpath.basename(path)))


@functools.lru_cache(maxsize=256)
def _lex_cached(lines: tuple[str, ...], name: str) -> tuple[Line, ...]:
    # HOWTOs on the same example share its base files: lex each of those once per run.
    return tuple(lex_with(lines, lexer_for(name)))


def lex_with(lines: Sequence[str], lexer: Lexer) -> list[Line]:
    """Lex `lines` (without newlines) as one text; return the segments of each line.

    Falls back to unhighlighted text for any line the tokens do not reproduce exactly, so the
    output always shows the input, whatever the lexer does.
    """
    if not lines:
        return []
    text = "\n".join(lines) + "\n"
    out: list[list[Segment]] = [[]]
    for ttype, value in lexer.get_tokens(text):
        cls = css_class(ttype)
        parts = value.split("\n")
        for i, part in enumerate(parts):
            if i:
                out.append([])
            if part:
                segs = out[-1]
                if segs and segs[-1][0] == cls:
                    segs[-1] = (cls, segs[-1][1] + part)
                else:
                    segs.append((cls, part))
    result: list[Line] = []
    for i, line in enumerate(lines):
        segs = out[i] if i < len(out) else []
        if "".join(t for _, t in segs) != line:
            segs = [("", line)] if line else []
        result.append(tuple(segs))
    return result


def plain(line: str) -> Line:
    return (("", line),) if line else ()


def line_html(segments: Line, marks: Sequence[tuple[int, int]] = ()) -> str:
    """Escaped HTML for one line; characters in `marks` ([start, end) ranges) get class `chg`."""
    parts = []
    pos = 0
    marks = sorted(m for m in marks if m[0] < m[1])
    for cls, text in segments:
        end = pos + len(text)
        # Cut this segment where a mark starts or ends.
        cuts = {pos, end}
        for a, b in marks:
            if a < end and b > pos:
                cuts.update(c for c in (a, b) if pos < c < end)
        bounds = sorted(cuts)
        for a, b in itertools.pairwise(bounds):
            piece = text[a - pos : b - pos]
            marked = any(ma <= a and b <= mb for ma, mb in marks)
            classes = " ".join(c for c in (cls, CHANGED if marked else "") if c)
            escaped = html.escape(piece, quote=False)
            parts.append(f'<span class="{classes}">{escaped}</span>' if classes else escaped)
        pos = end
    return "".join(parts)


def token_css(scopes: Sequence[str]) -> str:
    """Pygments colours inside `scopes` (CSS selectors): light by default, dark when preferred."""
    light = HtmlFormatter(style=LIGHT_STYLE).get_token_style_defs(list(scopes))
    dark = HtmlFormatter(style=DARK_STYLE).get_token_style_defs(list(scopes))
    return (
        "\n".join(light)
        + "\n@media (prefers-color-scheme: dark) {\n"
        + "\n".join("  " + rule for rule in dark)
        + "\n}\n"
    )
