"""The site's maintenance page: what each HOWTO has cost to keep (pure).

Takes `howtoctl cost --json`'s document (see `howtoctl.cost.report`) and an optional SVG plot
of it (`cost_plot`), and returns the page's HTML; the index shows each HOWTO's cost from the
same document (`cost_label`).
"""

from __future__ import annotations

import base64
import datetime
import html

PAGE = "maintenance.html"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _date(t: int | None) -> str:
    if t is None:
        return "&ndash;"
    return datetime.datetime.fromtimestamp(t, datetime.UTC).strftime("%Y-%m-%d")


def rows_by_name(doc: dict | None) -> dict[str, dict]:
    if not doc:
        return {}
    return {r["name"]: r for r in doc.get("howtos", []) if isinstance(r, dict) and "name" in r}


def cost_label(row: dict) -> str:
    """A HOWTO's cost on the index: its cost, and whether its diff is broken now."""
    now = ", broken now" if row.get("broken_now") else ""
    return f"cost {row.get('cost', 0)}{now}"


def _lines(row: dict) -> str:
    lines = row.get("lines") or []
    if not lines:
        return "&ndash;"
    last = lines[-1]
    return f"{last['added'] + last['removed']:,}"


def _gate(row: dict) -> str:
    if row.get("smoke_seconds") is None:
        return "&ndash;"
    return f"{row['smoke_seconds']:.1f}&nbsp;s ({100 * (row.get('gate_share') or 0):.0f}%)"


_COLUMNS = (
    ("HOWTO", ""),
    ("cost", "human fixes, plus one if broken now"),
    ("base moves", "commits that changed a file the diff touches"),
    ("still applied", "base moves after which the diff still applied"),
    ("broke it", "base moves after which it no longer applied"),
    ("human fixes", "a person rewrote the diff after it broke"),
    ("auto-resolved", "rebase-all --auto-resolve mended it"),
    ("days broken", "from the break to the fix, by commit dates"),
    ("commits broken", "base commits from the break to the fix"),
    ("changed lines", "the diff's + and - lines now"),
    ("last human change", ""),
    ("smoke test", "share of the PR gate's HOWTO time"),
)


def maintenance_html(
    doc: dict, plot: bytes | None, page_of: dict[str, str], heading: bool = True
) -> str:
    """The page's content; `page_of`: {HOWTO name: its page} for those the site shows;
    `heading`: with its own <h1> (not where a documentation page has its own title)."""
    rng = doc.get("range") or {}
    total = doc.get("total") or {}
    head = "".join(
        f'<th scope=col title="{_esc(tip)}">{_esc(label)}</th>'
        if tip
        else f"<th scope=col>{label}</th>"
        for label, tip in _COLUMNS
    )
    body = []
    for r in doc.get("howtos", []):
        name = _esc(r["name"])
        link = f'<a href="{_esc(page_of[r["name"]])}">{name}</a>' if r["name"] in page_of else name
        state = ' <span class="broken-tag">broken</span>' if r.get("broken_now") else ""
        if r.get("awaiting_review"):
            state += f' <span class="toc-cost">auto-resolved ({_esc(r["awaiting_review"])}), awaiting review</span>'

        touch = r.get("last_human_touch") or {}
        cells = [
            f"<th scope=row>{link}{state}</th>",
            f'<td class="cost">{r["cost"]}</td>',
            *(
                f"<td>{r[k]}</td>"
                for k in ("base_moves", "moves_applying", "breaks", "human_fixes", "auto_resolved")
            ),
            f"<td>{r['broken_days']:.1f}</td>",
            f"<td>{r['broken_commits']}</td>",
            f"<td>{_lines(r)}</td>",
            f"<td>{_date(touch.get('time'))}</td>",
            f"<td>{_gate(r)}</td>",
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    parts = [
        "<h1>Maintenance</h1>" if heading else "",
        '<p class="lede">What each HOWTO has cost to keep, read from the history of '
        f"<code>{_esc(doc.get('base', ''))}</code>: {rng.get('commits', 0):,} commits from "
        f"{_date((rng.get('first') or {}).get('time'))} to {_date((rng.get('last') or {}).get('time'))}. "
        f"Cost is {_esc(doc.get('cost_definition', ''))}; the most costly come first.</p>",
        '<p class="meta maintenance-total">'
        f"<span>total cost {total.get('cost', 0)}</span>"
        f"<span>{total.get('breaks', 0)} breaks</span>"
        f"<span>{total.get('human_fixes', 0)} human fixes</span>"
        f"<span>{total.get('auto_resolved', 0)} auto-resolved</span>"
        f"<span>{total.get('broken_days', 0):.1f} days broken</span></p>",
    ]
    if plot:
        uri = "data:image/svg+xml;base64," + base64.b64encode(plot).decode("ascii")
        parts.append(
            f'<img class="results-plot maintenance-plot" src="{uri}" '
            "alt=\"Each HOWTO's changed lines over time; crosses mark base moves that broke it, "
            'circles the fixes">'
        )
    parts.append(
        '<div class="table-scroll"><table class="results-table maintenance-table">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )
    parts.append(
        '<p class="results-how">Made with <code>howtoctl cost</code>; '
        "<code>howtoctl cost --json</code> gives every break and fix.</p>"
    )
    return "\n".join(p for p in parts if p)


def maintenance_text(doc: dict) -> str:
    """The figures as plain text, for documentation builders other than HTML."""
    lines = [f"cost = {doc.get('cost_definition', '')}"]
    for r in doc.get("howtos", []):
        lines.append(
            f"{r['name']}: cost {r['cost']}, {r['base_moves']} base moves, {r['breaks']} broke it, "
            f"{r['human_fixes']} human fixes, {r['auto_resolved']} auto-resolved, "
            f"{r['broken_days']:.1f} days broken"
        )
    return "\n".join(lines)
