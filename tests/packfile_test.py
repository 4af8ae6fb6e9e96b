"""The pack writer, checked by git itself: `git verify-pack` and `git cat-file` on real repos."""

from __future__ import annotations

import os
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from howtoctl import git as git_mod
from howtoctl import packfile


def _git(repo, *args, input=None) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), *args], input=input, capture_output=True, check=True
    ).stdout


def _blob(content: bytes, fmt: str = "sha1") -> tuple[str, str, bytes]:
    return packfile.object_id("blob", content, fmt), "blob", content


@pytest.fixture
def bare(tmp_path):
    path = tmp_path / "r.git"
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


def _install(repo, objects, fmt="sha1") -> str:
    pack, idx, checksum = packfile.build(objects, fmt)
    git_mod._install_pack(os.path.join(repo, "objects", "pack"), pack, idx, checksum)
    return os.path.join(repo, "objects", "pack", f"pack-{checksum}")


def test_object_id_matches_git(bare):
    for content in (b"", b"hello\n", bytes(range(256)) * 9):
        assert packfile.object_id("blob", content) == (
            _git(bare, "hash-object", "--stdin", input=content).decode().strip()
        )


def test_git_reads_every_object_of_a_written_pack(bare):
    blobs = [_blob(b"x" * n) for n in (0, 1, 15, 16, 17, 2047, 2048, 100_000)]
    tree_body = b"".join(
        b"100644 f%d\0" % i + bytes.fromhex(oid) for i, (oid, _, _) in enumerate(blobs[:3])
    )
    tree = (packfile.object_id("tree", tree_body), "tree", tree_body)
    commit_body = f"tree {tree[0]}\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nm\n"
    commit = (packfile.object_id("commit", commit_body.encode()), "commit", commit_body.encode())
    base = _install(bare, [*blobs, tree, commit])

    verified = _git(bare, "verify-pack", "-v", base + ".idx").decode()
    assert f"{commit[0]} commit" in verified
    for oid, kind, content in [*blobs, tree, commit]:
        assert _git(bare, "cat-file", kind, oid) == content
    _git(bare, "update-ref", "refs/heads/main", commit[0])
    _git(bare, "fsck", "--strict", "--no-dangling")
    assert os.stat(base + ".pack").st_mode & 0o777 == 0o444


def test_pack_is_as_readable_as_its_directory(tmp_path):
    # A shared repository (core.sharedRepository=group) has group-readable directories even
    # under a private umask; a private one has private directories.
    for dir_mode, file_mode in ((0o2770, 0o440), (0o700, 0o400)):
        pack_dir = tmp_path / f"pack{dir_mode:o}"
        pack_dir.mkdir()
        pack_dir.chmod(dir_mode)
        pack, idx, checksum = packfile.build([_blob(b"shared\n")])
        git_mod._install_pack(str(pack_dir), pack, idx, checksum)
        for name in os.listdir(pack_dir):
            assert os.stat(pack_dir / name).st_mode & 0o777 == file_mode


def test_large_offsets_go_to_the_64_bit_table(bare, monkeypatch):
    # Packs over 2 GiB store offsets in a second table; pretend the limit is 100 bytes.
    monkeypatch.setattr(packfile, "_LARGE_OFFSET", 100)
    blobs = [_blob(os.urandom(300)) for _ in range(5)]
    base = _install(bare, blobs)
    _git(bare, "verify-pack", base + ".idx")
    for oid, _, content in blobs:
        assert _git(bare, "cat-file", "blob", oid) == content


def test_sha256_repository(tmp_path):
    path = tmp_path / "r256.git"
    subprocess.run(["git", "init", "-q", "--bare", "--object-format=sha256", str(path)], check=True)
    blobs = [_blob(b"one\n", "sha256"), _blob(b"two\n", "sha256")]
    base = _install(path, blobs, "sha256")
    _git(path, "verify-pack", base + ".idx")
    assert _git(path, "cat-file", "blob", blobs[1][0]) == b"two\n"


def test_wrong_id_is_refused_and_duplicates_written_once():
    oid, kind, content = _blob(b"data\n")
    with pytest.raises(ValueError, match="does not hash to its id"):
        packfile.build([("0" * 40, kind, content)])
    pack, _, _ = packfile.build([(oid, kind, content), (oid, kind, content)])
    assert int.from_bytes(pack[8:12], "big") == 1


def test_installing_the_same_pack_twice_keeps_one_copy(bare):
    blobs = [_blob(b"same\n")]
    first = _install(bare, blobs)
    second = _install(bare, blobs)
    assert first == second
    assert sorted(os.listdir(os.path.join(bare, "objects", "pack"))) == sorted(
        os.path.basename(first) + ext for ext in (".idx", ".pack")
    )


def test_loose_objects_written_by_git_are_read_back(tmp_path):
    objects = tmp_path / "objects"
    objects.mkdir()
    env = {**os.environ, "GIT_OBJECT_DIRECTORY": str(objects)}
    subprocess.run(["git", "init", "-q", str(tmp_path / "r")], check=True)
    oid = (
        subprocess.run(
            ["git", "-C", str(tmp_path / "r"), "hash-object", "-w", "--stdin"],
            input=b"loose\n",
            env=env,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    (objects / oid[:2] / "tmp_obj_unfinished").write_bytes(b"garbage")  # a write git never finished
    assert list(git_mod._read_loose_objects(str(objects))) == [(oid, "blob", b"loose\n")]


def test_not_a_loose_object():
    import zlib

    with pytest.raises(ValueError):
        packfile.parse_loose(zlib.compress(b"blob 99\0short"))


@settings(max_examples=30)
@given(st.lists(st.binary(max_size=3000), min_size=1, max_size=8))
def test_any_blobs_round_trip(tmp_path_factory, contents):
    repo = tmp_path_factory.mktemp("fuzz") / "r.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    blobs = [_blob(c) for c in contents]
    base = _install(repo, blobs)
    _git(repo, "verify-pack", base + ".idx")
    for oid, _, content in blobs:
        assert _git(repo, "cat-file", "blob", oid) == content


def test_file_systems_without_hard_links_get_the_pack_renamed_into_place(bare, monkeypatch):
    def no_links(src, dst):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    blobs = [_blob(b"renamed\n")]
    base = _install(bare, blobs)
    assert sorted(os.listdir(os.path.dirname(base))) == sorted(
        os.path.basename(base) + ext for ext in (".idx", ".pack")
    )  # no temporary file left
    assert _git(bare, "cat-file", "blob", blobs[0][0]) == b"renamed\n"
