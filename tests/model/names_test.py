import pytest

from howtoctl.errors import HowtoError
from howtoctl.model import names


@pytest.mark.parametrize("name", ["polyak-averaging", "a", "x1", "v2.0", "snake_case", "a-b-c"])
def test_valid_names(name):
    assert names.validate_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "../x",
        "a b",
        "-rf",
        "a..b",
        "a/b",
        "A",
        "x.lock",
        "a-",
        ".hidden",
        "a--b",
        "a~1",
        "a^",
        "a:b",
        "x" * 65,
        "név",
        "a\nb",
        "@{u}",
    ],
)
def test_invalid_names_are_refused_with_a_reason(name):
    with pytest.raises(HowtoError) as e:
        names.validate_name(name)
    assert repr(name) in e.value.message or "empty" in e.value.message


def test_paths_derived_from_names():
    assert names.branch_name("howto/", "x") == "howto/x"
    assert names.name_from_branch("howto/", "howto/x") == "x"
    assert names.name_from_branch("howto/", "feature/x") is None
    assert names.name_from_branch("howto/", "howto/Bad Name") is None
    assert names.diff_path("howtos/diffs/", "x") == "howtos/diffs/x.diff"
    assert names.name_from_diff_file("x.diff") == "x"
    assert names.name_from_diff_file("notes.txt") is None
    assert names.name_from_diff_file("Bad.diff") is None


def test_branch_refs_are_built_by_one_constructor():
    ref = names.BranchRef.of_howto("howto/", "alpha")
    assert ref == names.BranchRef.of("howto/alpha") == "refs/heads/howto/alpha"
    assert isinstance(ref, names.BranchRef) and ref.short == "howto/alpha"
    assert names.short_branch("refs/heads/main") == "main"
