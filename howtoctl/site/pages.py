"""The HOWTOs site: an index page, one side-by-side page per HOWTO, and the maintainer guide.

`render_site(SiteSource) -> Site` is pure: it takes the diffs and metadata as values and
returns every page as a string. Pages are self-contained: CSS inline, no scripts, fonts or
images from anywhere (a Content-Security-Policy forbids them), so the site works offline from
file:// and HOWTO text cannot run code in a reader's browser. Everything taken from the
repository is escaped.
"""

from __future__ import annotations

import dataclasses
import html
import string
from collections.abc import Mapping, Sequence

from howtoctl.model import config, init_templates
from howtoctl.model import patch as patch_mod
from howtoctl.site import filediff, links, maintenance, markdown, sidebyside, stylesheet, unified
from howtoctl.site import results as results_mod

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
    # path -> text on the base
    old_sources: Mapping[str, str] = dataclasses.field(default_factory=dict)
    proofs: Sequence[tuple[str, str]] = ()  # each hunk's (status, text), in diff order
    results: bytes | None = None  # howtos/results/NAME.json, when committed
    plot: bytes | None = None  # howtos/results/NAME.svg


@dataclasses.dataclass(frozen=True)
class SiteSource:
    howtos: Sequence[HowtoSource]
    base: str = "main"
    base_commit: str = ""
    branch_prefix: str = config.DEFAULT_PREFIX
    diff_dir: str = config.DEFAULT_DIFF_DIR
    remote_url: str | None = None
    guide: str | None = None  # the maintainer guide's markdown
    guide_path: str = init_templates.GUIDE
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


def meta_html(h: RenderedHowto, *, on_index: bool, on_site: bool = True) -> str:
    """The line under a HOWTO's summary: its counts, files, example, a link to its other view
    (on the site only; not where another page embeds it, as the Sphinx directive does) and its
    compare view."""
    items = [counts_html(h.added, h.removed), esc(_files_label(len(h.files)))]
    if h.example:
        items.append(f"example <code>{esc(h.example)}</code>")
    if on_site and on_index and h.page:
        items.append(f'<a href="{esc(h.page)}">Side by side</a>')
    if on_site and not on_index:
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
        css=stylesheet.stylesheet(),
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
