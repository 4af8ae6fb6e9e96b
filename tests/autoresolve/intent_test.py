"""The intent check: what of a HOWTO's change a merged candidate still makes (file contents)."""

from __future__ import annotations

from howtoctl.autoresolve import intent

OLD = b"import jax\n\n\ndef train(x):\n    y = x + 1\n    return y\n"
HOWTO = OLD.replace(b"    y = x + 1\n", b"    y = x + 1\n    y = y * 2  # the HOWTO\n")
NEW = b"import jax\nimport optax\n\n\ndef train(x):\n    y = x + 1\n    return y\n"
MERGED = NEW.replace(b"    y = x + 1\n", b"    y = x + 1\n    y = y * 2  # the HOWTO\n")


def _lost(howto, candidate, new_base, moved=None):
    return intent.lost(howto, candidate, new_base.get, moved or {})


def test_a_candidate_with_the_howtos_change_loses_nothing():
    # Whitespace does not count: the merge re-indented nothing, but it may.
    merged = MERGED.replace(b"y = y * 2", b"y = y  *  2")
    assert _lost({"t.py": (OLD, HOWTO)}, {"t.py": (NEW, merged)}, {"t.py": NEW}) == []


def test_a_candidate_equal_to_the_new_base_is_an_emptied_howto():
    (loss,) = _lost({"t.py": (OLD, HOWTO)}, {}, {"t.py": NEW})
    assert loss.kind == intent.EMPTY and "no change" in intent.describe([loss])


def test_one_lost_added_line_is_named():
    test_file = b"def test_train():\n    assert True\n"
    howto = {"t.py": (OLD, HOWTO), "t_test.py": (None, test_file)}
    candidate = {"t.py": (NEW, NEW + b"# another change\n"), "t_test.py": (None, test_file)}
    (loss,) = _lost(howto, candidate, {"t.py": NEW})
    assert (loss.path, loss.kind, loss.lines) == ("t.py", "added", ("y = y * 2  # the HOWTO",))
    assert "`y = y * 2  # the HOWTO`" in intent.describe([loss])


def test_a_line_the_howto_removes_must_stay_removed():
    howto = OLD.replace(b"import jax\n", b"")
    (loss,) = _lost({"t.py": (OLD, howto)}, {"t.py": (NEW, NEW + b"x = 1\n")}, {"t.py": NEW})
    assert (loss.kind, loss.lines) == ("removed", ("import jax",))


def test_a_line_the_new_base_already_changed_is_not_lost():
    # The new base took the HOWTO's line (and removed the line the HOWTO removes).
    howto = HOWTO.replace(b"import jax\n", b"")
    new = MERGED.replace(b"import jax\n", b"")
    candidate = new + b"LOG = 1\n"
    assert (
        _lost({"t.py": (OLD, howto + b"LOG = 1\n")}, {"t.py": (new, candidate)}, {"t.py": new})
        == []
    )


def test_a_dropped_test_file_is_lost():
    test_file = b"def test_train():\n    assert True\n"
    howto = {"t.py": (OLD, HOWTO), "t_test.py": (None, test_file)}
    losses = _lost(howto, {"t.py": (NEW, MERGED)}, {"t.py": NEW})
    assert [(x.path, x.kind) for x in losses] == [("t_test.py", "file")]
    # Where the new base renamed its directory, git's merge puts it there: carried.
    moved = {"t.py": (NEW, MERGED), "tests/t_test.py": (None, test_file)}
    assert _lost(howto, moved, {"t.py": NEW}) == []


LIB = b"def step(x):\n    a = 1\n    b = 2\n    return a + b\n\n\ndef other():\n    return 0\n"
LIB_HOWTO = LIB.replace(b"    b = 2\n", b"    b = 2\n    c = a * b\n    print(c)\n")


def test_a_hunk_moved_to_another_file_counts_only_when_whole_beside_its_context():
    # The new base moved lib.py into train.py.
    train = b"import jax\n\n\n" + LIB
    whole = b"import jax\n\n\n" + LIB_HOWTO
    howto = {"lib.py": (LIB, LIB_HOWTO)}
    new_base = {"train.py": train}
    moved = {"lib.py": "train.py"}
    assert _lost(howto, {"train.py": (train, whole)}, new_base, moved) == []
    # The same two lines, scattered: each somewhere else in the file.
    scattered = train.replace(b"import jax\n", b"import jax\nc = a * b\n").replace(
        b"    return 0\n", b"    return 0\n    print(c)\n"
    )
    (loss,) = _lost(howto, {"train.py": (train, scattered)}, new_base, moved)
    assert (loss.path, loss.kind, loss.lines) == ("lib.py", "scattered", ("c = a * b", "print(c)"))
    # Together, but away from any of the hunk's context lines.
    apart = train + b"c = a * b\nprint(c)\n"
    assert [x.kind for x in _lost(howto, {"train.py": (train, apart)}, new_base, moved)] == [
        "scattered"
    ]
    # Whole beside its context in a file git did not pair with lib.py (a split) counts too.
    split = {"a.py": (None, b"import jax\n\n\n" + LIB_HOWTO)}
    assert _lost(howto, split, {"a.py": None}) == []


def test_own_tests_are_those_of_the_howtos_files():
    ids = ["mnist_test.py::test_a", "ex/base_test/TestX.py::test_b", "other_test.py::test_c"]
    files = ["examples/mnist/mnist_test.py", "examples/mnist/train.py"]
    assert intent.own_tests(ids, files) == ["mnist_test.py::test_a"]
    assert intent.own_tests(ids, ["ex/base_test.py"]) == ["ex/base_test/TestX.py::test_b"]
    assert intent.own_tests(ids, ["train.py"]) == []


def test_a_line_both_sides_changed_carries_the_howtos_words():
    old = b"model = Model(features=10, dropout=0.1)\n"
    howto = {"m.py": (old, old.replace(b"0.1", b"0.5"))}
    new = old.replace(b"10", b"32")
    merged = {"m.py": (new, new.replace(b"0.1", b"0.5"))}
    assert _lost(howto, merged, {"m.py": new}) == []
    # The base's words alone, or the HOWTO's old word kept: not the HOWTO's line.
    for wrong in (new.replace(b"0.1", b"0.7"), new + b"x = 1\n"):
        (loss,) = [
            x for x in _lost(howto, {"m.py": (new, wrong)}, {"m.py": new}) if x.kind == "added"
        ]
        assert loss.lines == ("model = Model(features=10, dropout=0.5)",)
