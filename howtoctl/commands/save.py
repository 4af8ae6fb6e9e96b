"""`howtoctl save`: write each HOWTO's diff file from its branch."""

from __future__ import annotations

import contextlib
import os

from howtoctl import branch_metadata, freshness, fsutil, lock, output, store
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.model import conflict_markers, patch
from howtoctl.statuses import Change, Hunk
from howtoctl.workspace import Workspace


def _guard_overwrite(ws: Workspace, name: str, current: bytes | None, tip: str) -> None:
    """Refuse to overwrite a diff file whose changes would otherwise be lost."""
    if current is None:
        return
    record = ws.store.sync(name)
    rel = ws.diff_relpath(name)
    if freshness.same_change(ws, current, tip):
        return  # the file holds the branch's change in another form: nothing is lost
    if record is not None:
        if store.digest(current) == record.diff_digest:
            return
        raise HowtoError(
            f"{rel} changed since {ws.config.branch_prefix}{name} was last saved or restored "
            "(pulled or edited), and saving would overwrite that change",
            f"take the file's version: howtoctl restore {name} --force; "
            f"or overwrite it with the branch's: howtoctl save {name} --force",
        )
    committed = ws.repo.show_file("HEAD", rel)
    if committed is not None and committed != current:
        raise HowtoError(
            f"{rel} has uncommitted changes that saving would overwrite",
            f"commit or discard them first, or overwrite them: howtoctl save {name} --force",
        )


def _refuse_metadata_changes(ws: Workspace, name: str, tip: str) -> None:
    """Refuse a branch that changes HOWTO metadata (diffs, manifest, proofs, all of `howtos/`):
    its diff leaves those changes out, so saving would drop them without a word, and a later
    rebase would meet the base's own changes to the same files."""
    fork = ws.repo.merge_base(ws.base_tip, tip)
    if fork is None:
        return  # branch_diff says there is no shared history
    touched = branch_metadata.metadata_changes(ws, tip, fork)
    if not touched:
        return
    raise HowtoError(
        f"{ws.config.branch_prefix}{name} changes HOWTO metadata, which belongs to {ws.base}: "
        f"{', '.join(touched)}; its diff would leave that out, so nothing was saved",
        branch_metadata.metadata_advice(ws, name, fork, touched),
    )


def _plan_one(ws: Workspace, name: str, tip: str | None, force: bool):
    """(name, tip, diff, current file, parsed diff) for one HOWTO, or HowtoError if refused."""
    if tip is None:
        raise HowtoError(
            f"there is no branch {ws.config.branch_prefix}{name} to save",
            f"create it from its diff with `howtoctl restore {name}`, "
            f"or start a new HOWTO with `howtoctl new {name}`",
        )
    _refuse_metadata_changes(ws, name, tip)
    data = ws.branch_diff(name, tip)
    if not data:
        raise HowtoError(
            f"{ws.config.branch_prefix}{name} has no changes against {ws.base!r}; nothing to save",
            "commit the HOWTO's changes on its branch first",
        )
    limit = ws.config.max_diff_bytes
    if len(data) > limit:  # every later read refuses a file this large: never write one
        raise HowtoError(
            f"{ws.config.branch_prefix}{name}'s diff is {len(data):,} bytes, over the limit of "
            f"{limit:,}; nothing was written",
            "keep generated or data files off the branch, or raise [tool.howtoctl] "
            "max-diff-bytes if the diff is right",
        )
    try:
        parsed = patch.parse(data)
    except patch.PatchError as e:
        raise HowtoError(
            f"{ws.config.branch_prefix}{name} cannot be saved as a HOWTO diff: {e.message}",
            "HOWTO diffs hold text changes only (no binary files, LF line endings)",
        ) from None
    # A conflict left in a file applies and is fresh, so nothing else stops it: refused here,
    # with --force too, before it reaches the diff file.
    found = conflict_markers.in_diff(data)
    if found:
        branch = ws.config.branch_prefix + name
        raise HowtoError(
            f"{branch} adds conflict markers, so its diff is not saved: "
            + conflict_markers.describe(found),
            f"resolve the conflict on {branch} (edit those lines and commit), then save again",
        )
    current = ws.read_diff(name)
    if current != data and not force:
        _guard_overwrite(ws, name, current, tip)
    return name, tip, data, current, parsed


