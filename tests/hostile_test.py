"""Hostile input on real repositories: symlinks, special files, control characters, option-like
revisions, diffs whose header and body disagree, read-only and full-disk repositories.

Each refusal must be a clear message with exit 2, write nothing outside the repository and lose
no branch or file.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys

import pytest

from tests.conftest import tree_digest
from tests.gitrepo import GitRepo


def _outside(tmp_path):
    out = tmp_path / "outside"
    out.mkdir()
    (out / "secret.txt").write_text("SECRET outside the repository\n")
    return out


# -- symlinks and special files ----------------------------------------------------------------


def test_render_refuses_a_guide_that_links_outside(repo_with_howto, tmp_path):
    r = repo_with_howto
    outside = _outside(tmp_path)
    os.symlink(outside / "secret.txt", r.path / "howtos" / "MAINTAINING.md")
    r.commit("guide is a link")
    res = r.cli("render", "--out", str(tmp_path / "site"))
    assert res.code == 2, res
    assert "MAINTAINING.md" in res.err and "outside the repository" in res.err
    site = tmp_path / "site"
    assert not site.exists() or all(
        "SECRET" not in p.read_text() for p in site.iterdir() if p.is_file()
    )


def test_render_refuses_a_committed_site_link_to_outside(repo_with_howto, tmp_path):
    r = repo_with_howto
    outside = _outside(tmp_path)
    os.symlink(outside, r.path / "site")
    r.commit("site is a link")
    before = sorted(os.listdir(outside))
    res = r.cli("render")
    assert res.code == 2, res
    assert "site" in res.err
    assert sorted(os.listdir(outside)) == before


def test_render_out_must_be_a_real_directory(repo_with_howto, tmp_path):
    r = repo_with_howto
    outside = _outside(tmp_path)
    os.symlink(outside, tmp_path / "link")
    res = r.cli("render", "--out", str(tmp_path / "link"))
    assert res.code == 2 and "symbolic link" in res.err, res
    assert os.listdir(outside) == ["secret.txt"]


def test_save_refuses_a_diff_dir_linking_outside(repo_with_howto, tmp_path):
    r = repo_with_howto
    outside = _outside(tmp_path)
    shutil.rmtree(r.path / "howtos" / "diffs")
    os.symlink(outside, r.path / "howtos" / "diffs")
    r.commit("diff dir is a link")
    res = r.cli("save", "alpha", "--force")
    assert res.code == 2, res
    assert "outside the repository" in res.err
    assert os.listdir(outside) == ["secret.txt"]


@pytest.mark.parametrize("kind", ["link to /dev/zero", "pipe", "directory"])
def test_a_diff_that_is_no_regular_file_is_refused_quickly(repo_with_howto, kind):
    r = repo_with_howto
    path = r.path / "howtos/diffs/alpha.diff"
    os.unlink(path)
    if kind == "pipe":
        os.mkfifo(path)  # opening it must not wait for a writer
    elif kind == "directory":
        os.mkdir(path)
    else:
        os.symlink("/dev/zero", path)
    why = "outside the repository" if kind.startswith("link") else "not a regular file"
    for cmd in (["check"], ["list"], ["restore", "alpha", "--force"]):
        res = r.cli(*cmd)
        assert res.code == 2, (cmd, res)
        assert "alpha.diff" in res.err and why in res.err, res


def test_a_diff_over_the_size_cap_is_refused(repo_with_howto):
    r = repo_with_howto
    r.write("pyproject.toml", "[tool.howtoctl]\nmax-diff-bytes = 100\n")
    r.commit("small cap")
    res = r.cli("check")
    assert res.code == 2 and "max-diff-bytes" in res.err and "alpha.diff" in res.err, res


def test_render_does_not_inline_a_large_diff_into_the_index(repo, tmp_path):
    text = "".join(f"line {i}\n" for i in range(1, 41))
    repo.write("ex/big.py", text)
    repo.commit("big file")
    repo.git("switch", "-q", "-c", "howto/big")
    repo.write("ex/big.py", "".join(f"changed {i}\n" for i in range(5000)))
    repo.commit("big change")
    repo.git("switch", "-q", "main")
    assert repo.cli("save", "big").code == 0
    repo.commit("save")
    res = repo.cli("render", "--out", str(tmp_path / "site"))
    assert res.code == 0, res
    index = (tmp_path / "site" / "index.html").read_text()
    assert "changed 4999" not in index and 'href="big.html"' in index
    assert ">4999<" in (tmp_path / "site" / "big.html").read_text()


# -- control characters and option-like revisions ----------------------------------------------


def test_a_newline_in_branch_prefix_is_refused(repo_with_howto):
    r = repo_with_howto
    r.git("branch", "victim")
    zero = "0" * 40
    prefix = f"h/x {zero}\\ndelete refs/heads/victim\\nupdate refs/heads/h/"
    r.write("pyproject.toml", f'[tool.howtoctl]\nbranch-prefix = "{prefix}"\n')
    r.commit("hostile prefix")
    before = r.refs()
    res = r.cli("restore", "--all")
    assert res.code == 2 and "branch-prefix" in res.err, res
    assert r.refs() == before


@pytest.mark.parametrize(
    "toml",
    [
        'base = "main\\nx"',
        'diff-dir = "howtos/\\u0007diffs"',
        'manifest = "howtos/m\\u0000.toml"',
        'branch-prefix = "-rf/"',
        'base = "-main"',
    ],
)
def test_control_characters_and_options_in_config_are_refused(repo_with_howto, toml):
    r = repo_with_howto
    r.write("pyproject.toml", f"[tool.howtoctl]\n{toml}\n")
    res = r.cli("list")
    assert res.code == 2 and "[tool.howtoctl]" in res.err, res


def test_update_ref_transactions_cannot_be_injected(repo_with_howto):
    from howtoctl.git import Repo

    r = repo_with_howto
    r.git("branch", "victim")
    repo = Repo(str(r.path))
    tip = r.rev("main")
    from howtoctl.errors import HowtoError

    with pytest.raises(HowtoError):
        repo.update_refs([("refs/heads/x\ndelete refs/heads/victim", tip, None)], "m")
    assert "refs/heads/victim" in r.refs()


def test_option_like_changed_since_writes_no_file(repo_with_howto):
    r = repo_with_howto
    r.git("update-ref", "refs/heads/--output=written", "HEAD")
    r.write("ex/other.txt", "x\n")
    r.commit("more")
    before = r.snapshot()
    res = r.cli("matrix", "--changed-since", "--output=written")
    assert res.code == 0, res
    assert not (r.path / "written").exists()
    assert r.snapshot() == before


@pytest.mark.parametrize("since", [":/base example", ":/^base"])
def test_changed_since_takes_a_commit_message_search(repo_with_howto, since):
    # `:/text` takes the rest of the spelling as the text: no suffix may be glued to it.
    res = repo_with_howto.cli("matrix", "--changed-since", since)
    assert res.code == 0, res
    assert "alpha" in res.out, res


def test_option_like_rev_and_onto_are_revisions(repo_with_howto):
    r = repo_with_howto
    res = r.cli("check", "--rev", "--output=written")
    assert res.code == 2 and "does not name a commit" in res.err, res
    res = r.cli("rebase-all", "--dry-run", "--onto", "--output=written")
    assert res.code == 2 and "does not name a commit" in res.err, res
    assert not (r.path / "written").exists()


# -- diffs whose header and body disagree ------------------------------------------------------


def _copy_diff(repo, target: str) -> bytes:
    """A diff whose `diff --git` line and hunks name ex/train.py, but whose copy headers make git
    create `target`."""
    diff = repo.read("howtos/diffs/alpha.diff").encode()
    head, rest = diff.split(b"\nindex ", 1)
    return (
        head
        + b"\nsimilarity index 90%\ncopy from ex/train.py\ncopy to "
        + target.encode()
        + b"\nindex "
        + rest
    )


@pytest.mark.parametrize("form", ["with hunks", "header only"])
def test_copy_headers_naming_another_file_are_refused(repo_with_howto, form):
    r = repo_with_howto
    if form == "with hunks":
        diff = _copy_diff(r, "ex/evil.py")
    else:  # git applies this: it creates ex/evil.md, which the 'diff --git' line never names
        diff = r.read("howtos/diffs/alpha.diff").encode()
        diff += b"diff --git a/ex/README.md b/ex/README.md\nsimilarity index 100%\n"
        diff += b"copy from ex/README.md\ncopy to ex/evil.md\n"
    r.write("howtos/diffs/alpha.diff", diff)
    r.commit("hostile diff")
    r.git("branch", "-D", "howto/alpha")
    res = r.cli("check")
    assert res.code == 1 and "broken" in res.out and "copy" in res.out, res
    res = r.cli("restore", "alpha")
    assert res.code == 2 and "copy" in res.err, res
    assert "refs/heads/howto/alpha" not in r.refs()


def test_header_and_hunk_paths_must_agree(repo_with_howto):
    r = repo_with_howto
    diff = r.read("howtos/diffs/alpha.diff")
    r.write(
        "howtos/diffs/alpha.diff",
        diff.replace("diff --git a/ex/train.py b/ex/train.py", "diff --git a/ex/x.py b/ex/x.py"),
    )
    res = r.cli("check")
    assert res.code == 1 and "broken" in res.out and "ex/x.py" in res.out, res


# -- paths git lists specially ------------------------------------------------------------------


def test_a_repository_path_with_a_colon_works(tmp_path):
    r = GitRepo.create(tmp_path / "a:b" / "repo", base="main")
    r.write("ex/train.py", "".join(f"line {i}\n" for i in range(1, 41)))
    r.commit("base")
    r.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 alpha\n")})
    r.git("branch", "-D", "howto/alpha")  # no branch: check must apply the diff
    res = r.cli("check")
    assert res.code == 0 and "broken" not in res.out, res


# -- unreadable configuration, odd directories -------------------------------------------------


def test_non_utf8_pyproject_is_a_clear_error(repo_with_howto):
    r = repo_with_howto
    r.write("pyproject.toml", b'[tool.howtoctl]\nbase = "m\xffain"\n')
    res = r.cli("list")
    assert res.code == 2 and "pyproject.toml" in res.err and "UTF-8" in res.err, res


def test_non_utf8_manifest_is_a_clear_error(repo_with_howto):
    r = repo_with_howto
    r.write("howtos/manifest.toml", b'[howtos.alpha]\ntitle = "\xff"\n')
    res = r.cli("list")
    assert res.code == 2 and "manifest.toml" in res.err and "UTF-8" in res.err, res


def test_diff_directory_that_is_a_file(repo_with_howto):
    r = repo_with_howto
    shutil.rmtree(r.path / "howtos" / "diffs")
    r.write("howtos/diffs", "not a directory\n")
    for cmd in (["check", "alpha"], ["save", "alpha", "--force"], ["restore", "alpha"]):
        res = r.cli(*cmd)
        assert res.code == 2 and "howtos/diffs" in res.err, (cmd, res)
    assert r.read("howtos/diffs") == "not a directory\n"


def _run(repo_path, *args, preexec=None, prefix=()):
    return subprocess.run(
        [*prefix, sys.executable, "-m", "howtoctl", "-C", str(repo_path), *args],
        capture_output=True,
        text=True,
        preexec_fn=preexec,
    )


@pytest.fixture
def read_only_repo(tmp_path):
    """A repository howtoctl can read but not write: its write bits taken away, and where the
    tests run as root (who writes anyway), run without the capabilities that override them."""
    r = GitRepo.create(tmp_path / "repo", base="main")
    r.write("ex/train.py", "".join(f"line {i}\n" for i in range(1, 41)))
    r.commit("base")
    r.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 alpha\n")})
    r.replace("ex/train.py", "line 30\n", "line 30 main\n")
    r.commit("base moves")
    prefix = ()
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv to drop CAP_DAC_OVERRIDE")
        prefix = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--")
    subprocess.run(["chmod", "-R", "a-w", str(r.path)], check=True)
    yield r, prefix
    subprocess.run(["chmod", "-R", "u+w", str(r.path)], check=True)


def test_read_only_repository(read_only_repo):
    r, prefix = read_only_repo
    before = r.snapshot()
    p = _run(r.path, "rebase-all", "--dry-run", prefix=prefix)
    assert p.returncode in (0, 1) and "Traceback" not in p.stderr, p
    assert "would-rebase" in p.stdout
    for cmd in (["rebase-all"], ["save", "alpha"], ["restore", "alpha", "--force"], ["undo"]):
        p = _run(r.path, *cmd, prefix=prefix)
        assert p.returncode == 2 and "Traceback" not in p.stderr, (cmd, p)
        assert "read-only" in p.stderr or "ermission denied" in p.stderr, (cmd, p)
    assert r.snapshot() == before


def _small_files_only(limit):
    def preexec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


def test_rebase_all_on_a_full_disk(repo_with_howto):
    """git itself runs out of room (its children are killed by SIGXFSZ)."""
    r = repo_with_howto
    r.replace("ex/train.py", "line 30\n", "line 30 main\n")
    r.commit("base moves")
    before = r.branches()
    p = _run(r.path, "rebase-all", preexec=_small_files_only(100))
    assert p.returncode == 2 and "Traceback" not in p.stderr, p
    assert "no branch was moved" in p.stderr
    assert r.branches() == before
    assert r.git("fsck", "--no-progress") == ""


# -- bugs are not findings ---------------------------------------------------------------------


def test_an_unexpected_exception_exits_3_with_a_bug_hint(repo_with_howto, monkeypatch):
    from howtoctl import inspection

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(inspection, "inspect", boom)
    res = repo_with_howto.cli("check")
    assert res.code == 3, res
    assert "bug" in res.err and "kaboom" in res.err and "Traceback" not in res.err
    assert "HOWTOCTL_DEBUG=1" in res.err
    res = repo_with_howto.cli("check", env={"HOWTOCTL_DEBUG": "1"})
    assert res.code == 3 and "Traceback" in res.err
    res = repo_with_howto.cli("--debug", "check")
    assert res.code == 3 and "Traceback" in res.err


def test_nothing_outside_the_repository_changes(repo_with_howto, tmp_path):
    """The whole hostile set above, once more in one repository: the outside stays as it was."""
    r = repo_with_howto
    outside = _outside(tmp_path)
    digest = tree_digest(outside)
    os.symlink(outside / "secret.txt", r.path / "howtos" / "MAINTAINING.md")
    os.symlink(outside, r.path / "site")
    for cmd in (["render"], ["save", "--all", "--force"], ["check"], ["list"]):
        r.cli(*cmd)
    assert tree_digest(outside) == digest


# -- configuration that points outside the repository --------------------------------------------


@pytest.mark.parametrize("example", ["{outside}", "../outside", "ex/../../outside"])
def test_test_refuses_a_manifest_example_outside_the_repository(repo_with_howto, tmp_path, example):
    r = repo_with_howto
    outside = _outside(tmp_path)
    # pytest would import this conftest.py if it ran there: it leaves a file behind.
    (outside / "conftest.py").write_text(f"open({str(outside / 'ran')!r}, 'w').close()\n")
    entry = f'[howtos.alpha]\nexample = "{example.format(outside=outside)}"\n'
    r.write("howtos/manifest.toml", entry)
    r.commit("manifest example outside")
    before = r.snapshot()
    res = r.cli("test", "alpha")
    assert res.code == 2, res
    assert "example" in res.err and "inside the repository" in res.err
    assert not (outside / "ran").exists()
    assert r.snapshot() == before


@pytest.mark.parametrize(
    "setting",
    [
        'diff-dir = ".git/diffs"',
        'manifest = ".git/manifest.toml"',
        'diff-dir = "howtos/.git"',
        'manifest = "/tmp/manifest.toml"',
    ],
)
def test_configured_paths_inside_git_directory_are_refused(repo_with_howto, setting):
    r = repo_with_howto
    r.write("pyproject.toml", f"[tool.howtoctl]\n{setting}\n")
    r.commit("config points into .git")
    before = r.snapshot()
    for command in (["list"], ["save", "alpha"], ["check"]):
        res = r.cli(*command)
        assert res.code == 2, (command, res)
        assert "inside the repository, outside .git" in res.err
    assert r.snapshot() == before


@pytest.mark.parametrize("text", ["tool = 3\n", 'tool = "howtoctl"\n', "tool = [1]\n"])
def test_a_tool_key_that_is_no_table_is_a_clear_error(repo_with_howto, text):
    r = repo_with_howto
    r.write("pyproject.toml", text)
    r.commit("odd pyproject")
    before = r.snapshot()
    res = r.cli("list")
    assert res.code == 2, res
    assert "[tool] in pyproject.toml must be a table" in res.err
    assert r.snapshot() == before


def test_a_howto_changing_a_file_whose_name_has_a_space_saves_checks_and_restores(repo):
    r = repo
    r.write("ex/my data.py", "x = 1\n")
    r.commit("a file with a space in its name")
    r.add_howto("spaced", {"ex/my data.py": ("x = 1\n", "x = 2\n")})
    assert "+++ b/ex/my data.py\t" in r.read("howtos/diffs/spaced.diff")
    res = r.cli("check", "--json")
    assert res.code == 0, res
    r.git("branch", "-D", "howto/spaced")
    assert r.cli("restore", "spaced").code == 0
    assert r.git("show", "howto/spaced:ex/my data.py") == "x = 2"


def test_init_refuses_a_workflows_link_into_the_git_directory(repo):
    r = repo
    os.symlink(".git", r.path / ".github")
    before = r.snapshot()
    hooks = sorted(os.listdir(r.path / ".git"))
    res = r.cli("init")
    assert res.code == 2 and "git's own directory" in res.err, res
    assert sorted(os.listdir(r.path / ".git")) == hooks
    assert r.snapshot() == before


def test_save_refuses_a_diff_dir_linking_into_the_git_directory(repo_with_howto):
    r = repo_with_howto
    shutil.rmtree(r.path / "howtos" / "diffs")
    os.symlink("../.git", r.path / "howtos" / "diffs")
    r.commit("diff dir is a link into .git")
    res = r.cli("save", "alpha", "--force")
    assert res.code == 2 and "git's own directory" in res.err, res
    assert not (r.path / ".git" / "alpha.diff").exists()
