"""HOWTO metadata (diffs, manifest, proofs) committed on a HOWTO's branch: it belongs to the
base, so save refuses such a branch and check flags it."""

from __future__ import annotations

import posixpath
import shlex
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from howtoctl.workspace import Workspace


def metadata_changes(ws: Workspace, tip: str, fork: str) -> list[str]:
    """The HOWTO metadata paths (diffs, manifest, proofs, all of `howtos/`) branch tip `tip`
    changes since `fork`. They belong to the base: a branch's diff leaves them out, so save
    refuses such a branch and check flags it."""
    parent = posixpath.dirname(ws.config.diff_dir.rstrip("/"))
    areas = [*ws.config.howtos_paths, *([parent] if parent else [])]
    return [
        p
        for p in ws.repo.changed_paths(fork, tip)
        if any(p == a or p.startswith(a.rstrip("/") + "/") for a in areas)
    ]


def metadata_advice(ws: Workspace, name: str, fork: str, touched: list[str]) -> str:
    """How to take `touched` (from `metadata_changes`) off the HOWTO's branch."""
    branch = ws.config.branch_prefix + name
    shown = " ".join(shlex.quote(p) for p in touched)
    return (
        f"take it off the branch: git switch {branch} && git restore --source={fork[:12]} -- "
        f"{shown} && git commit -am 'Leave the HOWTO metadata to {ws.base}', then save "
        f"again from {ws.base} (howtoctl new commits a manifest entry on {ws.base} itself)"
    )
