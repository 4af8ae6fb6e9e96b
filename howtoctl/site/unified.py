"""A file's diff as a unified table: old and new line numbers, sign, highlighted code."""

from __future__ import annotations

import html
from collections.abc import Sequence

from howtoctl.site.filediff import FileView, HunkView

_SIGNS = {"ctx": " ", "del": "-", "add": "+", "meta": ""}


def _num(n: int | None) -> str:
    return "" if n is None else str(n)


# A hunk's proof as the site shows it: (status, text), e.g. ("proved", "proved by test_x").
Proof = tuple[str, str]


def hunk_header_html(h: HunkView, colspan: int, proof: Proof | None = None) -> str:
    section = f' <span class="section">{html.escape(h.section)}</span>' if h.section else ""
    label = (
        f' <span class="proof proof-{html.escape(proof[0])}">{html.escape(proof[1])}</span>'
        if proof
        else ""
    )
    return (
        f'<tr class="hunk"><td colspan="{colspan}">'
        f'<span class="range">{html.escape(h.header)}</span>{section}{label}</td></tr>'
    )


def file_table(fv: FileView, proofs: Sequence[Proof] = ()) -> str:
    """The <table> of one file (without the file header), or '' when it has no hunks.

    `proofs`: each hunk's proof, in order (none shown where missing)."""
    if not fv.hunks:
        return ""
    rows = []
    for i, h in enumerate(fv.hunks):
        rows.append(hunk_header_html(h, 4, proofs[i] if i < len(proofs) else None))
        for ln in h.lines:
            rows.append(
                f'<tr class="{ln.kind}">'
                f'<td class="num" data-n="{_num(ln.old_number)}"></td>'
                f'<td class="num" data-n="{_num(ln.new_number)}"></td>'
                f'<td class="sign" data-s="{_SIGNS[ln.kind]}"></td>'
                f'<td class="src">{ln.html}</td></tr>'
            )
    return (
        '<table class="diff unified">'
        '<colgroup><col class="c-num"><col class="c-num"><col class="c-sign"><col></colgroup>'
        "<tbody>" + "\n".join(rows) + "</tbody></table>"
    )
