"""`howtoctl publish`: make the remote's `howto/*` branches match the local ones (CI, on push to base).

Branches are pushed with --force-with-lease against the values just read from the remote, all
in one atomic push. Next to each branch it pushes, publish records what it pushed under
`refs/howtoctl/published/<branch>` on the remote: the only way to know later which remote
branches are its own. It only ever replaces or deletes a remote branch that still holds exactly
what it published (or that it can fast-forward); a branch someone else pushed, with review work or
with a name that is no HOWTO's, is listed and left alone. Deleting needs `--prune`, and only
removes branches whose HOWTO's diff file was removed on the base branch.
"""

from __future__ import annotations

import dataclasses

from howtoctl import output
from howtoctl.errors import EXIT_OK, EXIT_PROBLEMS, HowtoError
from howtoctl.git import RefUpdate
from howtoctl.model import names
from howtoctl.model.names import BranchRef, short_branch
from howtoctl.statuses import Change
from howtoctl.workspace import Workspace

PUBLISHED_ROOT = "refs/howtoctl/published/"


@dataclasses.dataclass(frozen=True)
class Plan:
    updates: list[RefUpdate]  # `old`: what the remote must still have
    left_alone: list[tuple[str, str]]  # (ref, why)


def plan(
    local: dict[str, str],
    remote: dict[str, str],
    published: dict[str, str],
    keep: set[str],
    removed: set[str],
    branch_prefix: str,
    prune: bool,
    is_ancestor=lambda old, new: False,
    restored=lambda name, oid: False,
) -> Plan:
    """What to push and what to leave alone (pure but for the two questions passed in).

    `local`: {name: tip} of the HOWTOs to publish; `remote`: {ref: oid} of the remote's branches
    under the prefix; `published`: {name: oid} publish last pushed; `keep`: names with a diff
    file; `removed`: names whose diff file the base branch once had and has no more.
    `restored(name, oid)`: whether oid is exactly a commit `restore` made from that HOWTO's
    diff, tree included, with nothing on top (what publish pushed before it kept records).
    """
    updates, left_alone = [], []

    def ours(name: str, oid: str) -> bool:
        return published.get(name) == oid or restored(name, oid)

    for name, oid in sorted(local.items()):
        if name not in keep:
            continue
        ref = BranchRef.of_howto(branch_prefix, name)
        current = remote.get(ref)
        if current == oid:
            continue
        if current is None or ours(name, current) or is_ancestor(current, oid):
            updates.append(RefUpdate(ref, oid, current))
        else:
            left_alone.append((ref, "holds commits howtoctl did not publish"))
    for ref, oid in sorted(remote.items()):
        name = short_branch(ref)[len(branch_prefix) :]
        if name in keep and name in local:
            continue
        if names.name_from_branch("", name) is None:
            left_alone.append((ref, "not a HOWTO branch name"))
        elif not ours(name, oid):
            left_alone.append((ref, "not published by howtoctl (or changed since)"))
        elif name not in removed:
            left_alone.append((ref, "its HOWTO was never removed on the base branch"))
        elif not prune:
            left_alone.append((ref, "its HOWTO was removed; delete it with --prune"))
        else:
            updates.append(RefUpdate.delete(ref, oid))
    return Plan(updates, left_alone)


def _removed_howtos(ws: Workspace, candidates: set[str]) -> set[str]:
    """Names whose diff file the base branch had in its history and has no more."""
    present = set(ws.repo.ls_tree_names(ws.base_tip, ws.config.diff_dir))
    removed = set()
    for name in candidates:
        rel = ws.diff_relpath(name)
        if f"{name}.diff" in present:
            continue
        if ws.repo.touched_in_history(ws.base_tip, rel):
            removed.add(name)
    return removed


def _restored_commit(ws: Workspace, name: str, oid: str) -> bool:
    """Whether `oid` is here and is exactly a commit `howtoctl restore` made from NAME's diff file.

    The message alone proves nothing (`git commit --amend --no-edit` keeps it): the commit must
    have one parent on the base branch, and its tree must be what that parent's copy of the
    diff file, applied to it, gives. Replacing such a commit loses nothing: its content is
    rebuilt from the base branch's history.
    """
    from howtoctl.commands import restore

    message = ws.repo.commit_message(oid)
    if message is None:
        return False
    if not message.decode(errors="replace").endswith(
        restore.commit_message(ws, name).split("\n\n", 1)[1]
    ):
        return False
    commit = ws.repo.read_commits([oid])[oid]
    if len(commit.parents) != 1 or not ws.repo.is_ancestor(commit.parents[0], ws.base_tip):
        return False
    parent = commit.parents[0]
    data = ws.repo.show_file(parent, ws.diff_relpath(name))
    if data is None:
        return False
    try:
        # A throwaway object directory: asking must not add objects to the repository.
        with ws.repo.throwaway_objects() as scratch:
            tree = scratch.tree_with_patch(parent, data)
    except HowtoError:
        return False
    return tree == commit.tree


