"""`howtoctl publish`: make the remote's `howto/*` branches match the local ones (CI, on push to base).

Branches are pushed with --force-with-lease against the values just read from the remote, all
in one atomic push; remote `howto/*` branches whose HOWTO no longer has a diff file are deleted.
"""

from __future__ import annotations

from howtoctl import output
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.howtos import HEADS, Workspace


def plan(
    local: dict[str, str], remote: dict[str, str], keep: set[str], prefix_ref: str
) -> list[tuple[str, str | None, str | None]]:
    """(ref, new or None to delete, expected remote value) for every ref that must change (pure)."""
    updates = []
    for name, oid in sorted(local.items()):
        if name not in keep:
            continue
        ref = prefix_ref + name
        if remote.get(ref) != oid:
            updates.append((ref, oid, remote.get(ref)))
    for ref, oid in sorted(remote.items()):
        if ref[len(prefix_ref) :] not in keep:
            updates.append((ref, None, oid))
    return updates


def run(ws: Workspace, remote: str = "origin", dry_run: bool = False) -> int:
    if ws.repo.remote_url(remote) is None:
        raise HowtoError(f"there is no remote {remote!r}", "name one with --remote")
    keep = set(ws.diff_names())
    local = ws.branches()
    missing = sorted(keep - set(local))
    if missing:
        raise HowtoError(
            f"no local branch for {', '.join(missing)}; publishing would delete nothing but push an incomplete set",
            "create them first: howtoctl restore --all",
        )
    remote_heads = ws.repo.remote_heads(remote, ws.config.branch_prefix)
    updates = plan(local, remote_heads, keep, ws.prefix_ref)
    if not updates:
        output.info(f"{remote} already has every {ws.config.branch_prefix}* branch as it is here")
        return EXIT_OK
    for ref, new, old in updates:
        status = "delete" if new is None else ("update" if old else "create")
        output.status_line(
            ref[len(HEADS) :], ("would-" if dry_run else "") + status, (new or old or "")[:12]
        )
    if not dry_run:
        ws.repo.push_with_lease(remote, updates)
        output.info(f"pushed {len(updates)} ref update(s) to {remote} in one atomic push")
    return EXIT_OK
