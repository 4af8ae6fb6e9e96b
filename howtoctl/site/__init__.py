"""The HOWTOs as documentation: the static site of `howtoctl render` and the Sphinx extension,
both fed by one `collect`.

    collect        what the site shows, read from a workspace (the one reader of the repository)
    pages          the pages (pure): templates, the meta line, and `render_site`
    highlight      pygments tokens, split into lines, as escaped HTML (with changed words marked)
    filediff       one file of a patch as rows: highlighted old/new lines, pairs, changed words
    unified        a file's diff as a unified table (the index page)
    sidebyside     a file's diff as an aligned old | new table (one page per HOWTO)
    links          the web and compare URLs of a repository, from its remote URL
    markdown       the maintainer guide, markdown to HTML
    results        a HOWTO's measured results
    maintenance    what each HOWTO has cost to keep (`howtoctl cost`), as a page
    cost_plot      that cost as a plot (matplotlib, imported only when drawn)
    stylesheet     the CSS every page inlines
    proof_summary  a HOWTO's proof status in one line, from the per-hunk proofs
    sphinx         the Sphinx extension (the `howto` and `howto-maintenance` directives)

Everything but `collect` (and the extension's CSS file) is pure: text in, HTML strings out.
`howtoctl.commands.render` writes the pages; the extension is loaded as `howtoctl.sphinx`.
"""
