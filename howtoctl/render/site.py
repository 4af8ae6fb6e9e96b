"""The HOWTOs site: an index page, one side-by-side page per HOWTO, and the maintainer guide.

`render_site(SiteSource) -> Site` is pure: it takes the diffs and metadata as values and
returns every page as a string. Pages are self-contained: CSS inline, no scripts, fonts or
images from anywhere (a Content-Security-Policy forbids them), so the site works offline from
file:// and HOWTO text cannot run code in a reader's browser. Everything taken from the
repository is escaped.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import string
from collections.abc import Mapping, Sequence

from howtoctl import patch as patch_mod
from howtoctl.render import filediff, highlight, links, maintenance, markdown, sidebyside, unified
from howtoctl.render import results as results_mod

INDEX = "index.html"
GUIDE = "maintaining.html"
MAINTENANCE = maintenance.PAGE
# A HOWTO named like one of the site's own pages gets a '_' after its name, which no HOWTO
# name can end with, so the result never collides with another HOWTO's page.
_RESERVED = {"index", "maintaining", "maintenance"}
MINUS = "\u2212"


@dataclasses.dataclass(frozen=True)
class HowtoSource:
    name: str
    diff: bytes
    title: str = ""
    summary: str = ""
    example: str = ""
    old_sources: Mapping[str, str] = dataclasses.field(
        default_factory=dict
    )  # path -> text on the base
    proofs: Sequence[tuple[str, str]] = ()  # each hunk's (status, text), in diff order
    results: bytes | None = None  # howtos/results/NAME.json, when committed
    plot: bytes | None = None  # howtos/results/NAME.svg


@dataclasses.dataclass(frozen=True)
class SiteSource:
    howtos: Sequence[HowtoSource]
    base: str = "main"
    base_commit: str = ""
    branch_prefix: str = "howto/"
    diff_dir: str = "howtos/diffs"
    remote_url: str | None = None
    guide: str | None = None  # the maintainer guide's markdown
    guide_path: str = "howtos/MAINTAINING.md"
    project: str = ""  # shown in titles when no remote names the repository
    cost: dict | None = None  # `howtoctl cost --json`'s document: the maintenance page
    cost_plot: bytes | None = None  # its plot (SVG)


@dataclasses.dataclass(frozen=True)
class RenderedHowto:
    name: str
    title: str
    summary: str
    example: str
    files: tuple[filediff.FileView, ...]
    added: int
    removed: int
    error: str | None  # why the diff is broken, if it is
    compare: str | None
    proofs: tuple[tuple[tuple[str, str], ...], ...] = ()  # per file, each hunk's proof
    results: str = ""  # the real-data results section's HTML

    def tables(self, file_table) -> list[str]:
        """Each file's block, its table made by `file_table(fv, proofs)`."""
        return [
            file_block(fv, file_table(fv, self.proofs[i] if i < len(self.proofs) else ()))
            for i, fv in enumerate(self.files)
        ]

    @property
    def page(self) -> str | None:
        return None if self.error else page_name(self.name)


@dataclasses.dataclass(frozen=True)
class Site:
    pages: dict[str, str]  # file name -> HTML
    broken: list[tuple[str, str]]  # (HOWTO name, reason)


def page_name(name: str) -> str:
    return f"{name}_.html" if name in _RESERVED else f"{name}.html"


def anchor(name: str) -> str:
    return f"howto-{name}"


def esc(text: str) -> str:
    return html.escape(text, quote=True)


# -- preparing ---------------------------------------------------------------------------------


def prepare(h: HowtoSource, src: SiteSource) -> RenderedHowto:
    web = links.web_url(src.remote_url)
    compare = links.compare_url(web, src.base, src.branch_prefix + h.name)
    title = h.title.strip() or h.name
    try:
        p = patch_mod.parse(h.diff)
    except patch_mod.PatchError as e:
        return RenderedHowto(h.name, title, h.summary, h.example, (), 0, 0, e.message, compare)
    files = tuple(filediff.file_view(fp, h.old_sources.get(fp.old_path or "")) for fp in p.files)
    proofs, i = [], 0
    for fp in p.files:
        proofs.append(tuple(h.proofs[i : i + len(fp.hunks)]))
        i += len(fp.hunks)
    return RenderedHowto(
        h.name,
        title,
        h.summary,
        h.example,
        files,
        p.added,
        p.removed,
        None,
        compare,
        tuple(proofs),
        results_mod.results_html(h.results, h.plot),
    )


