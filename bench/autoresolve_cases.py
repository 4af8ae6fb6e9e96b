"""Conflicts whose right answer is known, for measuring `rebase-all --auto-resolve`.

A case is an old base, a HOWTO branch on it, a new base that conflicts with the branch, and the
human fix: the files the branch should hold after the rebase. `evaluate` builds the case as a
real repository and runs each candidate method alone and the whole pipeline, and compares what
each produced with the human fix. The synthetic cases below cover the hard kinds (overlapping
insertions, renamed files, deleted and split test files, API ports); `bench/autoresolve.py` adds
real ones from Flax's HOWTO history.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import tempfile

from howtoctl.autoresolve import resolver, smoke_check
from howtoctl.git import Repo
from howtoctl.model.manifest import Entry
from howtoctl.rebase import plan, replay

Files = dict[str, str | None]  # path -> contents, None: deleted


@dataclasses.dataclass
class Case:
    name: str
    kind: str
    base: dict[str, str]
    main: Files  # what the new base changes
    branch: list[Files]  # the branch's commits, each a set of changes
    fix: Files  # the human fix: the branch's files after the rebase, where they differ from main
    mechanical: bool  # a human would call the fix a mechanical merge of the two sides
    test: str = ""  # the HOWTO's smoke test command, if it has one
    # Whether its code runs here: without a `test`, the smoke test is then `howtoctl test`'s
    # default (pytest on the example). Flax's 2020 code does not run against today's JAX.
    runs: bool = True
    why: str = ""  # what makes the case hard


def _git(path: str, *args: str, input: bytes | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    proc = subprocess.run(
        ["git", "-C", path, *args], input=input, capture_output=True, env=env, check=True
    )
    return proc.stdout.decode()


def _write(root: str, files: Files) -> None:
    for rel, text in files.items():
        target = os.path.join(root, rel)
        if text is None:
            if os.path.exists(target):
                os.unlink(target)
            continue
        os.makedirs(os.path.dirname(target) or root, exist_ok=True)
        with open(target, "w") as f:
            f.write(text)


def build(case: Case, root: str) -> str:
    """Create the case's repository at `root`: main (new base) and howto/<case> (old fork)."""
    os.makedirs(root)
    _git(root, "init", "-q", "--initial-branch=main")
    _write(root, case.base)
    if case.test:
        _write(root, {"howtos/manifest.toml": f'[howtos.case]\ntest = "{case.test}"\n'})
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "old base")
    _git(root, "switch", "-q", "-c", "howto/case")
    for i, changes in enumerate(case.branch):
        _write(root, changes)
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "--allow-empty", "-m", f"HOWTO step {i + 1}")
    _git(root, "switch", "-q", "main")
    _write(root, case.main)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "new base")
    return root


def expected_files(case: Case) -> dict[str, str]:
    files: dict[str, str | None] = {**case.base, **case.main, **case.fix}
    return {p: t for p, t in files.items() if t is not None}


def _tree_files(repo: Repo, tree: str) -> dict[str, str]:
    return {
        p: (repo.show_file(tree, p) or b"").decode(errors="replace")
        for p in repo.tree_paths(tree)
        if not p.startswith("howtos/")
    }


def _tokens(text: str | None) -> set[str]:
    return set(re.findall(r"\w+|[^\w\s]", text or ""))


def only_mechanical(case: Case) -> bool:
    """Whether the human fix is made of the two sides' words only: it adds nothing that is in
    neither the new base's nor the branch's version of a file (a mechanical merge could make it).
    """
    theirs: Files = {}
    for changes in case.branch:
        theirs.update(changes)
    for path, text in case.fix.items():
        ours = case.main.get(path, case.base.get(path))
        side = theirs.get(path, case.base.get(path))
        if not _tokens(text) <= _tokens(ours) | _tokens(side):
            return False
    return True


def _branch_paths(case: Case) -> list[str]:
    """The files the branch changes (what its diff would list)."""
    return sorted({p for changes in case.branch for p in changes})


def _lines(text: str) -> list[str]:
    """Non-blank lines without trailing whitespace: indentation counts (it is Python's syntax)."""
    return [ln.rstrip() for ln in text.splitlines() if ln.strip()]


def _imports_anywhere(text: str) -> tuple[list[str], list[str]]:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    imports = sorted(ln for ln in lines if re.match(r"(import|from)\s", ln))
    rest = [ln for ln in _lines(text) if not re.match(r"(import|from)\s", ln.strip())]
    return imports, rest


