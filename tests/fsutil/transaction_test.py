"""fsutil.write_files: several files written as one step, all or none."""

from __future__ import annotations

import os

import pytest

from howtoctl import fsutil
from howtoctl.errors import EXIT_PROBLEMS, EXIT_USAGE, HowtoError


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "root"
    (root / "d").mkdir(parents=True)
    (root / "d" / "a").write_bytes(b"old a\n")
    (root / "d" / "gone").write_bytes(b"old gone\n")
    return root


def contents(root) -> dict[str, bytes]:
    return {
        os.path.relpath(os.path.join(d, f), root): open(os.path.join(d, f), "rb").read()
        for d, _, files in os.walk(root)
        for f in files
    }


def writes(root):
    return [
        fsutil.FileWrite(str(root / "d" / "a"), b"new a\n"),
        fsutil.FileWrite(str(root / "d" / "gone"), None),
        fsutil.FileWrite(str(root / "new" / "b"), b"new b\n"),
        fsutil.FileWrite(str(root / "d" / "c"), b"new c\n"),
    ]


def test_all_are_written(tree):
    written = fsutil.write_files(writes(tree), str(tree))
    assert len(written) == 4
    assert contents(tree) == {"d/a": b"new a\n", "new/b": b"new b\n", "d/c": b"new c\n"}


def test_create_leaves_a_file_that_is_there(tree):
    path = str(tree / "d" / "a")
    assert fsutil.write_files([fsutil.FileWrite(path, b"x\n", create=True)], str(tree)) == []
    assert contents(tree)["d/a"] == b"old a\n"


def test_a_directory_in_the_way_writes_none(tree):
    before = contents(tree)
    (tree / "d" / "c").mkdir()
    with pytest.raises(HowtoError) as e:
        fsutil.write_files(writes(tree), str(tree))
    assert e.value.exit_code == EXIT_USAGE
    assert contents(tree) == before and not (tree / "new").exists()


def test_a_link_leading_out_writes_none(tree, tmp_path):
    before = contents(tree)
    (tmp_path / "outside").mkdir()
    (tree / "new").symlink_to(tmp_path / "outside")
    with pytest.raises(HowtoError):
        fsutil.write_files(writes(tree), str(tree))
    assert contents(tree) == before and os.listdir(tmp_path / "outside") == []


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_rename_that_fails_midway_puts_back_the_files_already_replaced(tree, monkeypatch, error):
    """Renames cannot be made to fail from outside once every check passed (a full disk stops
    the staging, before them), so the last one is made to fail here: a file system error, or a
    Ctrl-C arriving between two renames."""
    before = contents(tree)
    replace = os.replace

    def failing(src, dst, *a, **kw):
        if str(dst).endswith(os.path.join("d", "c")):
            raise error
        return replace(src, dst, *a, **kw)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(HowtoError if isinstance(error, OSError) else KeyboardInterrupt) as e:
        fsutil.write_files(writes(tree), str(tree))
    if isinstance(error, OSError):
        assert (
            e.value.exit_code == EXIT_USAGE and "every file was left as it was" in e.value.message
        )
    assert contents(tree) == before  # a and gone back, b removed, no temporary left
    assert not (tree / "new").exists()


def test_when_putting_back_fails_too_the_error_says_what_is_left(tree, monkeypatch):
    replace = os.replace

    def failing(src, dst, *a, **kw):  # the renames of new content pass, the ones back fail
        if str(dst).endswith(os.path.join("d", "c")) or not str(src).endswith(".tmp"):
            raise OSError(5, "Input/output error")
        return replace(src, dst, *a, **kw)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(fsutil.PartlyWrittenError) as e:
        fsutil.write_files(writes(tree), str(tree))
    assert e.value.exit_code == EXIT_PROBLEMS
    assert str(tree / "d" / "a") in e.value.message


def test_without_hard_links_the_old_files_are_kept_as_copies(tree, monkeypatch):
    """A file system without hard links (or a file of another user's) still gets its old
    content back: kept as a copy instead."""
    before = contents(tree)
    replace = os.replace

    def no_link(*a, **kw):
        raise OSError(1, "Operation not permitted")

    def failing(src, dst, *a, **kw):
        if str(dst).endswith(os.path.join("d", "c")):
            raise OSError(28, "No space left on device")
        return replace(src, dst, *a, **kw)

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(HowtoError):
        fsutil.write_files(writes(tree), str(tree))
    assert contents(tree) == before
