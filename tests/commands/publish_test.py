import subprocess

import pytest

from howtoctl.commands import publish
from tests.gitrepo import GitRepo


@pytest.fixture
def clone_with_remote(repo, tmp_path):
    repo.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 a\n")})
    repo.add_howto("beta", {"ex/train.py": ("line 25\n", "line 25 b\n")})
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(remote)], check=True)
    subprocess.run(
        ["git", "-C", str(remote), "branch", "-D", "howto/alpha", "howto/beta"],
        check=True,
        capture_output=True,
    )
    subprocess.run(["git", "clone", "-q", str(remote), str(tmp_path / "ci")], check=True)
    ci = GitRepo(tmp_path / "ci", "main")
    ci.git("config", "user.name", "CI")
    ci.git("config", "user.email", "ci@example.com")
    return ci, remote


def _remote_heads(remote):
    out = subprocess.run(
        [
            "git",
            "-C",
            str(remote),
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            "refs/heads/howto/",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split() for line in out.splitlines())


def test_publish_pushes_restored_branches_and_is_idempotent(clone_with_remote):
    ci, remote = clone_with_remote
    assert ci.cli("publish").code == 2  # no local branches yet: says to restore first
    assert ci.cli("restore", "--all").code == 0
    res = ci.cli("publish")
    assert res.code == 0, res
    assert _remote_heads(remote) == ci.branches()
    # A second CI run on the same base restores identical commits: nothing to push.
    for ref in list(ci.branches()):
        ci.git("update-ref", "-d", ref)
    ci.cli("restore", "--all")
    assert ci.branches() == _remote_heads(remote)
    res = ci.cli("publish")
    assert res.code == 0 and "already has every" in res.err


def test_publish_deletes_branches_of_removed_howtos(clone_with_remote):
    ci, remote = clone_with_remote
    ci.cli("restore", "--all")
    ci.cli("publish")
    ci.git("rm", "-q", "howtos/diffs/beta.diff")
    ci.commit("drop beta")
    ci.git("branch", "-D", "howto/beta")
    res = ci.cli("publish")  # without --prune: listed, left alone
    assert res.code == 0 and "howto/beta" in res.out and "--prune" in res.out, res
    assert set(_remote_heads(remote)) == {"refs/heads/howto/alpha", "refs/heads/howto/beta"}
    res = ci.cli("publish", "--prune")
    assert res.code == 0 and "delete" in res.out
    assert set(_remote_heads(remote)) == {"refs/heads/howto/alpha"}


def _push_branch(tmp_path, remote, branch, name="dev"):
    """Someone pushes `branch` with a commit of their own to the remote."""
    dev = GitRepo(tmp_path / name, "main")
    if not dev.path.exists():
        subprocess.run(["git", "clone", "-q", str(remote), str(dev.path)], check=True)
        dev.git("config", "user.name", "Dev")
        dev.git("config", "user.email", "dev@example.com")
    dev.git("fetch", "-q", "origin")
    exists = dev.git("ls-remote", "origin", f"refs/heads/{branch}")
    dev.git("switch", "-q", "-C", branch, f"origin/{branch}" if exists else "origin/main")
    dev.write(f"ex/{branch.replace('/', '-')}.txt", "unfinished work\n")
    dev.commit(f"work on {branch}")
    dev.git("push", "-q", "origin", branch)
    return dev.rev("HEAD")


def test_publish_never_deletes_branches_it_did_not_publish(clone_with_remote, tmp_path):
    ci, remote = clone_with_remote
    theirs = {
        f"refs/heads/{b}": _push_branch(tmp_path, remote, b)
        for b in ("howto/gamma", "howto/alice/wip", "howto/Not_Valid")
    }
    ci.cli("restore", "--all")
    for args in (["publish"], ["publish", "--prune"]):
        res = ci.cli(*args)
        assert res.code == 0, res
        heads = _remote_heads(remote)
        assert {ref: heads.get(ref) for ref in theirs} == theirs
        assert "howto/alice/wip" in res.out and "left alone" in res.out


def test_prune_keeps_a_removed_howtos_branch_with_new_work(clone_with_remote, tmp_path):
    ci, remote = clone_with_remote
    ci.cli("restore", "--all")
    assert ci.cli("publish").code == 0
    theirs = _push_branch(tmp_path, remote, "howto/beta")  # work pushed on top of the published
    ci.git("rm", "-q", "howtos/diffs/beta.diff")
    ci.commit("drop beta")
    ci.git("branch", "-D", "howto/beta")
    res = ci.cli("publish", "--prune")
    assert res.code == 0 and "left alone" in res.out, res
    assert _remote_heads(remote)["refs/heads/howto/beta"] == theirs


def test_publish_does_not_overwrite_work_pushed_to_a_howto_branch(clone_with_remote, tmp_path):
    ci, remote = clone_with_remote
    ci.cli("restore", "--all")
    assert ci.cli("publish").code == 0
    theirs = _push_branch(tmp_path, remote, "howto/alpha")
    ci.replace("ex/README.md", "An example.", "Changed.")
    ci.commit("base moves")
    ci.cli("restore", "--all", "--force")
    res = ci.cli("publish")
    assert res.code == 1 and "howto/alpha" in res.out and "left alone" in res.out, res
    assert _remote_heads(remote)["refs/heads/howto/alpha"] == theirs


def test_publish_lease_protects_concurrent_remote_changes(clone_with_remote, tmp_path):
    ci, remote = clone_with_remote
    ci.cli("restore", "--all")
    ci.cli("publish")
    # Someone pushes to the remote branch after our ls-remote: simulate by planning with stale values.
    stale = _remote_heads(remote)
    other = GitRepo(tmp_path / "other", "main")
    subprocess.run(["git", "clone", "-q", str(remote), str(other.path)], check=True)
    other.git("config", "user.name", "O")
    other.git("config", "user.email", "o@example.com")
    other.git("switch", "-q", "howto/alpha")
    other.write("ex/new.txt", "x\n")
    other.commit("someone else")
    other.git("push", "-q", "origin", "howto/alpha")
    ci.replace("ex/README.md", "An example.", "Changed.")
    ci.commit("base moves")
    ci.cli("restore", "--all", "--force")
    from howtoctl.errors import HowtoError
    from howtoctl.workspace import Workspace

    ws = Workspace(str(ci.path))
    p = publish.plan(
        local=ws.branches(),
        remote=stale,
        published={ref[len(ws.prefix_ref) :]: oid for ref, oid in stale.items()},
        keep=set(ws.diff_names()),
        removed=set(),
        branch_prefix=ws.config.branch_prefix,
        prune=False,
    )
    assert p.updates
    with pytest.raises(HowtoError):
        ws.repo.push_with_lease("origin", p.updates)
    assert _remote_heads(remote)["refs/heads/howto/alpha"] == other.rev(
        "howto/alpha"
    )  # nothing lost


def test_plan_is_pure():
    p = publish.plan(
        local={"a": "1", "b": "2", "c": "3"},
        remote={
            "refs/heads/howto/a": "1",
            "refs/heads/howto/c": "7",  # not what we published
            "refs/heads/howto/z": "9",  # published, HOWTO removed
            "refs/heads/howto/y": "8",  # published, but moved since
            "refs/heads/howto/n/x": "6",  # nested: never ours
        },
        published={"z": "9", "y": "5"},
        keep={"a", "b", "c"},
        removed={"z", "y"},
        branch_prefix="howto/",
        prune=True,
    )
    assert p.updates == [
        ("refs/heads/howto/b", "2", None),
        ("refs/heads/howto/z", None, "9"),
    ]
    assert [ref for ref, _ in p.left_alone] == [
        "refs/heads/howto/c",
        "refs/heads/howto/n/x",
        "refs/heads/howto/y",
    ]


def test_publish_unknown_remote(repo_with_howto):
    res = repo_with_howto.cli("publish", "--remote", "nope")
    assert res.code == 2 and "no remote 'nope'" in res.err


def test_branches_published_before_records_existed_are_still_updated(clone_with_remote):
    ci, remote = clone_with_remote
    ci.cli("restore", "--all")
    ci.git("push", "-q", "origin", "howto/alpha", "howto/beta")  # as publish did, without records
    ci.git("fetch", "-q", "origin")
    ci.replace("ex/README.md", "An example.", "Changed.")
    ci.commit("base moves")
    ci.cli("restore", "--all", "--force")
    res = ci.cli("publish")
    assert res.code == 0 and "left alone" not in res.out, res
    assert _remote_heads(remote) == ci.branches()


def _amend_on_remote(tmp_path, remote, branch):
    """A reviewer adds a line to the published commit with `commit --amend --no-edit` (keeping
    restore's message) and force-pushes it."""
    dev = GitRepo(tmp_path / "reviewer", "main")
    subprocess.run(["git", "clone", "-q", str(remote), str(dev.path)], check=True)
    dev.git("config", "user.name", "Reviewer")
    dev.git("config", "user.email", "reviewer@example.com")
    dev.git("switch", "-q", branch)
    dev.write("ex/train.py", dev.read("ex/train.py") + "# reviewer work\n")
    dev.git("commit", "-q", "-a", "--amend", "--no-edit")
    dev.git("push", "-q", "-f", "origin", branch)
    return dev.rev("HEAD")


def test_an_amended_restored_commit_is_not_replaced_or_pruned(clone_with_remote, tmp_path):
    ci, remote = clone_with_remote
    ci.cli("restore", "--all")
    assert ci.cli("publish").code == 0
    theirs = _amend_on_remote(tmp_path, remote, "howto/alpha")
    ci.replace("ex/README.md", "An example.", "Changed.")
    ci.commit("base moves")
    assert ci.cli("rebase-all").code == 0
    ci.git("fetch", "-q", "origin")  # the amended commit, with restore's message, is now local
    res = ci.cli("publish")
    assert res.code == 1 and "update         howto/alpha" not in res.out, res
    assert "left alone     howto/alpha" in res.out, res
    assert _remote_heads(remote)["refs/heads/howto/alpha"] == theirs
    ci.git("rm", "-q", "howtos/diffs/alpha.diff")
    ci.commit("drop alpha")
    ci.git("branch", "-D", "howto/alpha")
    res = ci.cli("publish", "--prune")
    assert "left alone     howto/alpha" in res.out and "delete" not in res.out, res
    assert _remote_heads(remote)["refs/heads/howto/alpha"] == theirs


def test_a_commit_with_restores_message_but_other_files_is_not_ours(clone_with_remote, tmp_path):
    # Pushed before records existed, then amended: the message alone proves nothing.
    ci, remote = clone_with_remote
    ci.cli("restore", "--all")
    ci.git("push", "-q", "origin", "howto/alpha", "howto/beta")  # as publish did, without records
    theirs = _amend_on_remote(tmp_path, remote, "howto/alpha")
    ci.git("fetch", "-q", "origin")
    ci.replace("ex/README.md", "An example.", "Changed.")
    ci.commit("base moves")
    ci.cli("restore", "--all", "--force")
    res = ci.cli("publish")
    assert res.code == 1 and "howto/alpha" in res.out and "left alone" in res.out, res
    assert _remote_heads(remote)["refs/heads/howto/alpha"] == theirs
    assert _remote_heads(remote)["refs/heads/howto/beta"] == ci.branches()["refs/heads/howto/beta"]