def compare(got: dict[str, str], want: dict[str, str]) -> str:
    """'equal' (ignoring blank lines and trailing whitespace; indentation counts),
    'equal-but-imports' (an import's position differs too), or 'different'."""
    if got.keys() != want.keys():
        return "different"
    if all(_lines(got[p]) == _lines(want[p]) for p in want):
        return "equal"
    if all(_imports_anywhere(got[p]) == _imports_anywhere(want[p]) for p in want):
        return "equal-but-imports"
    return "different"


@dataclasses.dataclass
class Result:
    case: str
    method: str  # a candidate method alone, or "auto-resolve" (the pipeline) or "git"
    resolved: bool  # produced a result without conflict markers or rejected hunks
    accepted: bool  # passed every check
    match: str  # compare() of the result with the human fix ("" when nothing was produced)
    failed: str = ""
    detail: str = ""

    @property
    def wrong(self) -> bool:
        """Accepted although it is not the human fix (up to whitespace and imports' places)."""
        return self.accepted and self.match == "different"


def evaluate(
    case: Case,
    methods=resolver.METHODS,
    round_trip_too: bool = False,
    prove_too: bool = False,
) -> list[Result]:
    """Build the case and run git, each method alone, and the pipeline; compare with the fix.

    With `round_trip_too`, also the pipeline with only the brief's checks ("brief-checks":
    without the removals and round-trip checks), to measure what those two are worth. With
    `prove_too`, also the pipeline with `--prove` ("auto-resolve+prove")."""
    with tempfile.TemporaryDirectory(prefix="autoresolve-bench-") as tmp:
        root = build(case, os.path.join(tmp, "repo"))
        repo = Repo(root)
        onto = repo.rev_parse("main")
        want = expected_files(case)
        branches = {"case": repo.rev_parse("howto/case")}
        parents = repo.commits_not_in(branches.values(), onto)
        (r,) = plans = plan.plan(branches, onto, parents, "howto/")
        committer = repo.ident().decode(errors="surrogateescape")
        repo.write_commits(replay.replay(repo, plans, onto, committer))
        if r.status != plan.Status.CONFLICT:
            got = _tree_files(repo, r.new_tip or r.old_tip)
            return [Result(case.name, "git", True, True, compare(got, want))]
        results = [Result(case.name, "git", False, False, "", "conflict", r.detail)]
        merger = resolver.Resolver(
            repo,
            onto,
            os.path.join(tmp, "scratch"),
            "Bench <bench@example.com> 0 +0000",
            # What `howtoctl test` runs: the manifest's test, else pytest on the example.
            smoke_check.SmokeTest(Entry("case", test=case.test), _branch_paths(case))
            if case.runs
            else None,
        )
        usable = resolver.usable_methods(methods)
        runs = [*((m, [m], True) for m in usable), ("auto-resolve", usable, True)]
        if round_trip_too:
            runs.append(("brief-checks", usable, False))
        if prove_too:
            runs.append(("auto-resolve+prove", usable, True))
        for label, chosen, extra in runs:
            merger.extra_checks = extra
            if label == "auto-resolve+prove":
                merger.proving = smoke_check.Proving()
            outcome = merger.resolve(r, chosen)
            attempt = outcome.accepted or outcome.best
            assert attempt is not None
            resolved = resolver.MARKERS in attempt.passed
            match = compare(_tree_files(repo, attempt.tree), want) if resolved else ""
            results.append(
                Result(
                    case.name,
                    label,
                    resolved,
                    attempt.accepted,
                    match,
                    attempt.failed,
                    attempt.detail,
                )
            )
        return results


# -- the synthetic cases -----------------------------------------------------------------------

TRAIN = """\
import jax
import optax

from ex import models


def create_train_state(rng, config):
    model = models.CNN(features=32, dropout=0.1)
    params = model.init(rng)
    tx = optax.sgd(config.learning_rate, config.momentum)
    return model, params, tx


def train_step(state, batch):
    loss = compute_loss(state, batch)
    grads = jax.grad(compute_loss)(state, batch)
    return apply(state, grads), loss


def evaluate(state, batch):
    logits = state.apply(batch["image"])
    return (logits.argmax(-1) == batch["label"]).mean()
"""

TESTS = """\
from ex import train


def test_train_step():
    state = train.create_train_state(0, Config())
    assert state is not None


def test_evaluate():
    acc = train.evaluate(State(), BATCH)
    assert 0 <= acc <= 1
"""


