import dataclasses

from howtoctl import freshness
from howtoctl.workspace import Workspace


def test_fork_points_and_quick_freshness_agree_with_git(repo_with_howto):
    r = repo_with_howto
    ws = Workspace(str(r.path))
    tip = r.rev("howto/alpha")
    forks = ws.fork_points({"alpha": tip})
    assert forks["alpha"] == r.git("merge-base", "main", tip)
    saved = (r.path / "howtos/diffs/alpha.diff").read_bytes()
    assert freshness.freshness(
        ws, "alpha", saved, tip, forks["alpha"]
    ).fresh  # from the sync record

    # A record that no longer matches sends freshness to git: the answer stays right.
    record = ws.store.sync("alpha")
    ws.store.write_sync("alpha", dataclasses.replace(record, fork="0" * 40))
    assert freshness.freshness(ws, "alpha", saved, tip, forks["alpha"]).fresh
    edited = saved.replace(b"changed by alpha", b"changed by someone")
    assert not freshness.freshness(ws, "alpha", edited, tip, forks["alpha"]).fresh
