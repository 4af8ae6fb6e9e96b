"""Failing reproductions of what an adversarial run against the current main found (each test
says what is wrong and what is right). They fail until the behaviour is fixed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _manifest(r, text):
    r.write("howtos/manifest.toml", text)
    r.commit("manifest")


def _blob(r, text):
    proc = subprocess.run(
        ["git", "-C", str(r.path), "hash-object", "-w", "--stdin"],
        input=text.encode(),
        capture_output=True,
        check=True,
    )
    return proc.stdout.decode().strip()


def _two_backup_runs(r):
    for _ in range(2):
        res = r.cli("restore", "alpha", "--force")
        assert res.code == 0, res
    runs = r.git("for-each-ref", "--format=%(refname)", "refs/howtoctl/backup/").split()
    assert len({x.split("/")[3] for x in runs}) == 2, runs


def test_backups_lists_runs_whose_record_is_deeply_nested_json(repo_with_howto):
    """Wrong: a backup run's record blob (refs/howtoctl/backup-run/STAMP) holding deeply nested
    JSON ("[" * 100000) makes json.loads raise RecursionError, which backup._command does not
    catch (only ValueError, TypeError, KeyError): `backups` and `backups --json` end in
    "hit a bug" (exit 3). Right: a record that cannot be read is "not a record of ours": the
    run is listed without a command (exit 0)."""
    r = repo_with_howto
    _two_backup_runs(r)
    stamp = r.git("for-each-ref", "--format=%(refname)", "refs/howtoctl/backup-run/").split()[-1]
    blob = _blob(r, "[" * 100000 + "]" * 100000)
    r.git("update-ref", stamp, blob)
    res = r.cli("backups", "--json")
    assert res.code == 0, res


def _gitfile_repo(r):
    """Turn `r` into a repository whose .git is a gitfile (as in a submodule, a linked work
    tree or `git init --separate-git-dir`); returns the gitfile's bytes."""
    sep = r.path.parent / "sep.git"
    os.rename(r.path / ".git", sep)
    (r.path / ".git").write_text(f"gitdir: {sep}\n")
    assert r.git("rev-parse", "--git-dir") == str(sep)
    return (r.path / ".git").read_bytes()


def test_job_summary_never_appends_to_the_repositorys_gitfile(repo_with_howto):
    """Wrong: require_outside_git compares the target with the git directory and the common
    directory only. Where .git is a gitfile (every submodule, linked work trees, separate git
    dirs), GITHUB_STEP_SUMMARY=<repo>/.git passes, `check` appends its table to the gitfile and
    the repository is broken: git says "fatal: not a git repository".
    Right: the gitfile is git's own file too: refuse before any work (exit 2), as for
    .git/config."""
    r = repo_with_howto
    gitfile = _gitfile_repo(r)
    res = r.cli("check", env={"GITHUB_STEP_SUMMARY": str(r.path / ".git")})
    assert (r.path / ".git").read_bytes() == gitfile, "check wrote into the gitfile"
    assert res.code == 2, res


def test_junit_never_replaces_the_repositorys_gitfile(repo_with_howto):
    """Wrong: `test --junit .git` in a repository whose .git is a gitfile replaces the gitfile
    with the XML report: "fatal: invalid gitfile format", and the path to the git directory is
    gone. Right: refuse (exit 2) before running anything, as for --junit .git/config."""
    r = repo_with_howto
    gitfile = _gitfile_repo(r)
    res = r.cli("test", "alpha", "--junit", str(r.path / ".git"))
    assert (r.path / ".git").read_bytes() == gitfile, "test --junit replaced the gitfile"
    assert res.code == 2, res


def test_backups_lists_a_stamp_shaped_run_that_is_no_date(repo_with_howto):
    """Wrong: backup._STAMP accepts any 8+6+6 digits, so refs/howtoctl/backup/20201301-000000-
    000000/howto/alpha (month 13) counts as a run; Run.time then calls strptime, which raises
    ValueError: `backups` and `backups --json` end in "hit a bug" (exit 3).
    Right: a stamp that is no valid time is no run of howtoctl's (foreign, left alone), or is
    listed without a time; exit 0."""
    r = repo_with_howto
    r.git("update-ref", "refs/howtoctl/backup/20201301-000000-000000/howto/alpha", "HEAD")
    res = r.cli("backups", "--json")
    assert res.code == 0, res