def _sub(text: str, *pairs: str) -> str:
    for old, new in zip(pairs[::2], pairs[1::2], strict=True):
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


T = "ex/train.py"
CASES = [
    Case(
        "same-line-different-words",
        "same line",
        {T: TRAIN},
        {T: _sub(TRAIN, "features=32", "features=64")},
        [{T: _sub(TRAIN, "dropout=0.1", "dropout=0.5")}],
        {T: _sub(TRAIN, "features=32", "features=64", "dropout=0.1", "dropout=0.5")},
        True,
        why="both sides edit one line, different words",
    ),
    Case(
        "adjacent-lines",
        "adjacent lines",
        {T: TRAIN},
        {T: _sub(TRAIN, "params = model.init(rng)", "params = model.init(rng, dummy_input)")},
        [{T: _sub(TRAIN, "tx = optax.sgd(", "tx = optax.adamw(")}],
        {
            T: _sub(
                TRAIN,
                "params = model.init(rng)",
                "params = model.init(rng, dummy_input)",
                "tx = optax.sgd(",
                "tx = optax.adamw(",
            )
        },
        True,
        why="git calls changes to neighbouring lines a conflict",
    ),
    Case(
        "overlapping-insertions-imports",
        "overlapping insertions",
        {T: TRAIN},
        {T: _sub(TRAIN, "import optax\n", "import optax\nimport orbax\n")},
        [
            {
                T: _sub(TRAIN, "import optax\n", "import optax\nimport numpy as np\n")
                + "\nnp.ones(1)\n"
            }
        ],
        {
            T: _sub(TRAIN, "import optax\n", "import optax\nimport numpy as np\nimport orbax\n")
            + "\nnp.ones(1)\n"
        },
        True,
        why="both sides insert an import at the same place",
    ),
    Case(
        "overlapping-insertions-code",
        "overlapping insertions",
        {T: TRAIN},
        {
            T: _sub(
                TRAIN,
                "    return model, params, tx\n",
                "    del config\n    return model, params, tx\n",
            )
        },
        [
            {
                T: _sub(
                    TRAIN,
                    "    return model, params, tx\n",
                    "    ema = optax.ema(0.99)\n    return model, params, tx, ema\n",
                )
            }
        ],
        {
            T: _sub(
                TRAIN,
                "    return model, params, tx\n",
                "    del config\n    ema = optax.ema(0.99)\n    return model, params, tx, ema\n",
            )
        },
        True,
        why="both sides insert different statements before the same return",
    ),
    Case(
        "renamed-file",
        "renamed file",
        {T: TRAIN},
        {
            T: None,
            "ex/training.py": _sub(
                TRAIN,
                "features=32",
                "features=64",
                "import jax\n",
                "import functools\n\nimport jax\n",
                "def evaluate(state, batch):",
                "@functools.partial(jax.jit)\ndef evaluate(state, batch):",
                'batch["label"]',
                'batch["labels"]',
            ),
        },
        [{T: _sub(TRAIN, "dropout=0.1", "dropout=0.5")}],
        {
            "ex/training.py": _sub(
                TRAIN,
                "features=32",
                "features=64",
                "import jax\n",
                "import functools\n\nimport jax\n",
                "def evaluate(state, batch):",
                "@functools.partial(jax.jit)\ndef evaluate(state, batch):",
                'batch["label"]',
                'batch["labels"]',
                "dropout=0.1",
                "dropout=0.5",
            )
        },
        True,
        why="the base renamed and edited the file the branch changes; git's rename detection "
        "(50 %) does not follow it",
    ),
    Case(
        "deleted-test-file",
        "deleted test file",
        {T: TRAIN, "ex/train_test.py": TESTS},
        {"ex/train_test.py": None},
        [{"ex/train_test.py": _sub(TESTS, "assert 0 <= acc <= 1", "assert 0.5 <= acc <= 1")}],
        {},
        False,
        why="the base deleted the tests the branch changes: the fix is a decision, not a merge",
    ),
    Case(
        "split-test-file",
        "split test file",
        {T: TRAIN, "ex/train_test.py": TESTS},
        {
            "ex/train_test.py": None,
            "ex/step_test.py": TESTS.split("\n\n\ndef test_evaluate")[0] + "\n",
            "ex/eval_test.py": "from ex import train\n\n\ndef test_evaluate"
            + TESTS.split("\n\n\ndef test_evaluate")[1],
        },
        [{"ex/train_test.py": _sub(TESTS, "assert 0 <= acc <= 1", "assert 0.5 <= acc <= 1")}],
        {
            "ex/train_test.py": None,
            "ex/eval_test.py": _sub(
                "from ex import train\n\n\ndef test_evaluate"
                + TESTS.split("\n\n\ndef test_evaluate")[1],
                "assert 0 <= acc <= 1",
                "assert 0.5 <= acc <= 1",
            ),
        },
        True,
        why="the base split the test file in two; the branch's change belongs in the second half",
    ),
    Case(
        "api-port-undefined-name",
        "API port",
        {T: TRAIN},
        {T: _sub(TRAIN, "import optax\n", "import optax as opt\n", "optax.sgd(", "opt.sgd(")},
        [
            {
                T: _sub(
                    TRAIN,
                    "    tx = optax.sgd(config.learning_rate, config.momentum)\n",
                    "    tx = optax.sgd(config.learning_rate, config.momentum)\n"
                    "    tx = optax.chain(optax.clip(1.0), tx)\n",
                )
            }
        ],
        {
            T: _sub(
                TRAIN,
                "import optax\n",
                "import optax as opt\n",
                "    tx = optax.sgd(config.learning_rate, config.momentum)\n",
                "    tx = opt.sgd(config.learning_rate, config.momentum)\n"
                "    tx = opt.chain(opt.clip(1.0), tx)\n",
            )
        },
        False,
        why="the base renamed an API the branch's new line uses: the merge leaves `optax` undefined",
    ),
    Case(
        "api-port-signature",
        "API port",
        {T: TRAIN},
        {
            T: _sub(
                TRAIN,
                "    loss = compute_loss(state, batch)\n",
                "    loss = compute_loss(state.params, batch)\n",
                "jax.grad(compute_loss)(state, batch)",
                "jax.grad(compute_loss)(state.params, batch)",
            )
        },
        [
            {
                T: _sub(
                    TRAIN,
                    "    loss = compute_loss(state, batch)\n",
                    "    loss = compute_loss(state, batch)\n    aux = compute_loss(state, batch, aux=True)\n",
                )
            }
        ],
        {
            T: _sub(
                TRAIN,
                "    loss = compute_loss(state, batch)\n",
                "    loss = compute_loss(state.params, batch)\n"
                "    aux = compute_loss(state.params, batch, aux=True)\n",
                "jax.grad(compute_loss)(state, batch)",
                "jax.grad(compute_loss)(state.params, batch)",
            )
        },
        False,
        why="the base changed a call's arguments; the branch adds a call in the old style. "
        "It has no smoke test: nothing but a test can tell, so this one is accepted wrongly",
    ),
    Case(
        "same-value-both-sides",
        "same word",
        {T: TRAIN},
        {T: _sub(TRAIN, "features=32", "features=64")},
        [{T: _sub(TRAIN, "features=32", "features=128")}],
        {T: _sub(TRAIN, "features=32", "features=128")},
        False,
        why="both sides change the same value: which one is meant is a decision",
    ),
    Case(
        "list-element-comma",
        "adjacent lines",
        {"ex/config.py": "LAYERS = [\n    32,\n    64,\n]\n"},
        {"ex/config.py": "LAYERS = [\n    32,\n    64,\n    128,\n]\n"},
        [{"ex/config.py": "LAYERS = [\n    32,\n    64\n]\nDEPTH = len(LAYERS)\n"}],
        {"ex/config.py": "LAYERS = [\n    32,\n    64,\n    128\n]\nDEPTH = len(LAYERS)\n"},
        True,
        why="word merge joins `64` and `128,` without a comma: does not compile",
    ),
    Case(
        "two-commits",
        "several commits",
        {T: TRAIN},
        {T: _sub(TRAIN, "features=32", "features=64")},
        [
            {T: _sub(TRAIN, "dropout=0.1", "dropout=0.5")},
            {T: _sub(TRAIN, "dropout=0.1", "dropout=0.5", "optax.sgd(", "optax.adam(")},
        ],
        {
            T: _sub(
                TRAIN,
                "features=32",
                "features=64",
                "dropout=0.1",
                "dropout=0.5",
                "optax.sgd(",
                "optax.adam(",
            )
        },
        True,
        why="the conflict is in the first of two commits; both need the merge",
    ),
    Case(
        "indentation-wrapped-block",
        "re-indented block",
        {T: TRAIN},
        {
            T: _sub(
                TRAIN,
                "    model = models.CNN(features=32, dropout=0.1)\n    params = model.init(rng)\n",
                "    with jax.default_device(jax.devices()[0]):\n"
                "        model = models.CNN(features=32, dropout=0.1)\n"
                "        params = model.init(rng)\n",
            )
        },
        [{T: _sub(TRAIN, "dropout=0.1", "dropout=0.5")}],
        {
            T: _sub(
                TRAIN,
                "    model = models.CNN(features=32, dropout=0.1)\n    params = model.init(rng)\n",
                "    with jax.default_device(jax.devices()[0]):\n"
                "        model = models.CNN(features=32, dropout=0.5)\n"
                "        params = model.init(rng)\n",
            )
        },
        True,
        why="the base wrapped the lines the branch edits in a `with` block",
    ),
]

