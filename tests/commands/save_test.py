import os
import signal
import subprocess

import pytest

from tests.gitrepo import GitRepo


def test_save_writes_diff_from_fork_point_and_is_byte_stable(repo_with_howto):
    r = repo_with_howto
    diff = r.read("howtos/diffs/alpha.diff")
    assert diff.startswith("diff --git a/ex/train.py b/ex/train.py\nindex ")
    assert "+line 5 changed by alpha\n" in diff
    assert len(diff.splitlines()[1].split()[1]) == 82  # full index: 40 hex + '..' + 40 hex
    mtime = (r.path / "howtos/diffs/alpha.diff").stat().st_mtime_ns
    res = r.cli("save", "alpha")
    assert res.code == 0 and "unchanged" in res.out
    assert (r.path / "howtos/diffs/alpha.diff").stat().st_mtime_ns == mtime  # file not touched
    assert r.read("howtos/diffs/alpha.diff") == diff


def test_saved_diff_applies_with_git_apply_3way(repo_with_howto, tmp_path):
    r = repo_with_howto
    r.git("apply", "--3way", "howtos/diffs/alpha.diff")
    assert "line 5 changed by alpha" in r.read("ex/train.py")


def test_save_is_independent_of_user_diff_config(repo_with_howto):
    r = repo_with_howto
    before = r.read("howtos/diffs/alpha.diff")
    for key, value in [
        ("diff.noprefix", "true"),
        ("diff.context", "10"),
        ("color.diff", "always"),
        ("diff.algorithm", "patience"),
        ("diff.renames", "copies"),
    ]:
        r.git("config", key, value)
    (r.path / "howtos/diffs/alpha.diff").unlink()
    r.git("checkout", "--", "howtos/diffs/alpha.diff")
    assert r.cli("save", "alpha", "--force").code == 0
    assert r.read("howtos/diffs/alpha.diff") == before


@pytest.mark.parametrize(
    "changed", ["howtos/diffs/alpha.diff", "howtos/manifest.toml", "howtos/notes.md"]
)
def test_save_refuses_a_branch_that_changes_howto_metadata(repo_with_howto, changed):
    """The trap of committing `new`'s manifest entry on the branch: the diff would leave it
    out without a word, and the next rebase would conflict on it."""
    r = repo_with_howto
    r.git("switch", "-q", "howto/alpha")
    r.write(changed, "junk\n")
    r.commit("oops, edited HOWTO metadata on the branch")
    r.git("switch", "-q", "main")
    before = r.snapshot()
    res = r.cli("save", "alpha")
    assert res.code == 2 and changed in res.err, res
    assert r.snapshot() == before
    # Following the hint takes it off the branch; then the branch saves.
    hint = res.err.split("hint: take it off the branch: ", 1)[1].split(", then save", 1)[0]
    subprocess.run(["bash", "-e", "-c", hint], cwd=r.path, check=True, capture_output=True)
    r.git("switch", "-q", "main")
    assert r.cli("save", "alpha").code == 0
    assert "junk" not in r.read("howtos/diffs/alpha.diff")


def test_save_refuses_off_the_base_branch(repo_with_howto):
    r = repo_with_howto
    r.git("switch", "-q", "howto/alpha")
    before = r.snapshot()
    res = r.cli("save", "alpha")
    assert res.code == 2
    assert "git switch main" in res.err
    assert r.snapshot() == before


def test_save_refuses_detached_head(repo_with_howto):
    r = repo_with_howto
    r.git("switch", "-q", "--detach", "HEAD")
    before = r.snapshot()
    res = r.cli("save", "alpha")
    assert res.code == 2 and "detached HEAD" in res.err
    assert r.snapshot() == before


@pytest.mark.parametrize("bad", ["../x", "a b", "-rf", "a..b", "x.lock", "../../etc/passwd"])
def test_save_bad_names_exit_2_and_write_nothing(repo_with_howto, bad):
    r = repo_with_howto
    before = r.snapshot()
    res = r.cli("save", "--", bad) if bad.startswith("-") else r.cli("save", bad)
    assert res.code == 2
    assert "invalid HOWTO name" in res.err
    assert r.snapshot() == before


