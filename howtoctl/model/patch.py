"""Reading HOWTO diff files: validation and structure (pure, no git).

A HOWTO diff is the text `git diff` writes: per file a `diff --git` header, extended headers,
`---`/`+++` lines and hunks. We parse it strictly so that a truncated, corrupt, binary or
CRLF-mangled file is refused with the line that is wrong, before git ever sees it.
"""

from __future__ import annotations

import dataclasses
import re

from howtoctl.errors import HowtoError

_HUNK_RE = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")
_INDEX_RE = re.compile(rb"^index [0-9a-f]{7,64}\.\.[0-9a-f]{7,64}( [0-7]{6})?$")
_RENAME_HEADERS = (
    b"similarity index ",
    b"dissimilarity index ",
    b"rename from ",
    b"rename to ",
    b"copy from ",
    b"copy to ",
)
_EXTENDED_HEADERS = (
    b"old mode ",
    b"new mode ",
    b"deleted file mode ",
    b"new file mode ",
    b"index ",
    *_RENAME_HEADERS,
)


class PatchError(HowtoError):
    """A diff file that cannot be a valid HOWTO diff."""

    def __init__(self, message: str, line: int | None = None) -> None:
        where = f"line {line}: " if line else ""
        super().__init__(
            where + message,
            "regenerate it from its branch with `howtoctl save NAME`, or restore the file from git",
        )
        self.line = line


