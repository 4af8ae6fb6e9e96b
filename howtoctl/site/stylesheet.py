"""The site's stylesheet: inline in every page (no file is fetched), light and dark, with the
highlighter's token colours."""

from __future__ import annotations

import functools

from howtoctl.site import highlight

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
