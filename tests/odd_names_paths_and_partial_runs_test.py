"""Legal but unusual names and places (a branch or repository path that is not UTF-8, a legacy
commit encoding, a repository below a plain directory named .git) and runs that stop part way
(a new or drop killed after its ref move, git failing after it moved the refs): never a
traceback, never "nothing changed" after a change. Each test failed before its fix."""

from __future__ import annotations

import subprocess
import sys

from tests import processes
from tests.gitrepo import GitRepo


def test_rerun_of_an_interrupted_new_as_its_hint_says_is_no_exit_2_after_a_change(
    repo_with_howto,
):
    """`new gamma` interrupted after its ref move (or failing there with exit 1, whose hint says
    "run `howtoctl new gamma` again: it brings howtos/manifest.toml to main's tip"). The rerun
    does bring the manifest to main's tip, then refuses with "branch howto/gamma already
    exists", exit 2; but exit 2 promises that nothing changed (docs/reference/exit-codes.md),
    and the index and work tree did change. Either the rerun succeeds (exit 0: the sync was
    what was left to do) or it exits 1, never 2 after writing."""
    r = repo_with_howto
    r.write("howtos/manifest.toml", '[howtos.alpha]\ntitle = "Alpha"\n')
    r.commit("manifest")
    proc = processes.killed_at_work_tree_write(r, "new", "gamma")
    assert proc.returncode == -9, proc
    before = r.snapshot()
    res = r.cli("new", "gamma")
    changed = r.snapshot() != before
    assert not (res.code == 2 and changed), (res, "exit 2 after bringing the manifest to main")


def test_rerun_of_an_interrupted_drop_as_its_hint_says_is_no_exit_2_after_a_change(
    repo_with_howto,
):
    """As for new: after an interrupted `drop alpha`, the rerun its exit-1 hint names brings the
    manifest to main's tip, then says "there is no HOWTO 'alpha'" with exit 2 (nothing changed),
    though the index and work tree changed."""
    r = repo_with_howto
    r.write(
        "howtos/manifest.toml", '[howtos.alpha]\ntitle = "Alpha"\n\n[howtos.other]\ntitle = "O"\n'
    )
    r.commit("manifest")
    proc = processes.killed_at_work_tree_write(r, "drop", "alpha")
    assert proc.returncode == -9, proc
    before = r.snapshot()
    res = r.cli("drop", "alpha")
    changed = r.snapshot() != before
    assert not (res.code == 2 and changed), (res, "exit 2 after bringing the manifest to main")


def test_render_writes_its_default_site_in_a_repository_below_a_plain_dot_git_directory(tmp_path):
    """A repository whose own path has a directory named `.git` above it (a plain directory,
    no git directory: /x/.git/proj) is refused its default output, site/ inside its own work
    tree: "the output directory .../.git/proj/site is git's own file or directory" (exit 2).
    The .git-component rule looks at the whole real path, not only the part below the work
    tree; `test --junit j.xml` is refused the same way."""
    r = GitRepo.create(tmp_path / ".git" / "proj", base="main")
    r.write("ex/train.py", "".join(f"line {i}\n" for i in range(1, 41)))
    r.commit("base example")
    r.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 changed by alpha\n")})
    res = r.cli("render")
    assert res.code == 0, res
    assert (r.path / "site" / "index.html").exists()


def test_cost_with_a_latin1_committer_name_on_a_howto_branch_is_no_bug(repo_with_howto):
    """A legacy project with i18n.commitEncoding = latin1 (which git also takes as its log
    output encoding) and a commit on howto/alpha by a committer with an accented name:
    `cost` and `render` exit 3 with a UnicodeDecodeError, as commits_with_trailers decodes
    git log's %cn as strict UTF-8."""
    r = repo_with_howto
    r.git("config", "i18n.commitEncoding", "latin1")
    r.git("switch", "-q", "howto/alpha")
    r.write("ex/README.md", "more\n")
    r.git("add", "-A")
    subprocess.run(
        [b"git", b"-C", bytes(r.path), b"-c", b"user.name=Jos\xe9", b"commit", b"-q", b"-m", b"x"],
        check=True,
    )
    r.git("switch", "-q", "main")
    for args in (["cost"], ["render", "--out", str(r.path.parent / "site")]):
        res = r.cli(*args)
        assert res.code != 3 and "hit a bug" not in res.err, (args, res)


def test_a_repository_at_a_non_utf8_path_is_no_bug(tmp_path):
    """A repository whose path holds a byte that is not UTF-8 (a Latin-1 directory name, legal
    on Linux): every command exits 3 ("hit a bug: UnicodeDecodeError") while opening it, as
    Repo() decodes git rev-parse's paths as strict UTF-8. Expected: it works, or a clear
    error (exit 2)."""
    import os

    r = GitRepo.create(tmp_path / os.fsdecode(b"caf\xe9") / os.fsdecode(b"r\xffpo"), base="main")
    r.write("ex/train.py", "".join(f"line {i}\n" for i in range(1, 41)))
    r.commit("base example")
    res = r.cli("check")
    assert res.code != 3 and "hit a bug" not in res.err, res
    # render names the site after the repository's directory: that name is not UTF-8 either.
    r.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 changed by alpha\n")})
    res = r.cli("render")
    assert res.code == 0 and (r.path / "site" / "index.html").exists(), res


def test_a_branch_with_a_non_utf8_name_is_no_bug(repo_with_howto):
    """git accepts a branch named howto/<byte 0xff> (check-ref-format allows it). Its mere
    presence makes list, check, save, test, matrix, backups, cost and rebase-all exit 3: refs()
    decodes for-each-ref's output as strict UTF-8. Expected: the branch is skipped or named
    in a clear message, the other HOWTOs listed."""
    r = repo_with_howto
    subprocess.run(
        [b"git", b"-C", bytes(r.path), b"branch", b"howto/\xff", b"howto/alpha"], check=True
    )
    res = r.cli("list")
    assert res.code != 3 and "hit a bug" not in res.err, res


def test_new_never_says_none_was_moved_when_git_moved_the_branches(repo_with_howto):
    """Under a file-size limit (RLIMIT_FSIZE 1000 bytes: as a quota or a full disk would) git
    update-ref fails writing a reflog after the refs were already written. `new zeta` then says
    "could not move the branches, so none was moved" and exits 2, but main moved to the
    manifest commit and howto/zeta exists, and the work tree and index were never brought to
    main: the staged revert that `new` exists to avoid, behind a message that says nothing
    happened."""
    import resource

    r = repo_with_howto
    r.git("switch", "-q", "howto/alpha")
    r.write("ex/big.py", "".join(f"x{i} = {i}\n" for i in range(20000)))
    r.commit("big")
    r.git("switch", "-q", "main")
    r.write("ex/README.md", r.read("ex/README.md") + "more\n")
    r.commit("base moves")
    before = r.snapshot()
    proc = subprocess.run(
        [sys.executable, "-m", "howtoctl", "-C", str(r.path), "new", "zeta"],
        capture_output=True,
        text=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000)),
    )
    if proc.returncode == 2:
        assert r.snapshot() == before, (proc.stderr, "exit 2, yet main/howto/zeta moved")
