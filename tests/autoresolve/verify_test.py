"""The checks behind rebase-all --auto-resolve, on file contents (no repository)."""

from __future__ import annotations

import shutil

import pytest

from howtoctl.autoresolve import merge_tools, verify


def test_markers_finds_git_and_wiggle_markers():
    assert verify.markers({"a.py": b"x = 1\n"}) == ""
    assert "a.py:2" in verify.markers({"a.py": b"x = 1\n<<<<<<< found\n"})
    assert "conflict marker" in verify.markers({"a.py": b"x = <<<---1|||2===3--->>>\n"})


def test_compiles_only_checks_python_files():
    assert verify.compiles({"notes.md": b"def (:\n", "a.py": b"x = 1\n"}) == ""
    assert "a.py:1: does not compile" in verify.compiles({"a.py": b"def f(:\n"})


def test_new_names_counts_only_problems_neither_side_had():
    ours = b"import os\n\nprint(os.sep)\n"
    theirs = b"import os\nimport sys\n\nprint(os.sep)\n"  # sys unused on the branch already
    merged = b"import os\nimport sys\n\nprint(os.sep, undefined)\n"
    assert verify.new_names({"a.py": theirs}, {"a.py": (ours, theirs)}) == ""
    assert "F821 Undefined name `undefined`" in verify.new_names(
        {"a.py": merged}, {"a.py": (ours, theirs)}
    )


def test_removals_refuse_a_branch_line_in_an_api_style_the_base_removed():
    base = b"loss = compute_loss(state, batch)\n"
    ours = b"loss = compute_loss(state.params, batch)\n"
    theirs = base + b"aux = compute_loss(state, batch, aux=True)\n"
    merged = ours + b"aux = compute_loss(state, batch, aux=True)\n"
    assert "which the new base removed" in verify.removals_stay_removed(merged, ours, base, theirs)
    ported = ours + b"aux = compute_loss(state.params, batch, aux=True)\n"
    assert verify.removals_stay_removed(ported, ours, base, ported) == ""


def test_removals_allow_insertions_at_the_same_place():
    base = b"tx = sgd(lr)\nreturn model, tx\n"
    ours = b"tx = sgd(lr)\ndel config\nreturn model, tx\n"
    theirs = b"tx = sgd(lr)\nema = ema(0.99)\nreturn model, tx, ema\n"
    merged = b"tx = sgd(lr)\ndel config\nema = ema(0.99)\nreturn model, tx, ema\n"
    assert verify.removals_stay_removed(merged, ours, base, theirs) == ""


@pytest.mark.skipif(shutil.which("wiggle") is None, reason="wiggle is not installed")
def test_round_trip_refuses_a_change_applied_in_the_wrong_place():
    block = b"def f():\n    x = 1\n    return x\n\n\n"
    base = block + block.replace(b"f()", b"g()")
    ours = base.replace(b"def f():", b"def f(a):")
    theirs = base.replace(b"g():\n    x = 1", b"g():\n    x = 2")
    right = ours.replace(b"g():\n    x = 1", b"g():\n    x = 2")
    wrong = ours.replace(b"f(a):\n    x = 1", b"f(a):\n    x = 2")  # the hunk went to f
    assert verify.round_trip(right, ours, base, theirs, merge_tools.undo) == ""
    assert "does not give" in verify.round_trip(wrong, ours, base, theirs, merge_tools.undo)


@pytest.mark.skipif(shutil.which("wiggle") is None, reason="wiggle is not installed")
def test_round_trip_sees_indentation():
    # The branch's line lands outside the `if` block: the same words, another program.
    base = b"if a:\n    x = 1\ny = 2\n"
    ours = base.replace(b"y = 2", b"y = 3")
    theirs = base.replace(b"x = 1\n", b"x = 1\n    z = 0\n")
    right = ours.replace(b"x = 1\n", b"x = 1\n    z = 0\n")
    wrong = ours.replace(b"x = 1\n", b"x = 1\nz = 0\n")
    assert verify.round_trip(right, ours, base, theirs, merge_tools.undo) == ""
    assert "does not give" in verify.round_trip(wrong, ours, base, theirs, merge_tools.undo)
    # Trailing whitespace is no difference.
    assert (
        verify.round_trip(right.replace(b"y = 3", b"y = 3  "), ours, base, theirs, merge_tools.undo)
        == ""
    )
