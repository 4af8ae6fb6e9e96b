"""`howtoctl drop`: remove a HOWTO: its diff file, proof and manifest entry (one commit on the
base) and its branch (whose tip is backed up first, so `howtoctl undo` brings it back)."""

from __future__ import annotations

from howtoctl import backup, lock, metadata_commit, output
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.git import RefUpdate
from howtoctl.model import manifest, names
from howtoctl.statuses import Change
from howtoctl.workspace import Workspace


def _plan_files(ws: Workspace, name: str) -> dict[str, bytes | None]:
    """{path: new content or None (removed)} on the base for dropping `name`."""
    files: dict[str, bytes | None] = {}
    for rel in (ws.diff_relpath(name), f"{ws.config.proof_dir}/{name}.json"):
        if ws.repo.show_file(ws.base_tip, rel) is not None:
            files[rel] = None
    if name in ws.manifest():
        rel = ws.config.manifest
        files[rel] = manifest.remove_entry(ws.read_manifest_text() or "", name, rel).encode()
    return files


def _refuse(ws: Workspace, name: str, tip: str | None) -> None:
    """Every reason not to drop `name`, before anything moves."""
    ref = ws.branch_ref(name)
    if tip is None and name not in ws.diff_names() and name not in ws.manifest():
        raise HowtoError(
            f"there is no HOWTO {name!r}: no branch {ref.short}, no diff file "
            f"{ws.diff_relpath(name)} and no manifest entry",
            "see `howtoctl list` for the HOWTOs there are",
        )
    dirty = sorted(ws.repo.uncommitted_paths())
    if dirty:
        raise HowtoError(
            f"the work tree has uncommitted changes ({', '.join(dirty[:5])}"
            + (", ..." if len(dirty) > 5 else "")
            + f"), and drop commits on {ws.base}; nothing was changed",
            "commit or stash them first, then run howtoctl drop again",
        )
    own = [ws.diff_relpath(name), f"{ws.config.proof_dir}/{name}.json", ws.config.manifest]
    metadata_commit.require_committed(ws, own, "drop")
    where = ws.repo.checked_out_branches().get(ref) if tip is not None else None
    if where:
        raise HowtoError(
            f"{ref.short} is checked out in {where}; nothing was changed",
            "switch that work tree to another branch, then run howtoctl drop again",
        )
    if ws.store.resolving(name):
        raise HowtoError(
            f"a resolve of {name} is under way; nothing was changed",
            f"end it first: howtoctl resolve {name} --abort",
        )


def apply(ws: Workspace, name: str, tip: str | None) -> dict:
    """One commit on the base without the HOWTO's files, and the branch deleted (backed up),
    moved together; what was done, as `--json` shows it."""
    ref = ws.branch_ref(name)
    files = _plan_files(ws, name)
    commit = metadata_commit.commit(ws, files, f"Drop the {name} HOWTO") if files else None
    stamp, updates = None, []
    if tip is not None:
        stamp, updates = backup.backup_updates(ws.repo, {ref: tip}, f"drop {name}")
        updates.append(RefUpdate.delete(ref, tip))
    metadata_commit.apply(ws, files, commit, updates, f"howtoctl drop {name}")
    if stamp:
        backup.prune(ws.repo, ws.config.branch_prefix, ws.config.keep_backups, written=stamp)
    return {
        "name": name,
        "base": ws.base,
        "commit": commit,
        "removed": sorted(p for p, data in files.items() if data is None),
        "manifest_entry_removed": ws.config.manifest in files,
        "branch": ref.short if tip is not None else None,
        "branch_tip": tip,
        "backup": f"{backup.BACKUP_ROOT}{stamp}/{ref.short}" if stamp else None,
    }


def report(ws: Workspace, result: dict) -> None:
    commit, tip = result["commit"], result["branch_tip"]
    gone = [
        *result["removed"],
        *(["its manifest entry"] if result["manifest_entry_removed"] else []),
    ]
    detail = f"removed {', '.join(gone)} (commit {commit[:12]} on {ws.base})" if commit else ""
    if tip is not None:
        detail += ("; " if detail else "") + f"deleted {result['branch']} (tip {tip[:12]})"
    output.status_line(result["name"], Change.DROPPED, detail)
    if tip is not None:
        output.info(
            f"its tip is backed up as {result['backup']}: `howtoctl undo` brings the branch back"
        )
    if commit:
        output.info(f"to bring back the files too: git revert {commit[:12]}")


def run(ws: Workspace, *, name: str, as_json: bool = False) -> int:
    names.validate_name(name)
    ws.require_base_worktree("drop")
    with lock.repository_lock(ws.repo.common_dir, "drop"):
        resynced = metadata_commit.resync_interrupted(ws, ("new", "drop"))
        for rel in resynced:
            output.info(
                f"{rel}: brought to {ws.base}'s tip (an earlier new or drop was interrupted)"
            )
        tip = ws.branches().get(name)
        gone = tip is None and name not in ws.diff_names() and name not in ws.manifest()
        if resynced and gone:
            # The rerun its hint asked for: the interrupted `drop NAME` is now whole.
            if as_json:
                output.emit_json({"name": name, "base": ws.base, "finished_interrupted": True})
            else:
                output.status_line(name, Change.DROPPED, "(the interrupted drop finished)")
            return EXIT_OK
        _refuse(ws, name, tip)
        result = apply(ws, name, tip)
    if as_json:
        output.emit_json(result)
    else:
        report(ws, result)
    return EXIT_OK
