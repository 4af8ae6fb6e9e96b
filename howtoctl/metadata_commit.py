"""Commit HOWTO metadata (manifest entries, diff files, proofs) on the checked-out base branch.

`new` and `drop` change files that belong to the base branch. Left uncommitted, the next
`git commit -am` on a HOWTO branch would carry them there; so they are committed on the base at
once, in the same ref transaction as the branch change, and the work tree and index are then
brought to that commit for those paths only. Nothing else staged or changed is touched.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from howtoctl import fsutil
from howtoctl.errors import EXIT_PROBLEMS, HowtoError
from howtoctl.git import RefUpdate
from howtoctl.workspace import Workspace


def require_committed(ws: Workspace, paths: Sequence[str], command: str) -> None:
    """Refuse when one of `paths` differs between the work tree (or index) and the base tip:
    committing it would take along a change the user did not ask to commit."""
    staged_or_changed = ws.repo.uncommitted_paths()
    for rel in paths:
        if os.path.islink(ws.repo.path(rel)):
            # Comparing what it leads to with the link's own blob would report a change.
            raise HowtoError(
                f"{rel} is a symbolic link, and `howtoctl {command}` writes only a regular file "
                "there; nothing was changed",
                f"replace the link with the file it leads to (commit that), then run "
                f"howtoctl {command} again",
            )
        committed = ws.repo.show_file(ws.base_tip, rel)
        if rel in staged_or_changed or ws.read_worktree_file(rel) != committed:
            what = "is not committed yet" if committed is None else "has uncommitted changes"
            raise HowtoError(
                f"{rel} {what}, and `howtoctl {command}` commits its own change to it on "
                f"{ws.base}; nothing was changed",
                f"commit or discard that first (git add {rel} && git commit, or git restore "
                f"--staged --worktree {rel}), then run howtoctl {command} again",
            )


def commit(ws: Workspace, files: Mapping[str, bytes | None], message: str) -> str:
    """A commit on the base tip with `files` set (None: removed); written, no ref moved. It
    goes on the user's branch: signed as the user, or refused."""
    ws.repo.require_identity(f"committing on {ws.base}")
    tree = ws.repo.tree_with_files(ws.base_tip, files)
    return ws.repo.commit_tree(tree, [ws.base_tip], message + "\n")


def apply(
    ws: Workspace,
    files: Mapping[str, bytes | None],
    new_tip: str | None,
    updates: Sequence[RefUpdate],
    reflog_message: str,
) -> None:
    """Move the base branch to `new_tip` (None: leave it) together with `updates`, all or
    nothing; then write `files` into the work tree and stage them, so that it matches."""
    if new_tip:
        _require_index_free(ws)
    moves = [RefUpdate.move(ws.base_ref, new_tip, ws.base_tip)] if new_tip else []
    ws.repo.update_refs([*moves, *updates], reflog_message)
    if not new_tip:
        return
    try:
        _sync(ws, files)
    except HowtoError as e:
        # The refs moved: "nothing changed" (exit 2) would be false from here on.
        raise PartlyDoneError(
            f"{reflog_message}: {ws.base} is at {new_tip[:12]} and the branches were changed, "
            f"but the work tree and index could not be brought to it ({e.message})",
            f"once that is fixed, run `{reflog_message}` again: it brings "
            f"{', '.join(sorted(files))} to {ws.base}'s tip (or run git restore --staged "
            f"--worktree --source={ws.base} -- {' '.join(sorted(files))})",
        ) from e


class PartlyDoneError(HowtoError):
    """The command's refs moved, and a later step failed: exit 1, not "nothing changed"."""

    exit_code = EXIT_PROBLEMS


def _require_index_free(ws: Workspace) -> None:
    lock = ws.repo.index_lock_held()
    if lock:
        raise HowtoError(
            f"{lock} exists: another git command is using this work tree's index (or one was "
            "killed); nothing was changed",
            "finish that git command, or if none is running remove the file, then run the "
            "command again",
        )


def _sync(ws: Workspace, files: Mapping[str, bytes | None]) -> None:
    # As one step: a failure leaves every path as it was, all at the parent's content.
    writes = [fsutil.FileWrite(ws.repo.path(rel), data) for rel, data in files.items()]
    fsutil.write_files(writes, ws.repo.path(), ws.scratch_dir)
    ws.repo.stage_worktree_paths(sorted(files))


def resync_interrupted(ws: Workspace, commands: Sequence[str]) -> list[str]:
    """Finish the work-tree sync of an earlier `new` or `drop` killed between its ref move and
    that sync: then the index still holds the base tip's parent for the paths the tip changed,
    a staged revert the next `git commit` would record. Only when the base's newest reflog
    entry is one of `commands` and those paths are staged exactly as in the parent (and
    on disk as in the parent or the tip); the paths brought to the tip are returned."""
    message = ws.repo.last_reflog_message(ws.base_ref)
    if not message or not any(message.startswith(f"howtoctl {c} ") for c in commands):
        return []
    parent = ws.repo.rev_parse(f"{ws.base_tip}^")
    if not parent:
        return []
    paths = ws.repo.changed_paths(parent, ws.base_tip)
    if not paths or ws.repo.index_blobs(paths) != ws.repo.tree_blobs(parent, paths):
        return []
    files = {rel: ws.repo.show_file(ws.base_tip, rel) for rel in paths}
    # On disk each path is as in the parent, or already as in the tip (written before the kill).
    on_disk = {rel: ws.read_worktree_file(rel) for rel in paths}
    if any(on_disk[rel] not in (files[rel], ws.repo.show_file(parent, rel)) for rel in paths):
        return []
    _require_index_free(ws)
    _sync(ws, files)
    return sorted(paths)
