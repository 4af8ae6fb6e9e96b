"""Outputs the user or the environment names (--junit, $GITHUB_OUTPUT, render's --out): never
into git's own directories, and a refusal (exit 2) writes nothing at all."""

from __future__ import annotations

import os

import pytest


@pytest.mark.parametrize("target", [".git/config", ".git/HEAD", "link.xml", "linked.xml"])
def test_junit_into_dot_git_is_refused(repo_with_howto, tmp_path, target):
    """`test alpha --junit .git/config` once replaced the repository's configuration with the
    JUnit XML (every git command failed afterwards), `--junit .git/HEAD` left a directory git
    no longer took for a repository. A target in git's directories - named, through a link, or
    from a linked work tree whose .git is a file - is refused before anything runs (exit 2,
    nothing changed), as diff-dir, manifest and resolve --path are."""
    r = repo_with_howto
    before = {n: (r.path / ".git" / n).read_bytes() for n in ("config", "HEAD")}
    (r.path / "link.xml").symlink_to(r.path / ".git/config")
    cwd = r.path
    if target == "linked.xml":  # a linked work tree: its git dir is .git/worktrees/wt
        cwd = tmp_path / "wt"
        r.git("worktree", "add", "-q", "--detach", str(cwd), "main")
        (cwd / "linked.xml").symlink_to(r.path / ".git/worktrees/wt/HEAD")
        before["worktrees/wt/HEAD"] = (r.path / ".git/worktrees/wt/HEAD").read_bytes()
    res = r.cli("-C", str(cwd), "test", "alpha", "--junit", target)
    assert {n: (r.path / ".git" / n).read_bytes() for n in before} == before, res
    assert res.code == 2, res
    assert "alpha" not in res.out  # refused before any smoke test ran


@pytest.mark.parametrize("target", [".git/config", "link"])
def test_github_output_inside_dot_git_is_refused(repo_with_howto, target):
    """`matrix --github-output` appended `matrix=...` and `any=...` to whatever GITHUB_OUTPUT
    named, .git/config included (git read the lines as keys of its last section). The same
    rule as for --junit holds: nothing under .git/ is written (exit 2)."""
    r = repo_with_howto
    (r.path / "link").symlink_to(r.path / ".git/config")
    config = (r.path / ".git/config").read_bytes()
    res = r.cli("matrix", "--github-output", env={"GITHUB_OUTPUT": str(r.path / target)})
    assert (r.path / ".git/config").read_bytes() == config, res
    assert res.code == 2, res


def test_github_output_outside_dot_git_is_written(repo_with_howto, tmp_path):
    out = tmp_path / "github_output"
    res = repo_with_howto.cli("matrix", "--github-output", env={"GITHUB_OUTPUT": str(out)})
    assert res.code == 0, res
    assert out.read_text().splitlines()[-1] == "any=true"


@pytest.mark.parametrize("where", [".git", ".git/site"])
def test_render_out_inside_dot_git_is_refused(repo_with_howto, where):
    """`render --out .git` (or any directory under .git) wrote index.html, alpha.html and
    .howtoctl-render.json into the repository's git directory (exit 0). Every other path the
    tool takes is held to 'inside the repository, outside .git'; --out is refused there
    (exit 2) as well."""
    r = repo_with_howto
    before = sorted(os.listdir(r.path / ".git"))
    res = r.cli("render", "--out", str(r.path / where))
    assert sorted(os.listdir(r.path / ".git")) == before, res
    assert res.code == 2, res
