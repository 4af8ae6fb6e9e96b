import pytest

from howtoctl.errors import HowtoError
from howtoctl.model import counted_hunks, patch
from howtoctl.model.manifest import Exemption
from tests import hunkdiffs

BASE = hunkdiffs.BASE
_diff = hunkdiffs.diff
_hunk = hunkdiffs.hunk


def _classify(data: bytes, source: str = BASE):
    files = patch.parse(data).files
    return counted_hunks.classify(files, {f.old_path: source for f in files if f.old_path})


def test_code_hunk_counts_and_comment_blank_docstring_hunks_do_not():
    src = BASE.replace("x10 = 10\n", "# old comment\n").replace("x20 = 20\n", '"""Doc."""\n')
    data = _diff(
        "ex/train.py",
        _hunk(6, "x5 = 5", "x5 = 55")
        + _hunk(11, "# old comment", "# new comment")
        + _hunk(21, '"""Doc."""', '"""Better doc."""'),
    )
    hunks = _classify(data, src)
    assert [(h.counted, h.why_not) for h in hunks] == [
        (True, ""),
        (False, "no code"),
        (False, "no code"),
    ]
    assert hunks[0].first_lines == ("-x5 = 5", "+x5 = 55")
    assert hunks[0].header == "@@ -5,3 +5,3 @@"


def test_annotations_do_not_count_but_annotated_fields_do():
    src = BASE.replace("x5 = 5\n", "def f(a: int) -> int: return a\n")
    src = src.replace("x20 = 20\n", "size: int = 3\n")
    hunks = _classify(
        _diff(
            "ex/a.py", _hunk(6, "def f(a: int) -> int: return a", "def f(a: str) -> str: return a")
        ),
        src,
    )
    assert hunks[0].why_not == "no code"
    hunks = _classify(_diff("ex/a.py", _hunk(21, "size: int = 3", "size: float = 3")), src)
    assert not hunks[0].counted
    hunks = _classify(_diff("ex/a.py", _hunk(21, "size: int = 3", "size = 3")), src)
    assert hunks[0].counted  # no longer a dataclass field


def test_a_comment_added_after_code_on_the_same_line_does_not_count():
    data = _diff("ex/train.py", _hunk(6, "x5 = 5", "x5 = 5  # five"))
    assert not _classify(data)[0].counted


def test_without_the_base_file_comment_and_blank_lines_are_judged_line_by_line():
    data = _diff("ex/run.sh", _hunk(6, "x5 = 5", "# x5 = 5"))
    assert _classify(data)[0].counted  # the '-' line is code
    data = _diff("ex/run.sh", "@@ -5,2 +5,3 @@\n x4 = 4\n+# a comment\n x5 = 5\n")
    assert not _classify(data)[0].counted


@pytest.mark.parametrize(
    "path, why",
    [
        ("ex/train_test.py", "test file"),
        ("ex/test_train.py", "test file"),
        ("tests/helpers.py", "test file"),
        ("ex/README.md", "documentation"),
        ("docs/guide.rst", "documentation"),
        ("ex/notes.txt", "documentation"),
        ("ex/train.py", ""),
        ("ex/configs/default.py", ""),
    ],
)
def test_which_files_count(path, why):
    assert counted_hunks.why_file_does_not_count(path) == why


def test_exemptions_match_content_of_exactly_one_counted_hunk():
    data = _diff("ex/train.py", _hunk(6, "x5 = 5", "x5 = 55") + _hunk(21, "x20 = 20", "x20 = 0"))
    hunks = _classify(data)
    found = counted_hunks.exemptions_by_hunk(
        "h", hunks, [Exemption("ex/train.py", "x20 = 0", "why")]
    )
    assert list(found) == [1]
    for match in ("nothing like it", "x"):
        with pytest.raises(HowtoError, match="matches (no hunk|2 hunks)"):
            counted_hunks.exemptions_by_hunk("h", hunks, [Exemption("ex/train.py", match, "why")])
    with pytest.raises(HowtoError):
        counted_hunks.exemptions_by_hunk("h", hunks, [Exemption("other.py", "x20 = 0", "why")])