# -- pieces ------------------------------------------------------------------------------------


def counts_html(added: int, removed: int) -> str:
    return (
        f'<span class="counts" title="{added} added, {removed} removed lines">'
        f'<span class="plus">+{added}</span> <span class="minus">{MINUS}{removed}</span></span>'
    )


def _files_label(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"


def _compare_label(url: str) -> str:
    return "Compare on GitHub" if url.startswith("https://github.com/") else "Compare view"


def get_commands(h: RenderedHowto, src: SiteSource) -> str:
    branch = src.branch_prefix + h.name
    diff = f"{src.diff_dir.rstrip('/')}/{h.name}.diff"
    return (
        '<pre class="get"><code>'
        f"git checkout {esc(branch)}\n"
        f'<span class="c"># or, on a branch of your own:</span>\n'
        f"git apply --3way {esc(diff)}"
        "</code></pre>"
    )


_BADGES = {"new": "new file", "deleted": "deleted", "renamed": "renamed", "mode": "mode change"}


def file_head(fv: filediff.FileView) -> str:
    parts = []
    if fv.status == "renamed":
        parts.append(
            f'<span class="path">{esc(fv.old_path or "")} &rarr; {esc(fv.new_path or "")}</span>'
        )
    else:
        parts.append(f'<span class="path">{esc(fv.path)}</span>')
    if fv.status in _BADGES:
        parts.append(f'<span class="badge">{_BADGES[fv.status]}</span>')
    parts.append(counts_html(fv.added, fv.removed))
    for note in fv.notes:
        parts.append(f'<span class="note">{esc(note)}</span>')
    return '<div class="file-head">' + " ".join(parts) + "</div>"


def file_block(fv: filediff.FileView, table: str) -> str:
    body = f'<div class="scroll">{table}</div>' if table else ""
    return f'<div class="file">{file_head(fv)}{body}</div>'


def broken_html(reason: str) -> str:
    return f'<p class="broken"><strong>broken:</strong> {esc(reason)}</p>'


def meta_html(h: RenderedHowto, *, on_index: bool) -> str:
    items = [counts_html(h.added, h.removed), esc(_files_label(len(h.files)))]
    if h.example:
        items.append(f"example <code>{esc(h.example)}</code>")
    if on_index and h.page:
        items.append(f'<a href="{esc(h.page)}">Side by side</a>')
    if not on_index:
        items.append(f'<a href="{INDEX}#{esc(anchor(h.name))}">Unified view</a>')
    if h.compare:
        items.append(
            f'<a class="external" href="{esc(h.compare)}" rel="noopener noreferrer">'
            f"{_compare_label(h.compare)}&nbsp;&#8599;</a>"
        )
    return '<p class="meta">' + "".join(f"<span>{i}</span>" for i in items) + "</p>"


# -- pages -------------------------------------------------------------------------------------

_PAGE = string.Template(
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="howtoctl render">
<title>$title</title>
<style>
$css</style>
</head>
<body class="$body_class">
<header class="top"><nav aria-label="Site">$nav</nav></header>
<main>
$content
</main>
<footer>$footer</footer>
</body>
</html>
"""
)


def _nav(src: SiteSource, current: str) -> str:
    label = links.repo_label(links.web_url(src.remote_url)) or src.project
    items = [f'<a class="brand" href="{INDEX}">{esc(label) + " " if label else ""}HOWTOs</a>']
    entries = [(INDEX, "All HOWTOs")]
    if src.guide is not None:
        entries.append((GUIDE, "Maintaining HOWTOs"))
    if src.cost is not None:
        entries.append((MAINTENANCE, "Maintenance"))
    for href, text in entries:
        cur = ' aria-current="page"' if href == current else ""
        items.append(f'<a href="{href}"{cur}>{text}</a>')
    return "".join(items)


def _footer(src: SiteSource) -> str:
    at = f" at <code>{esc(src.base_commit[:12])}</code>" if src.base_commit else ""
    return f"Generated by <code>howtoctl render</code> from <code>{esc(src.base)}</code>{at}."


def page(src: SiteSource, current: str, title: str, content: str, wide: bool = False) -> str:
    return _PAGE.substitute(
        title=esc(title),
        css=stylesheet(),
        nav=_nav(src, current),
        body_class="wide" if wide else "page",
        content=content,
        footer=_footer(src),
    )


def intro_html(src: SiteSource, howtos: Sequence[RenderedHowto]) -> str:
    prefix, diff_dir = esc(src.branch_prefix), esc(src.diff_dir.rstrip("/"))
    guide = (
        f' To write or update one, see <a href="{GUIDE}">Maintaining HOWTOs</a>.'
        if src.guide is not None
        else ""
    )
    return f"""<h1>HOWTOs</h1>
<p class="lede">Each HOWTO is a small, readable change to one of the examples that shows how to do
one thing. It is kept as a diff against the examples on the <code>{esc(src.base)}</code> branch and
updated whenever the examples change, so it always applies.{guide}</p>
<section class="getting" aria-labelledby="getting">
<h2 id="getting">Getting a HOWTO</h2>
<p>Every HOWTO is both a branch and a diff file. Check out its branch to get the example with the
change made:</p>
<pre><code>git checkout {prefix}NAME</code></pre>
<p>or apply its diff to your own branch (<code>--3way</code> merges it if your copy of the example
has changed too):</p>
<pre><code>git apply --3way {diff_dir}/NAME.diff</code></pre>
</section>"""


def toc_html(howtos: Sequence[RenderedHowto], costs: Mapping[str, dict] | None = None) -> str:
    if not howtos:
        return '<p class="empty-note">No HOWTOs yet.</p>'
    items = []
    for h in howtos:
        state = (
            '<span class="broken-tag">broken</span>' if h.error else counts_html(h.added, h.removed)
        )
        row = (costs or {}).get(h.name)
        cost = (
            f' <a class="toc-cost" href="{MAINTENANCE}">{esc(maintenance.cost_label(row))}</a>'
            if row
            else ""
        )
        summary = f'<span class="toc-summary">{esc(h.summary)}</span>' if h.summary else ""
        items.append(
            f'<li><a href="#{esc(anchor(h.name))}">{esc(h.title)}</a> {state}{cost}{summary}</li>'
        )
    return (
        '<nav class="toc" aria-labelledby="contents"><h2 id="contents">'
        f'All HOWTOs <span class="count">{len(howtos)}</span></h2><ul>'
        + "".join(items)
        + "</ul></nav>"
    )


# The index shows each HOWTO's diff inline only up to this many changed lines; a larger one is
# linked to its own page, so that one huge diff cannot make the index page huge.
INDEX_INLINE_LINES = 1500


def howto_section(h: RenderedHowto, src: SiteSource) -> str:
    parts = [
        f'<section class="howto" id="{esc(anchor(h.name))}">',
        f'<h2><a class="self" href="#{esc(anchor(h.name))}">{esc(h.title)}</a></h2>',
    ]
    if h.title != h.name:
        parts.append(f'<p class="name"><code>{esc(h.name)}</code></p>')
    if h.summary:
        parts.append(f'<p class="summary">{esc(h.summary)}</p>')
    if h.error:
        parts.append(broken_html(h.error))
    else:
        parts.append(meta_html(h, on_index=True))
        parts.append(get_commands(h, src))
        if h.added + h.removed > INDEX_INLINE_LINES:
            parts.append(
                f'<p class="large">A large diff ({h.added + h.removed:,} changed lines): '
                f'see it <a href="{esc(h.page or "")}">on its own page</a>.</p>'
            )
        else:
            parts.extend(h.tables(unified.file_table))
    parts.append("</section>")
    return "\n".join(parts)


def index_page(src: SiteSource, howtos: Sequence[RenderedHowto]) -> str:
    content = "\n".join(
        [
            intro_html(src, howtos),
            toc_html(howtos, maintenance.rows_by_name(src.cost)),
            *(howto_section(h, src) for h in howtos),
        ]
    )
    return page(src, INDEX, "HOWTOs", content)


def howto_page(h: RenderedHowto, src: SiteSource) -> str:
    parts = [
        f'<p class="crumbs"><a href="{INDEX}">HOWTOs</a> &rsaquo; <code>{esc(h.name)}</code></p>',
        f"<h1>{esc(h.title)}</h1>",
    ]
    if h.summary:
        parts.append(f'<p class="summary">{esc(h.summary)}</p>')
    parts.append(meta_html(h, on_index=False))
    parts.append(get_commands(h, src))
    if h.results:
        parts.append(h.results)
    parts.extend(h.tables(sidebyside.file_table))
    return page(src, h.page or "", f"{h.title} - HOWTOs", "\n".join(parts), wide=True)


def guide_page(src: SiteSource) -> str:
    body, title, toc = markdown.to_html(src.guide or "")
    contents = ""
    if toc:
        items = "".join(
            f'<li class="l{level}"><a href="#{esc(a)}">{esc(text)}</a></li>'
            for level, a, text in toc
        )
        contents = f'<nav class="guide-toc" aria-label="Contents"><ul>{items}</ul></nav>'
    source = f'<p class="source">From <code>{esc(src.guide_path)}</code>.</p>'
    content = f'<div class="guide">{contents}<article class="prose">{body}{source}</article></div>'
    return page(src, GUIDE, (title or "Maintaining HOWTOs") + " - HOWTOs", content)


def render_site(src: SiteSource) -> Site:
    """Every page of the site, and the HOWTOs whose diffs are broken."""
    howtos = [prepare(h, src) for h in src.howtos]
    pages = {INDEX: index_page(src, howtos)}
    for h in howtos:
        if h.page:
            pages[h.page] = howto_page(h, src)
    if src.guide is not None:
        pages[GUIDE] = guide_page(src)
    if src.cost is not None:
        page_of = {h.name: h.page for h in howtos if h.page}
        content = maintenance.maintenance_html(src.cost, src.cost_plot, page_of)
        pages[MAINTENANCE] = page(src, MAINTENANCE, "Maintenance - HOWTOs", content, wide=True)
    return Site(pages, [(h.name, h.error) for h in howtos if h.error])


# -- style -------------------------------------------------------------------------------------

_CSS = """
:root {
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --subtle: #f6f8fa;
  --link: #0969da; --code-bg: #eff2f5;
  --add-bg: #e6ffec; --add-num: #ccffd8; --add-word: #abf2bc;
  --del-bg: #ffebe9; --del-num: #ffd7d5; --del-word: #ffc1bc;
  --hunk-bg: #ddf4ff; --hunk-fg: #3b4651; --empty-bg: #f3f5f7;
  --plus: #1a7f37; --minus: #cf222e; --broken-bg: #ffebe9; --broken-fg: #82071e;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans",
    "DejaVu Sans", Helvetica, Arial, sans-serif;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono",
    "DejaVu Sans Mono", monospace;
}
.results { margin: 1.2rem 0; }
.results-plot { max-width: 100%; height: auto; background: #fff; border: 1px solid var(--border);
  border-radius: 6px; }
table.results-table { border-collapse: collapse; margin: .6rem 0; font-size: .9rem; }
table.results-table th, table.results-table td { border: 1px solid var(--border);
  padding: .2rem .6rem; text-align: right; }
table.results-table th[scope=row] { text-align: left; font-weight: normal; }
table.results-table caption { caption-side: bottom; color: var(--muted); font-size: .8rem;
  text-align: left; padding-top: .3rem; }
.results-how { color: var(--muted); font-size: .85rem; }
.table-scroll { overflow-x: auto; }
table.maintenance-table th[scope=col] { text-align: right; font-size: .8rem; }
table.maintenance-table td.cost { font-weight: 600; }
.toc .toc-cost { font-size: .85rem; color: var(--muted); }
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --subtle: #151b23;
    --link: #4493f8; --code-bg: #212830;
    --add-bg: rgba(46, 160, 67, .15); --add-num: rgba(63, 185, 80, .3); --add-word: rgba(46, 160, 67, .45);
    --del-bg: rgba(248, 81, 73, .12); --del-num: rgba(248, 81, 73, .3); --del-word: rgba(248, 81, 73, .45);
    --hunk-bg: rgba(56, 139, 253, .15); --hunk-fg: #b7bdc8; --empty-bg: #161b22;
    --plus: #3fb950; --minus: #f85149; --broken-bg: rgba(248, 81, 73, .15); --broken-fg: #ffa198;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.5 var(--sans); }
a { color: var(--link); text-decoration: none; }
a:hover, a:focus-visible { text-decoration: underline; }
.top { background: var(--subtle); border-bottom: 1px solid var(--border); }
.top nav, main, footer { max-width: 1040px; margin: 0 auto; padding-left: 1.5rem; padding-right: 1.5rem; }
body.wide .top nav, body.wide main, body.wide footer { max-width: 1600px; }
.top nav { display: flex; flex-wrap: wrap; gap: .25rem 1.5rem; align-items: baseline; padding-top: .75rem; padding-bottom: .75rem; }
.top .brand { color: var(--fg); font-weight: 600; margin-right: auto; }
.top a[aria-current] { color: var(--fg); font-weight: 600; }
main { padding-top: .5rem; padding-bottom: 3rem; }
footer { color: var(--muted); font-size: .875rem; border-top: 1px solid var(--border); padding-top: 1rem; padding-bottom: 2rem; }
h1 { font-size: 2rem; line-height: 1.25; margin: 1.25rem 0 .5rem; }
h2 { font-size: 1.5rem; line-height: 1.25; margin: 2.5rem 0 .75rem; padding-bottom: .3rem; border-bottom: 1px solid var(--border); }
h3 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; }
code, pre { font-family: var(--mono); font-size: .875rem; }
:not(pre) > code { background: var(--code-bg); border-radius: 6px; padding: .1em .4em; font-size: .85em; overflow-wrap: anywhere; }
pre { background: var(--subtle); border: 1px solid var(--border); border-radius: 6px; padding: .75rem 1rem; overflow-x: auto; line-height: 1.45; }
pre code { background: none; padding: 0; }
pre.get { margin: .75rem 0; }
pre .c { color: var(--muted); }
.lede { font-size: 1.125rem; color: var(--muted); max-width: 48rem; }
.getting p { max-width: 48rem; }
.counts { font-family: var(--mono); font-size: .85rem; white-space: nowrap; }
.plus { color: var(--plus); font-weight: 600; }
.minus { color: var(--minus); font-weight: 600; }
.toc ul { list-style: none; margin: 0; padding: 0; }
.toc li { display: flex; flex-wrap: wrap; gap: .1rem .75rem; align-items: baseline; padding: .5rem 0; border-bottom: 1px solid var(--border); }
.toc li > a { font-weight: 600; }
.toc .toc-summary { flex-basis: 100%; color: var(--muted); font-size: .925rem; }
h2 .count { color: var(--muted); font-weight: 400; font-size: 1rem; }
.howto { margin-top: 3rem; }
.howto h2 { margin-bottom: .25rem; }
.howto h2 a.self { color: inherit; }
.name { margin: .25rem 0; color: var(--muted); }
.summary { margin: .5rem 0; max-width: 48rem; }
.meta { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; align-items: baseline; color: var(--muted); font-size: .925rem; margin: .5rem 0; }
.crumbs { color: var(--muted); margin: 1rem 0 0; font-size: .925rem; }
.broken, .broken-tag { background: var(--broken-bg); color: var(--broken-fg); border-radius: 6px; }
.broken { padding: .6rem .9rem; font-family: var(--mono); font-size: .875rem; overflow-wrap: anywhere; }
.broken-tag { padding: 0 .5em; font-size: .8rem; font-weight: 600; }
.file { border: 1px solid var(--border); border-radius: 6px; margin: 1rem 0; overflow: hidden; background: var(--bg); }
.file-head { display: flex; flex-wrap: wrap; gap: .25rem .75rem; align-items: baseline; padding: .5rem .75rem; background: var(--subtle); font-family: var(--mono); font-size: .875rem; }
.file-head .path { font-weight: 600; overflow-wrap: anywhere; }
.file-head .badge { font-family: var(--sans); font-size: .75rem; border: 1px solid var(--border); border-radius: 2em; padding: 0 .6em; color: var(--muted); }
.file-head .note { color: var(--muted); }
.scroll { overflow-x: auto; border-top: 1px solid var(--border); }
table.diff { border-collapse: collapse; border-spacing: 0; width: 100%; font-family: var(--mono); font-size: .8125rem; line-height: 1.5; }
table.diff td { padding: 0 .5rem; vertical-align: top; }
td.num { width: 1%; min-width: 3.25em; text-align: right; color: var(--muted); white-space: nowrap; user-select: none; }
td.num::before { content: attr(data-n); }
td.sign { width: 1%; padding: 0 .15rem 0 .35rem !important; white-space: pre; user-select: none; }
td.sign::before { content: attr(data-s); }
table.unified td.src { white-space: pre; }
table.unified tr.add > td, table.split td.add { background: var(--add-bg); }
table.unified tr.del > td, table.split td.del { background: var(--del-bg); }
table.unified tr.add > td.num, table.split td.num.add { background: var(--add-num); }
table.unified tr.del > td.num, table.split td.num.del { background: var(--del-num); }
table.unified tr.add > td.sign { color: var(--plus); }
table.unified tr.del > td.sign { color: var(--minus); }
table.unified tr.add .chg, table.split td.add .chg { background: var(--add-word); border-radius: 2px; }
table.unified tr.del .chg, table.split td.del .chg { background: var(--del-word); border-radius: 2px; }
tr.meta > td { color: var(--muted); font-style: italic; }
tr.hunk > td { background: var(--hunk-bg); color: var(--hunk-fg); padding: .2rem .75rem; white-space: pre-wrap; overflow-wrap: anywhere; }
tr.hunk .section { color: var(--fg); }
tr.hunk .proof { float: right; margin-left: 1rem; padding: 0 .4rem; border-radius: 4px; font-size: .85em; border: 1px solid currentColor; }
tr.hunk .proof-proved { color: var(--plus); }
tr.hunk .proof-survived, tr.hunk .proof-weak { color: var(--minus); font-weight: 600; }
tr.hunk .proof-exempt, tr.hunk .proof-not-counted, tr.hunk .proof-unproved, tr.hunk .proof-not-applicable, tr.hunk .proof-not-run { color: var(--muted); }
td.empty { background: var(--empty-bg); }
/* No minimum width: in a narrower page (Sphinx's alabaster) the two code columns stay halves
   of the width there is and long lines wrap, rather than the right side scrolling away. */
table.split { table-layout: fixed; }
table.split col.c-num { width: 3.75em; }
table.split td.num { width: auto; min-width: 0; }
table.split td.src { white-space: pre-wrap; overflow-wrap: anywhere; }
table.split td.num.new { border-left: 1px solid var(--border); }
.guide { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem 2.5rem; }
.guide-toc ul { list-style: none; margin: 1.5rem 0 0; padding: .75rem 1rem; border: 1px solid var(--border); border-radius: 6px; background: var(--subtle); font-size: .925rem; }
.guide-toc li { padding: .15rem 0; }
.guide-toc li.l3 { padding-left: 1rem; }
.prose { max-width: 48rem; min-width: 0; }
.prose table { border-collapse: collapse; display: block; overflow-x: auto; margin: 1rem 0; }
.prose th, .prose td { border: 1px solid var(--border); padding: .35rem .75rem; text-align: left; vertical-align: top; }
.prose th { background: var(--subtle); }
.prose blockquote { margin: 1rem 0; padding: 0 1rem; color: var(--muted); border-left: .25rem solid var(--border); }
.prose .source { color: var(--muted); font-size: .875rem; margin-top: 3rem; }
@media (min-width: 1100px) {
  .guide { grid-template-columns: 15rem minmax(0, 1fr); }
  .guide-toc ul { position: sticky; top: 1rem; }
}
@media (max-width: 700px) {
  .top nav, main, footer { padding-left: .75rem; padding-right: .75rem; }
  h1 { font-size: 1.6rem; }
  h2 { font-size: 1.3rem; }
  table.diff { font-size: .75rem; }
  table.diff td { padding: 0 .3rem; }
  pre { padding: .6rem .75rem; }
  /* Too narrow for two columns: stack each row's old line above its new one, leaving out
     empty cells and the right-hand copy of context lines, which reads like a unified diff. */
  table.split, table.split tbody { display: block; min-width: 0; width: 100%; }
  table.split colgroup { display: none; }
  table.split tr { display: grid; grid-template-columns: 3em minmax(0, 1fr); }
  table.split tr.hunk > td { grid-column: 1 / -1; }
  table.split td.empty, table.split tr.ctx > td.new { display: none; }
  table.split td.num.new { border-left: 0; }
}
"""


@functools.cache
def stylesheet() -> str:
    return (
        _CSS.lstrip()
        + highlight.token_css([".src", ".prose pre"])
        + ".src .err, .prose pre .err { border: 0; }\n"
    )