LOSSES = """\
def compute_loss(state, batch, aux=False):
    loss = state["w"] * batch
    return loss / 2 if aux else loss
"""

STEP = """\
from ex.losses import compute_loss


def train_step(state, batch):
    loss = compute_loss(state, batch)
    return loss
"""

CHECK = """\
from ex import train

state = {"params": {"w": 2.0}}
assert train.train_step(state, 3.0) > 0
"""

SUM = "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n"
GUARDED = "    if xs:\n        for x in xs:\n            total += x\n"
SUM_TEST = "from m import f\n\n\ndef test_f():\n    assert f([1, 2]) == 5\n"

# Cases with a smoke test (run by the benchmark; slower, so not in the fast test subset).
SMOKE_CASES = [
    Case(
        "semantic-conflict-smoke",
        "semantic conflict",
        {
            "ex/__init__.py": "",
            "ex/model.py": "FEATURES = 32\nDROPOUT = 0.1\n",
            "ex/check.py": "from ex import model\n\nassert model.FEATURES == 32\n",
        },
        {"ex/model.py": "FEATURES = 64\nDROPOUT = 0.1\n"},
        [
            {
                "ex/model.py": "FEATURES = 32\nDROPOUT = 0.5\n",
                "ex/check.py": "from ex import model\n\n"
                "assert model.FEATURES == 32\nassert model.DROPOUT == 0.5\n",
            }
        ],
        {
            "ex/model.py": "FEATURES = 64\nDROPOUT = 0.5\n",
            "ex/check.py": "from ex import model\n\n"
            "assert model.FEATURES == 64\nassert model.DROPOUT == 0.5\n",
        },
        False,
        test="python ex/check.py",
        why="the text merges, but the branch's test pins a value the base changed",
    ),
    Case(
        "api-port-signature-smoke",
        "API port",
        {
            "ex/__init__.py": "",
            "ex/losses.py": LOSSES,
            "ex/train.py": STEP,
            "ex/check.py": CHECK,
        },
        {
            "ex/losses.py": _sub(LOSSES, "state[", "params[", "(state,", "(params,"),
            "ex/train.py": _sub(
                STEP, "compute_loss(state, batch)", 'compute_loss(state["params"], batch)'
            ),
        },
        [
            {
                "ex/train.py": _sub(
                    STEP,
                    "    return loss\n",
                    "    aux = compute_loss(state, batch, aux=True)\n    return loss + aux\n",
                )
            }
        ],
        {
            "ex/losses.py": _sub(LOSSES, "state[", "params[", "(state,", "(params,"),
            "ex/train.py": _sub(
                STEP,
                "compute_loss(state, batch)",
                'compute_loss(state["params"], batch)',
                "    return loss\n",
                '    aux = compute_loss(state["params"], batch, aux=True)\n    return loss + aux\n',
            ),
        },
        False,
        test="python ex/check.py",
        why="the same API port as api-port-signature, in a HOWTO with a smoke test",
    ),
    Case(
        "re-indented-loop-default-pytest",
        "re-indented block",
        {"m.py": SUM},
        {"m.py": _sub(SUM, "    for x in xs:\n        total += x\n", GUARDED)},
        [
            {
                "m.py": _sub(SUM, "total += x\n", "total += x\n        total += 1\n"),
                "m_test.py": SUM_TEST,
            }
        ],
        {
            "m.py": _sub(
                SUM, "    for x in xs:\n        total += x\n", GUARDED + "            total += 1\n"
            ),
            "m_test.py": SUM_TEST,
        },
        True,
        why="the base wraps a loop in `if xs:`; wiggle leaves the branch's line at its old "
        "indentation, after the loop: the text round-trips, only the HOWTO's tests (no manifest "
        "`test`: pytest, as `howtoctl test` runs it) see it",
    ),
]
