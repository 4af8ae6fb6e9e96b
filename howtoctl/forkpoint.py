"""Where a diff that no longer applies to the base tip was saved from: a commit in the base
branch's history it applies to, so that its branch can be restored there and rebased.

A diff file does not name its base commit. Two places can: this clone's sync record (the fork
point of the branch it was last saved from or restored to), and the base's history: the diff
was made against the files as they were before some later commit changed them.
"""

from __future__ import annotations

from howtoctl import store
from howtoctl.errors import HowtoError
from howtoctl.workspace import Workspace

# Base commits that changed the diff's files, tried newest first: beyond them the search stops.
SEARCH_LIMIT = 200


def find(ws: Workspace, name: str, data: bytes, paths: tuple[str, ...]) -> tuple[str, str] | None:
    """(commit, tree): the newest base commit found that the diff applies to, and the tree it
    gives there; None if there is none within reach (a shallow clone has little history)."""
    for commit in _candidates(ws, name, data, paths):
        try:
            return commit, ws.repo.tree_with_patch(commit, data)
        except HowtoError:
            continue
    return None


def _candidates(ws: Workspace, name: str, data: bytes, paths: tuple[str, ...]):
    record = ws.store.sync(name)
    if (
        record is not None
        and record.fork
        and record.diff_digest == store.digest(data)
        and ws.repo.is_ancestor(record.fork, ws.base_tip)
    ):
        yield record.fork
    # Between two commits that change the diff's files, those files stay as the older one
    # left them: the parent of each such commit is the newest commit with that state.
    for commit in ws.repo.commits_touching(ws.base_tip, paths, SEARCH_LIMIT):
        parent = ws.repo.rev_parse(f"{commit}^")
        if parent is not None:
            yield parent
