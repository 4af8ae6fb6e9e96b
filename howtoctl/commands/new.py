"""`howtoctl new`: start a HOWTO: its manifest entry, committed on the base, and its branch there."""

from __future__ import annotations

import shlex

from howtoctl import lock, metadata_commit, output
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.git import RefUpdate
from howtoctl.model import manifest, names
from howtoctl.statuses import Change
from howtoctl.workspace import Workspace


def run(
    ws: Workspace,
    *,
    name: str,
    title: str = "",
    summary: str = "",
    example: str = "",
    test: str = "",
) -> int:
    names.validate_name(name)
    if test:
        _check_test(test)
    ws.require_base_worktree("new")
    ref = ws.branch_ref(name)
    branch = ref.short
    if not ws.repo.check_ref_format(ref):
        raise HowtoError(f"{branch!r} is not a valid branch name")
    with lock.repository_lock(ws.repo.common_dir, "new"):
        resynced = metadata_commit.resync_interrupted(ws, ("new", "drop"))
        for rel in resynced:
            output.info(
                f"{rel}: brought to {ws.base}'s tip (an earlier new or drop was interrupted)"
            )
        if resynced and ws.repo.rev_parse(ref) and name in ws.manifest():
            # The rerun its hint asked for: the interrupted `new NAME` is now whole.
            output.status_line(
                name, Change.CREATED, f"branch {branch} (the interrupted new finished)"
            )
            return EXIT_OK
        if ws.repo.rev_parse(ref):
            raise HowtoError(f"branch {branch} already exists", f"edit it: git switch {branch}")
        if ws.read_diff(name) is not None:
            raise HowtoError(
                f"HOWTO {name!r} already has a diff file {ws.diff_relpath(name)}",
                f"restore its branch instead: howtoctl restore {name}",
            )
        text = ws.read_manifest_text()
        rel = ws.config.manifest
        if name not in ws.manifest():
            entry = manifest.Entry(
                name=name,
                title=title,
                summary=summary,
                example=example or ws.config.example,
                test=test or ws.config.test,
            )
            new_text = manifest.append_entry(text, entry)
            manifest.parse(new_text, rel)  # never write a manifest we cannot read
            metadata_commit.require_committed(ws, [rel], "new")
            files = {rel: new_text.encode()}
            tip = metadata_commit.commit(ws, files, f"Add {name} to the HOWTO manifest")
        else:
            files, tip = {}, None
        # The branch starts where the manifest entry is: on it, the base holds nothing to commit.
        metadata_commit.apply(
            ws,
            files,
            tip,
            [RefUpdate.create(ref, tip or ws.base_tip)],
            f"howtoctl new {name}",
        )
    where = f"{ws.base} ({(tip or ws.base_tip)[:12]})"
    output.status_line(name, Change.CREATED, f"branch {branch} at {where}")
    if tip:
        output.info(f"{rel}: the entry for {name} is committed on {ws.base} ({tip[:12]})")
    q = shlex.quote
    output.line("next:")
    output.line(f"  git switch {q(branch)}   # then make the change, with a test that shows it")
    output.line(f"  git commit -am {q(f'{name}: what it changes')}   # git add new files first")
    output.line(f"  git switch {q(ws.base)} && howtoctl save {name}")
    output.line(
        f"  git add {q(ws.diff_relpath(name))} && git commit -m {q(f'Add the {name} HOWTO')}"
    )
    output.line(f"  howtoctl check && howtoctl test {name}")
    return EXIT_OK


def _check_test(test: str) -> None:
    """Refuse a smoke-test command that `test` could not run, before anything is written."""
    try:
        words = shlex.split(test)
    except ValueError as e:
        raise HowtoError(
            f"--test {test!r} cannot be split into words ({e})", "fix its quoting"
        ) from None
    if not words:
        raise HowtoError("--test names no command", 'give one, e.g. --test "python -m pytest -q"')
