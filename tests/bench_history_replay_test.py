"""bench/history_replay.py on a small synthetic history shaped like Flax's, and its detectors.

The history (first-parent, on main): the examples; four HOWTO diffs added; one base change
that gives each HOWTO a different fate; then a human rewrites two of the diffs.

* `clean` changes a file the base leaves alone: git rebases it;
* `auto` and the base change different words of one line: git conflicts, wiggle merges it,
  and the human's later rewrite is that same merge;
* `broken` and the base change the same word differently: no tool merges it, it is left in
  conflict until the human's rewrite resets it;
* `lossy` changes examples/ex/lib.py, which the base deletes while a near copy of it moves in
  from staging/ as examples/ex/train.py (Flax's Jan. 2021 Copybara import did this to
  examples/mnist): an accepted merge of it is the new base's file, without the HOWTO's lines.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import pytest

from bench import history_replay as hr

REPO_ROOT = str(pathlib.Path(__file__).resolve().parents[1])

A = "examples/ex/a.py"
B = "examples/ex/b.py"
C = "examples/ex/c.py"
LIB = "examples/ex/lib.py"
TRAIN = "examples/ex/train.py"
STAGED = "staging/ex/train.py"

A_TEXT = "import cnn\n\n\ndef model():\n    return cnn.CNN(features=32, dropout=0.1)\n"
B_TEXT = "LEARNING_RATE = 0.1\nMOMENTUM = 0.9\n"
C_TEXT = "".join(f"STEP_{i} = {i}\n" for i in range(12))
LIB_TEXT = """\
import jax


def train_step(state, batch):
    grads = jax.grad(loss_fn)(state.params, batch)
    return state.apply_gradients(grads=grads)


def train_epoch(state, train_ds):
    for batch in train_ds:
        state = train_step(state, batch)
    return state


def evaluate(state, test_ds):
    return sum(accuracy(state, batch) for batch in test_ds)
