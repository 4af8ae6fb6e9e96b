"""`howtoctl init`: prepare a repository for HOWTOs (manifest, guide, hook, workflows).

Never overwrites: a file that exists is left as it was and reported as skipped.
"""

from __future__ import annotations

import os
import re

from howtoctl import adopt, fsutil, lock, names, output
from howtoctl import config as config_mod
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.git import Repo
from howtoctl.howtos import MAX_TEXT_BYTES, decode_text
from howtoctl.refs import HEADS, short_branch

_COMMIT_ID = re.compile(r"[0-9a-f]{40}")


def _base(repo: Repo, wanted: str | None) -> str:
    """The configured base, else master or main if one exists, else the branch HEAD is on
    (in a repository without commits yet: the branch its first commit will make)."""
    if wanted:
        return wanted
    heads = repo.refs(HEADS)
    for name in config_mod.DEFAULT_BASE_CANDIDATES:
        if HEADS + name in heads:
            return name
    head = repo.head_ref()
    return short_branch(head) if head else "main"


def _example(repo: Repo, example: str) -> str:
    if not example:
        return ""
    norm = names.repo_path(example, "--example", "examples/mnist")
    if not os.path.isdir(repo.path(norm)):
        raise HowtoError(
            f"--example {example!r}: there is no such directory in the repository",
            "name the directory of the example the HOWTOs will modify, or leave --example out",
        )
    return norm


def _checked_action_ref(repo: Repo, ref: str) -> str:
    """`ref` if it is a commit id or a tag or branch name git accepts; it goes into the
    workflows' `uses:` lines, where a newline would add a step and a leading '-' an option."""
    if _COMMIT_ID.fullmatch(ref):
        return ref
    if (
        not ref
        or ref.startswith("-")
        or any(ord(c) < 0x20 or c == "\x7f" for c in ref)
        or not repo.check_ref_format(f"refs/tags/{ref}")
    ):
        raise HowtoError(
            f"--action-ref {ref!r} is neither a 40-hex commit id nor a valid tag or branch name",
            "pin the workflows to a howtoctl commit (--action-ref SHA) or a release tag (v1.2.3)",
        )
    return ref


def _action_ref(version: str) -> str:
    # A release pins the workflows to its tag; a development build has none to pin to.
    return f"v{version}" if version.replace(".", "").isdigit() else "main"


def run(
    path: str, *, base: str | None = None, example: str = "", action_ref: str | None = None
) -> int:
    from howtoctl import __version__

    repo = Repo(path)
    if repo.toplevel is None:
        raise HowtoError("`howtoctl init` writes files, but this repository is bare")
    # Bounded, a regular file inside the work tree: a pipe or /dev/zero must not hang init.
    pyproject = fsutil.read_regular(repo.path("pyproject.toml"), repo.toplevel, MAX_TEXT_BYTES)
    text = decode_text(pyproject, "pyproject.toml") if pyproject is not None else None
    config = config_mod.load(text, base)
    example = _example(repo, example)
    if action_ref is not None:
        action_ref = _checked_action_ref(repo, action_ref)
    settings = adopt.Settings(
        base=_base(repo, config.base),
        branch_prefix=config.branch_prefix,
        diff_dir=config.diff_dir,
        manifest=config.manifest,
        example=example,
        requirements=adopt.find_requirements(lambda rel: os.path.isfile(repo.path(rel)), example),
        action_ref=action_ref if action_ref is not None else _action_ref(__version__),
    )
    files = adopt.files(settings)
    for rel in files:  # all refused before any is written
        fsutil.require_inside(repo.path(rel), repo.toplevel)
        if not os.path.lexists(repo.path(rel)):  # an existing one is skipped, not written
            fsutil.check_creatable(repo.path(rel), repo.toplevel)
    created, skipped = [], []
    with lock.repository_lock(repo.common_dir, "init"):
        try:
            for rel, content in files.items():
                if fsutil.write_new(repo.path(rel), content.encode(), inside=repo.toplevel):
                    created.append(rel)
                else:
                    skipped.append(rel)
        except HowtoError:  # a write the checks could not foresee (a full disk): none stays
            for rel in created:
                fsutil.remove_file(repo.path(rel))
            raise
    for rel in files:
        if rel in created:
            output.status_line(rel, "created")
        else:
            output.status_line(rel, "skipped", "exists; left as it was")
    if adopt.PRE_COMMIT in skipped:
        output.line(f"add the HOWTO gate to {adopt.PRE_COMMIT} yourself, under `repos:`:")
        output.line(adopt.pre_commit_entry(settings).rstrip())
    output.line(f"base branch: {settings.base}; HOWTOs in {settings.diff_dir}/")
    if action_ref is None and settings.action_ref == "main":
        output.warn(
            f"the workflows use {adopt.ACTION_REPO}@main, unpinned: this development build of "
            "howtoctl has no release to pin them to; pin them to a commit you trust: "
            "howtoctl init --action-ref SHA (on a fresh checkout of the workflows)"
        )
    else:
        output.line(f"workflows pinned to {adopt.ACTION_REPO}@{settings.action_ref}")
    output.line("next:")
    output.line(
        "  git add howtos .github .pre-commit-config.yaml && git commit -m 'Adopt howtoctl'"
    )
    output.line(
        "  howtoctl new NAME --title 'What it shows'" + (f" --example {example}" if example else "")
    )
    return EXIT_OK
