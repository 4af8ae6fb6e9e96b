"""howtoctl.cost: figures from a timeline of steps (pure), and the batched apply checks."""

from __future__ import annotations

from howtoctl import cost
from howtoctl.cost import Commit, Step

DAY = 86400


def _c(i: int, day: float = 0) -> Commit:
    return Commit(f"c{i}", int(day * DAY), i)


def _move(i: int, day: float, applies: bool, diff: str = "d1") -> Step:
    return Step(_c(i, day), "Base", diff, diff, True, applies, applies, 1, 1)


def test_a_base_change_that_mends_the_diff_is_a_base_fix_not_a_human_one():
    steps = [_move(1, 1, False), _move(2, 3, False), _move(3, 4, True)]
    f = cost.figures("h", steps, _c(0), True)
    assert (f.breaks, f.moves_while_broken, f.base_fixes, f.human_fixes, f.cost) == (1, 2, 1, 0, 0)
    (s,) = f.stretches
    assert (s.fixed_by, s.commits(_c(3, 4)), s.days(_c(3, 4)), s.base_moves) == ("base", 2, 3.0, 2)


def test_a_diff_removed_while_broken_ends_its_stretch_and_costs_nothing_more():
    steps = [_move(1, 1, False), Step(_c(2, 2), "Ann", "d1", None, False, None, None)]
    f = cost.figures("h", steps, _c(0), True)
    assert (f.exists, f.broken_now, f.cost, f.removed) == (False, False, 0, _c(2, 2))
    assert f.stretches[0].fixed_by == "removed"


def test_a_diff_written_broken_starts_a_stretch_a_later_rewrite_ends():
    steps = [
        Step(_c(1, 1), "Ann", "d1", "d2", False, None, False, 2, 0),
        Step(_c(2, 2), "Ann", "d2", "d3", False, None, True, 2, 1),
    ]
    f = cost.figures("h", steps, _c(0), True)
    assert (f.breaks, f.human_fixes, f.human_edits) == (0, 1, 0)
    assert f.stretches[0].broke_by == "diff"
    assert [(x["added"], x["removed"]) for x in f.lines] == [(2, 0), (2, 1)]


def test_a_rewrite_of_a_diff_that_applied_is_an_edit_not_a_fix():
    steps = [Step(_c(1, 1), "Ann", "d1", "d2", False, None, True, 3, 0)]
    f = cost.figures("h", steps, _c(0), True)
    assert (f.human_edits, f.human_fixes, f.last_human_touch["commit"]) == (1, 0, "c1")


def test_since_dates():
    assert cost.since_time("1970-01-02") == DAY
    assert cost.since_time("1970-01-02T01:00:00+01:00") == DAY
    assert cost.since_time("HEAD~3") is None
    assert cost.start_index([10, 20, 30], 15) == 1 and cost.start_index([10], 99) == 1


def test_apply_checks_find_every_failing_patch(repo):
    from howtoctl.git import Repo

    g = Repo(str(repo.path))
    blob = g.write_blob(b"one\ntwo\nthree\n")
    good = "@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n"
    bad = "@@ -1,3 +1,3 @@\n one\n-zwei\n+TWO\n three\n"
    entries, patches, expected = [], [], []
    for i in range(12):
        ok = i % 5 != 2
        root = f"k{i}"
        entries.append(("100644", blob, f"{root}/f.txt"))
        head = f"diff --git a/{root}/f.txt b/{root}/f.txt\n--- a/{root}/f.txt\n+++ b/{root}/f.txt\n"
        patches.append((root, (head + (good if ok else bad)).encode()))
        expected.append(ok)
    # One that names a file nobody has: git says so in another message.
    patches.append(
        ("k99", b"diff --git a/k99/g b/k99/g\n--- a/k99/g\n+++ b/k99/g\n" + good.encode())
    )
    expected.append(False)
    assert g.apply_checks(entries, patches) == expected
    assert g.apply_checks(entries, []) == []