"""
# The staged rewrite of lib.py: similar enough for git to follow lib.py into it.
TRAIN_TEXT = LIB_TEXT.replace("import jax\n", "import jax\nimport optax\n").replace(
    "return state\n", "return state  # the trained state\n", 1
)


def _git(cwd: str, *args: str, input: bytes | None = None) -> str:
    env = {**os.environ, **hr.IDENT}
    proc = subprocess.run(
        ["git", *args], cwd=cwd, input=input, capture_output=True, env=env, check=True
    )
    return proc.stdout.decode()


def _write(root: str, files: dict[str, str | None]) -> None:
    for rel, text in files.items():
        path = os.path.join(root, rel)
        if text is None:
            os.unlink(path)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)


def _commit(root: str, files: dict[str, str | None], message: str) -> None:
    _write(root, files)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message)


def _diff(root: str, changes: dict[str, str]) -> str:
    """The diff of `changes` to the committed files (the work tree is left as it was)."""
    _write(root, changes)
    diff = _git(root, "diff", "--", *changes)
    _git(root, "checkout", "--", *changes)
    return diff


def _history(root: str) -> None:
    os.makedirs(root)
    _git(root, "init", "-q", "--initial-branch=main")
    _commit(
        root,
        {A: A_TEXT, B: B_TEXT, C: C_TEXT, LIB: LIB_TEXT, STAGED: TRAIN_TEXT},
        "the examples",
    )
    diffs = {
        "clean": _diff(root, {C: C_TEXT.replace("STEP_2 = 2", "STEP_2 = 20")}),
        "auto": _diff(root, {A: A_TEXT.replace("dropout=0.1", "dropout=0.5")}),
        "broken": _diff(root, {B: B_TEXT.replace("0.1", "0.05")}),
        "lossy": _diff(
            root,
            {
                LIB: LIB_TEXT.replace(
                    "    return state\n",
                    "    checkpoints.save(state)\n    return state\n",
                    1,
                ).replace("import jax\n", "import jax\nfrom flax import checkpoints\n")
            },
        ),
    }
    _commit(root, {f"howtos/diffs/{n}.diff": d for n, d in diffs.items()}, "add the HOWTOs")
    _commit(
        root,
        {
            A: A_TEXT.replace("features=32", "features=64"),
            B: B_TEXT.replace("0.1", "0.2"),
            LIB: None,
            STAGED: None,
            TRAIN: TRAIN_TEXT + "\n\ndef main():\n    train_epoch(None, [])\n",
        },
        "the examples move on",
    )
    fixes = {
        "auto": _diff(root, {A: A_TEXT.replace("32, dropout=0.1", "64, dropout=0.5")}),
        "broken": _diff(root, {B: B_TEXT.replace("0.1", "0.15")}),
    }
    _commit(root, {f"howtos/diffs/{n}.diff": d for n, d in fixes.items()}, "fix two HOWTOs")


@pytest.fixture
def figures(tmp_path):
    root = str(tmp_path / "history")
    _history(root)
    return hr.replay(root, REPO_ROOT, focus=_git(root, "rev-parse", "HEAD~1").strip())


@pytest.mark.skipif(shutil.which("wiggle") is None, reason="wiggle is not installed")
def test_replay_counts_each_fate_and_judges_auto_resolutions(figures):
    per = figures["per_howto"]
    assert figures["events"] == 1 and figures["totals"]["branch_events"] == 4
    assert per["clean"]["clean"] == 1 and per["clean"]["git_conflicts"] == 0
    # wiggle's merge of the line is the human's fix; it changed the HOWTO's line, so by the
    # letter of "lost an added line" it is wrong (strict), but the line is adapted, not lost.
    assert per["auto"]["auto_resolved_human_equal"] == 1
    assert per["auto"]["wrong_accepted"] == 0 and per["auto"]["wrong_accepted_strict"] == 1
    assert per["broken"]["conflicts_left"] == 1 and per["broken"]["auto_resolved"] == 0
    # An accepted merge of `lossy` lost the HOWTO's lines and is the new base's file: wrong
    # on both counts. A resolver that refuses it leaves a conflict instead: both are counted.
    (lossy,) = [r for r in figures["branch_events"] if r["howto"] == "lossy"]
    assert lossy["git"] == "conflict"
    if lossy["status"] == "auto-resolved":
        assert lossy["wrong"] == ["lost-lines", "equals-base"]
        assert lossy["lost_added"] == ["checkpoints.save(state)", "fromflaximportcheckpoints"]
        assert lossy["human"] == "never"
        assert per["lossy"]["wrong_accepted"] == 1 and per["lossy"]["conflicts_left"] == 0
    else:
        assert lossy["status"] == "conflict" and per["lossy"]["conflicts_left"] == 1
    assert figures["totals"]["wrong_accepted"] == per["lossy"]["wrong_accepted"]
    assert figures["plain_git"]["conflicts"] == 3 and figures["plain_git"]["branch_events"] == 4
    verdicts = {(w["howto"], w["kind"]): w["verdict"] for w in figures["human_rewrites"]}
    assert verdicts == {("auto", "fix"): "equal", ("broken", "fix"): "different"}
    assert set(figures["focus"]) == {"clean", "auto", "broken", "lossy"}


BEFORE = """\
--- a/x.py
+++ b/x.py
@@ -1,2 +1,3 @@
 import jax
+from flax import checkpoints
-x = f(a, b)
+x = f(a, b, c)
+checkpoints.save(x)
"""


def test_a_candidate_missing_a_line_is_flagged_as_lost():
    # The rebased diff dropped the save: lost. The new base's x = f(a, b) line changed to
    # x = g(a, b), so its removal is no longer needed; the import the new base has is kept.
    after = "+x = g(a, b, c)\n-x = g(a, b)\n+from flax import checkpoints\n"
    added, removed = hr.lost_lines(BEFORE, after, {"importjax", "x=g(a,b)"})
    assert added == ["checkpoints.save(x)", "x=f(a,b,c)"] and removed == []
    # x = f(a, b, c) became x = g(a, b, c) (adapted); the save has no counterpart.
    assert hr.adapted(added, BEFORE, after) == {"x=f(a,b,c)": "x=g(a,b,c)"}
    # Every line kept, whitespace aside: nothing lost.
    same = BEFORE.replace("f(a, b, c)", "f(a,b,c)  ").replace("+++ b/x.py", "+++ b/y.py")
    assert hr.lost_lines(BEFORE, same, set()) == ([], [])
    # An added line the new base already has is not lost; a removed one it still has is.
    assert hr.lost_lines(BEFORE, "", {"checkpoints.save(x)", "x=f(a,b)"}) == (
        ["fromflaximportcheckpoints", "x=f(a,b,c)"],
        ["x=f(a,b)"],
    )


def test_a_merge_that_breaks_compilation_is_flagged_unless_the_base_was_broken():
    assert hr.compile_problems({"a.py": "x = (\n", "b.txt": "(("}, {"a.py": "x = 1\n"})
    assert hr.compile_problems({"a.py": "x = (\n"}, {"a.py": "y = (\n"}) == []
    assert hr.compile_problems({"a.py": "x = 1\n"}, {}) == []
