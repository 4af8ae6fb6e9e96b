"""A file's diff side by side: old lines on the left, new on the right, in aligned rows.

Every row has the same four cells, two per side (number, code), so the two sides line up
whatever is missing: a side without a line gets empty cells of class `empty`.
"""

from __future__ import annotations

from collections.abc import Sequence

from howtoctl.site.filediff import Cell, FileView
from howtoctl.site.unified import Proof, hunk_header_html

# How each side of a row of each kind is coloured.
_SIDE_CLASS = {
    "ctx": ("ctx", "ctx"),
    "change": ("del", "add"),
    "del": ("del", "empty"),
    "add": ("empty", "add"),
}


def _cells(cell: Cell | None, side: str, cls: str) -> str:
    if cell is None:
        return f'<td class="num {side} empty"></td><td class="src {side} empty"></td>'
    return (
        f'<td class="num {side} {cls}" data-n="{cell.number}"></td>'
        f'<td class="src {side} {cls}">{cell.html}</td>'
    )


def file_table(fv: FileView, proofs: Sequence[Proof] = ()) -> str:
    """The side-by-side <table> of one file, or '' when it has no hunks (`proofs` as in
    `unified.file_table`)."""
    if not fv.hunks:
        return ""
    rows = []
    for i, h in enumerate(fv.hunks):
        rows.append(hunk_header_html(h, 4, proofs[i] if i < len(proofs) else None))
        for row in h.rows:
            left, right = _SIDE_CLASS[row.kind]
            rows.append(
                f'<tr class="{row.kind}">'
                + _cells(row.old, "old", left)
                + _cells(row.new, "new", right)
                + "</tr>"
            )
    return (
        '<table class="diff split">'
        '<colgroup><col class="c-num"><col class="c-src"><col class="c-num"><col class="c-src"></colgroup>'
        "<tbody>" + "\n".join(rows) + "</tbody></table>"
    )