def _check_remote(ws: Workspace, remote: str) -> None:
    if remote.startswith("-") or any(ord(c) < 0x20 for c in remote):
        raise HowtoError(f"{remote!r} is not a remote name", "name one with --remote")
    if ws.repo.remote_url(remote) is None:
        raise HowtoError(f"there is no remote {remote!r}", "name one with --remote")


def plan_push(ws: Workspace, remote: str, prune: bool) -> tuple[Plan, set[str], dict[str, str]]:
    """The push plan, the HOWTOs to keep, and what the remote records as published (name: tip)."""
    keep = set(ws.diff_names())
    local = ws.branches()
    missing = sorted(keep - set(local))
    if missing:
        raise HowtoError(
            f"no local branch for {', '.join(missing)}; publishing would push an incomplete set",
            "create them first: howtoctl restore --all",
        )
    prefix = ws.config.branch_prefix
    heads = ws.repo.remote_refs(remote, [BranchRef.of(prefix), PUBLISHED_ROOT + prefix])
    remote_heads = {r: o for r, o in heads.items() if r.startswith(ws.prefix_ref)}
    published = {
        r[len(PUBLISHED_ROOT) + len(prefix) :]: o
        for r, o in heads.items()
        if r.startswith(PUBLISHED_ROOT + prefix)
    }
    ours = {r[len(ws.prefix_ref) :] for r in remote_heads}
    removed = _removed_howtos(ws, {n for n in ours - keep if names.name_from_branch("", n)})
    p = plan(
        {n: o for n, o in local.items() if n in keep},
        remote_heads,
        published,
        keep,
        removed,
        prefix,
        prune,
        ws.repo.is_ancestor,
        lambda name, oid: _restored_commit(ws, name, oid),
    )
    return p, keep, published


def push(ws: Workspace, remote: str, p: Plan, published: dict[str, str]) -> None:
    """Each branch and its record move together, both leased, in the same atomic push."""
    records = [
        RefUpdate(PUBLISHED_ROOT + short_branch(ref), new, published.get(ref[len(ws.prefix_ref) :]))
        for ref, new, _ in p.updates
    ]
    ws.repo.push_with_lease(remote, [*p.updates, *records])


def report(p: Plan, dry_run: bool) -> None:
    for ref, new, old in p.updates:
        output.status_line(
            short_branch(ref), _push_status(new, old, dry_run), (new or old or "")[:12]
        )


def _push_status(new: str | None, old: str | None, dry_run: bool) -> Change:
    """What the push does to a remote branch (`new` None: deletes it; `old` None: creates it)."""
    if new is None:
        return Change.WOULD_DELETE if dry_run else Change.DELETE
    if old:
        return Change.WOULD_UPDATE if dry_run else Change.UPDATE
    return Change.WOULD_CREATE if dry_run else Change.CREATE


def run(
    ws: Workspace, *, remote: str = "origin", dry_run: bool = False, prune: bool = False
) -> int:
    _check_remote(ws, remote)
    p, keep, published = plan_push(ws, remote, prune)
    for ref, why in p.left_alone:
        output.status_line(short_branch(ref), Change.LEFT_ALONE, why)
    if not p.updates and not p.left_alone:
        output.info(f"{remote} already has every {ws.config.branch_prefix}* branch as it is here")
    report(p, dry_run)
    if p.updates and not dry_run:
        push(ws, remote, p, published)
        output.info(f"pushed {len(p.updates)} branch update(s) to {remote} in one atomic push")
    return EXIT_PROBLEMS if _blocked(p, keep, ws) else EXIT_OK


def _blocked(p: Plan, keep: set[str], ws: Workspace) -> bool:
    """Whether a HOWTO could not be published (its remote branch holds other work)."""
    return any(ref[len(ws.prefix_ref) :] in keep for ref, _ in p.left_alone)
