"""Where a path leads: inside the repository (no symbolic link out of it or into `.git`),
outside git's own directories for a path the user names, a real directory, a file that can be
made. These checks open nothing; the other modules of this package ask them first."""

from __future__ import annotations

import os

from howtoctl.errors import HowtoError


def same_device(a: str, b: str) -> bool:
    """Whether `a` and `b` lie on one file system (a rename cannot cross one); False when
    either is missing."""
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return False


def is_inside(path: str, root: str) -> bool:
    """Whether `path`, with every symbolic link resolved, is `root` or below it."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def require_inside(path: str, root: str, what: str = "the repository") -> None:
    """Refuse a path that resolves (through a symbolic link) outside `root`, or into a `.git`
    directory below it: git's own files are git's to write (howtoctl's state there is reached
    through the repository's common directory, never through a work-tree path)."""
    shown = os.path.relpath(path, root) if path.startswith(root) else path
    if not is_inside(path, root):
        raise HowtoError(
            f"{shown} leads outside {what} (to {os.path.realpath(path)}); howtoctl only reads "
            f"and writes files inside {what}",
            "replace the symbolic link with a real file or directory",
        )
    inner = os.path.relpath(os.path.realpath(path), os.path.realpath(root))
    if ".git" in inner.split(os.sep):
        raise HowtoError(
            f"{shown} leads into git's own directory (to {os.path.realpath(path)}); howtoctl "
            f"only reads and writes the files of {what}'s work tree there",
            "replace the symbolic link with a real file or directory",
        )


def require_outside_git(path: str, what: str, git_dirs: tuple[str, ...]) -> None:
    """Refuse an output path the user or the environment names (--junit, --out, $GITHUB_OUTPUT)
    that resolves into the repository's git directory or its common directory (`git_dirs`,
    from git itself: a linked work tree's or a submodule's are not `.git` below the top).
    git's files are git's to write; howtoctl's own state there is reached by its own paths,
    which no user names, never through this. Real paths are compared: a link (or a name that
    does not exist yet below one) counts where it leads.

    A `.git` anywhere on the real path is git's too: where `.git` is a gitfile (a submodule, a
    linked work tree, --separate-git-dir) it is the only way git finds the repository, and
    neither directory holds it; a nested repository's `.git` is no output's either."""
    real = os.path.realpath(os.path.abspath(path))
    # Only below what the path shares with git's own directories: a repository may itself live
    # under a plain directory that happens to be named .git.
    dirs = [os.path.realpath(d) for d in git_dirs if d]
    shared = os.path.commonpath([real, *dirs]) if dirs else os.sep
    if ".git" in os.path.relpath(real, shared).split(os.sep):
        raise HowtoError(
            f"{what} {path} is git's own file or directory ({real}); howtoctl writes nothing "
            "there that you name",
            "name a path outside .git",
        )
    for top in git_dirs:
        if top and is_inside(real, top):
            raise HowtoError(
                f"{what} {path} is inside git's own directory ({os.path.realpath(top)}); "
                "howtoctl writes nothing there that you name",
                "name a path outside .git",
            )


def require_directory(path: str, what: str) -> None:
    """Refuse a path that exists but is not a directory (a file, or any symbolic link)."""
    if os.path.islink(path):
        raise HowtoError(
            f"{what} {path} is a symbolic link; howtoctl writes only into a real directory",
            "name a real directory",
        )
    if os.path.lexists(path) and not os.path.isdir(path):
        raise HowtoError(f"{what} {path} exists and is not a directory", "move it out of the way")


def check_creatable(path: str, root: str) -> None:
    """Refuse, before anything is written, a new file `path` below `root` that could not be
    made: a file (not a directory) in the way on its path, a directory at its name, or a
    directory to make it in that this process may not write."""
    shown = os.path.relpath(path, root)
    if os.path.isdir(path):
        raise HowtoError(f"cannot write {shown}: it is a directory", "move it out of the way")
    parent = os.path.dirname(path)
    while not os.path.isdir(parent):
        if os.path.lexists(parent):
            raise HowtoError(
                f"cannot write {shown}: {os.path.relpath(parent, root)} is not a directory",
                "move that file out of the way, then run the command again",
            )
        parent = os.path.dirname(parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise HowtoError(
            f"cannot write {shown}: {os.path.relpath(parent, root)} is not writable",
            "fix the directory's permissions",
        )
