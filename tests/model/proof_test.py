import pytest

from howtoctl.model import patch, proof
from tests import hunkdiffs

BASE = hunkdiffs.BASE
_diff = hunkdiffs.diff
_hunk = hunkdiffs.hunk


def test_without_hunk_moves_later_hunks_new_line_numbers():
    data = _diff(
        "ex/train.py",
        "@@ -5,2 +5,4 @@\n x4 = 4\n+a = 1\n+b = 2\n x5 = 5\n"
        + _hunk(21, "x20 = 20", "x20 = 0").replace("+20,3", "+22,3"),
    )
    out = proof.without_hunk(data, 0)
    assert b"+a = 1" not in out and b"@@ -20,3 +20,3 @@" in out
    assert patch.parse(out).files[0].hunks[0].new_start == 20
    out = proof.without_hunk(data, 1)
    assert b"x20 = 0" not in out and b"@@ -5,2 +5,4 @@" in out


def test_without_the_only_hunk_of_a_file_drops_the_file():
    data = _diff("a.py", _hunk(6, "x5 = 5", "x5 = 6")) + _diff("b.py", _hunk(6, "x5 = 5", "x5 = 7"))
    out = proof.without_hunk(data, 0)
    assert patch.parse(out).paths == ("b.py",)
    assert proof.without_hunk(_diff("a.py", _hunk(6, "x5 = 5", "x5 = 6")), 0) == b""


def test_a_record_is_read_only_for_the_diff_it_was_made_for():
    data = _diff("a.py", _hunk(6, "x5 = 5", "x5 = 6"))
    rec = proof.record(
        "h", data, [proof.HunkResult("a.py", "@@ -5,3 +5,3 @@", "proved", "t")], "cpu"
    )
    assert proof.read_record(rec, data)[("a.py", "@@ -5,3 +5,3 @@")]["failing_test"] == "t"
    assert proof.read_record(rec, data + b" \n") is None
    assert proof.read_record(b"not json", data) is None
    assert proof.read_record(None, data) is None


OWN = frozenset({"ex.calc_test.test_double"})
PASSED = ("ex/calc_test.py::test_filler", "ex/calc_test.py::test_double", "ex/io_test.py::test_io")


def test_a_call_failure_of_the_howtos_own_test_proves_and_every_killing_test_is_listed():
    v = proof.verdict(
        PASSED,
        failed=("ex/calc_test.py::test_filler", "ex/calc_test.py::test_double"),
        errored=("ex/io_test.py::test_io",),
        own=OWN,
    )
    assert v.status == proof.Status.PROVED and v.failing_test == "ex/calc_test.py::test_double"
    # The HOWTO's own first; an error is not a killing test.
    assert v.killing_tests == ("ex/calc_test.py::test_double", "ex/calc_test.py::test_filler")


def test_a_failure_of_only_base_tests_is_weak():
    v = proof.verdict(PASSED, failed=("ex/calc_test.py::test_filler",), errored=(), own=OWN)
    assert (v.status, v.failing_test) == (proof.Status.WEAK, "")
    assert v.killing_tests == ("ex/calc_test.py::test_filler",)
    assert "does not add or change" in v.reason


@pytest.mark.parametrize(
    "errored",
    [
        ("ex/calc_test.py::test_double",),  # its fixture raised: JUnit <error>
        ("ex.calc_test",),  # the module no longer imports: a collection error
    ],
)
def test_set_up_and_collection_errors_alone_are_weak(errored):
    v = proof.verdict(PASSED, failed=(), errored=errored, own=OWN)
    assert v.status == proof.Status.WEAK and v.killing_tests == ()
    assert v.reason == f"only set-up, collection or import errors: {errored[0]}"


def test_a_test_that_did_not_pass_with_the_hunk_proves_nothing():
    # test_double[2] failed (or was skipped) on the HOWTO itself: its failing now is no news.
    v = proof.verdict(PASSED[:1], failed=("ex/calc_test.py::test_double",), errored=(), own=OWN)
    assert v.status == proof.Status.WEAK and v.killing_tests == ()


def test_parametrized_and_class_tests_are_matched_to_their_functions():
    assert proof.dotted("ex/calc_test.py::test_double[2-4]") == "ex.calc_test.test_double"
    assert proof.dotted("ex/calc_test/TestCalc.py::test_x") == "ex.calc_test.TestCalc.test_x"
    assert proof.dotted("ex.calc_test") == ""
    own = frozenset({"ex.calc_test.TestCalc.test_x"})
    v = proof.verdict(
        ("ex/calc_test/TestCalc.py::test_x",), ("ex/calc_test/TestCalc.py::test_x",), (), own
    )
    assert v.status == proof.Status.PROVED
    # pytest run with its rootdir in ex/ names the module calc_test, not ex.calc_test.
    v = proof.verdict(("calc_test.py::test_double",), ("calc_test.py::test_double",), (), OWN)
    assert v.status == proof.Status.PROVED
    v = proof.verdict(("c_test.py::test_double",), ("c_test.py::test_double",), (), OWN)
    assert v.status == proof.Status.WEAK


BASE_TESTS = """\
import pytest


@pytest.fixture
def config():
    return 1


def test_kept(config):
    assert config == 1


def test_edited():
    assert 1


class TestCalc:
    def test_m(self):
        pass
"""


def test_own_tests_are_those_the_diff_adds_or_changes():
    new = (
        BASE_TESTS.replace("return 1", "return 2")  # a fixture: not a test of its own
        .replace("assert config == 1", "assert config == 1  # a comment only")
        .replace("assert 1\n", "assert 2\n")
        .replace("        pass", "        assert True")
        + "\n\ndef test_added():\n    '''Doc.'''\n"
    )
    own = proof.own_tests(
        {
            "ex/calc_test.py": (BASE_TESTS, new),
            "ex/new_test.py": (None, "def test_n():\n    pass\n"),
            "ex/calc.py": ("def test_not_a_test_file():\n    pass\n", ""),
            "ex/gone_test.py": ("def test_gone():\n    pass\n", None),
        }
    )
    assert own == {
        "ex.calc_test.test_edited",
        "ex.calc_test.TestCalc.test_m",
        "ex.calc_test.test_added",
        "ex.new_test.test_n",
    }
    # A docstring or a comment is no change; a file that does not parse counts as all new.
    same = BASE_TESTS.replace("def test_edited():", "def test_edited():\n    '''Doc.'''")
    assert proof.own_tests({"ex/calc_test.py": (BASE_TESTS, same)}) == frozenset()
    assert "ex.calc_test.test_kept" in proof.own_tests({"ex/calc_test.py": ("(", BASE_TESTS)})
