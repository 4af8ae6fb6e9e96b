"""Which hunks of a HOWTO diff its tests must prove, and the diff without one of them (pure).

A HOWTO promises that its tests prove it: take out one hunk that changes code, and the tests
must fail. `prove` builds such a mutant per counted hunk. A hunk counts when it is in a source
file that is not a test, and changes more than comments, blank lines, docstrings and type
annotations. For Python with the base file at hand, "more than" is decided on the syntax tree:
the hunk counts when the module's tree differs with and without it, docstrings and bare string
statements dropped and annotations blanked (an annotated assignment stays one: dataclass
fields are made of them). Otherwise changed lines that are blank or start a comment do not
count.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import posixpath
import re
from collections.abc import Sequence

from howtoctl import statuses
from howtoctl.errors import HowtoError
from howtoctl.manifest import Exemption
from howtoctl.patch import FilePatch, Hunk

Status = statuses.Hunk  # what became of one hunk of a HOWTO's diff


# Files that are documentation, not code: a hunk there cannot be proved by a test.
# A notebook is code; .txt is documentation except the build inputs below.
DOC_SUFFIXES = (".md", ".markdown", ".rst", ".txt", ".adoc", ".html")
_BUILD_TXT = ("requirements", "constraints")
_COMMENT_PREFIXES = {
    ".py": ("#",),
    ".pyi": ("#",),
    ".sh": ("#",),
    ".toml": ("#",),
    ".yaml": ("#",),
    ".yml": ("#",),
    ".cfg": ("#", ";"),
    ".c": ("//", "/*"),
    ".cc": ("//", "/*"),
    ".cpp": ("//", "/*"),
    ".h": ("//", "/*"),
    ".rs": ("//", "/*"),
    ".go": ("//", "/*"),
    ".js": ("//", "/*"),
    ".ts": ("//", "/*"),
}
_HUNK_HEADER_RE = re.compile(rb"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


@dataclasses.dataclass(frozen=True)
class HunkInfo:
    file: str
    index: int  # position among the diff's hunks, counted over all files
    header: str  # the "@@ -a,b +c,d @@ section" line as the diff has it
    changed: tuple[str, ...]  # the +/- lines, with their sign
    counted: bool
    why_not: str = ""  # why it does not count: "test file", "documentation", ...
    # The runs of changed lines between context lines that change more than blank lines and
    # comments: git joins changes up to 6 lines apart into one hunk, so a merge or an edit
    # nearby can bring a second change into a hunk.
    blocks: tuple[tuple[str, ...], ...] = ()

    @property
    def first_lines(self) -> tuple[str, ...]:
        return self.changed[:3]

    @property
    def section(self) -> str:
        """The header's text after its line numbers (the enclosing function, as git finds it)."""
        return self.header.split("@@", 2)[-1].strip()

    def coverage(self, exemption: Exemption) -> Coverage:
        """How much of this hunk an exemption names: each of its blocks of changes (a changed
        line of each, or the section of a hunk of one block), only some, or none. Line numbers
        are never matched: a rebase moves them."""
        if exemption.file != self.file:
            return Coverage.NONE
        blocks = self.blocks or (self.changed,)
        hits = [any(exemption.match in ln for ln in block) for block in blocks]
        in_section = exemption.match in self.section
        if all(hits) or (len(blocks) == 1 and in_section):
            return Coverage.ALL
        return Coverage.PART if any(hits) or in_section else Coverage.NONE


class Coverage(enum.Enum):
    ALL = "all"
    PART = "part"
    NONE = "none"


def is_test_file(path: str) -> bool:
    name = posixpath.basename(path)
    parts = path.split("/")[:-1]
    return (
        name.endswith("_test.py")
        or (name.startswith("test_") and name.endswith(".py"))
        or name == "conftest.py"
        or "tests" in parts
        or "test" in parts
    )


def why_file_does_not_count(path: str) -> str:
    """'' when hunks of this file count, else why not."""
    if is_test_file(path):
        return "test file"
    name = posixpath.basename(path).lower()
    if name.endswith(".txt") and (name.startswith(_BUILD_TXT) or name == "cmakelists.txt"):
        return ""
    if name.endswith(DOC_SUFFIXES) or name in ("license", "authors", "changelog", "notice"):
        return "documentation"
    return ""


