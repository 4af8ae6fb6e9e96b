"""Which hunks of a HOWTO diff count: those its tests must prove (pure).

A HOWTO promises that its tests prove it: take out one hunk that changes code, and the tests
must fail. A hunk counts when it is in a source file that is not a test, and changes more than
comments, blank lines, docstrings and type annotations. For Python with the base file at hand,
"more than" is decided on the syntax tree: the hunk counts when the module's tree differs with
and without it, docstrings and bare string statements dropped and annotations blanked (an
annotated assignment stays one: dataclass fields are made of them). Otherwise changed lines
that are blank or start a comment do not count. The manifest's exemptions name counted hunks.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import posixpath
from collections.abc import Sequence

from howtoctl.errors import HowtoError
from howtoctl.model.manifest import Exemption
from howtoctl.model.patch import FilePatch, Hunk

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


@dataclasses.dataclass(frozen=True)
class HunkInfo:
    file: str
    index: int  # position among the diff's hunks, counted over all files
    header: str  # the hunk's title: "@@ -a,b +c,d @@ section" (patch.Hunk.title)
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


def strip_strings(tree: ast.AST) -> ast.AST:
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
        return ast.dump(strip_strings(ast.parse(text)))
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
                HunkInfo(fp.path, len(result), h.title, changed, not why, why, _blocks(fp.path, h))
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
