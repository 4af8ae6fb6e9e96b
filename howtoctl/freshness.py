"""Whether a HOWTO's saved diff and its branch agree, which side moved when they do not, and
what to run about it."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from howtoctl import store as store_mod
from howtoctl.errors import HowtoError
from howtoctl.model import patch

if TYPE_CHECKING:
    from howtoctl.workspace import Workspace


@dataclasses.dataclass(frozen=True)
class Freshness:
    fresh: bool
    detail: str = ""
    hint: str = ""
    # The hint is to save the branch: wrong advice for a branch behind the base (after `undo`,
    # say), whose diff, saved from an old fork point, may no longer apply.
    saves_branch: bool = False


def in_sync_by_record(
    ws: Workspace,
    name: str,
    saved: bytes,
    tip: str,
    fork: str | None,
    record: store_mod.SyncRecord | None = None,
) -> bool:
    """True when the sync record proves `saved` is what `save` writes for this tip and fork."""
    if not fork:
        return False
    if record is None:
        record = ws.store.sync(name)
    return (
        record is not None
        and (record.tip, record.fork, record.recipe) == (tip, fork, ws.diff_recipe)
        and record.diff_digest == store_mod.digest(saved)
    )


def freshness(
    ws: Workspace, name: str, saved: bytes, tip: str, fork: str | None = None
) -> Freshness:
    """Compare a saved diff with its branch, and say which side moved if they differ.

    With the branch's `fork` point known, a sync record that matches tip, fork, recipe and
    file answers without running git diff: `save` made that file from exactly this state.
    """
    record = ws.store.sync(name)
    if in_sync_by_record(ws, name, saved, tip, fork, record):
        return Freshness(True)
    if ws.branch_diff(name, tip) == saved:
        return Freshness(True)
    branch = ws.config.branch_prefix + name
    if same_change(ws, saved, tip):
        # Fresh would promise that save leaves the file alone; it would rewrite it.
        return Freshness(
            False,
            f"the diff file holds {branch}'s change, but not in the form save writes "
            "(e.g. short index lines)",
            f"rewrite it: howtoctl save {name}",
            saves_branch=True,
        )
    if record is not None:
        branch_moved = record.tip != tip
        diff_moved = record.diff_digest != store_mod.digest(saved)
        if diff_moved and not branch_moved:
            return Freshness(
                False,
                f"the diff file changed since {branch} was last synced (pulled or edited)",
                f"update the branch from it: howtoctl restore {name} --force",
            )
        if diff_moved and branch_moved:
            return Freshness(
                False,
                f"both {branch} and its diff file changed since they were last synced",
                f"keep the branch: howtoctl save {name} --force; keep the diff: "
                f"howtoctl restore {name} --force (either way a backup is kept)",
                saves_branch=True,
            )
    return Freshness(
        False,
        f"{branch} has changes not in its diff",
        f"run howtoctl save {name}",
        saves_branch=True,
    )


def rebase_advice(ws: Workspace, name: str) -> str:
    """What to run for a branch behind the base, conflicts included: never only rebase-all
    and save, which leave a conflicted branch where it is."""
    if ws.store.resolving(name):
        return (
            f"a resolve of it is under way: finish it with howtoctl resolve {name} --continue, "
            f"then howtoctl save {name}"
        )
    return (
        f"howtoctl rebase-all, then howtoctl save {name}; where rebase-all reports a "
        f"conflict, howtoctl resolve {name} first"
    )


def same_change(ws: Workspace, saved: bytes, tip: str) -> bool:
    """Whether `saved`, applied where the branch forked from the base, gives the branch's
    files: the same change as the branch, perhaps written differently. Overwriting such a
    file with what save writes loses nothing."""
    fork = ws.repo.merge_base(ws.base_tip, tip)
    if fork is None:
        return False
    try:
        # git apply passes over what it cannot read (text after the last hunk): a file
        # that is no valid HOWTO diff was edited, and the edit would be lost.
        patch.parse(saved)
        tree = ws.repo.tree_with_patch(fork, saved)
    except HowtoError:
        return False
    return not ws.repo.paths_differing(tree, tip, excludes=ws.config.howtos_paths)