def test_save_is_all_or_nothing(repo_with_howto):
    r = repo_with_howto
    r.git("switch", "-q", "howto/alpha")
    r.replace("ex/train.py", "line 9\n", "line 9 more\n")
    r.commit("alpha: more")
    r.git("switch", "-q", "main")
    before = r.snapshot()
    res = r.cli("save", "alpha", "missing")
    assert res.code == 2 and "no branch howto/missing" in res.err
    assert r.snapshot() == before


def test_save_refuses_binary_changes(repo):
    r = repo
    r.git("switch", "-q", "-c", "howto/bin")
    r.write("ex/data.bin", b"\0\1\2")
    r.commit("binary")
    r.git("switch", "-q", "main")
    before = r.snapshot()
    res = r.cli("save", "bin")
    assert res.code == 2 and "binary" in res.err
    assert r.snapshot() == before


def test_save_refuses_branch_without_changes(repo):
    repo.git("branch", "howto/empty")
    res = repo.cli("save", "empty")
    assert res.code == 2 and "no changes" in res.err


def test_save_will_not_overwrite_a_newer_diff_file(repo_with_howto):
    r = repo_with_howto
    # Someone else's newer version of the diff arrives, as if pulled; our branch is older.
    r.git("switch", "-q", "-c", "upstream", "howto/alpha")
    r.replace("ex/train.py", "line 7\n", "line 7 upstream\n")
    r.commit("upstream work")
    r.git("switch", "-q", "main")
    newer = r.git(
        "diff", "--full-index", "main...upstream", "--", "ex", strip_newline_in_stdout=False
    )
    r.write("howtos/diffs/alpha.diff", newer)
    r.commit("pull: newer alpha diff")
    before = r.snapshot()
    res = r.cli("save", "alpha")
    assert res.code == 2 and "changed since" in res.err and "restore alpha --force" in res.err
    assert r.snapshot() == before
    res = r.cli("check", "alpha")
    assert res.code == 1 and "restore alpha --force" in res.out
    assert r.cli("save", "alpha", "--force").code == 0
    assert "line 7 upstream" not in r.read("howtos/diffs/alpha.diff")


def test_save_will_not_overwrite_uncommitted_edits_without_sync_record(repo_with_howto):
    import shutil

    r = repo_with_howto
    shutil.rmtree(r.path / ".git/howtoctl/sync")
    r.git("switch", "-q", "howto/alpha")  # the branch moves, so the saved diff would change
    r.replace("ex/train.py", "line 9\n", "line 9 x\n")
    r.commit("more")
    r.git("switch", "-q", "main")
    r.replace("howtos/diffs/alpha.diff", "+line 5 changed by alpha", "+line 5 hand-edited")
    before = r.snapshot()
    res = r.cli("save", "alpha")
    assert res.code == 2 and "uncommitted changes" in res.err
    assert r.snapshot() == before


def test_save_all_saves_every_branch(repo):
    repo.add_howto("one", {"ex/train.py": ("line 3\n", "line 3 one\n")}, save=False)
    repo.add_howto("two", {"ex/train.py": ("line 30\n", "line 30 two\n")}, save=False)
    res = repo.cli("save", "--all")
    assert res.code == 0
    assert repo.exists("howtos/diffs/one.diff") and repo.exists("howtos/diffs/two.diff")


def test_save_warns_when_branch_is_behind(repo_with_howto):
    r = repo_with_howto
    r.replace("ex/README.md", "An example.", "A changed example.")
    r.commit("base moves")
    res = r.cli("save", "alpha")
    assert res.code == 0 and "behind main" in res.err


def test_save_fails_cleanly_when_the_diff_dir_cannot_be_written(repo):
    r = repo
    r.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 x\n")}, save=False)
    r.write("howtos/diffs", "a file where the directory should be\n")  # even root cannot write here
    r.commit("block the diff dir")
    before = r.snapshot()
    res = r.cli("save", "alpha")
    assert res.code == 2 and "howtos/diffs is not a directory" in res.err
    assert r.snapshot() == before


