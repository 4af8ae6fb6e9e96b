"""A corpus of hostile repositories: every setup below against every command that reads or
writes HOWTOs. Whatever a command does with it, it ends in a clear result (exit 0, 1 or 2,
never a traceback), writes nothing outside the repository (but where the user points it),
and, when it refuses (exit 2), changes nothing in the repository."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import tree_digest
from tests.gitrepo import GitRepo
from tests.watchdog import watchdog


def _replace(path, make) -> None:
    if os.path.lexists(path):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    make(path)


DIFF = "howtos/diffs/alpha.diff"
MANIFEST = "howtos/manifest.toml"


def _writes(path: str, text: str | bytes):
    """A set-up that commits `text` (where "{outside}" names the directory beside the
    repository) at `path`."""

    def make(r: GitRepo, outside) -> None:
        r.write(path, text.replace("{outside}", str(outside)) if isinstance(text, str) else text)

    return make, True


def _diff_text(r: GitRepo, edit) -> None:
    (r.path / DIFF).write_bytes(edit((r.path / DIFF).read_bytes()))


# name -> (set-up on the repository, with `outside` a directory beside it; commit it?)
SETUPS = {
    "diff-link-outside": (
        lambda r, o: _replace(r.path / DIFF, lambda p: os.symlink(o / "secret.txt", p)),
        True,
    ),
    "diff-fifo": (lambda r, o: _replace(r.path / DIFF, os.mkfifo), False),
    "diff-dev-zero": (
        lambda r, o: _replace(r.path / DIFF, lambda p: os.symlink("/dev/zero", p)),
        True,
    ),
    "diff-directory": (lambda r, o: _replace(r.path / DIFF, os.mkdir), False),
    "diff-dir-link-outside": (
        lambda r, o: _replace(r.path / "howtos/diffs", lambda p: os.symlink(o, p)),
        True,
    ),
    "diff-dir-link-into-git": (
        lambda r, o: _replace(r.path / "howtos/diffs", lambda p: os.symlink("../.git", p)),
        True,
    ),
    "diff-crlf": (lambda r, o: _diff_text(r, lambda d: d.replace(b"\n", b"\r\n")), True),
    "diff-truncated": (lambda r, o: _diff_text(r, lambda d: d[: len(d) // 2]), True),
    "diff-nul": (lambda r, o: _diff_text(r, lambda d: d.replace(b"line", b"li\0ne", 1)), True),
    "diff-header-other-file": (
        lambda r, o: _diff_text(
            r,
            lambda d: d.replace(
                b"diff --git a/ex/train.py b/ex/train.py",
                b"diff --git a/ex/train.py b/ex/other.py",
                1,
            ),
        ),
        True,
    ),
    "diff-path-escapes": (
        lambda r, o: _diff_text(r, lambda d: d.replace(b"ex/train.py", b"../../x/train.py")),
        True,
    ),
    "diff-empty": (lambda r, o: _diff_text(r, lambda d: b""), True),
    "manifest-fifo": (lambda r, o: _replace(r.path / "howtos/manifest.toml", os.mkfifo), False),
    "manifest-link-outside": (
        lambda r, o: _replace(
            r.path / "howtos/manifest.toml", lambda p: os.symlink(o / "secret.txt", p)
        ),
        True,
    ),
    "manifest-not-toml": _writes(MANIFEST, "[howtos.alpha\n"),
    "manifest-example-absolute": _writes(MANIFEST, '[howtos.alpha]\nexample = "{outside}"\n'),
    "manifest-example-climbs": _writes(MANIFEST, '[howtos.alpha]\nexample = "../outside"\n'),
    "manifest-unknown-key": _writes(MANIFEST, "[howtos.alpha]\nevil = 1\n"),
    "manifest-negative-devices": _writes(MANIFEST, "[howtos.alpha]\ndevices = -1\n"),
    "manifest-bad-name": _writes(MANIFEST, '[howtos."../x"]\ntitle = "x"\n'),
    "manifest-exempt-without-reason": _writes(
        MANIFEST, '[[howtos.alpha.exempt]]\nfile = "ex/train.py"\nmatch = "alpha"\n'
    ),
    "pyproject-tool-number": _writes("pyproject.toml", "tool = 3\n"),
    "pyproject-diff-dir-in-git": _writes(
        "pyproject.toml", '[tool.howtoctl]\ndiff-dir = ".git/diffs"\n'
    ),
    "pyproject-diff-dir-absolute": _writes(
        "pyproject.toml", '[tool.howtoctl]\ndiff-dir = "{outside}"\n'
    ),
    "pyproject-prefix-newline": _writes(
        "pyproject.toml", '[tool.howtoctl]\nbranch-prefix = "h/\\nupdate refs/heads/x/"\n'
    ),
    "pyproject-zero-limit": _writes("pyproject.toml", "[tool.howtoctl]\nmax-diff-bytes = 0\n"),
    "pyproject-keep-text": _writes("pyproject.toml", '[tool.howtoctl]\nkeep-backups = "x"\n'),
    "pyproject-not-utf8": _writes("pyproject.toml", b"[tool.howtoctl]\nbase = '\xff'\n"),
    "pyproject-fifo": (lambda r, o: _replace(r.path / "pyproject.toml", os.mkfifo), False),
    "proofs-link-outside": (lambda r, o: os.symlink(o, r.path / "howtos/proofs"), True),
    "branch-links-run-files": (lambda r, o: _branch_with_links(r, o), False),
    "backup-ref-to-a-blob": (lambda r, o: _backup_ref_to_a_blob(r), False),
    "resolve-record-damaged": (lambda r, o: _damaged_resolve_record(r), False),
}

COMMANDS = {
    "list": ["list"],
    "check": ["check"],
    "save": ["save", "--all"],
    "restore": ["restore", "--all", "--force"],
    "rebase-dry-run": ["rebase-all", "--dry-run"],
    "rebase": ["rebase-all"],
    "undo-dry-run": ["undo", "--dry-run"],
    "render": ["render", "--out", "{out}"],
    "matrix": ["matrix"],
    "backups": ["backups"],
    "cost": ["cost", "--json"],
}


def _branch_with_links(r: GitRepo, outside) -> None:
    r.git("switch", "-q", "howto/alpha")
    for name in (".howtoctl-output.log", ".howtoctl-junit.xml", ".howtoctl-pgid"):
        os.symlink(outside / "secret.txt", r.path / name)
    r.commit("links under howtoctl's file names")
    r.git("switch", "-q", "main")


def _backup_ref_to_a_blob(r: GitRepo) -> None:
    (r.path / "blob.txt").write_text("x\n")
    blob = r.git("hash-object", "-w", "blob.txt")
    os.unlink(r.path / "blob.txt")
    r.git("update-ref", "refs/howtoctl/backup/20990101-000000-000000/howto/alpha", blob)


def _damaged_resolve_record(r: GitRepo) -> None:
    state = r.path / ".git" / "howtoctl" / "resolve" / "alpha.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_bytes(b"{not json")


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_hostile_repository(repo_with_howto, tmp_path, setup, command):
    r = repo_with_howto
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET outside the repository\n")
    make, commit = SETUPS[setup]
    make(r, outside)
    if commit:
        r.git("add", "-A")
        r.git("commit", "-q", "--no-verify", "-m", f"hostile: {setup}")
    out = tmp_path / "site"
    args = [a.format(out=out) for a in COMMANDS[command]]
    before, outside_before = r.snapshot(), tree_digest(outside)
    with watchdog(60):  # a pipe or /dev/zero must never be waited on or read for ever
        res = r.cli(*args)
    assert res.code in (0, 1, 2), (setup, command, res)
    assert "hit a bug" not in res.err, res
    assert tree_digest(outside) == outside_before, (setup, command, "wrote outside the repository")
    if res.code == 2:
        assert r.snapshot() == before, (setup, command, "refused, yet changed the repository")
