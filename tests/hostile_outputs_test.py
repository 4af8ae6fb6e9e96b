"""Outputs the user or the environment names (--junit, $GITHUB_OUTPUT, render's --out and the
files in it, init's targets): never into git's own directories, never over a file howtoctl did
not write, and a refusal (exit 2) writes nothing at all."""

from __future__ import annotations

import json
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


@pytest.mark.parametrize("command", [("check",), ("test", "alpha")])
def test_step_summary_inside_dot_git_is_refused(repo_with_howto, command):
    """$GITHUB_STEP_SUMMARY, where check, test and prove append their table, is held to the
    same rule: a path into .git is refused before any work (exit 2), git's files unchanged."""
    r = repo_with_howto
    config = (r.path / ".git/config").read_bytes()
    res = r.cli(*command, env={"GITHUB_STEP_SUMMARY": str(r.path / ".git/config")})
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


def test_render_keeps_a_file_it_did_not_write(repo_with_howto):
    """`render` (default --out site/) replaced an existing site/index.html that no earlier
    render wrote - here a committed file - and `render --out DIR` did the same in any
    directory the user named. It refuses (exit 2, naming the file) and writes nothing."""
    r = repo_with_howto
    r.write("site/index.html", "my own landing page\n")
    r.commit("own landing page")
    res = r.cli("render")
    assert r.read("site/index.html") == "my own landing page\n", res
    assert res.code == 2 and "index.html" in res.err, res
    assert sorted(os.listdir(r.path / "site")) == ["index.html"]  # nothing else written


def test_render_removes_only_pages_it_wrote(repo_with_howto):
    """render deleted every page named in the page list (site/.howtoctl-render.json) that it
    did not write this time, trusting the list: a committed list naming docs.html made
    `render` delete the committed site/docs.html. A page it removes must still hold what a
    render wrote (its digest is in the list)."""
    r = repo_with_howto
    r.write("site/docs.html", "hand-written docs\n")
    r.write(
        "site/.howtoctl-render.json",
        json.dumps({"generator": "howtoctl render", "pages": ["docs.html"]}),
    )
    r.commit("site")
    res = r.cli("render")
    assert r.exists("site/docs.html"), res
    assert res.code == 0, res


def test_render_refuses_to_replace_a_page_edited_since(repo_with_howto):
    r = repo_with_howto
    assert r.cli("render").code == 0
    site = r.path / "site"
    page = site / "alpha.html"
    page.write_text(page.read_text() + "<!-- my note -->\n")
    before = {p.name: p.read_bytes() for p in site.iterdir()}
    res = r.cli("render")
    assert res.code == 2 and "alpha.html" in res.err, res
    assert {p.name: p.read_bytes() for p in site.iterdir()} == before


def test_render_leaves_an_old_page_edited_since(repo_with_howto):
    r = repo_with_howto
    r.add_howto("beta", {"ex/train.py": ("line 30\n", "line 30 beta\n")})
    assert r.cli("render").code == 0
    page = r.path / "site" / "beta.html"
    page.write_text(page.read_text() + "<!-- my note -->\n")
    r.git("rm", "-q", "howtos/diffs/beta.diff")
    r.commit("drop beta")
    res = r.cli("render")
    assert res.code == 0, res
    assert page.exists() and "beta.html" in res.err
    marker = json.loads((r.path / "site" / ".howtoctl-render.json").read_text())
    assert "beta.html" not in marker["pages"] and "beta.html" not in marker["sha256"]


def test_render_replaces_the_pages_of_a_render_that_kept_no_digests(repo_with_howto):
    """A page list written before digests were kept: its pages carry render's generator tag,
    so they are still render's to replace and remove."""
    r = repo_with_howto
    r.add_howto("beta", {"ex/train.py": ("line 30\n", "line 30 beta\n")})
    assert r.cli("render").code == 0
    site = r.path / "site"
    marker = json.loads((site / ".howtoctl-render.json").read_text())
    del marker["sha256"]
    (site / ".howtoctl-render.json").write_text(json.dumps(marker))
    (site / "alpha.html").write_text((site / "alpha.html").read_text() + "<!-- older -->\n")
    r.git("rm", "-q", "howtos/diffs/beta.diff")
    r.commit("drop beta")
    res = r.cli("render")
    assert res.code == 0, res
    assert not (site / "beta.html").exists()
    assert "<!-- older -->" not in (site / "alpha.html").read_text()


def test_init_that_cannot_finish_writes_nothing(repo):
    """With a file named .github at the top (so no .github/workflows/ can be made), `howtoctl
    init` created howtos/MAINTAINING.md and .pre-commit-config.yaml, then failed on the
    workflow: exit 2 with two new untracked files. Exit 2 promises nothing changed: every
    target is checked before the first is written."""
    r = repo
    r.write(".github", "not a directory\n")
    r.commit("a file named .github")
    before = r.snapshot()
    res = r.cli("init")
    assert res.code == 2 and ".github" in res.err, res
    assert r.snapshot() == before, (res, r.git("status", "--porcelain"))


def _gitfile_repo(r):
    """Turn `r` into a repository whose .git is a gitfile (as in a submodule, a linked work
    tree or `git init --separate-git-dir`); returns the gitfile's bytes."""
    sep = r.path.parent / "sep.git"
    os.rename(r.path / ".git", sep)
    (r.path / ".git").write_text(f"gitdir: {sep}\n")
    assert r.git("rev-parse", "--git-dir") == str(sep)
    return (r.path / ".git").read_bytes()


@pytest.mark.parametrize(
    ("command", "env"),
    [
        (("check",), "GITHUB_STEP_SUMMARY"),
        (("test", "alpha"), "GITHUB_STEP_SUMMARY"),
        (("matrix", "--github-output"), "GITHUB_OUTPUT"),
        (("test", "alpha", "--junit"), None),
        (("render", "--out"), None),
    ],
)
@pytest.mark.parametrize("through_link", [False, True])
def test_outputs_never_touch_the_repositorys_gitfile(repo_with_howto, command, env, through_link):
    """Where .git is a gitfile (every submodule, linked work trees, separate git dirs) it lies
    in neither git directory, yet it is the only way git finds the repository: `check` once
    appended its table to it (GITHUB_STEP_SUMMARY=.git) and `test --junit .git` replaced it
    with the XML report ("fatal: not a git repository" afterwards). Named, or through a link,
    it is refused before any work (exit 2), the gitfile unchanged."""
    r = repo_with_howto
    gitfile = _gitfile_repo(r)
    target = str(r.path / ".git")
    if through_link:
        (r.path / "out").symlink_to(r.path / ".git")
        target = str(r.path / "out")
    res = r.cli(*command, env={env: target}) if env else r.cli(*command, target)
    assert (r.path / ".git").read_bytes() == gitfile, res
    assert res.code == 2, res
    assert "alpha" not in res.out  # refused before any smoke test ran


def test_junit_never_replaces_a_linked_work_trees_gitfile(repo_with_howto, tmp_path):
    """A linked work tree's .git is a gitfile too: `test --junit .git` run there is refused."""
    r = repo_with_howto
    wt = tmp_path / "wt"
    r.git("worktree", "add", "-q", "--detach", str(wt), "main")
    gitfile = (wt / ".git").read_bytes()
    res = r.cli("-C", str(wt), "test", "alpha", "--junit", ".git")
    assert (wt / ".git").read_bytes() == gitfile, res
    assert res.code == 2, res
