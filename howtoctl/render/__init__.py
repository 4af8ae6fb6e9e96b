"""Rendering HOWTOs as a static documentation site (pure: text in, HTML strings out).

    highlight   pygments tokens, split into lines, as escaped HTML (with changed words marked)
    filediff    one file of a patch as rows: highlighted old/new lines, pairs, changed words
    unified     a file's diff as a unified table (the index page)
    sidebyside  a file's diff as an aligned old | new table (one page per HOWTO)
    links       the web and compare URLs of a repository, from its remote URL
    markdown    the maintainer guide, markdown to HTML
    site        the pages: templates, CSS, and `render_site`

`howtoctl.commands.render` reads the workspace and writes the files; nothing here touches git
or the file system.
"""
