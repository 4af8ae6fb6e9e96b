"""Which failures prove a hunk of a HOWTO diff, the diff without one hunk, and proof records
(pure).

`prove` builds a mutant per counted hunk (counted_hunks.py says which count): the diff without
that hunk. The hunk is proved when the HOWTO's own tests fail on the mutant.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Sequence

from howtoctl import statuses
from howtoctl.model import patch
from howtoctl.model.counted_hunks import is_test_file, strip_strings

Status = statuses.Hunk  # what became of one hunk of a HOWTO's diff


def without_hunk(data: bytes, index: int) -> bytes:
    """The diff without its `index`-th hunk (counted over all files): see patch.without_hunk."""
    return patch.serialize(patch.without_hunk(patch.parse(data), index))


# -- which failures prove a hunk ----------------------------------------------------------------


def _test_functions(source: str | None) -> dict[str, str] | None:
    """{qualified name: its code} of the test functions of a module (None: it does not parse),
    as pytest finds them by default: test* functions, and test* methods of Test* classes,
    named Class.method. Docstrings and annotations are left out of the code."""
    if source is None:
        return {}
    try:
        tree = strip_strings(ast.parse(source))
    except (SyntaxError, ValueError):
        return None
    found: dict[str, str] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                visit(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                node.name.startswith("test")
            ):
                found[prefix + node.name] = ast.dump(node)

    visit(tree.body, "")
    return found


def own_tests(sources: dict[str, tuple[str | None, str | None]]) -> frozenset[str]:
    """The tests a HOWTO's diff adds or changes, as dotted names (`ex.calc_test.test_double`),
    from {test file the diff touches: (its text on the base or None, with the diff or None)}.

    A test is the HOWTO's own when its function is new or its code differs from the base's;
    the other tests of a file the HOWTO edits are the example's, which it merely keeps
    passing. Every test of a file that does not parse on one side counts as changed."""
    found = set()
    for path, (old, new) in sources.items():
        if not path.endswith(".py") or not is_test_file(path):
            continue
        module = path[: -len(".py")].replace("/", ".")
        before, after = _test_functions(old), _test_functions(new)
        for qualname, code in (after or {}).items():
            if before is None or (before.get(qualname) != code):
                found.add(f"{module}.{qualname}")
    return frozenset(found)


def dotted(test_id: str) -> str:
    """A JUnit test id ('ex/calc_test.py::test_double[2]') as own_tests names it."""
    path, sep, name = test_id.partition("::")
    if not sep or not path.endswith(".py"):
        return ""  # a module that could not be collected, not a test
    return f"{path[: -len('.py')].replace('/', '.')}.{name.replace('::', '.').split('[')[0]}"


def _is_own(name: str, own: frozenset[str]) -> bool:
    # pytest names modules from its rootdir: where that is a subdirectory (its own ini file),
    # `name` lacks the leading packages that own_tests, from the repository's root, has.
    return bool(name) and (name in own or any(o.endswith("." + name) for o in own))


@dataclasses.dataclass(frozen=True)
class Verdict:
    status: Status
    failing_test: str  # the first killing test of the HOWTO's own, or ''
    killing_tests: tuple[str, ...]  # every test that passed with the hunk and fails without
    reason: str


def verdict(
    passed_before: Sequence[str],
    failed: Sequence[str],
    errored: Sequence[str],
    own: frozenset[str],
) -> Verdict:
    """What a failing mutant proves: `failed`/`errored` are its run's call-phase failures and
    set-up/collection errors, `passed_before` the tests that passed on the HOWTO itself.

    Proved: a test of the HOWTO's own (see own_tests) passed with the hunk and fails without
    it, on an assertion or an exception of its own. A test that failed already proves nothing,
    and an error in a fixture or an import shows that something broke, not what the hunk does.
    """
    before = set(passed_before)
    killing = [t for t in failed if t in before]
    mine = [t for t in killing if _is_own(dotted(t), own)]
    killing = mine + [t for t in killing if t not in mine]
    if mine:
        return Verdict(Status.PROVED, mine[0], tuple(killing), "")
    if killing:
        why = "only tests the HOWTO does not add or change fail"
    elif errored:
        why = "only set-up, collection or import errors: " + ", ".join(errored[:3])
        why += f" and {len(errored) - 3} more" if len(errored) > 3 else ""
    else:
        why = "the smoke test fails, but no test that passed with the hunk does"
    return Verdict(Status.WEAK, "", tuple(killing), why)


@dataclasses.dataclass(frozen=True)
class HunkResult:
    file: str
    header: str
    status: Status
    failing_test: str = ""
    reason: str = ""
    first_lines: tuple[str, ...] = ()
    killing_tests: tuple[str, ...] = ()  # the HOWTO's own first

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "header": self.header,
            "status": self.status,
            "failing_test": self.failing_test,
            "killing_tests": list(self.killing_tests),
            "reason": self.reason,
        }


# -- proof records (`prove --record`, read by `render`) ----------------------------------------


def diff_digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def record(name: str, diff: bytes, results: Sequence[HunkResult], where: str) -> bytes:
    """A HOWTO's proof as a committed file: valid only for exactly this diff."""
    import json

    body = {
        "name": name,
        "diff_sha256": diff_digest(diff),
        "proved_on": where,
        "hunks": [r.as_dict() for r in results],
    }
    return (json.dumps(body, indent=1, ensure_ascii=False) + "\n").encode()


def read_record(data: bytes | None, diff: bytes) -> dict[tuple[str, str], dict] | None:
    """{(file, header): hunk result} from a proof record, or None when there is none, it is
    unreadable, or it was made for another version of the diff."""
    import json

    if data is None:
        return None
    try:
        body = json.loads(data)
        if body.get("diff_sha256") != diff_digest(diff):
            return None
        return {(h["file"], h["header"]): h for h in body["hunks"] if isinstance(h, dict)}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def proved_on(data: bytes | None, diff: bytes) -> str:
    """Where a proof record of exactly this diff says it was made, or ''."""
    import json

    if read_record(data, diff) is None:
        return ""
    where = json.loads(data).get("proved_on")  # type: ignore[arg-type]
    return where if isinstance(where, str) else ""
