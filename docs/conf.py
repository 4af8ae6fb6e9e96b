"""Sphinx configuration of howtoctl's documentation: `python -m sphinx -W -b html docs OUT`."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "_ext"))
sys.path.insert(0, os.path.dirname(HERE))  # the howtoctl of this checkout, installed or not

from howtoctl import __version__  # noqa: E402

project = "howtoctl"
author = "The howtoctl authors"
copyright = "The howtoctl authors"
release = __version__
version = __version__

extensions = [
    "myst_parser",
    "sphinx_click",
    "howtoctl.sphinx",  # the `howto` directive: this repository's HOWTOs in these pages
    "howtoctl_docs",  # pages generated from the code, the benchmarks' results and the HOWTOs
]
howtoctl_repository = ".."

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
exclude_patterns = ["_build", "_ext", ".gitignore"]

html_theme = "sphinx_book_theme"
html_title = "howtoctl"
html_theme_options = {
    "repository_url": "https://github.com/howtoctl/howtoctl",
    "repository_branch": "main",
    "path_to_docs": "docs",
    "use_repository_button": True,
    "use_edit_page_button": False,
    "show_toc_level": 2,
}
html_static_path = ["_static"]
html_css_files = ["howtoctl-docs.css"]
