import html as htmllib
import re
import subprocess

from howtoctl.model import patch
from howtoctl.site import filediff, sidebyside

OLD = '''def f():
    """Docstring.

    It goes on for a while,
    and on,
    and on.
    """
    return 1
'''


def _diff(tmp_path, old: str, new: str, name: str = "m.py") -> patch.FilePatch:
    """The git diff of one file from `old` to `new` (an empty `old`: a new file), one line of context."""
    repo = tmp_path / "r"

    def git(*args):
        return subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, check=True
        ).stdout

    repo.mkdir()
    git("init", "-q")
    if old:
        (repo / name).write_text(old)
        git("add", name)
    (repo / "keep").write_text("")
    git("add", "keep")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "old")
    (repo / name).write_text(new)
    git("add", "-N", name)
    return patch.parse(git("diff", "-U1")).files[0]


def _text(html: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", "", html))


def test_whole_file_highlighting_when_the_base_file_matches(tmp_path):
    new = OLD.replace("    and on,\n", "    and on <and> on,\n")
    fp = _diff(tmp_path, OLD, new)
    assert fp.hunks[0].old_start > 1  # the hunk starts inside the docstring
    fv = filediff.file_view(fp, OLD)
    assert fv.whole_file
    changed = [r for r in fv.hunks[0].rows if r.kind == "change"]
    assert len(changed) == 1
    # Lexed with the whole file, the line is part of the docstring, and the new words are marked.
    assert changed[0].new.html.startswith('<span class="sd">')
    assert '<span class="sd chg"> &lt;and&gt; on</span>' in changed[0].new.html
    # Without the base file the hunk alone is lexed: not a string any more, but still shown.
    fallback = filediff.file_view(fp, None)
    assert not fallback.whole_file
    row = next(r for r in fallback.hunks[0].rows if r.kind == "change")
    assert not row.new.html.startswith('<span class="sd">')
    assert _text(row.new.html) == "    and on <and> on,"


def test_a_base_file_that_does_not_match_is_not_used(tmp_path):
    new = OLD.replace("return 1", "return 2")
    fp = _diff(tmp_path, OLD, new)
    fv = filediff.file_view(fp, OLD.replace('    """\n    return', '    """  \n    return'))
    assert not fv.whole_file
    assert filediff.file_view(fp, OLD).whole_file


def test_runs_pair_in_order_and_leftovers_face_empty_cells(tmp_path):
    old = "a = 1\nb = 2\nc = 3\nkeep\n"
    new = "a = 10\nkeep\nz = 0\n"
    fp = _diff(tmp_path, old, new)
    fv = filediff.file_view(fp, old)
    rows = [
        (r.kind, r.old and r.old.number, r.new and r.new.number) for h in fv.hunks for r in h.rows
    ]
    assert rows == [
        ("change", 1, 1),
        ("del", 2, None),
        ("del", 3, None),
        ("ctx", 4, 2),
        ("add", None, 3),
    ]
    kinds = [ln.kind for ln in fv.hunks[0].lines]
    assert kinds == ["del", "del", "del", "add", "ctx", "add"]
    assert (fv.added, fv.removed, fv.status) == (2, 3, "modified")


def test_word_marks():
    a, b = "x = compute(a, b)", "x = compute(a, c, b)"
    ma, mb = filediff.word_marks(a, b)
    assert ma == []
    assert [b[s:e] for s, e in mb] == ["c, "]
    # Lines with nothing in common get no marks at all.
    assert filediff.word_marks("import os", "return [1, 2, 3]") == ([], [])


def test_new_deleted_and_no_newline_files(tmp_path):
    fp = _diff(tmp_path, "", '"""New."""\nx = 1')
    fv = filediff.file_view(fp, None)
    assert [ln.kind for ln in fv.hunks[0].lines] == ["add", "add", "meta"]
    assert "No newline at end of file" in fv.hunks[0].lines[-1].html
    assert all(r.kind == "add" for r in fv.hunks[0].rows)
    assert fv.hunks[0].lines[0].html == '<span class="sd">"""New."""</span>'
    assert (fv.status, fv.whole_file) == ("new", True)


def test_a_removed_line_faces_only_a_similar_added_line(tmp_path):
    # Before: the removed `loss =` line faced the new comment, the line that replaced it a gap.
    old = "def step(state, batch):\n    loss = loss_fn(state, batch)\n    return loss\n"
    new = (
        "def step(state, batch):\n"
        "    # Scale the loss by the number of devices.\n"
        "    loss = loss_fn(state, batch) / jax.device_count()\n"
        "    return loss\n"
    )
    fv = filediff.file_view(_diff(tmp_path, old, new), old)
    rows = [
        (r.kind, r.old and _text(r.old.html), r.new and _text(r.new.html)) for r in fv.hunks[0].rows
    ]
    assert rows == [
        ("ctx", "def step(state, batch):", "def step(state, batch):"),
        ("add", None, "    # Scale the loss by the number of devices."),
        (
            "change",
            "    loss = loss_fn(state, batch)",
            "    loss = loss_fn(state, batch) / jax.device_count()",
        ),
        ("ctx", "    return loss", "    return loss"),
    ]
    table = sidebyside.file_table(fv)
    assert table.count('<tr class="add">') == 1 and table.count('<tr class="change">') == 1


def test_unrelated_lines_get_rows_of_their_own_and_similar_ones_pair_in_order():
    removed = ["x = 1", "import os", "y = compute(a)"]
    added = ["# a comment about nothing", "x = 2", "y = compute(a, b)"]
    assert filediff.pair_lines(removed, added) == [
        (None, 0),
        (0, 1),
        (1, None),
        (2, 2),
    ]
    assert filediff.pair_lines(["import os"], ["return [1, 2, 3]"]) == [(0, None), (None, 0)]