def _not_applying(ws: Workspace, planned) -> dict[str, HowtoError]:
    """{name: refusal} for each diff about to be written that does not apply to the base tip,
    --force or not: a branch behind the base (after `undo`, say) gives a diff against its old
    fork point, which `check` and `restore` would then reject. Only branches not forked at the
    tip are looked at, in as few `git apply` runs as `check` uses."""
    import concurrent.futures

    from howtoctl import inspection

    writes = {
        name: (tip, data, parsed) for name, tip, data, current, parsed in planned if current != data
    }
    forks = ws.fork_points({n: tip for n, (tip, _, _) in writes.items()})
    patches = {
        n: (data, frozenset(p for f in parsed.files for p in (f.old_path, f.new_path) if p))
        for n, (_, data, parsed) in writes.items()
        if forks.get(n) != ws.base_tip
    }
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = inspection.apply_checks(ws, patches, ws.base_tip, pool)
    refusals = {}
    for name, (applies, message) in results.items():
        if applies:
            continue
        first = next((ln for ln in message.splitlines() if ln.strip()), "git apply failed")
        refusals[name] = HowtoError(
            f"{ws.config.branch_prefix}{name} is {ws.commits_behind(writes[name][0])} commit(s) "
            f"behind {ws.base} and its diff does not apply to the tip of {ws.base} "
            f"({first.removeprefix('error: ')}); nothing was written",
            f"rebase it first: {freshness.rebase_advice(ws, name)}",
        )
    return refusals


def run(ws: Workspace, *, requested: tuple[str, ...], all_: bool, force: bool = False) -> int:
    ws.require_base_worktree("save")
    branches = ws.branches()
    selected = sorted(branches) if all_ and not requested else ws.select(requested, all_)
    if not selected:
        raise HowtoError(f"there are no {ws.config.branch_prefix}* branches to save")
    with lock.repository_lock(ws.repo.common_dir, "save"):
        fsutil.clear_stale(ws.scratch_dir)
        # First compute and validate every diff; write only when all are good. Every refusal is
        # collected, so that one run names all the files that need a decision.
        planned, refused = [], []
        for name in selected:
            try:
                planned.append(_plan_one(ws, name, branches.get(name), force))
            except HowtoError as e:
                refused.append(e)
        stale = _not_applying(ws, planned)
        refused += stale.values()
        planned = [p for p in planned if p[0] not in stale]
        if len(refused) == 1:
            raise refused[0]
        if refused:
            raise HowtoError(
                f"{len(refused)} HOWTOs cannot be saved; nothing was written:\n"
                + "\n".join(
                    f"  {e.message}" + (f"\n    {e.hint}" if e.hint else "") for e in refused
                ),
                "decide for each as its hint says, then run save again",
            )
        proofs = _proofs_to_write(ws, planned)  # checked before anything is written
        kept = _keep_replaced(ws, planned)
        _write_all(ws, planned, proofs, kept)
        # The files are in place; the sync records only spare `check` work (record_sync warns).
        for name, tip, data, current, parsed in planned:
            rel = ws.diff_relpath(name)
            if current == data:
                output.status_line(name, Change.UNCHANGED, rel)
            else:
                output.status_line(name, Change.SAVED, f"{rel} (+{parsed.added} -{parsed.removed})")
                if name in kept:
                    output.info(
                        f"{name}: the replaced {rel} had changes not committed; it is kept: "
                        f"git show {kept[name]} > {rel}"
                    )
            ws.record_sync(name, tip, data)
            if name in proofs:
                output.status_line(
                    name,
                    Hunk.PROVED,
                    f"{ws.config.proof_dir}/{name}.json (by --auto-resolve --prove)",
                )
            behind = ws.commits_behind(tip)
            if behind:
                output.warn(
                    f"{ws.config.branch_prefix}{name} is {behind} commit(s) behind {ws.base}, so "
                    f"the diff may not apply to its tip: {freshness.rebase_advice(ws, name)}"
                )
    return EXIT_OK


