"""wiggle and patch as three-way merge tools, on file contents."""

from __future__ import annotations

import shutil

import pytest

from howtoctl.autoresolve import merge_tools

BASE = b"model = Model(features=10, dropout=0.1)\n"
OURS = b"model = Model(features=32, dropout=0.1)\n"
THEIRS = b"model = Model(features=10, dropout=0.5)\n"


@pytest.mark.skipif(shutil.which("wiggle") is None, reason="wiggle is not installed")
def test_wiggle_merges_different_words_of_one_line():
    assert merge_tools.wiggle(OURS, BASE, THEIRS) == merge_tools.Merged(
        b"model = Model(features=32, dropout=0.5)\n"
    )
    same = merge_tools.wiggle(OURS, BASE, BASE.replace(b"10", b"64"))
    assert same.unresolved and b"<<<" in same.data


def test_patch_fuzz_reports_rejected_hunks():
    unresolved = merge_tools.patch_fuzz(
        b"a\nb\nX\nd\n", b"a\nb\nc\nd\n", b"a\nb\nY\nd\n"
    ).unresolved
    # Said once, without the temporary paths (removed by then).
    assert unresolved == "Hunk #1 FAILED at 1; 1 out of 1 hunk FAILED", unresolved
    already = merge_tools.patch_fuzz(b"a\nb\nY\nd\n", b"a\nb\nc\nd\n", b"a\nb\nY\nd\n")
    assert "previously applied" in already.unresolved and "/" not in already.unresolved
    merged = merge_tools.patch_fuzz(b"a\nb\nc\nd\ne\n", b"a\nb\nc\nd\n", b"a\nb\nc\nd\nnew\n")
    assert merged == merge_tools.Merged(b"a\nb\nc\nd\nnew\ne\n")


def test_keep_found_keeps_the_text_the_tool_found():
    marked = (
        b"a\n<<<<<<< found\nX\n||||||| expected\nY\n=======\nZ\n>>>>>>> replacement\n"
        b"b <<<---p|||q===r--->>> c\n"
    )
    assert merge_tools.keep_found(marked) == b"a\nX\nb p c\n"


TWO_STEPS = (
    b"def train(x):\n    a = 1\n    b = 2\n    c = 3\n    return a\n\n\n"
    b"def evaluate(x):\n    a = 1\n    b = 2\n    c = 3\n    return b\n"
)
LOGGED = TWO_STEPS.replace(b"    c = 3\n    return a\n", b"    log(b)\n    c = 3\n    return a\n")


def test_patch_fuzz_refuses_a_hunk_that_lands_in_another_function():
    # The new base rewrote train(); fuzz finds the hunk's context in evaluate() instead.
    ours = TWO_STEPS.replace(
        b"a = 1\n    b = 2\n    c = 3\n    return a", b"a, b, c = 1, 2, 3\n    return a"
    )
    strayed = merge_tools.patch_fuzz(ours, TWO_STEPS, LOGGED)
    assert strayed.unresolved == "Hunk #1 of train landed in evaluate", strayed
    # Moved down and fuzzed, but still in train() (evaluate() is gone): merged.
    ours = b"import os\n\n\n" + TWO_STEPS.split(b"\n\n\n")[0].replace(b"(x)", b"(x, y)") + b"\n"
    moved = merge_tools.patch_fuzz(ours, TWO_STEPS, LOGGED)
    assert moved.unresolved == "" and b"    b = 2\n    log(b)\n    c = 3\n" in moved.data, moved


@pytest.mark.parametrize("odd", ["\f", "\r", "\v", "\x1c", "\x85"])
def test_patch_fuzz_reads_lines_as_patch_does_with_odd_characters_near_a_hunk(odd):
    base = f"a = 1\nb = 2  # {odd} here\nc = 3\nd = 4\ne = 5\nf = 6\ng = 7\nh = 8\n".encode()
    theirs = base.replace(b"c = 3\n", b"c = 30\n")  # the branch, next to the odd line
    ours = base.replace(b"h = 8\n", b"h = 80\n")  # the new base, away from it
    merged = merge_tools.patch_fuzz(ours, base, theirs)
    assert not merged.unresolved, merged
    assert merged.data == base.replace(b"c = 3\n", b"c = 30\n").replace(b"h = 8\n", b"h = 80\n")
