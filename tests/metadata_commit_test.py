"""new and drop commit on the base branch, move refs, then bring the work tree and index to that
commit: exit 2 only when nothing changed, never a staged revert left behind, and the commit
signed by the user."""

from __future__ import annotations

import os
import subprocess
import sys

from tests import processes


def _manifest(r, text):
    r.write("howtos/manifest.toml", text)
    r.commit("manifest")


def test_drop_with_a_held_index_lock_changes_nothing(repo_with_howto):
    """A held .git/index.lock (a git commit waiting in its editor) is refused before any ref
    moves: exit 2 means main, the branch and the work tree are as they were."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    before = r.snapshot()
    (r.path / ".git/index.lock").write_text("")
    res = r.cli("drop", "alpha")
    os.unlink(r.path / ".git/index.lock")
    assert res.code == 2, res
    assert "index.lock" in res.err
    assert r.snapshot() == before, "drop refused yet moved main / deleted the branch"


def test_new_with_a_held_index_lock_changes_nothing(repo_with_howto):
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    before = r.snapshot()
    (r.path / ".git/index.lock").write_text("")
    res = r.cli("new", "gamma")
    os.unlink(r.path / ".git/index.lock")
    assert res.code == 2, res
    assert r.snapshot() == before, "new refused yet committed on main / made howto/gamma"


def test_a_failure_after_the_refs_moved_is_exit_1_saying_what_was_done(repo_with_howto):
    """Once main moved, a failing work-tree write is no "nothing changed" (exit 2): exit 1,
    naming the new tip and how to finish; the rerun finishes it."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    failing = (
        "import sys\n"
        "from howtoctl import cli, fsutil\n"
        "from howtoctl.errors import HowtoError\n"
        "def refuse(*a, **k):\n"
        "    raise HowtoError('cannot write: No space left on device')\n"
        "fsutil.write_files = refuse\n"
        f"sys.exit(cli.main(['-C', {str(r.path)!r}, 'new', 'gamma']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", failing], capture_output=True, text=True)
    assert proc.returncode == 1, proc
    assert r.rev("main")[:12] in proc.stderr and "howtoctl new gamma" in proc.stderr, proc.stderr
    assert r.rev("howto/gamma") == r.rev("main")
    r.cli("new", "gamma")
    assert r.git("status", "--porcelain") == "", r.git("status", "--porcelain")


def test_new_under_git_literal_pathspecs(repo_with_howto):
    """GIT_LITERAL_PATHSPECS (and the other pathspec variables) would make git read howtoctl's
    `:(top,literal)` magic as part of the name: git runs with them cleared."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    res = r.cli("new", "gamma", env={"GIT_LITERAL_PATHSPECS": "1"})
    assert res.code == 0, res
    assert r.git("status", "--porcelain") == ""


def test_new_killed_after_its_commit_leaves_no_staged_revert(repo_with_howto):
    """Killed between moving main and writing the work tree, new leaves the index with the old
    manifest: a staged change taking gamma's entry out again. The rerun brings it to main."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    proc = processes.killed_at_work_tree_write(r, "new", "gamma")
    assert proc.returncode == -9, proc
    assert r.git("status", "--porcelain") != ""
    r.cli("new", "gamma")
    assert r.git("status", "--porcelain") == "", r.git("status", "--porcelain")
    assert "[howtos.gamma]" in r.read("howtos/manifest.toml")


def test_drop_killed_after_its_commit_leaves_no_staged_revert(repo_with_howto):
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n\n[howtos.other]\ntitle = "Other"\n')
    proc = processes.killed_at_work_tree_write(r, "drop", "alpha")
    assert proc.returncode == -9, proc
    r.cli("drop", "alpha")
    assert r.git("status", "--porcelain") == "", r.git("status", "--porcelain")
    assert not (r.path / "howtos/diffs/alpha.diff").exists()


def test_a_staged_change_of_the_users_is_not_taken_for_an_interrupted_sync(repo_with_howto):
    """The repair only finishes howtoctl's own sync (main's last reflog entry is its new or
    drop): a revert the user staged after their own commit is left alone."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    r.write("howtos/manifest.toml", '[howtos.alpha]\ntitle = "Alpha, renamed"\n')
    r.commit("rename")
    r.git("revert", "--no-commit", "HEAD")
    staged = r.git("status", "--porcelain")
    r.cli("new", "gamma")
    assert r.git("status", "--porcelain") == staged


def test_new_with_a_committed_symlinked_manifest_says_it_is_a_link(repo_with_howto):
    """A committed symbolic-link manifest is refused as a link (exit 2, nothing changed), not
    as "uncommitted changes" that git status does not show."""
    r = repo_with_howto
    r.write("howtos/real.toml", '[howtos.alpha]\ntitle = "Alpha"\n')
    os.symlink("real.toml", r.path / "howtos/manifest.toml")
    r.commit("manifest as a link")
    assert r.git("status", "--porcelain") == ""
    before = r.snapshot()
    res = r.cli("new", "gamma")
    assert res.code == 2, res
    assert "symbolic link" in res.err and "uncommitted changes" not in res.err, res.err
    assert r.snapshot() == before


def test_new_without_an_identity_does_not_commit_on_the_base_as_howtoctl(
    repo_with_howto, monkeypatch
):
    """The fallback identity signs derived commits only: the commit new makes on main, which
    the user pushes, needs the user's identity (exit 2, nothing changed, how to set one)."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    r.git("config", "--unset", "user.name")
    r.git("config", "--unset", "user.email")
    r.git("config", "user.useConfigOnly", "true")
    os.unlink(os.path.join(os.environ["HOME"], ".gitconfig"))  # the fixture's identity
    monkeypatch.delenv("EMAIL", raising=False)
    before = r.snapshot()
    res = r.cli("new", "gamma")
    assert res.code == 2, res
    assert "user.email" in res.err
    assert r.snapshot() == before


def test_a_work_tree_write_that_fails_midway_leaves_every_file_as_it_was(repo_with_howto):
    """drop removed the diff file, then failed to write the manifest (a full disk): its files
    were half at the new commit, half at the old. Now they are brought to it as one step, and
    the exit-1 message's own advice (rerun, or git restore) starts from a whole old state."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    diff = (r.path / "howtos/diffs/alpha.diff").read_bytes()
    manifest = (r.path / "howtos/manifest.toml").read_bytes()
    failing = (
        "import os, sys\n"
        "from howtoctl import cli\n"
        "real = os.replace\n"
        "def replace(src, dst, *a, **k):\n"
        "    if str(dst).endswith('manifest.toml'):\n"
        "        raise OSError(28, 'No space left on device')\n"
        "    return real(src, dst, *a, **k)\n"
        "os.replace = replace\n"
        f"sys.exit(cli.main(['-C', {str(r.path)!r}, 'drop', 'alpha']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", failing], capture_output=True, text=True)
    assert proc.returncode == 1, proc
    assert (r.path / "howtos/diffs/alpha.diff").read_bytes() == diff
    assert (r.path / "howtos/manifest.toml").read_bytes() == manifest
    assert r.cli("drop", "alpha").code != 3
