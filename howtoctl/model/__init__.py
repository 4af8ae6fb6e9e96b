"""The pure model: HOWTO and ref names, configuration, the manifest, the diff model, which hunks
count and what proves them, git's object format, conflict markers, and what `init` writes.

Nothing here starts git, opens a file or prints: values in, values out.
"""