def test_an_exemption_must_cover_every_change_of_its_hunk():
    # Two changes 4 lines apart make one hunk of two blocks: naming one of them would exempt
    # the other, too.
    hunk = (
        "@@ -5,8 +5,8 @@\n x4 = 4\n-x5 = 5\n+x5 = 55\n x6 = 6\n x7 = 7\n x8 = 8\n x9 = 9\n"
        "-x10 = 10\n+x10 = 0\n x11 = 11\n"
    )
    (h,) = hunks = _classify(_diff("ex/train.py", hunk))
    assert h.blocks == (("-x5 = 5", "+x5 = 55"), ("-x10 = 10", "+x10 = 0"))
    with pytest.raises(HowtoError, match="names only part of the hunk") as e:
        counted_hunks.exemptions_by_hunk("h", hunks, [Exemption("ex/train.py", "x10 = 0", "why")])
    assert "which also changes '-x5 = 5'" in e.value.message
    both = Exemption("ex/train.py", " = ", "why")  # a piece of each change
    assert list(counted_hunks.exemptions_by_hunk("h", hunks, [both])) == [0]


def test_an_exemption_need_not_name_blank_lines_comments_or_a_missing_newline():
    py = "x = 1\n\n\n# note\ny = 2"
    hunk = (
        "@@ -1,5 +1,6 @@\n-x = 1\n+x = 1  # set\n \n-\n+# more\n # note\n-y = 2\n"
        "\\ No newline at end of file\n+y = 2\n+logging.info(y)\n"
    )
    (h,) = hunks = _classify(_diff("ex/train.py", hunk), py)
    # Two runs of code: the blank line and the comment between them need no naming, and the
    # "No newline" marker splits no change in two.
    assert h.blocks == (("-x = 1", "+x = 1  # set"), ("-y = 2", "+y = 2", "+logging.info(y)"))
    with pytest.raises(HowtoError, match="names only part"):
        counted_hunks.exemptions_by_hunk("h", hunks, [Exemption("ex/train.py", "logging", "why")])
    assert list(
        counted_hunks.exemptions_by_hunk("h", hunks, [Exemption("ex/train.py", "= ", "w")])
    ) == [0]


def test_an_exemption_never_matches_line_numbers():
    data = _diff("ex/train.py", _hunk(6, "x5 = 5", "x5 = 55") + _hunk(21, "x20 = 20", "x20 = 0"))
    hunks = _classify(data)
    assert hunks[1].header == "@@ -20,3 +20,3 @@" and hunks[1].section == ""
    # "20" is in the second hunk's changed lines, and in its header's line numbers only.
    assert list(
        counted_hunks.exemptions_by_hunk("h", hunks, [Exemption("ex/train.py", "20", "w")])
    ) == [1]
    with pytest.raises(HowtoError, match="matches no hunk that changes code"):
        counted_hunks.exemptions_by_hunk("h", hunks, [Exemption("ex/train.py", "-5,3", "w")])


def _one(path: str, hunk: str) -> counted_hunks.HunkInfo:
    (h,) = counted_hunks.classify(patch.parse(_diff(path, hunk)).files, {})
    return h


@pytest.mark.parametrize(
    "path, hunk, counted",
    [
        ("x.c", "@@ -3,1 +3,1 @@\n-  *p = 4;\n+  *p = 5;\n", True),  # a dereference
        ("x.js", "@@ -3,2 +3,2 @@\n   a\n-    * b\n+    * c\n", True),  # a product
        ("x.sh", "@@ -1,1 +1,1 @@\n-#!/bin/sh\n+#!/bin/bash -e\n", True),  # the interpreter
        ("x.sh", "@@ -5,1 +5,1 @@\n-#!not a shebang\n+#!here\n", False),  # a comment
        ("x.c", "@@ -3,3 +3,3 @@\n /**\n- * old comment\n+ * new comment\n */\n", False),
        ("x.c", "@@ -3,2 +3,2 @@\n- * old comment\n+ * new comment\n */\n", False),
        ("x.c", "@@ -3,1 +3,1 @@\n- * old comment\n+ * new comment\n", True),  # in sight: none
        ("x.c", "@@ -3,2 +3,2 @@\n x = 1;\n- * c\n+ * d */\n", False),
        ("x.c", "@@ -3,1 +3,1 @@\n-/* a */\n+/* b */\n", False),
        ("requirements.txt", "@@ -1,1 +1,1 @@\n-flax\n+flax==0.10\n", True),
        ("ex/requirements-dev.txt", "@@ -1,1 +1,1 @@\n-a\n+b\n", True),
        ("constraints.txt", "@@ -1,1 +1,1 @@\n-a\n+b\n", True),
        ("CMakeLists.txt", "@@ -1,1 +1,1 @@\n-a\n+b\n", True),
        ("ex/demo.ipynb", "@@ -1,1 +1,1 @@\n-a\n+b\n", True),
        ("notes.txt", "@@ -1,1 +1,1 @@\n-a\n+b\n", False),
    ],
)
def test_classification_of_other_languages_and_build_files(path, hunk, counted):
    assert _one(path, hunk).counted is counted


# -- which failures prove a hunk ---------------------------------------------------------------
