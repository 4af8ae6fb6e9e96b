"""Commit HOWTO metadata (manifest entries, diff files, proofs) on the checked-out base branch.

`new` and `drop` change files that belong to the base branch. Left uncommitted, the next
`git commit -am` on a HOWTO branch would carry them there; so they are committed on the base at
once, in the same ref transaction as the branch change, and the work tree and index are then
brought to that commit for those paths only. Nothing else staged or changed is touched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from howtoctl import fsutil
from howtoctl.errors import HowtoError
from howtoctl.git import RefUpdate
from howtoctl.howtos import Workspace


def require_committed(ws: Workspace, paths: Sequence[str], command: str) -> None:
    """Refuse when one of `paths` differs between the work tree (or index) and the base tip:
    committing it would take along a change the user did not ask to commit."""
    staged_or_changed = ws.repo.uncommitted_paths()
    for rel in paths:
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
    """A commit on the base tip with `files` set (None: removed); written, no ref moved."""
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
    moves = [RefUpdate.move(ws.base_ref, new_tip, ws.base_tip)] if new_tip else []
    ws.repo.update_refs([*moves, *updates], reflog_message)
    if not new_tip:
        return
    root = ws.repo.path()
    for rel, data in files.items():
        if data is None:
            fsutil.require_inside(ws.repo.path(rel), root)
            fsutil.remove_file(ws.repo.path(rel))
        else:
            fsutil.write_atomic(ws.repo.path(rel), data, ws.scratch_dir, inside=root)
    ws.repo.stage_worktree_paths(sorted(files))