def _strip_strings(tree: ast.AST) -> ast.AST:
    """Drop bare string statements (docstrings, string 'comments'): they do nothing; and
    blank type annotations: no test can see what they say."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.returns = None
        elif isinstance(node, ast.arg):
            node.annotation = None
        elif isinstance(node, ast.AnnAssign):
            node.annotation = ast.Constant("annotation")
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list):
                kept = [
                    s
                    for s in body
                    if not (
                        isinstance(s, ast.Expr)
                        and isinstance(s.value, ast.Constant)
                        and isinstance(s.value.value, str)
                    )
                ]
                # An emptied body needs a statement to stay a tree; `pass` does what it did.
                setattr(node, field, kept or ([ast.Pass()] if body else []))
    return tree


def _python_code(text: str) -> str | None:
    try:
        return ast.dump(_strip_strings(ast.parse(text)))
    except (SyntaxError, ValueError):
        return None


def _apply_one(old_lines: list[str], hunk: Hunk) -> list[str] | None:
    """The file with just this hunk applied, or None if the hunk does not match the file."""
    start = hunk.old_start - 1 if hunk.old_count else hunk.old_start
    old_side = [ln[1:].decode("utf-8", "replace") for ln in hunk.lines if ln[:1] in (b" ", b"-")]
    new_side = [ln[1:].decode("utf-8", "replace") for ln in hunk.lines if ln[:1] in (b" ", b"+")]
    if old_lines[start : start + len(old_side)] != old_side:
        return None
    return old_lines[:start] + new_side + old_lines[start + len(old_side) :]


def changes_code(path: str, hunk: Hunk, old_source: str | None) -> bool:
    """Whether a hunk changes more than comments, blank lines and docstrings."""
    if path.endswith(".py") and old_source is not None:
        old_lines = old_source.split("\n")
        new_lines = _apply_one(old_lines, hunk)
        if new_lines is not None:
            before, after = _python_code(old_source), _python_code("\n".join(new_lines))
            if before is not None and after is not None:
                return before != after
    prefixes = _COMMENT_PREFIXES.get(posixpath.splitext(path)[1], ())
    in_block = _in_block_comment(hunk) if "/*" in prefixes else set()
    old_no, new_no = hunk.old_start, hunk.new_start
    for i, ln in enumerate(hunk.lines):
        sign = ln[:1]
        number = old_no if sign == b"-" else new_no
        old_no += sign in (b" ", b"-")
        new_no += sign in (b" ", b"+")
        if sign not in (b"+", b"-"):
            continue
        text = ln[1:].decode("utf-8", "replace").strip()
        if not text or i in in_block:
            continue
        if text.startswith("#!") and number == 1:
            return True  # a shebang picks the interpreter: code, not a comment
        if not (prefixes and text.startswith(prefixes)):
            return True
    return False


def _in_block_comment(hunk: Hunk) -> set[int]:
    """Indexes of the hunk's lines inside a /* ... */ comment, as far as the hunk shows it.

    A line starting with `*` is a comment only inside a block the hunk shows opening or
    closing (`*p = 5;` or a continued product is code); with no marker in sight it counts,
    which at worst asks to prove or exempt a comment rather than hide code.
    """
    texts = [ln[1:].decode("utf-8", "replace").strip() for ln in hunk.lines]
    inside: set[int] = set()
    open_, since = False, 0  # since: first line after the last code seen outside a comment
    for i, text in enumerate(texts):
        if open_:
            inside.add(i)
            open_ = "*/" not in text
        elif text.startswith("/*"):
            inside.add(i)
            open_ = "*/" not in text[2:]
        elif text.startswith("*") and "*/" in text and "/*" not in text:
            inside.update(range(since, i + 1))  # closes a comment opened above the hunk
        elif text and not text.startswith("*"):
            since = i + 1
    return inside


def _header(hunk: Hunk) -> str:
    section = f" {hunk.section}" if hunk.section else ""
    return f"@@ -{hunk.old_start},{hunk.old_count} +{hunk.new_start},{hunk.new_count} @@{section}"


def classify(files: Sequence[FilePatch], old_sources: dict[str, str]) -> list[HunkInfo]:
    """Every hunk of a diff, in order, with whether it counts (`old_sources`: path -> base text)."""
    result = []
    for fp in files:
        why_file = why_file_does_not_count(fp.path)
        for h in fp.hunks:
            changed = tuple(
                ln.decode("utf-8", "replace") for ln in h.lines if ln[:1] in (b"+", b"-")
            )
            why = why_file or (
                "" if changes_code(fp.path, h, old_sources.get(fp.old_path or "")) else "no code"
            )
            result.append(
                HunkInfo(
                    fp.path, len(result), _header(h), changed, not why, why, _blocks(fp.path, h)
                )
            )
    return result


def _blocks(path: str, hunk: Hunk) -> tuple[tuple[str, ...], ...]:
    """The hunk's runs of changed lines, leaving out those that change only blank lines or
    comments (an exemption need not name them). A "\\ No newline" line ends no run."""
    blocks: list[list[str]] = []
    in_block = False
    for ln in hunk.lines:
        if ln[:1] == b"\\":
            continue
        changed = ln[:1] in (b"+", b"-")
        if changed and not in_block:
            blocks.append([])
        if changed:
            blocks[-1].append(ln.decode("utf-8", "replace"))
        in_block = changed
    prefixes = _COMMENT_PREFIXES.get(posixpath.splitext(path)[1], ())

    def is_code(line: str) -> bool:
        text = line[1:].strip()
        return bool(text) and not (prefixes and text.startswith(prefixes))

    return tuple(tuple(b) for b in blocks if any(is_code(ln) for ln in b))


def exemptions_by_hunk(
    name: str, hunks: Sequence[HunkInfo], exemptions: Sequence[Exemption]
) -> dict[int, Exemption]:
    """{hunk index: its exemption}; an exemption matching no counted hunk, or several, is an error."""
    result: dict[int, Exemption] = {}
    for ex in exemptions:
        counted = [h for h in hunks if h.counted]
        partly = [h for h in counted if h.coverage(ex) == Coverage.PART]
        if partly:
            h = partly[0]
            other = next(
                b[0] for b in (h.blocks or (h.changed,)) if not any(ex.match in ln for ln in b)
            )
            raise HowtoError(
                f"HOWTO {name!r}: the exemption for {ex.file} matching {ex.match!r} names only "
                f"part of the hunk {h.header}, which also changes {other.strip()!r}",
                "an exemption covers a whole hunk: make `match` a piece of each of its "
                "changes, or move the exempt change more than 6 lines away from the other, "
                "so that git makes it a hunk of its own",
            )
        found = [h for h in counted if h.coverage(ex) == Coverage.ALL]
        if len(found) != 1:
            what = "no hunk that changes" if not found else f"{len(found)} hunks that change"
            raise HowtoError(
                f"HOWTO {name!r}: the exemption for {ex.file} matching {ex.match!r} "
                f"matches {what} code",
                "make `match` a piece of one changed line of exactly one hunk (or of the "
                "function name in its @@ header), or remove the exemption from the manifest",
            )
        result[found[0].index] = ex
    return result


def without_hunk(data: bytes, index: int) -> bytes:
    """The diff without its `index`-th hunk (counted over all files).

    Later hunks of the same file keep their old line numbers and have their new ones moved
    by what the dropped hunk added or removed. A file left without hunks is dropped, unless a
    rename or mode change remains to apply.
    """
    lines = data.split(b"\n")
    trailing = lines.pop() if lines and lines[-1] == b"" else None
    seen = 0
    out: list[bytes] = []
    for segs in _file_segments(lines):
        hunks = len(segs) - 1
        if seen <= index < seen + hunks:
            out += _file_without(segs, index - seen)
        else:
            out += [ln for seg in segs for ln in seg]
        seen += hunks
    if not out:
        return b""
    return b"\n".join(out) + (b"\n" if trailing is not None else b"")


def _file_segments(lines: list[bytes]) -> list[list[list[bytes]]]:
    """Per file of a diff: [its header lines, a hunk's lines, another hunk's lines, ...]."""
    files: list[list[list[bytes]]] = []
    for ln in lines:
        if ln.startswith(b"diff --git "):
            files.append([[ln]])
        elif ln.startswith(b"@@"):
            files[-1].append([ln])
        else:
            files[-1][-1].append(ln)
    return files


def _file_without(segs: list[list[bytes]], k: int) -> list[bytes]:
    """One file's lines without its `k`-th hunk: later hunks' new line numbers move by what
    it added or removed; no hunk left, only a rename or mode change remains (or nothing)."""
    header, hunks = segs[0], segs[1:]
    dropped = hunks[k]
    assert _HUNK_HEADER_RE.match(dropped[0]) is not None
    shift = sum(ln[:1] == b"+" for ln in dropped) - sum(ln[:1] == b"-" for ln in dropped)
    rest = hunks[:k] + [_shift_new_start(h, shift) for h in hunks[k + 1 :]]
    if rest:
        return header + [ln for h in rest for ln in h]
    if any(ln.startswith((b"rename ", b"old mode ", b"new mode ")) for ln in header):
        return [ln for ln in header if not ln.startswith((b"--- ", b"+++ ", b"index "))]
    return []


def _shift_new_start(hunk: list[bytes], shift: int) -> list[bytes]:
    m = _HUNK_HEADER_RE.match(hunk[0])
    assert m is not None
    new_start = int(m.group(3)) - shift
    head = hunk[0][: m.start(3)] + str(new_start).encode() + hunk[0][m.end(3) :]
    return [head, *hunk[1:]]


# -- which failures prove a hunk ----------------------------------------------------------------


def _test_functions(source: str | None) -> dict[str, str] | None:
    """{qualified name: its code} of the test functions of a module (None: it does not parse),
    as pytest finds them by default: test* functions, and test* methods of Test* classes,
    named Class.method. Docstrings and annotations are left out of the code."""
    if source is None:
        return {}
    try:
        tree = _strip_strings(ast.parse(source))
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
