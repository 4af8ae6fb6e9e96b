"""fsutil.write_files: several files written as one step, all or none."""

from __future__ import annotations

import os

import pytest

from howtoctl import fsutil
from howtoctl.errors import EXIT_PROBLEMS, EXIT_USAGE, HowtoError
from howtoctl.fsutil import transaction


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


# A SIGINT that arrives while a system call runs is raised by CPython as soon as the call
# returns: after the file was replaced or removed. These raise it there.


def test_ctrl_c_as_a_rename_returns_puts_that_file_back_too(tree, monkeypatch):
    before = contents(tree)
    replace = os.replace

    def interrupted_after(src, dst, *a, **kw):
        replace(src, dst, *a, **kw)
        if str(dst).endswith(os.path.join("d", "a")):
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted_after)
    with pytest.raises(KeyboardInterrupt):
        fsutil.write_files(writes(tree), str(tree))
    assert contents(tree) == before


def test_ctrl_c_as_a_removal_returns_puts_the_file_back(tree, monkeypatch):
    before = contents(tree)
    unlink = os.unlink

    def interrupted_after(path, *a, **kw):
        unlink(path, *a, **kw)
        if str(path).endswith(os.path.join("d", "gone")):
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "unlink", interrupted_after)
    with pytest.raises(KeyboardInterrupt):
        fsutil.write_files(writes(tree), str(tree))
    assert contents(tree) == before


def test_a_failure_to_keep_an_old_file_leaves_no_staged_temporary(tree, monkeypatch):
    before = contents(tree)

    def no_link(*a, **kw):
        raise OSError(1, "Operation not permitted")

    def disk_full(path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(transaction, "create_private", disk_full)
    with pytest.raises(HowtoError) as e:
        fsutil.write_files(writes(tree), str(tree))
    assert e.value.exit_code == EXIT_USAGE
    assert contents(tree) == before  # no .howtoctl-*.tmp holding the new content


def test_ctrl_c_while_staging_leaves_no_temporary(tree, monkeypatch):
    before = contents(tree)

    def interrupted(fd, data):
        os.close(fd)
        raise KeyboardInterrupt

    monkeypatch.setattr(transaction, "write_durably", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fsutil.write_files(writes(tree), str(tree))
    assert contents(tree) == before


def test_an_old_file_that_cannot_be_put_back_is_kept_and_named(tree, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    replace = os.replace

    def failing(src, dst, *a, **kw):  # the new contents go in; d/c and every put-back fail
        if str(dst).endswith(os.path.join("d", "c")) or not str(src).endswith(".tmp"):
            raise OSError(5, "Input/output error")
        return replace(src, dst, *a, **kw)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(fsutil.PartlyWrittenError) as e:
        fsutil.write_files(writes(tree), str(tree), str(scratch))
    assert e.value.exit_code == EXIT_PROBLEMS
    kept = e.value.kept
    assert sorted(open(k, "rb").read() for k in kept) == [b"old a\n", b"old gone\n"]
    assert all(k in e.value.message for k in kept)
    fsutil.clear_stale(str(scratch))  # the next run's sweep leaves them to the user
    assert sorted(open(k, "rb").read() for k in kept) == [b"old a\n", b"old gone\n"]
