"""`howtoctl new`: start a HOWTO: its branch at the base tip and its manifest entry."""

from __future__ import annotations

from howtoctl import fsutil, lock, manifest, names, output
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.git import RefUpdate
from howtoctl.howtos import Workspace


def run(ws: Workspace, *, name: str, title: str = "", summary: str = "", example: str = "") -> int:
    names.validate_name(name)
    ws.require_base_worktree("new")
    ref = ws.branch_ref(name)
    branch = ref.short
    if not ws.repo.check_ref_format(ref):
        raise HowtoError(f"{branch!r} is not a valid branch name")
    with lock.repository_lock(ws.repo.common_dir, "new"):
        if ws.repo.rev_parse(ref):
            raise HowtoError(f"branch {branch} already exists", f"edit it: git switch {branch}")
        if ws.read_diff(name) is not None:
            raise HowtoError(
                f"HOWTO {name!r} already has a diff file {ws.diff_relpath(name)}",
                f"restore its branch instead: howtoctl restore {name}",
            )
        text = ws.read_manifest_text()
        if name not in ws.manifest():
            new_text = manifest.append_entry(
                text, manifest.Entry(name=name, title=title, summary=summary, example=example)
            )
            manifest.parse(new_text, ws.config.manifest)  # never write a manifest we cannot read
        else:
            new_text = None
        ws.repo.update_refs([RefUpdate.create(ref, ws.base_tip)], f"howtoctl new {name}")
        if new_text is not None:
            fsutil.write_atomic(
                ws.repo.path(ws.config.manifest),
                new_text.encode(),
                ws.scratch_dir,
                inside=ws.repo.path(),
            )
    output.status_line(name, "created", f"branch {branch} at {ws.base} ({ws.base_tip[:12]})")
    output.line("next:")
    output.line(f"  git switch {branch}       # make the change, commit it")
    output.line(f"  git switch {ws.base} && howtoctl save {name}")
    output.line(f"  git add {ws.diff_relpath(name)} {ws.config.manifest} && git commit")
    return EXIT_OK
