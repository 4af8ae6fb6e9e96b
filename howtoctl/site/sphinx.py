"""A Sphinx extension: the `howto` directive embeds a HOWTO in a project's own documentation.

    # conf.py
    extensions = ["howtoctl.sphinx"]          # with MyST too: ["myst_parser", "howtoctl.sphinx"]
    howtoctl_repository = ".."                # optional: the git repository (default: srcdir's)

    .. howto:: polyak-averaging               (reStructuredText)
       :view: side-by-side                    (or unified, the default)

    ```{howto} polyak-averaging               (MyST)
    :view: side-by-side
    ```

    .. howto-maintenance::                    what each HOWTO has cost to keep (`howtoctl cost`)

The diff is drawn by `howtoctl.site`, the code behind `howtoctl render`: the same HTML, and
the same CSS scoped to the embedded block (`_static/howtoctl.css`), with the HOWTO's title,
summary and proof status. Builders other than HTML get the diff as a literal block.
"""

from __future__ import annotations

import os
import re

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from howtoctl import __version__

CSS_FILE = "howtoctl.css"
SCOPE = ".howtoctl"
VIEWS = ("unified", "side-by-side")


def scoped_css(css: str, scope: str = SCOPE) -> str:
    """`css` with every rule limited to elements inside `scope` (its variables set on `scope`),
    so the page CSS of `howtoctl render` cannot restyle the rest of a documentation theme."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out: list[str] = []
    pos = 0
    while True:
        start = css.find("{", pos)
        if start < 0:
            break
        prelude = css[pos:start].strip()
        depth, end = 1, start + 1
        while depth:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        body = css[start + 1 : end - 1]
        if prelude.startswith("@"):
            out.append(f"{prelude} {{\n{scoped_css(body, scope)}}}\n")
        else:
            selectors = [s.strip() for s in prelude.split(",")]
            prefixed = ", ".join(scope if s == ":root" else f"{scope} {s}" for s in selectors)
            out.append(f"{prefixed} {{{body}}}\n")
        pos = end
    return "".join(out)


# (repository path, base) -> (Workspace, SiteSource): read once per build, not once per page.
# Not kept on the environment, which Sphinx pickles between builds.
_CACHE: dict[tuple[str, str | None], tuple] = {}


def _source(srcdir: str, config):
    """Every HOWTO as `howtoctl render` reads it."""
    path = os.path.abspath(os.path.join(srcdir, config.howtoctl_repository or "."))
    key = (path, config.howtoctl_base)
    if key not in _CACHE:
        from howtoctl.site import collect
        from howtoctl.workspace import Workspace

        ws = Workspace(path, config.howtoctl_base)
        _CACHE[key] = (ws, collect.collect(ws))
    return _CACHE[key]


def _forget(app: Sphinx) -> None:
    _CACHE.clear()  # a new build reads the repository again


def _proof_status(ws, found) -> tuple[bool, str]:
    """The summary of the per-hunk proofs `render` shows, so that the two always agree."""
    from howtoctl.model import proof
    from howtoctl.site import collect, proof_summary

    record = collect.proof_record(ws, found.name)
    return proof_summary.status(found.proofs, proof.proved_on(record, found.diff))


def _diff_html(h, src, view: str) -> str:
    from howtoctl.site import pages, sidebyside, unified

    if h.error:
        return pages.broken_html(h.error)
    table = sidebyside.file_table if view == "side-by-side" else unified.file_table
    return "\n".join(
        [
            pages.meta_html(h, on_index=False, on_site=False),
            pages.get_commands(h, src),
            *h.tables(table),  # with each hunk's proof, as render shows it
        ]
    )


class HowtoDirective(SphinxDirective):
    """`.. howto:: NAME`: a HOWTO's title, summary, proof status and diff."""

    required_arguments = 1
    option_spec = {"view": lambda arg: directives.choice(arg, VIEWS)}

    def run(self) -> list[nodes.Node]:
        from howtoctl.errors import HowtoError
        from howtoctl.site import pages

        name = self.arguments[0]
        view = self.options.get("view", "unified")
        try:
            ws, src = _source(str(self.env.srcdir), self.config)
        except HowtoError as e:
            raise self.error(f"howto: {e.message}") from None
        found = [h for h in src.howtos if h.name == name]
        if not found:
            known = ", ".join(h.name for h in src.howtos) or "none"
            raise self.error(f"howto: no HOWTO named {name!r} (known: {known})")
        if ws.diffs_from_worktree():  # rebuild the page when the diff changes
            self.env.note_dependency(ws.repo.path(ws.diff_relpath(name)))
        h = pages.prepare(found[0], src)
        proved, proof_text = (False, "not proved") if h.error else _proof_status(ws, found[0])

        box = nodes.container(classes=["howtoctl", f"howtoctl-{view}"], ids=[f"howto-{name}"])
        box += nodes.rubric(h.title, h.title, classes=["howto-title"])
        if h.summary:
            box += nodes.paragraph(h.summary, h.summary, classes=["summary"])
        state = "proved" if proved else "not-proved"
        box += nodes.paragraph(proof_text, proof_text, classes=["proof", state])
        box += nodes.raw("", _diff_html(h, src, view), format="html")
        fallback = nodes.literal_block(
            found[0].diff.decode("utf-8", "replace"),
            found[0].diff.decode("utf-8", "replace"),
            language="diff",
        )
        only = _only_not_html()
        only += fallback
        box += only
        return [box]


class MaintenanceDirective(SphinxDirective):
    """`.. howto-maintenance::`: what each HOWTO has cost to keep, as render's maintenance
    page shows it (table and plot)."""

    def run(self) -> list[nodes.Node]:
        from howtoctl.errors import HowtoError
        from howtoctl.site import maintenance

        try:
            _ws, src = _source(str(self.env.srcdir), self.config)
        except HowtoError as e:
            raise self.error(f"howto-maintenance: {e.message}") from None
        if src.cost is None:
            raise self.error("howto-maintenance: the base branch's history could not be read")
        box = nodes.container(classes=["howtoctl", "howtoctl-maintenance"])
        html = maintenance.maintenance_html(src.cost, src.cost_plot, {}, heading=False)
        box += nodes.raw("", html, format="html")
        text = maintenance.maintenance_text(src.cost)
        only = _only_not_html()
        only += nodes.literal_block(text, text)
        box += only
        return [box]


def _only_not_html():
    from sphinx import addnodes

    return addnodes.only(expr="not html")


def _write_css(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    from howtoctl import fsutil
    from howtoctl.site import stylesheet

    outdir = os.fspath(app.outdir)
    static = os.path.join(outdir, "_static")
    extra = f"{SCOPE} .proof.proved {{ color: var(--plus); }}\n"
    css = (scoped_css(stylesheet.stylesheet()) + extra).encode()
    fsutil.write_atomic(os.path.join(static, CSS_FILE), css, inside=outdir)


def setup(app: Sphinx) -> dict:
    app.add_config_value("howtoctl_repository", None, "env", types=[str, type(None)])
    app.add_config_value("howtoctl_base", None, "env", types=[str, type(None)])
    app.add_directive("howto", HowtoDirective)
    app.add_directive("howto-maintenance", MaintenanceDirective)
    app.add_css_file(CSS_FILE)
    app.connect("builder-inited", _forget)
    app.connect("build-finished", _write_css)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