def _write_all(ws: Workspace, planned, proofs: dict[str, tuple[str, bytes]], kept) -> None:
    """Every changed diff file and every proof, as one step: all written, or none (and then
    the copies `_keep_replaced` made are dropped again, so that exit 2 changed nothing)."""
    from howtoctl.git import RefUpdate

    writes = [
        fsutil.FileWrite(ws.repo.path(ws.diff_relpath(name)), data)
        for name, _, data, current, _ in planned
        if current != data
    ]
    writes += [fsutil.FileWrite(path, record) for path, record in proofs.values()]
    try:
        fsutil.write_files(writes, ws.repo.path(), ws.scratch_dir)
    except HowtoError as e:
        if kept and not isinstance(e, fsutil.PartlyWrittenError):
            with contextlib.suppress(HowtoError):  # the write's error is the one to tell
                ws.repo.update_refs(
                    [RefUpdate.delete(ref, None) for ref in kept.values()],
                    "howtoctl save: nothing was replaced",
                    reflog=False,
                )
        raise


REPLACED_ROOT = "refs/howtoctl/replaced/"


def _keep_replaced(ws: Workspace, planned) -> dict[str, str]:
    """{name: ref}: a copy of each diff file about to be replaced whose content is committed
    nowhere (a hand edit, which --force overwrites), as a blob under REPLACED_ROOT: save
    loses no file, even when told to overwrite it."""
    from howtoctl import backup
    from howtoctl.git import RefUpdate

    lost = {
        name: current
        for name, _, data, current, _ in planned
        if current is not None
        and current != data
        and current != ws.repo.show_file("HEAD", ws.diff_relpath(name))
    }
    if not lost:
        return {}
    stamp = backup.new_stamp()
    refs = {name: f"{REPLACED_ROOT}{stamp}/{name}" for name in lost}
    ws.repo.update_refs(
        [RefUpdate.create(refs[n], ws.repo.write_blob(data)) for n, data in lost.items()],
        "howtoctl save: replaced diff files",
        reflog=False,
    )
    return refs


def _proofs_to_write(ws: Workspace, planned) -> dict[str, tuple[str, bytes]]:
    """{name: (path, record)}: the proofs `rebase-all --auto-resolve --prove` made for the
    diffs about to be saved (see `autoresolve_record.proof_to_save`), where the file does not
    hold a valid proof of that diff already. Raises HowtoError, before anything is written,
    when one cannot be written where it belongs."""
    from howtoctl import autoresolve_record
    from howtoctl.model import proof

    held = {}
    for name, tip, data, _, _ in planned:
        record, why_not = autoresolve_record.proof_to_save(ws, name, tip, data)
        if why_not:
            output.info(
                f"{name}: the proof of rebase-all --auto-resolve --prove is not written "
                f"({why_not}); record one: howtoctl prove {name} --record"
            )
        if record:
            held[name] = (record, data)
    if not held:
        return {}
    directory = ws.repo.path(ws.config.proof_dir)
    fsutil.require_inside(directory, ws.repo.path())
    if os.path.lexists(directory) and not os.path.isdir(directory):
        raise HowtoError(
            f"{ws.config.proof_dir} is not a directory, and save would write proofs in it; "
            "nothing was written",
            "remove or rename it, then run save again",
        )
    proofs = {}
    for name, (record, data) in held.items():
        rel = f"{ws.config.proof_dir}/{name}.json"
        path = ws.repo.path(rel)
        if os.path.lexists(path):
            if not os.path.isfile(path) or os.path.islink(path):
                raise HowtoError(
                    f"{rel} is not a regular file, and save would write {name}'s proof there; "
                    "nothing was written",
                    f"remove it, then run save again (or record the proof: howtoctl prove "
                    f"{name} --record)",
                )
            if proof.read_record(ws.read_worktree_file(rel), data) is not None:
                continue  # a proof of exactly this diff is there: not replaced
        proofs[name] = (path, record)
    return proofs