def test_works_on_master_base(tmp_path):
    r = GitRepo.create(tmp_path / "m", base="master")
    r.write("ex/a.py", "a\nb\nc\n")
    r.commit("base")
    r.add_howto("x", {"ex/a.py": ("b\n", "B\n")})
    assert "+B" in r.read("howtos/diffs/x.diff")
    assert r.cli("check").code == 0


def test_save_all_names_every_refused_file_at_once(repo):
    repo.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 a\n")})
    repo.add_howto("beta", {"ex/train.py": ("line 25\n", "line 25 b\n")})
    # Both diff files changed (pulled, edited) since their branches were saved.
    repo.replace("howtos/diffs/alpha.diff", "+line 5 a\n", "+line 5 A\n")
    repo.replace("howtos/diffs/beta.diff", "+line 25 b\n", "+line 25 B\n")
    before = repo.snapshot()
    res = repo.cli("save", "--all")
    assert res.code == 2, res
    assert "alpha.diff" in res.err and "beta.diff" in res.err, res.err
    assert repo.snapshot() == before


CONFLICT = "<<<<<<< HEAD\nline 9 main\n=======\nline 9 alpha\n>>>>>>> alpha: more\n"


def test_save_refuses_a_branch_that_adds_conflict_markers(repo_with_howto):
    r = repo_with_howto
    r.git("switch", "-q", "howto/alpha")
    r.replace("ex/train.py", "line 9\n", CONFLICT)  # `git add` of a file still conflicted
    r.commit("alpha: more")
    r.git("switch", "-q", "main")
    diff = (r.path / "howtos/diffs/alpha.diff").read_bytes()
    before = r.snapshot()
    for args in (("alpha",), ("alpha", "--force"), ("--all",)):
        res = r.cli("save", *args)
        assert res.code == 2, res
        assert "ex/train.py:9: conflict marker '<<<<<<< HEAD'" in res.err, res.err
        assert "ex/train.py:11" in res.err and "ex/train.py:13" in res.err, res.err
        assert (r.path / "howtos/diffs/alpha.diff").read_bytes() == diff
        assert r.snapshot() == before


def test_save_takes_a_diff_that_removes_or_keeps_marker_like_lines(repo):
    r = repo
    documented = "How a conflict looks:\n\n" + CONFLICT + "\nThat is all.\n"
    r.write("ex/CONFLICTS.md", documented)
    r.commit("document conflicts")
    r.add_howto(
        "doc",
        {
            "ex/CONFLICTS.md": ("=======\n", ""),  # removes a marker-like line
            "ex/README.md": ("An example.\n", "Title\n=======\n\nAn example.\n"),  # an underline
        },
        save=False,
    )
    res = r.cli("save", "doc")
    assert res.code == 0, res
    diff = r.read("howtos/diffs/doc.diff")
    assert "-=======\n" in diff and "+=======\n" in diff and " <<<<<<< HEAD\n" in diff
    r.commit("save doc")
    assert r.cli("check", "doc").code == 0


def test_save_refuses_to_overwrite_a_hand_edit_that_broke_the_diff(repo_with_howto):
    r = repo_with_howto
    rel = "howtos/diffs/alpha.diff"
    edited = r.read(rel) + "a note typed into the file\n"
    r.write(rel, edited)  # git apply passes over it: the branch's change is still there
    before = r.snapshot()
    res = r.cli("save", "alpha")
    assert res.code == 2, res
    assert "saving would overwrite" in res.err
    assert r.read(rel) == edited and r.snapshot() == before


def test_save_force_keeps_the_hand_edit_it_overwrites(repo_with_howto):
    r = repo_with_howto
    rel = "howtos/diffs/alpha.diff"
    edited = r.read(rel).replace("changed by alpha", "changed by hand")
    r.write(rel, edited)
    res = r.cli("save", "alpha", "--force")
    assert res.code == 0, res
    assert "changed by alpha" in r.read(rel)
    (ref,) = r.refs("refs/howtoctl/replaced/")
    assert r.git("cat-file", "blob", ref) + "\n" == edited
    assert ref in res.err
    # Nothing is kept where nothing was lost: a save over the committed file writes no copy.
    r.git("switch", "-q", "howto/alpha")
    r.replace("ex/train.py", "line 7\n", "line 7 changed too\n")
    r.commit("more")
    r.git("switch", "-q", "main")
    assert r.cli("save", "alpha").code == 0
    assert len(r.refs("refs/howtoctl/replaced/")) == 1


