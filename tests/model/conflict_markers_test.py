"""The conflict-marker scan on diffs and files (pure, no repository)."""

from __future__ import annotations

import subprocess

from hypothesis import given
from hypothesis import strategies as st

from howtoctl.autoresolve import verify
from howtoctl.model import conflict_markers

GIT_CONFLICT = (
    "<<<<<<< HEAD\nline 20 main\n||||||| base\nline 20\n=======\nline 20 beta\n>>>>>>> beta\n"
)


def _diff(tmp_path, before: str, after: str, name: str = "ex/train.py", context: int = 3) -> bytes:
    """What `git diff` writes for one file changing from `before` to `after`."""
    (tmp_path / "a").write_text(before)
    (tmp_path / "b").write_text(after)
    proc = subprocess.run(
        ["git", "diff", "--no-index", "--no-color", f"--unified={context}", "a", "b"],
        cwd=tmp_path,
        capture_output=True,
    )
    return proc.stdout.replace(b"a/a", b"a/" + name.encode()).replace(b"b/b", b"b/" + name.encode())


def _lines(found):
    return [(m.path, m.line) for m in found]


def test_every_marker_a_diff_adds_is_found_with_its_line(tmp_path):
    before = "".join(f"line {i}\n" for i in range(1, 41))
    after = before.replace("line 20\n", GIT_CONFLICT)
    found = conflict_markers.in_diff(_diff(tmp_path, before, after))
    assert _lines(found) == [("ex/train.py", n) for n in (20, 22, 24, 26)], found
    assert str(found[0]) == "ex/train.py:20: conflict marker '<<<<<<< HEAD'"


def test_wiggle_markers_are_found(tmp_path):
    for added in (
        "x = <<<---1|||2===3--->>>\n",
        "<<<---x = 1\n",
        "y--->>>\n",
        "<<<<<<< found\n",
        "&&&&&&& resolution\n",
        "||||||| expected\n",
        ">>>>>>> replacement\n",
    ):
        found = conflict_markers.in_diff(_diff(tmp_path, "a\nb\n", f"a\n{added}b\n"))
        assert _lines(found) == [("ex/train.py", 2)], (added, found)


def test_lines_a_diff_removes_or_keeps_are_not_markers(tmp_path):
    documented = f"How a conflict looks:\n\n{GIT_CONFLICT}\nThe end.\n"
    assert conflict_markers.in_diff(_diff(tmp_path, documented, "How a conflict looks:\n")) == []
    edited = documented.replace("The end.", "The very end.")
    assert conflict_markers.in_diff(_diff(tmp_path, documented, edited, context=20)) == []


def test_an_underline_is_a_marker_only_inside_an_added_conflict(tmp_path):
    titled = "Title\n=======\n\nText.\n"
    assert conflict_markers.in_diff(_diff(tmp_path, "Text.\n", titled, "ex/README.rst")) == []
    # An underline added below a documented `<<<<<<<` (context) is no conflict of this change.
    documented = "<<<<<<< HEAD\nkept\n"
    assert conflict_markers.in_diff(_diff(tmp_path, documented, documented + "=======\n")) == []
    # Nor are longer runs, or words after the marker without a space: not git's markers.
    for line in ("<<<<<<<<<<<<", ">>>>>>>>x", "<<<<<<<HEAD", "x <<<<<<< HEAD"):
        assert conflict_markers.in_diff(_diff(tmp_path, "a\n", f"a\n{line}\n")) == [], line


def test_a_diff_of_several_files_names_each(tmp_path):
    one = _diff(tmp_path, "a\n", "a\n>>>>>>> theirs\n", "one.py")
    two = _diff(tmp_path, "a\nb\nc\n", "<<<<<<< ours\na\nb\nc\n", "two.md")
    found = conflict_markers.in_diff(one + two)
    assert _lines(found) == [("one.py", 2), ("two.md", 1)]
    assert conflict_markers.describe(found, shown=1) == (
        "one.py:2: conflict marker '>>>>>>> theirs' (and 1 more)"
    )


def test_an_added_line_that_looks_like_a_file_header_is_text(tmp_path):
    found = conflict_markers.in_diff(_diff(tmp_path, "a\n", "a\n++ b/x\n<<<<<<< HEAD\n"))
    assert _lines(found) == [("ex/train.py", 3)]


def test_whole_files_count_every_line():
    assert conflict_markers.in_files({"a.rst": b"Title\n=======\n"}) == []
    assert _lines(conflict_markers.in_files({"a.py": GIT_CONFLICT.encode()})) == [
        ("a.py", n) for n in (1, 3, 5, 7)
    ]
    assert verify.markers({"a.py": GIT_CONFLICT.encode()}) == (
        "a.py:1: conflict marker '<<<<<<< HEAD'"
    )


_ALPHABET = ["x = 1", "Title", "=======", "<<<<<<< HEAD", "||||||| base", ">>>>>>> b", "y<<<---z"]


def _unified(before: list[str], after: list[str]) -> bytes:
    import difflib

    body = "".join(
        ln if ln.endswith("\n") else ln + "\n"
        for ln in difflib.unified_diff(
            [b + "\n" for b in before], [a + "\n" for a in after], "a/f.txt", "b/f.txt"
        )
    )
    return body.encode()


@given(
    before=st.lists(st.sampled_from(_ALPHABET), max_size=12),
    after=st.lists(st.sampled_from(_ALPHABET), max_size=12),
)
def test_only_added_lines_are_reported_and_every_added_opener_is(before, after):
    import difflib

    found = conflict_markers.in_diff(_unified(before, after))
    added = set()
    for op, _, _, j1, j2 in difflib.SequenceMatcher(None, before, after).get_opcodes():
        if op in ("insert", "replace"):
            added |= set(range(j1 + 1, j2 + 1))
    assert all(m.path == "f.txt" and m.line in added for m in found), found
    assert all(m.text == after[m.line - 1] for m in found), found
    openers = {n for n in added if after[n - 1].startswith("<<<<<<< ")}
    assert openers <= {m.line for m in found}


@given(lines=st.lists(st.tuples(st.sampled_from(_ALPHABET), st.booleans()), min_size=1))
def test_a_diff_that_only_removes_lines_reports_nothing(lines):
    kept = sum(not removed for _, removed in lines)
    body = "".join(("-" if removed else " ") + text + "\n" for text, removed in lines)
    diff = f"--- a/f.txt\n+++ b/f.txt\n@@ -1,{len(lines)} +1,{kept} @@\n{body}"
    assert conflict_markers.in_diff(diff.encode()) == []
