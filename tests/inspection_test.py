import pytest

from howtoctl.inspection import untouched


@pytest.mark.parametrize(
    ("patch_paths", "changed", "expected"),
    [
        ({"ex/train.py"}, set(), True),
        ({"ex/train.py"}, {"ex/README.md", "howtoctl/git.py"}, True),
        ({"ex/train.py"}, {"ex/train.py"}, False),
        ({"ex/new/helper.py"}, {"ex/new"}, False),  # the directory became a file
        ({"ex/new"}, {"ex/new/helper.py"}, False),  # the file became a directory
        ({"ex/train.py"}, {"ex"}, False),
        ({"ex/train.py"}, {"ex/train.py.orig", "ex/trains.py", "e"}, True),
    ],
)
def test_untouched(patch_paths, changed, expected):
    assert untouched(frozenset(patch_paths), changed) is expected
