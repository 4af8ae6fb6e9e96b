import json

import pytest

from howtoctl.model import manifest


def _with_entry(r, name="alpha", title="Alpha"):
    """repo_with_howto plus a committed manifest with entries for `name` and another."""
    r.write(
        "howtos/manifest.toml",
        f'# HOWTOs\n\n[howtos.{name}]\ntitle = "{title}"\n\n'
        f'[[howtos.{name}.exempt]]\nfile = "ex/train.py"\nmatch = "line"\nreason = "r"\n\n'
        '[howtos.other]\ntitle = "Other"\n',
    )
    r.commit("manifest")


def test_drop_removes_diff_entry_and_branch_with_a_backup(repo_with_howto):
    r = repo_with_howto
    _with_entry(r)
    tip = r.rev("howto/alpha")
    base_before = r.rev("main")
    res = r.cli("drop", "alpha", "--json")
    assert res.code == 0, res
    out = json.loads(res.out)
    assert out["removed"] == ["howtos/diffs/alpha.diff"] and out["manifest_entry_removed"]
    assert (out["branch"], out["branch_tip"]) == ("howto/alpha", tip)
    # One commit on the base, with only the HOWTO's files.
    assert out["commit"] == r.rev("main") and r.rev("main^") == base_before
    assert sorted(r.git("show", "--name-only", "--format=", "main").split()) == [
        "howtos/diffs/alpha.diff",
        "howtos/manifest.toml",
    ]
    assert "refs/heads/howto/alpha" not in r.refs()
    assert r.refs()[out["backup"]] == tip
    assert not r.exists("howtos/diffs/alpha.diff")
    assert list(manifest.parse(r.read("howtos/manifest.toml"))) == ["other"]
    assert r.read("howtos/manifest.toml") == '# HOWTOs\n\n[howtos.other]\ntitle = "Other"\n'
    assert r.git("status", "--porcelain") == ""
    # undo brings the branch back from the backup.
    assert r.cli("undo").code == 0
    assert r.rev("howto/alpha") == tip


def test_drop_of_a_branch_only_howto_commits_nothing(repo):
    r = repo
    r.git("branch", "howto/wip")
    base = r.rev("main")
    res = r.cli("drop", "wip", "--json")
    assert res.code == 0, res
    out = json.loads(res.out)
    assert out["commit"] is None and out["removed"] == [] and out["backup"]
    assert r.rev("main") == base and "refs/heads/howto/wip" not in r.refs()


def test_drop_of_a_manifest_only_howto(repo):
    r = repo
    r.write("howtos/manifest.toml", '[howtos.idea]\ntitle = "Idea"\n')
    r.commit("manifest")
    res = r.cli("drop", "idea")
    assert res.code == 0 and "dropped" in res.out, res
    assert manifest.parse(r.read("howtos/manifest.toml")) == {}


@pytest.mark.parametrize("name", ["nope", "Bad Name"])
def test_drop_refuses_an_unknown_name(repo_with_howto, name):
    r = repo_with_howto
    before = r.snapshot()
    res = r.cli("drop", name)
    assert res.code == 2, res
    assert r.snapshot() == before


@pytest.mark.parametrize("how", ["changed", "staged", "diff-edited", "diff-untracked"])
def test_drop_refuses_a_dirty_tree(repo_with_howto, how):
    r = repo_with_howto
    if how == "changed":
        r.write("ex/train.py", "edited\n")
    elif how == "staged":
        r.write("ex/README.md", "edited\n")
        r.git("add", "ex/README.md")
    elif how == "diff-edited":
        r.write("howtos/diffs/alpha.diff", r.read("howtos/diffs/alpha.diff") + "\n")
    else:
        r.git("rm", "-q", "--cached", "howtos/diffs/alpha.diff")
        r.git("commit", "-q", "-m", "untrack the diff")
    before = r.snapshot()
    res = r.cli("drop", "alpha")
    assert res.code == 2 and "nothing was changed" in res.err, res
    assert r.snapshot() == before


def test_drop_refuses_off_the_base_and_a_branch_checked_out_elsewhere(repo_with_howto, tmp_path):
    r = repo_with_howto
    r.git("switch", "-q", "howto/alpha")
    before = r.snapshot()
    assert r.cli("drop", "alpha").code == 2
    assert r.snapshot() == before
    r.git("switch", "-q", "main")
    r.git("worktree", "add", "-q", str(tmp_path / "wt"), "howto/alpha")
    before = r.snapshot()
    res = r.cli("drop", "alpha")
    assert res.code == 2 and "checked out" in res.err, res
    assert r.snapshot() == before


def test_remove_entry_refuses_what_it_cannot_take_out_alone():
    from howtoctl.errors import HowtoError

    text = '[howtos]\nalpha = { title = "A" }\nother = { title = "O" }\n'
    with pytest.raises(HowtoError):
        manifest.remove_entry(text, "alpha")
    kept = '[howtos.a]\ntitle = "A"\n# a note about b\n\n[howtos.b]\ntitle = "B"\n'
    assert manifest.remove_entry(kept, "b") == '[howtos.a]\ntitle = "A"\n# a note about b\n'
