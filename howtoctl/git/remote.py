"""Remotes: their URLs, the refs they have, and pushes that change nothing unless every ref
still has the value expected."""

from __future__ import annotations

from collections.abc import Sequence

from howtoctl.git.refs import RefUpdate
from howtoctl.git.run import Git
from howtoctl.model.objects import CommitId


class Remotes:
    """The remote operations of `Repo`."""

    _git: Git

    def remote_url(self, remote: str = "origin") -> str | None:
        proc = self._git.run("config", "--get", f"remote.{remote}.url", check=False)
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    def remote_refs(self, remote: str, prefixes: Sequence[str]) -> dict[str, CommitId]:
        """{full ref: oid} of the remote's refs under each of `prefixes` (full ref prefixes)."""
        out = self._git.text(
            "ls-remote", "--refs", "--end-of-options", remote, *(f"{p}*" for p in prefixes)
        )
        heads = {}
        for line in out.splitlines():
            oid, _, ref = line.partition("\t")
            if ref.startswith(tuple(prefixes)):
                heads[ref] = CommitId(oid)
        return heads

    def push_with_lease(self, remote: str, updates: Sequence[RefUpdate]) -> None:
        """Push each update atomically (`old`: the value the remote must still have, None for
        absent; `new` None deletes).

        Each ref is only changed if the remote still has the expected value (--force-with-lease).
        """
        args = ["push", "--atomic", "--porcelain", "--no-verify"]
        refspecs = []
        for ref, new, expected in updates:
            args.append(f"--force-with-lease={ref}:{expected or ''}")
            refspecs.append(f"{new}:{ref}" if new else f":{ref}")
        self._git.text(*args, remote, *refspecs)