def test_a_sync_record_that_is_not_utf8_is_no_record(repo_with_howto):
    """Wrong: state.read decodes <git dir>/howtoctl/sync/NAME with bytes.decode() and no error
    handling: a record holding bytes that are not UTF-8 (a torn write by another tool, disk
    damage) makes restore, check, save and list end in "hit a bug" (UnicodeDecodeError).
    Right: a record that cannot be read is no record (read returns None), as for one without
    the tip/diff fields."""
    r = repo_with_howto
    sync = r.path / ".git/howtoctl/sync/alpha"
    assert sync.exists()
    sync.write_bytes(b"tip \xff\xfe\ndiff \xff\n")
    res = r.cli("check")
    assert res.code in (0, 1, 2) and "hit a bug" not in res.err, res


def test_cost_on_a_full_disk_is_a_clear_error(repo_with_howto):
    """Wrong: fsutil.temporary_directory calls tempfile.TemporaryDirectory directly, not through
    fsutil.temporary_root (which turns "no usable temporary directory" into a clear error), so
    on a full disk git.diff.apply_checks raises FileNotFoundError: `cost` and `render` (its
    maintenance page reads the same history) end in "hit a bug" (exit 3). The harness saw it
    as RLIMIT_FSIZE=0 on `render`, a clear error (exit 2) in the earlier review.
    Right: exit 2 with temporary_root's message (free some space, or point TMPDIR...)."""
    import resource

    r = repo_with_howto
    r.replace("ex/train.py", "line 30\n", "line 30 moved\n")
    r.commit("base moves")
    proc = subprocess.run(
        [sys.executable, "-m", "howtoctl", "-C", str(r.path), "cost"],
        capture_output=True,
        text=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0)),
    )
    assert "hit a bug" not in proc.stderr, proc.stderr[-300:]
    assert proc.returncode == 2, proc


def test_save_of_a_branch_with_a_non_utf8_file_name_is_a_clear_error(repo_with_howto):
    """Wrong (regression): save's new metadata check (_refuse_metadata_changes ->
    git.diff.changed_paths) decodes `git diff --name-only` output as strict UTF-8, so a branch
    that adds ex/<0xff>.py makes save end in "hit a bug: UnicodeDecodeError" (exit 3). The
    earlier review saw a clear error here ("quoted (unusual) file names are not supported").
    Right: exit 2 with that message, nothing written."""
    r = repo_with_howto
    r.git("switch", "-q", "howto/alpha")
    (r.path / os.fsdecode(b"ex/\xff.py")).write_text("x\n")
    r.git("add", "-A")
    r.git("commit", "-q", "-m", "a file whose name is not UTF-8")
    r.git("switch", "-q", "main")
    before = r.snapshot()
    res = r.cli("save", "alpha")
    assert res.code == 2, res
    assert r.snapshot() == before


@pytest.mark.parametrize(
    "args",
    [
        ["new", "gamma", "--title"],
        ["new", "gamma", "--example"],
        ["init", "--test"],
        ["init", "--action-ref"],
    ],
)
def test_an_argument_that_is_not_utf8_is_a_clear_error(repo_with_howto, args):
    """Wrong: an argument typed in a Latin-1 terminal (`new gamma --title $'caf\\xe9'`) reaches
    Python as a lone surrogate ('\\udce9'); it is written into the manifest (new --title,
    --summary, --test, --example) or pyproject.toml / the workflows (init --test,
    --action-ref), and encoding that text raises UnicodeEncodeError: "hit a bug" (exit 3).
    Right: exit 2 ("--title is not valid UTF-8 text"), nothing changed."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "howtoctl", "-C", str(r.path), *args, os.fsdecode(b"caf\xe9")],
        capture_output=True,
    )
    assert b"hit a bug" not in proc.stderr, proc.stderr[-200:]
    assert proc.returncode == 2, proc
