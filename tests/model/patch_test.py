import pathlib

import pytest

from howtoctl.model import patch

REPO_DIFFS = pathlib.Path(__file__).resolve().parents[2] / "howtos" / "diffs"

GOOD = (
    b"diff --git a/ex/train.py b/ex/train.py\n"
    b"index 1111111111111111111111111111111111111111..2222222222222222222222222222222222222222 100644\n"
    b"--- a/ex/train.py\n"
    b"+++ b/ex/train.py\n"
    b"@@ -1,3 +1,4 @@ def main():\n"
    b" a\n"
    b"-b\n"
    b"+B\n"
    b"+C\n"
    b" c\n"
    b"diff --git a/new.py b/new.py\n"
    b"new file mode 100644\n"
    b"index 0000000000000000000000000000000000000000..3333333333333333333333333333333333333333\n"
    b"--- /dev/null\n"
    b"+++ b/new.py\n"
    b"@@ -0,0 +1 @@\n"
    b"+x = 1\n"
    b"\\ No newline at end of file\n"
)


def test_parses_files_hunks_and_counts():
    p = patch.parse(GOOD)
    assert p.paths == ("ex/train.py", "new.py")
    assert (p.added, p.removed) == (3, 1)
    assert p.files[0].hunks[0].section == "def main():"
    assert p.files[1].old_path is None


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (GOOD.replace(b"\n", b"\r\n"), "CRLF"),
        (GOOD[: GOOD.index(b" c\n")], "truncated"),
        (GOOD[:-5], "truncated"),
        (GOOD.replace(b"+C\n", b""), "truncated"),
        (b"hello\n" + GOOD, "must start"),
        (GOOD + b"garbage\n", "unexpected line"),
        (GOOD.replace(b"a/ex/train.py\n", b"a/../etc/passwd\n"), "escapes"),
        (
            b"diff --git a/x.bin b/x.bin\nindex 1..2 100644\nBinary files a/x.bin and b/x.bin differ\n",
            "binary",
        ),
        (b"diff --git a/x.bin b/x.bin\nindex 1..2 100644\nGIT binary patch\nliteral 3\n", "binary"),
        (GOOD.replace(b"+x = 1", b"+x = \0"), "binary"),
        (GOOD.replace(b"@@ -1,3 +1,4 @@", b"@@ -1,3 +1,x @@"), "malformed hunk"),
        (GOOD.replace(b"+x = 1", b"+x = \xff"), "UTF-8"),
    ],
)
def test_bad_diffs_are_refused_with_the_reason(data, words):
    with pytest.raises(patch.PatchError) as e:
        patch.parse(data)
    assert words.lower() in e.value.message.lower()


def test_a_file_name_with_a_space_is_read_as_git_writes_it():
    # git ends such a name with a tab on the ---/+++ lines (for GNU patch).
    data = (
        b"diff --git a/ex/my file.py b/ex/my file.py\n"
        b"--- a/ex/my file.py\t\n"
        b"+++ b/ex/my file.py\t\n"
        b"@@ -1 +1 @@\n"
        b"-a\n"
        b"+b\n"
    )
    assert patch.parse(data).paths == ("ex/my file.py",)


def test_a_mode_change_of_a_file_whose_name_has_a_space():
    data = b"diff --git a/ex/run me.sh b/ex/run me.sh\nold mode 100644\nnew mode 100755\n"
    (fp,) = patch.parse(data).files
    assert (fp.old_path, fp.new_path) == ("ex/run me.sh", "ex/run me.sh")


MODE_ONLY = b"diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n"


@pytest.mark.parametrize(
    "data",
    [GOOD, MODE_ONLY + GOOD, *sorted(p.read_bytes() for p in REPO_DIFFS.glob("*.diff"))],
)
def test_serialize_gives_back_the_bytes_parsed(data):
    assert patch.serialize(patch.parse(data)) == data


def test_without_hunk_shifts_later_new_starts_and_keeps_a_bare_header_byte_for_byte():
    two = GOOD.replace(b"@@ -0,0 +1 @@", b"@@ -0,0 +1 @@ tail").replace(
        b"diff --git a/new.py", b"@@ -10 +11,2 @@\n x\n+y\ndiff --git a/new.py"
    )
    p = patch.parse(two)
    out = patch.serialize(patch.without_hunk(p, 0))
    # The dropped hunk added one line: the next one starts a line earlier; its "-10" keeps
    # git's own spelling (no count), and the other file is untouched.
    assert b"@@ -10 +10,2 @@\n x\n+y\n" in out and b"-b\n" not in out
    assert out.endswith(two[two.index(b"diff --git a/new.py") :])
    assert patch.serialize(patch.without_hunk(p, 2)).startswith(
        two[: two.index(b"diff --git a/new.py")]
    )
    # A file whose only change left is its mode keeps its mode lines, nothing else.
    mode_and_hunk = MODE_ONLY + b"--- a/run.sh\n+++ b/run.sh\n@@ -1 +1 @@\n-a\n+b\n"
    assert patch.serialize(patch.without_hunk(patch.parse(mode_and_hunk), 0)) == MODE_ONLY
