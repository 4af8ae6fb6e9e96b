"""`howtoctl init`: prepare a repository for HOWTOs (manifest, guide, hook, workflows).

Never overwrites: a file that exists is left as it was and reported as skipped.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex

from howtoctl import fsutil, lock, output, store
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.git import Repo
from howtoctl.model import config as config_mod
from howtoctl.model import init_templates, names
from howtoctl.model.names import HEADS, BranchRef, short_branch
from howtoctl.statuses import Change
from howtoctl.workspace import MAX_TEXT_BYTES, decode_text

_COMMIT_ID = re.compile(r"[0-9a-f]{40}")


def _base(repo: Repo, wanted: str | None) -> str:
    """The configured base, else master or main if one exists, else the branch HEAD is on
    (in a repository without commits yet: the branch its first commit will make)."""
    if wanted:
        return wanted
    heads = repo.refs(HEADS)
    for name in config_mod.DEFAULT_BASE_CANDIDATES:
        if BranchRef.of(name) in heads:
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


def _read(repo: Repo, rel: str) -> str | None:
    # Bounded, a regular file inside the work tree: a pipe or /dev/zero must not hang init.
    data = fsutil.read_regular(repo.path(rel), repo.toplevel, MAX_TEXT_BYTES)
    return decode_text(data, rel) if data is not None else None


def _requirements(repo: Repo, wanted: str | None, example: str) -> str:
    """The lock the smoke tests install: --requirements ('': none), else the one found."""
    if wanted is None:
        return init_templates.find_requirements(lambda rel: os.path.isfile(repo.path(rel)), example)
    if wanted == "":
        return ""
    rel = names.repo_path(wanted, "--requirements", "requirements.txt")
    if not os.path.isfile(repo.path(rel)):
        raise HowtoError(
            f"--requirements {wanted!r}: there is no such file in the repository",
            "name the requirements file the smoke tests install, relative to the repository "
            "root, or --requirements '' for none",
        )
    return rel


def _smoke_command(test: str, example: str) -> list[str]:
    from howtoctl.model import manifest
    from howtoctl.runs import variants

    try:
        return variants.smoke_command(manifest.Entry(name="x", test=test, example=example), [])
    except HowtoError:
        raise HowtoError(
            f"--test {test!r} cannot be split into words (an unbalanced quote?)",
            "quote the command as a shell would, e.g. --test 'python -m pytest -q ex'",
        ) from None


def _check_requirements(repo: Repo, rel: str, command: list[str]):
    from howtoctl import requirements_check
    from howtoctl.runs import variants

    text = _read(repo, rel) if rel else None
    if text is None:
        return None

    def read(other: str) -> str | None:
        try:
            return _read(repo, other) if os.path.isfile(repo.path(other)) else None
        except HowtoError:
            return None

    runner = "pytest" if variants.is_pytest(command) else None
    return requirements_check.check(text, rel, init_templates.RUNNER_PYTHON, runner, read)


@dataclasses.dataclass
class Plan:
    settings: init_templates.Settings
    command: list[str]  # the smoke test
    files: dict[str, str]  # rel: content, written where no file is
    edits: dict[str, str | None]  # rel: its new content (None: left as it is)
    added: dict[str, str]  # what pyproject.toml's [tool.howtoctl] gains
    requirements: object  # what requirements_check found, or None
    pins_defaulted: bool  # no --action-ref: the action is pinned to this version


def plan(
    repo: Repo,
    base: str | None,
    example: str,
    action_ref: str | None,
    requirements: str | None,
    test: str | None,
) -> Plan:
    """What init would write; every refusal comes here, before anything is written."""
    from howtoctl import __version__

    text = _read(repo, init_templates.PYPROJECT)
    saved = config_mod.load(text)
    if base and saved.base and base != saved.base:
        raise HowtoError(
            f"--base {base} disagrees with base = {saved.base!r} under [tool.howtoctl] in "
            "pyproject.toml, which every later command reads; nothing was written",
            "change it there, or leave --base out",
        )
    config = config_mod.load(text, base)
    example = _example(repo, example or config.example)
    test = config.test if test is None else test.strip()
    command = _smoke_command(test, example)
    if action_ref is not None:
        action_ref = _checked_action_ref(repo, action_ref)
    pre_commit = _read(repo, init_templates.PRE_COMMIT)
    settings = init_templates.Settings(
        base=_base(repo, config.base),
        branch_prefix=config.branch_prefix,
        diff_dir=config.diff_dir,
        manifest=config.manifest,
        example=example,
        requirements=_requirements(repo, requirements, example),
        action_ref=action_ref if action_ref is not None else _action_ref(__version__),
        hook=pre_commit is None or init_templates.has_hook(pre_commit),
    )
    # What later commands need to know is saved, so that they find it without options.
    values = {"base": settings.base, "example": example, "test": test}
    pyproject, added = init_templates.pyproject_with(text, {k: v for k, v in values.items() if v})
    edits = {
        init_templates.PYPROJECT: pyproject,
        init_templates.GITIGNORE: init_templates.gitignore_with(
            _read(repo, init_templates.GITIGNORE)
        ),
    }
    the_plan = Plan(
        settings,
        command,
        init_templates.files(settings),
        edits,
        added,
        _check_requirements(repo, settings.requirements, command),
        action_ref is None,
    )
    _refuse_unwritable(repo, the_plan)
    return the_plan


def _refuse_unwritable(repo: Repo, the_plan: Plan) -> None:
    """Every file is refused before any is written: a link to write through, a path that
    leads out of the repository or cannot be created."""
    assert repo.toplevel is not None
    for rel in [*the_plan.files, *the_plan.edits]:
        fsutil.require_inside(repo.path(rel), repo.toplevel)
        if the_plan.edits.get(rel) is not None and os.path.islink(repo.path(rel)):
            # Replacing it would turn the link into a file, and leave the file it leads to.
            target = os.readlink(repo.path(rel))
            hint = (
                f"add the settings to {target} yourself, then run init again:\n"
                + "[tool.howtoctl]\n"
                + init_templates.config_lines(the_plan.added).rstrip()
                if rel == init_templates.PYPROJECT
                else f"add the line {init_templates.SITE_IGNORE} to {target} yourself, then run init again"
            )
            raise HowtoError(
                f"{rel} is a symbolic link (to {target}), which init does not write through; "
                "nothing was written",
                hint,
            )
        if not os.path.lexists(repo.path(rel)):  # an existing one is skipped, not written
            fsutil.check_creatable(repo.path(rel), repo.toplevel)


@dataclasses.dataclass
class Written:
    lines: list[tuple[str, Change, str]] = dataclasses.field(
        default_factory=list
    )  # rel, status, detail
    written: list[str] = dataclasses.field(default_factory=list)
    created: list[str] = dataclasses.field(default_factory=list)
    skipped: list[str] = dataclasses.field(default_factory=list)


def apply(repo: Repo, the_plan: Plan) -> Written:
    """Writes the files as one step: all of them, or (a write the checks could not foresee, a
    full disk) none. A file to create that exists by then is left as it is."""
    assert repo.toplevel is not None
    done = Written()
    # Temporary files go inside .git: a kill leaves nothing in the work tree.
    scratch = store.Store(repo.common_dir).scratch_dir
    edits = {rel: content for rel, content in the_plan.edits.items() if content is not None}
    existed = {rel for rel in edits if os.path.lexists(repo.path(rel))}
    writes = [
        fsutil.FileWrite(repo.path(rel), content.encode(), create=True)
        for rel, content in the_plan.files.items()
    ] + [fsutil.FileWrite(repo.path(rel), content.encode()) for rel, content in edits.items()]
    with lock.repository_lock(repo.common_dir, "init"):
        written = set(fsutil.write_files(writes, repo.toplevel, scratch))
    for rel in the_plan.files:
        if repo.path(rel) in written:
            done.written.append(rel)
            done.created.append(rel)
            done.lines.append((rel, Change.CREATED, ""))
        else:
            done.skipped.append(rel)
            done.lines.append((rel, Change.SKIPPED, "exists; left as it was"))
    for rel in edits:
        done.written.append(rel)
        if rel not in existed:
            done.created.append(rel)
        detail = (
            "[tool.howtoctl] " + ", ".join(f"{k} = {v!r}" for k, v in the_plan.added.items())
            if rel == init_templates.PYPROJECT
            else f"ignores {init_templates.SITE_IGNORE} (howtoctl render's output)"
        )
        done.lines.append((rel, Change.UPDATED if rel in existed else Change.CREATED, detail))
    return done


def report(the_plan: Plan, done: Written) -> None:
    settings = the_plan.settings
    for rel, status, detail in done.lines:
        output.status_line(rel, status, detail)
    if init_templates.PRE_COMMIT in done.skipped and not settings.hook:
        output.line(f"add the HOWTO gate to {init_templates.PRE_COMMIT} yourself, under `repos:`:")
        output.line(init_templates.pre_commit_entry(settings).rstrip())
    where = f"saved in {init_templates.PYPROJECT}; HOWTOs in {settings.diff_dir}/"
    output.line(f"base branch: {settings.base} ({where})")
    _report_smoke(settings, the_plan.command, the_plan.requirements)
    _report_pins(settings, the_plan.pins_defaulted)
    output.line("next:")
    q = shlex.quote
    if done.written:
        output.line(
            f"  git add -- {' '.join(q(p) for p in done.written)} && git commit -m 'Adopt howtoctl'"
        )
    output.line("  howtoctl new my-first-howto --title 'My first HOWTO'   # any lowercase name")


def run(
    path: str,
    *,
    base: str | None = None,
    example: str = "",
    action_ref: str | None = None,
    requirements: str | None = None,
    test: str | None = None,
) -> int:
    repo = Repo(path)
    if repo.toplevel is None:
        raise HowtoError("`howtoctl init` writes files, but this repository is bare")
    the_plan = plan(repo, base, example, action_ref, requirements, test)
    report(the_plan, apply(repo, the_plan))
    return EXIT_OK


def _report_smoke(settings: init_templates.Settings, command: list[str], report) -> None:
    shown = shlex.join(command)
    if not settings.requirements:
        output.line(
            f"smoke test: {shown} (on Python {init_templates.RUNNER_PYTHON}; installs nothing)"
        )
        output.warn(
            "no requirements file found for the smoke tests: name one with --requirements PATH"
        )
        return
    output.line(
        f"smoke test: {shown}, after installing {settings.requirements} on Python "
        f"{init_templates.RUNNER_PYTHON}"
    )
    if report is None:
        return
    for finding in report.findings:
        what = f"{finding.requirement}: " if finding.requirement else ""
        output.warn(f"{finding.where}: {what}{finding.problem}")
    if report.unchecked:
        output.info(f"not checked here: {', '.join(report.unchecked)}")
    if report.findings:
        output.info(
            f"the smoke job will fail until {settings.requirements} installs there: update it, "
            "or choose another file (--requirements PATH) or smoke test (--test CMD); init "
            f"leaves existing files alone, so edit `requirements:` in {init_templates.PR_WORKFLOW} or "
            "remove it before running init again"
        )
    else:
        output.line(
            f"{settings.requirements}: {len(report.requirements)} requirements, nothing that "
            f"cannot install on Python {init_templates.RUNNER_PYTHON} as far as can be told offline"
        )


def _report_pins(settings: init_templates.Settings, by_default: bool) -> None:
    ref = settings.action_ref
    if by_default and ref == "main":
        output.warn(
            f"the workflows use {init_templates.ACTION_REPO}@main and the pre-commit hook rev: main, "
            "unpinned: this development build of howtoctl has no release to pin them to; pin "
            "them to a commit you trust: howtoctl init --action-ref SHA (on a fresh checkout "
            "of the workflows)"
        )
    else:
        output.line(
            f"workflows pinned to {init_templates.ACTION_REPO}@{ref}, the pre-commit hook to rev: {ref}"
        )
