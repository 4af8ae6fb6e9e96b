import pytest

from howtoctl import patch

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
