"""The Sphinx extension's public name: `extensions = ["howtoctl.sphinx"]` in a conf.py.

The extension itself is `howtoctl.site.sphinx`; this name is the one users' conf.py files
carry, so it stays.
"""

from howtoctl.site.sphinx import setup

__all__ = ["setup"]
