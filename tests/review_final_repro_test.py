"""Failing reproductions of what an adversarial run against the current main found (each test
says what is wrong and what is right). They fail until the behaviour is fixed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import pytest


def _manifest(r, text):
    r.write("howtos/manifest.toml", text)
    r.commit("manifest")


def test_drop_with_a_held_index_lock_changes_nothing(repo_with_howto):
    """Wrong: with .git/index.lock held (a `git commit` waiting in its editor, or a crashed
    git), `drop` exits 2 with git's "Unable to create index.lock" message, yet it has already
    committed "Drop the alpha HOWTO" on main, deleted howto/alpha and rewritten the work tree,
    leaving the index half way (git status: `AD howtos/diffs/alpha.diff`, `MM manifest`).
    Right: refuse before any ref moves (the index lock is checked, or taken, first), so that
    exit 2 means nothing changed."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    before = r.snapshot()
    (r.path / ".git/index.lock").write_text("")
    res = r.cli("drop", "alpha")
    os.unlink(r.path / ".git/index.lock")
    assert res.code == 2, res
    assert r.snapshot() == before, "drop refused yet moved main / deleted the branch"


def test_new_with_a_held_index_lock_changes_nothing(repo_with_howto):
    """Wrong: as for drop, `new gamma` with .git/index.lock present exits 2 after committing the
    manifest entry on main and creating howto/gamma (work tree written, index not).
    Right: refuse before any ref moves."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    before = r.snapshot()
    (r.path / ".git/index.lock").write_text("")
    res = r.cli("new", "gamma")
    os.unlink(r.path / ".git/index.lock")
    assert res.code == 2, res
    assert r.snapshot() == before, "new refused yet committed on main / made howto/gamma"


def test_drop_keeps_the_comment_that_introduces_the_next_entry(repo_with_howto):
    """Wrong: remove_entry cuts from [howtos.alpha] to the next header, so comment lines written
    just above [howtos.beta] (beta's own description) are deleted with alpha's entry.
    Right: comments directly above the next table header belong to that table and are kept
    (only alpha's header, keys and the blank lines/comments inside its body go)."""
    r = repo_with_howto
    _manifest(
        r,
        '[howtos.alpha]\ntitle = "Alpha"\n\n# Beta shows the second trick.\n'
        '[howtos.beta]\ntitle = "Beta"\n',
    )
    res = r.cli("drop", "alpha")
    assert res.code == 0, res
    assert "# Beta shows the second trick." in r.read("howtos/manifest.toml")


def test_cost_json_stays_json_with_a_nan_time_in_the_junit_report(repo_with_howto, tmp_path):
    """Wrong: junit.seconds_by_howto takes float("nan") / float("inf") from a report's time
    attribute, and `cost --json --junit` then prints NaN / Infinity: not JSON (jq and
    json.loads(strict) reject it; GitHub's fromJSON too).
    Right: a time that is not a finite number of seconds makes the report invalid (exit 2,
    "--junit FILE is not a JUnit XML report"), or is ignored."""
    r = repo_with_howto
    report = tmp_path / "j.xml"
    report.write_text(
        '<testsuites><testsuite name="howtoctl">'
        '<testcase classname="howto" name="alpha" time="nan"/></testsuite></testsuites>'
    )
    res = r.cli("cost", "--json", "--junit", str(report))
    if res.code == 0:

        def bad(c):
            raise ValueError(c)

        json.loads(res.out, parse_constant=bad)  # NaN/Infinity are not JSON
    else:
        assert res.code == 2, res


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    path = tmp_path / "tmp"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path


def test_sweep_unregisters_a_work_tree_killed_while_git_was_adding_it(repo_with_howto, private_tmp):
    """Wrong: a test/prove run killed (SIGKILL) while `git worktree add` runs leaves git's
    record of the work tree locked with reason "initializing" (git's own lock during add).
    The next run's sweep (smoke.clear_stale_runs) removes the directory and says "removed what
    a killed run left behind", but `git worktree remove --force` (one --force) refuses a locked
    work tree and `git worktree prune` keeps locked records: `git worktree list` keeps showing
    a locked, missing work tree for ever (seen after 1 of 14 kills of `prove alpha`).
    Right: the sweep unlocks (or removes with --force twice) the dead run's work tree, so that
    git's record goes too."""
    r = repo_with_howto
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()  # a pid that names no process, like a howtoctl killed with SIGKILL
    token = "0123456789abcdef"
    (private_tmp / f"howtoctl-alive-{token}.lock").write_text("")  # nobody holds it: dead
    left = private_tmp / f"howtoctl-prove-P{dead.pid}.{token}-alpha-abcdefgh"
    r.git(
        "worktree",
        "add",
        "--detach",
        "--quiet",
        "--lock",
        "--reason",
        "initializing",
        str(left),
        "HEAD",
    )
    res = r.cli("test", "--changed-since", "HEAD")
    assert res.code == 0, res
    assert not left.exists()
    listed = r.git("worktree", "list", "--porcelain").count("worktree ")
    assert listed == 1, r.git("worktree", "list", "--porcelain")


def test_init_updates_a_symlinked_pyproject_through_its_link(repo):
    """Wrong: with pyproject.toml a symbolic link to a file inside the repository
    (conf/pyproject.toml), init reports "updated pyproject.toml" but write_atomic renames a new
    regular file over the link: the link is gone (git status: `T pyproject.toml`) and the file
    it led to never gets [tool.howtoctl].
    Right: write the target the link leads to (it is inside the repository), keeping the link,
    or refuse with exit 2 and change nothing."""
    r = repo
    r.write("conf/pyproject.toml", '[project]\nname = "x"\n')
    os.symlink("conf/pyproject.toml", r.path / "pyproject.toml")
    r.commit("linked pyproject")
    res = r.cli("init")
    assert res.code in (0, 2), res
    assert os.path.islink(r.path / "pyproject.toml"), "init replaced the link with a file"
    if res.code == 0:
        assert "[tool.howtoctl]" in r.read("conf/pyproject.toml")


def test_init_keeps_a_crlf_pyproject_crlf(repo):
    """Wrong: adding [tool.howtoctl] to a pyproject.toml written with CRLF line ends appends
    lines ending in LF: the file now mixes both (editors and `git diff` show ^M on every old
    line, or the new lines look wrong on Windows).
    Right: the added lines use the file's own line ending."""
    r = repo
    r.write("pyproject.toml", b'[project]\r\nname = "x"\r\n\r\n[tool.ruff]\r\nline-length = 99\r\n')
    r.commit("crlf pyproject")
    res = r.cli("init")
    assert res.code == 0, res
    data = (r.path / "pyproject.toml").read_bytes()
    assert b"[tool.howtoctl]" in data
    assert data.replace(b"\r\n", b"").count(b"\n") == 0, data


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


def test_prune_keeps_the_latest_run_undo_can_use(repo_with_howto):
    """Wrong: a stamp-shaped backup run that undo ignores (its ref points at a blob, or names
    `main`: "left alone" by undo) still counts as the newest run for `backups --prune --keep 1`,
    which then deletes every run undo could restore from; `undo` afterwards says there is no
    backup. Right: prune counts (and keeps) the runs undo can restore, as undo picks them,
    or leaves runs it does not recognise out of the count."""
    r = repo_with_howto
    _two_backup_runs(r)
    blob = _blob(r, "x")
    r.git("update-ref", "refs/howtoctl/backup/20990101-000000-000000/howto/alpha", blob)
    res = r.cli("backups", "--prune", "--keep", "1")
    assert res.code == 0, res
    res = r.cli("undo", "--dry-run")
    assert "there is no howtoctl backup" not in res.err, res


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


def test_render_leaves_a_foreign_maintenance_plot_cache_alone(repo_with_howto, tmp_path):
    """Wrong (minor): render's _maintenance_plot says a cache file that is "not a file of ours
    (a link, a pipe)" is drawn past "and leave that alone", but then write_atomic renames a new
    file over it: the link (or FIFO) at .git/howtoctl/maintenance-plot is replaced.
    Right: as the comment says, do not write over what is not a regular file of ours."""
    r = repo_with_howto
    r.replace("ex/train.py", "line 30\n", "line 30 moved\n")
    r.commit("base moves")
    cache = r.path / ".git/howtoctl/maintenance-plot"
    cache.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(str(r.path / "ex/README.md"), cache)
    res = r.cli("render", "--out", str(tmp_path / "site"))
    assert res.code == 0, res
    assert os.path.islink(cache), "render replaced the link at .git/howtoctl/maintenance-plot"


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


def test_init_killed_while_writing_leaves_no_temporary_file_in_the_work_tree(repo):
    """Wrong: init writes pyproject.toml and .gitignore with write_atomic and no scratch
    directory, so the temporary file sits next to the target; a SIGKILL between its creation
    and the rename (seen in 1 of 70 random kills) leaves `.howtoctl-XXXX.tmp` in the
    work tree (next to the file being written), and the rerun of init does not remove it (`git add -A` would commit it).
    Right: temporary files in .git/howtoctl/tmp (the scratch_dir drop/new pass to write_atomic),
    or a rerun sweeps them."""
    r = repo
    r.write("pyproject.toml", '[project]\nname = "x"\n')
    r.commit("pyproject")
    killer = (
        "import os, signal, sys\n"
        "from howtoctl import cli\n"
        "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"sys.exit(cli.main(['-C', {str(r.path)!r}, 'init']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", killer], capture_output=True)
    assert proc.returncode == -9, proc
    res = r.cli("init")
    assert res.code == 0, res
    left = [
        str(p.relative_to(r.path)) for p in r.path.rglob(".howtoctl-*") if ".git" not in p.parts
    ]
    assert left == [], left


def test_restore_that_cannot_write_its_sync_record_says_the_branch_was_made(repo_with_howto):
    """Wrong: restore moves the refs first and writes the sync record after; when that write
    fails (here a directory stands at .git/howtoctl/sync/alpha; a full disk or a read-only
    .git/howtoctl does the same), it exits 2 with only "cannot write .../sync/alpha ... the file
    was left as it was", yet howto/alpha has been created: exit 2 reads as "nothing changed".
    Right: the record is a cache: a failure to write it is a warning (exit 0/1 with the
    branch reported), or it is checked before any ref moves."""
    r = repo_with_howto
    r.git("branch", "-D", "howto/alpha")
    sync = r.path / ".git/howtoctl/sync/alpha"
    sync.unlink()
    sync.mkdir()
    before = r.snapshot()
    res = r.cli("restore", "alpha")
    if res.code == 2:
        assert r.snapshot() == before, "restore exited 2 yet created howto/alpha"
    else:
        assert res.code in (0, 1) and r.rev("howto/alpha"), res


def test_cost_junit_names_a_directory_as_a_directory(repo_with_howto, tmp_path):
    """Wrong (message): `cost --junit DIR` (or a FIFO, or a link to /dev/zero) says
    "--junit DIR: no such file": read_private returns None for anything that is not a regular
    file, and cost reads None as missing. The user looks for a missing file that is there.
    Right: say what is there ("is a directory" / "is not a regular file"), exit 2."""
    r = repo_with_howto
    res = r.cli("cost", "--junit", str(tmp_path))
    assert res.code == 2, res
    assert "no such file" not in res.err, res.err


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


def _killed_at_work_tree_write(r, *args):
    """Run howtoctl ARGS in a child that SIGKILLs itself when it first writes a work-tree file
    with write_atomic (after its ref transaction): a kill at that moment, made repeatable."""
    killer = (
        "import os, signal, sys\n"
        "from howtoctl import cli, fsutil\n"
        "fsutil.write_atomic = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"sys.exit(cli.main(['-C', {str(r.path)!r}, *{list(args)!r}]))\n"
    )
    return subprocess.run([sys.executable, "-c", killer], capture_output=True)


def test_new_killed_after_its_commit_leaves_no_staged_revert(repo_with_howto):
    """Wrong: `new` moves main to the commit with the manifest entry, then writes the work tree
    and index. Killed in between (seen with SIGTERM at 0.29 s in the random kills), main holds
    the entry but the work tree and index still hold the old manifest: `git status` shows
    `M  howtos/manifest.toml`, a staged change that takes gamma's entry out again, which the
    next `git commit` records. The rerun says "branch howto/gamma already exists" and repairs
    nothing. Right: a rerun (of new, or any writing command) brings the paths new wrote back
    to the base tip when the index and work tree still match the pre-commit state, or the
    order of the steps leaves nothing staged behind."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    proc = _killed_at_work_tree_write(r, "new", "gamma")
    assert proc.returncode == -9, proc
    r.cli("new", "gamma")
    assert r.git("status", "--porcelain") == "", r.git("status", "--porcelain")


def test_drop_killed_after_its_commit_leaves_no_staged_revert(repo_with_howto):
    """Wrong: as for new: `drop` killed between its ref transaction and the work-tree write
    leaves main without alpha's diff and entry, but the index and work tree with them (a
    staged change that brings them back on the next commit); the rerun says "there is no HOWTO
    'alpha'". Right: as for new."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n\n[howtos.other]\ntitle = "Other"\n')
    proc = _killed_at_work_tree_write(r, "drop", "alpha")
    assert proc.returncode == -9, proc
    r.cli("drop", "alpha")
    assert r.git("status", "--porcelain") == "", r.git("status", "--porcelain")


def test_check_flags_a_branch_that_save_refuses_for_changing_metadata(repo_with_howto):
    """Wrong (inconsistent): a howto/alpha commit that edits howtos/manifest.toml (or adds a
    diff file, or a proof) is refused by `save` ("changes HOWTO metadata, which belongs to
    main ... nothing was saved", exit 2), yet `check` calls the branch "ok" (exit 0): the gate
    passes while the author's next save fails, and the metadata edit lives on, unsaved, on the
    branch. (An edit under howtos/results/ is reported "stale" by check.)
    Right: check reports such a branch as not matching (exit 1), naming the metadata paths,
    as save does."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    r.git("switch", "-q", "howto/alpha")
    r.write("howtos/manifest.toml", '[howtos.alpha]\ntitle = "Alpha, renamed on the branch"\n')
    r.commit("edit metadata on the branch")
    r.git("switch", "-q", "main")
    assert r.cli("save", "alpha").code == 2
    res = r.cli("check", "--json")
    assert res.code == 1, res


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


def test_new_under_git_literal_pathspecs(repo_with_howto):
    """Wrong: with GIT_LITERAL_PATHSPECS=1 in the environment (a user's shell, or a tool that
    sets it), `new` commits the manifest entry on main and creates howto/gamma, then
    `git add -- :(top,literal)howtos/manifest.toml` finds no such path (the magic is read
    literally) and new exits 2: the repository changed although exit 2 says nothing did.
    Right: git runs with GIT_LITERAL_PATHSPECS (and the other pathspec variables) cleared,
    as howtoctl's pathspecs carry their own magic; new succeeds with a clean status."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    res = r.cli("new", "gamma", env={"GIT_LITERAL_PATHSPECS": "1"})
    assert res.code == 0, res
    assert r.git("status", "--porcelain") == ""


def test_the_backup_run_drop_writes_names_drop(repo_with_howto):
    """Wrong (message): drop calls backup.backup_updates without its command, so the run it
    writes records command "" : `backups` lists it as "command not recorded" (the wording
    for runs older howtoctl versions wrote) and `backups --json` gives "command": "". The one
    run a user most wants to find with `undo --to` after a mistaken drop is the unnamed one.
    Right: the record says "drop alpha", as restore --force's and undo's runs name theirs."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    assert r.cli("drop", "alpha").code == 0
    res = r.cli("backups", "--json")
    runs = json.loads(res.out)["runs"]
    assert runs and runs[-1]["command"] == "drop alpha", runs


def test_new_with_a_committed_symlinked_manifest_does_not_blame_uncommitted_changes(
    repo_with_howto,
):
    """Wrong (message): with howtos/manifest.toml a committed symbolic link to
    howtos/real.toml (clean work tree), `new` and `drop` refuse with "howtos/manifest.toml has
    uncommitted changes ... commit or discard that first": require_committed compares the
    file the link leads to with the link's own blob. git status is clean; following the hint
    changes nothing. Right: say the manifest is a symbolic link and howtoctl writes only a
    regular manifest (exit 2), or follow it inside the repository."""
    r = repo_with_howto
    r.write("howtos/real.toml", '[howtos.alpha]\ntitle = "Alpha"\n')
    os.symlink("real.toml", r.path / "howtos/manifest.toml")
    r.commit("manifest as a link")
    assert r.git("status", "--porcelain") == ""
    res = r.cli("new", "gamma")
    assert "uncommitted changes" not in res.err, res.err


def test_new_without_an_identity_does_not_commit_on_the_base_as_howtoctl(
    repo_with_howto, monkeypatch
):
    """Wrong: the fallback identity (git.odb.FALLBACK_IDENTITY, "for commits howtoctl derives
    ... they record nothing a person wrote") also signs the commits `new` and `drop` now make
    on the base branch, which a person asked for and will push: with no identity configured
    and user.useConfigOnly=true (git commit refuses), `new gamma` commits "Add gamma to the
    HOWTO manifest" on main as howtoctl <howtoctl@localhost>.
    Right: commits on the base need the user's identity: exit 2 with git's identity hint and
    nothing changed (as `git commit` would), keeping the fallback for derived commits."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    r.git("config", "--unset", "user.name")
    r.git("config", "--unset", "user.email")
    r.git("config", "user.useConfigOnly", "true")
    os.unlink(os.path.join(os.environ["HOME"], ".gitconfig"))  # the fixture's identity
    monkeypatch.delenv("EMAIL", raising=False)
    res = r.cli("new", "gamma")
    if res.code == 0:
        author = r.git("log", "-1", "--format=%ae", "main")
        assert author != "howtoctl@localhost", "new committed on main as howtoctl@localhost"
    else:
        assert res.code == 2, res


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


def test_new_with_a_control_character_in_the_title_does_not_blame_the_manifest(
    repo_with_howto,
):
    """Wrong (message): `new gamma --title $'a\\x7fb'` (DEL) fails with "howtos/manifest.toml is
    not valid TOML: Illegal character '\\x7f' (at line 7 ...)": render_entry does not escape
    DEL, and the check of the text it would write blames the user's manifest, which is fine.
    Right: escape it (\\u007f) and succeed, or say the --title holds a character TOML cannot
    carry."""
    r = repo_with_howto
    _manifest(r, '[howtos.alpha]\ntitle = "Alpha"\n')
    res = r.cli("new", "gamma", "--title", "a\x7fb")
    assert "manifest.toml is not valid TOML" not in res.err, res.err