@dataclasses.dataclass(frozen=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    section: str  # the function/class context git prints after the second @@
    lines: tuple[bytes, ...]  # each starting with b' ', b'+', b'-' or b'\\'
    header: bytes = b""  # the @@ line as the diff has it

    @property
    def ranges(self) -> str:
        """The hunk's line ranges, counts always written: `@@ -a,b +c,d @@`."""
        return f"@@ -{self.old_start},{self.old_count} +{self.new_start},{self.new_count} @@"

    @property
    def title(self) -> str:
        """Its ranges and section: how a hunk is named to people and in proof records."""
        return self.ranges + (f" {self.section}" if self.section else "")

    def shifted(self, shift: int) -> Hunk:
        """The hunk with its new-side start `shift` lines earlier (a hunk before it is gone)."""
        m = _HUNK_RE.match(self.header)
        assert m is not None
        new_start = self.new_start - shift
        header = self.header[: m.start(3)] + str(new_start).encode() + self.header[m.end(3) :]
        return dataclasses.replace(self, new_start=new_start, header=header)


@dataclasses.dataclass(frozen=True)
class FilePatch:
    old_path: str | None  # None for a new file
    new_path: str | None  # None for a deleted file
    headers: tuple[bytes, ...]
    hunks: tuple[Hunk, ...]
    head: tuple[bytes, ...] = ()  # every line before the first hunk, as the diff has it

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""

    @property
    def added(self) -> int:
        return sum(1 for h in self.hunks for ln in h.lines if ln.startswith(b"+"))

    @property
    def removed(self) -> int:
        return sum(1 for h in self.hunks for ln in h.lines if ln.startswith(b"-"))


@dataclasses.dataclass(frozen=True)
class Patch:
    files: tuple[FilePatch, ...]

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def removed(self) -> int:
        return sum(f.removed for f in self.files)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(f.path for f in self.files)


def serialize(p: Patch) -> bytes:
    """The diff text of `p`: for a parsed diff, the very bytes it was parsed from."""
    lines = [
        ln for f in p.files for ln in (*f.head, *(x for h in f.hunks for x in (h.header, *h.lines)))
    ]
    return b"".join(ln + b"\n" for ln in lines)


def without_hunk(p: Patch, index: int) -> Patch:
    """The patch without its `index`-th hunk (counted over all files).

    Later hunks of the same file keep their old line numbers and have their new ones moved
    by what the dropped hunk added or removed. A file left without hunks is dropped, unless a
    mode change remains to apply.
    """
    files, seen = [], 0
    for f in p.files:
        k = index - seen
        seen += len(f.hunks)
        if not 0 <= k < len(f.hunks):
            files.append(f)
            continue
        dropped = f.hunks[k]
        shift = sum(ln[:1] == b"+" for ln in dropped.lines) - sum(
            ln[:1] == b"-" for ln in dropped.lines
        )
        rest = f.hunks[:k] + tuple(h.shifted(shift) for h in f.hunks[k + 1 :])
        if rest:
            files.append(dataclasses.replace(f, hunks=rest))
        elif any(ln.startswith((b"old mode ", b"new mode ")) for ln in f.headers):
            head = tuple(ln for ln in f.head if not ln.startswith((b"--- ", b"+++ ", b"index ")))
            files.append(dataclasses.replace(f, hunks=(), head=head))
    return Patch(tuple(files))


def _path_from_marker(value: bytes, prefix: bytes, lineno: int) -> str | None:
    if value == b"/dev/null":
        return None
    if value.endswith(b"\t") and b" " in value:
        value = value[:-1]  # git ends a name holding a space with a tab, so that GNU patch reads it
    if value.startswith(b'"'):
        raise PatchError("quoted (unusual) file names are not supported in HOWTO diffs", lineno)
    if not value.startswith(prefix):
        raise PatchError(f"expected a path starting with {prefix.decode()!r}", lineno)
    path = value[len(prefix) :].decode("utf-8", errors="strict")
    parts = path.split("/")
    if path.startswith("/") or ".." in parts or "" in parts:
        raise PatchError(f"path {path!r} escapes the repository", lineno)
    return path


def _refuse_carriage_return(data: bytes) -> None:
    """A CR in a diff: a diff converted to CRLF as a whole (its first line, which git always
    ends with LF, ends with CR) or a file whose own lines end with CR, named."""
    at = data.index(b"\r")
    lineno = data[:at].count(b"\n") + 1
    first = data.split(b"\n", 1)[0]
    if first.endswith(b"\r") or not first.startswith(b"diff --git "):
        raise PatchError(
            "CRLF line endings: the diff was converted (check core.autocrlf and .gitattributes; "
            "howtos/diffs/*.diff should be 'text eol=lf')",
            lineno,
        )
    header = data.rfind(b"\ndiff --git ", 0, at)
    line = data[header + 1 if header >= 0 else 0 :].split(b"\n", 1)[0]
    shown = line[len(b"diff --git a/") :].decode("utf-8", "replace").rsplit(" b/", 1)[0]
    # git's diff and apply keep the CR bytes, but a checkout with core.autocrlf or a
    # .gitattributes eol rule would strip them from the diff file and break it.
    raise PatchError(
        f"{shown} has CR (Windows, CRLF) line endings; HOWTO diffs support only files with "
        "LF line endings",
        lineno,
    )


def _check_text(data: bytes) -> None:
    """Refuses what cannot be a diff git wrote: empty, binary, CRLF, truncated, not UTF-8."""
    if not data.strip():
        raise PatchError("the diff is empty")
    if b"\0" in data:
        raise PatchError("the diff holds binary data (a NUL byte); HOWTO diffs must be text")
    if b"\r" in data:
        _refuse_carriage_return(data)
    if not data.endswith(b"\n"):
        raise PatchError("the diff does not end with a newline: it was truncated")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        lineno = data[: e.start].count(b"\n") + 1
        raise PatchError("the diff is not valid UTF-8 text", lineno) from None


def parse(data: bytes) -> Patch:
    """Parse and validate a HOWTO diff; raise PatchError saying what is wrong and where."""
    _check_text(data)
    lines = data[:-1].split(b"\n")
    if not lines[0].startswith(b"diff --git "):
        raise PatchError("a HOWTO diff must start with a 'diff --git' line (git diff format)", 1)
    reader = _Reader(lines)
    files = []
    while not reader.done:
        files.append(reader.file_patch())
    return Patch(tuple(files))


class _Reader:
    """Reads a diff's lines in order; `i` is the index of the next unread line."""

    def __init__(self, lines: list[bytes]) -> None:
        self.lines = lines
        self.i = 0

    @property
    def done(self) -> bool:
        return self.i >= len(self.lines)

    def peek_startswith(self, prefix: bytes | tuple[bytes, ...]) -> bool:
        return not self.done and self.lines[self.i].startswith(prefix)

    def file_patch(self) -> FilePatch:
        line = self.lines[self.i]
        first = self.i
        if not line.startswith(b"diff --git "):
            raise PatchError(f"unexpected line {line[:60]!r}; expected 'diff --git'", self.i + 1)
        header_line = self.i + 1
        self.i += 1
        headers = self.extended_headers()
        if not self.done and (
            self.lines[self.i].startswith(b"Binary files ")
            or self.lines[self.i] == b"GIT binary patch"
        ):
            raise PatchError("binary change: HOWTO diffs must only change text files", self.i + 1)
        has_markers = self.peek_startswith(b"--- ")
        if has_markers:
            old_path, new_path = self.marker_paths()
        else:
            old_path, new_path = _header_paths(line, headers, header_line)
        head = tuple(self.lines[first : self.i])
        hunks = []
        while self.peek_startswith(b"@@"):
            hunks.append(self.hunk())
        if not hunks and (not headers or has_markers):
            raise PatchError("file header without any hunk: the diff is truncated", header_line)
        _check_index_lines(headers, header_line)
        _check_header_names(line, new_path or old_path or "", header_line)
        return FilePatch(old_path, new_path, tuple(headers), tuple(hunks), head)

    def extended_headers(self) -> list[bytes]:
        headers = []
        while self.peek_startswith(_EXTENDED_HEADERS):
            if self.lines[self.i].startswith(_RENAME_HEADERS):
                # git would create or delete the file these name, not the one the hunks name.
                raise PatchError(
                    f"rename or copy header {self.lines[self.i][:60]!r}: HOWTO diffs are written "
                    "with --no-renames, one file per 'diff --git' line",
                    self.i + 1,
                )
            headers.append(self.lines[self.i])
            self.i += 1
        return headers

    def marker_paths(self) -> tuple[str | None, str | None]:
        """The paths of a `---`/`+++` pair."""
        old_path = _path_from_marker(self.lines[self.i][4:], b"a/", self.i + 1)
        self.i += 1
        if not self.peek_startswith(b"+++ "):
            raise PatchError("'---' line without a following '+++' line", self.i + 1)
        new_path = _path_from_marker(self.lines[self.i][4:], b"b/", self.i + 1)
        self.i += 1
        return old_path, new_path

    def hunk(self) -> Hunk:
        header = self.lines[self.i]
        m = _HUNK_RE.match(header)
        if not m:
            raise PatchError(f"malformed hunk header {self.lines[self.i][:60]!r}", self.i + 1)
        old_start, new_start = int(m.group(1)), int(m.group(3))
        old_count = 1 if m.group(2) is None else int(m.group(2))
        new_count = 1 if m.group(4) is None else int(m.group(4))
        hunk_line = self.i + 1
        self.i += 1
        body, old_seen, new_seen = self.hunk_body(old_count, new_count)
        if old_seen != old_count or new_seen != new_count:
            raise PatchError(
                f"hunk starting at line {hunk_line} has {old_seen}/{new_seen} old/new lines "
                f"but its header says {old_count}/{new_count}: the diff is truncated or was edited",
                min(self.i + 1, len(self.lines)),
            )
        section = m.group(5).decode().strip()
        return Hunk(old_start, old_count, new_start, new_count, section, tuple(body), header)

    def hunk_body(self, old_count: int, new_count: int) -> tuple[list[bytes], int, int]:
        """A hunk's lines, read until its header's counts are met; and the counts seen."""
        body: list[bytes] = []
        old_seen = new_seen = 0
        while not self.done and (old_seen < old_count or new_seen < new_count):
            ln = self.lines[self.i]
            tag = ln[:1]
            if tag == b" " or ln == b"":
                old_seen += 1
                new_seen += 1
                ln = ln or b" "
            elif tag == b"-":
                old_seen += 1
            elif tag == b"+":
                new_seen += 1
            elif tag != b"\\":
                break
            body.append(ln)
            self.i += 1
        while self.peek_startswith(b"\\"):  # "\ No newline at end of file"
            body.append(self.lines[self.i])
            self.i += 1
        return body, old_seen, new_seen


def _header_paths(
    line: bytes, headers: list[bytes], header_line: int
) -> tuple[str | None, str | None]:
    """Paths of a mode-only change, an empty new file or a deleted empty file: from the header.

    "a/P b/P": one name twice (renames are refused), which may hold spaces.
    """
    names = line[len(b"diff --git ") :]
    name = names[2 : 2 + (len(names) - 5) // 2]
    if not name or names != b"a/" + name + b" b/" + name:
        raise PatchError("cannot read the file names of this 'diff --git' line", header_line)
    a = _path_from_marker(b"a/" + name, b"a/", header_line)
    b = _path_from_marker(b"b/" + name, b"b/", header_line)
    old_path = None if any(h.startswith(b"new file mode") for h in headers) else a
    new_path = None if any(h.startswith(b"deleted file mode") for h in headers) else b
    return old_path, new_path


def _check_index_lines(headers: list[bytes], header_line: int) -> None:
    for h in headers:
        if h.startswith(b"index ") and not _INDEX_RE.match(h):
            raise PatchError(
                f"malformed index line {h[:60]!r}: the diff is truncated or edited", header_line
            )


def _check_header_names(line: bytes, path: str, header_line: int) -> None:
    # git takes names from both; a disagreement means it may touch a file we do not see.
    if line != f"diff --git a/{path} b/{path}".encode():
        shown = line[len(b"diff --git ") :].decode(errors="replace")
        raise PatchError(
            f"the 'diff --git' line names {shown!r}, not {path!r}, the file its hunks change",
            header_line,
        )