def test_save_refuses_a_diff_over_the_size_limit_and_writes_nothing(repo_with_howto):
    r = repo_with_howto
    r.write("pyproject.toml", "[tool.howtoctl]\nmax-diff-bytes = 2000\n")
    r.commit("a small limit")
    r.git("switch", "-q", "howto/alpha")
    r.write("ex/data.txt", "".join(f"row {i}\n" for i in range(500)))
    r.commit("a data file on the branch")
    r.git("switch", "-q", "main")
    before = r.snapshot()
    res = r.cli("save", "alpha")
    assert res.code == 2 and "over the limit of 2,000" in res.err, res
    assert r.snapshot() == before
    assert r.cli("check").code == 1  # stale, but still readable: nothing was written


@pytest.mark.parametrize("where", ["ex", "howtos"])
def test_save_of_a_branch_with_a_non_utf8_file_name_is_a_clear_error(repo_with_howto, where):
    """save's metadata check read `git diff --name-only -z` as strict UTF-8, so a branch adding
    ex/<0xff>.py ended in "hit a bug: UnicodeDecodeError" (exit 3). Such a name is kept as its
    bytes: outside howtos/ the diff refuses it (git quotes it), inside it is metadata; either
    way exit 2, nothing written."""
    r = repo_with_howto
    r.git("switch", "-q", "howto/alpha")
    (r.path / where).mkdir(exist_ok=True)
    (r.path / where / os.fsdecode(b"\xff.py")).write_text("x\n")
    r.git("add", "-A")
    r.git("commit", "-q", "-m", "a file whose name is not UTF-8")
    r.git("switch", "-q", "main")
    before = r.snapshot()
    res = r.cli("save", "alpha")
    assert res.code == 2 and "hit a bug" not in res.err, res
    assert r.snapshot() == before
    if where == "howtos":
        assert "changes HOWTO metadata" in res.err, res


@pytest.mark.parametrize("hand_edited", [False, True])
def test_save_that_cannot_write_its_second_file_leaves_the_first_as_it_was(
    repo_with_howto, hand_edited
):
    """save wrote diff files one by one, so when the second could not be written (here: a
    file-size limit, as a full disk or a quota would stop it, between the small diff of alpha
    and the large one of beta) it exited 2 with alpha's file already replaced. Every file is
    now written beside its target first and renamed into place only once all are. With
    --force over a hand edit, the copy of it kept under refs/howtoctl/replaced/ goes too."""
    import resource
    import sys

    r = repo_with_howto
    r.add_howto("beta", {"ex/README.md": ("An example.", "A beta example.")}, save=False)
    r.git("switch", "-q", "howto/beta")
    r.write("ex/big.py", "".join(f"value_{i} = {i}\n" for i in range(300)))  # about 5 kB
    r.commit("beta: a large file")
    r.git("switch", "-q", "howto/alpha")
    r.replace("ex/train.py", "line 9\n", "line 9 alpha\n")
    r.commit("alpha: one more line")
    r.git("switch", "-q", "main")
    if hand_edited:
        r.write("howtos/diffs/alpha.diff", r.read("howtos/diffs/alpha.diff") + "# a note\n")
    alpha = (r.path / "howtos/diffs/alpha.diff").read_bytes()
    before = r.snapshot()
    force = ["--force"] if hand_edited else []

    def small_files_only():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))

    p = subprocess.run(
        [sys.executable, "-m", "howtoctl", "-C", str(r.path), "save", *force, "alpha", "beta"],
        capture_output=True,
        text=True,
        preexec_fn=small_files_only,
    )
    assert p.returncode == 2 and "howtos/diffs/beta.diff" in p.stderr, p.stderr
    assert (r.path / "howtos/diffs/alpha.diff").read_bytes() == alpha
    assert r.snapshot() == before
    assert sorted(os.listdir(r.path / "howtos/diffs")) == ["alpha.diff"]  # no temporary left
    # Without the limit both are written.
    assert r.cli("save", *force, "alpha", "beta").code == 0
    assert (r.path / "howtos/diffs/alpha.diff").read_bytes() != alpha
