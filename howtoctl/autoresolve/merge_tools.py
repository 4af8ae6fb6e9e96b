"""Three-way merges of one file by tools other than git: `wiggle` and `patch --fuzz`.

Each takes the file as the new base has it (ours), as the old base had it (base) and as the
HOWTO branch has it (theirs), and returns the merged bytes plus a note when the tool left
something unresolved (conflict markers from wiggle, rejected hunks from patch, or hunks patch
put into another def or class than the one they changed). They run in a temporary directory
given by the caller; nothing here reads or writes a repository.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import os
import re
import shutil

from howtoctl import fsutil, git
from howtoctl.runs import process

# A merged file is read back up to this size (patch's output; real files are kilobytes).
MAX_MERGED_BYTES = 1 << 30

WIGGLE = "wiggle"
PATCH = "patch"
PATCH_FUZZ = 3

INSTALL_HINT = "install it: Debian/Ubuntu `apt install wiggle`, Homebrew `brew install wiggle`"


@dataclasses.dataclass(frozen=True)
class Merged:
    data: bytes
    unresolved: str = ""  # what the tool could not merge; empty when it merged everything


def available(tool: str) -> bool:
    return shutil.which(tool) is not None


def _write(tmp: str, name: str, data: bytes) -> str:
    return fsutil.write_private(os.path.join(tmp, name), data)


def wiggle(ours: bytes, base: bytes, theirs: bytes, scratch: str | None = None) -> Merged:
    """Word-level merge: the changes from base to theirs applied to ours (`wiggle --merge`).

    wiggle exits 1 and writes its markers into the result when some change does not fit.
    """
    with fsutil.temporary_directory("wiggle", scratch) as tmp:
        args = [_write(tmp, n, d) for n, d in (("ours", ours), ("base", base), ("theirs", theirs))]
        proc = process.run_tool([WIGGLE, "--merge", "--words", *args])
    if proc.returncode not in (0, 1):
        return Merged(ours, f"wiggle failed: {proc.stderr.decode(errors='replace').strip()}")
    unresolved = ""
    if proc.returncode == 1:
        unresolved = proc.stderr.decode(errors="replace").strip() or "conflicts left by wiggle"
    return Merged(proc.stdout, unresolved)


def lines_of(data: bytes) -> list[bytes]:
    """`data`'s lines, each with its newline: split at "\n" only, as git and patch do (Python's
    splitlines also splits at \r, \f, \v and more, and the diff would name lines that the
    file does not have)."""
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]]
    return lines + [parts[-1]] if parts[-1] else lines


def unified_diff(before: bytes, after: bytes) -> bytes:
    """A unified diff from `before` to `after` with 3 lines of context (`patch`'s input)."""
    lines = []
    diff = difflib.diff_bytes(
        difflib.unified_diff, lines_of(before), lines_of(after), b"a/file", b"b/file"
    )
    for line in diff:
        lines.append(line if line.endswith(b"\n") else line + b"\n\\ No newline at end of file\n")
    return b"".join(lines)


def patch_fuzz(
    ours: bytes, base: bytes, theirs: bytes, scratch: str | None = None, fuzz: int = PATCH_FUZZ
) -> Merged:
    """Apply the diff base -> theirs to ours with `patch --fuzz`; rejected hunks are reported
    as unresolved (the result then lacks them, so it must never be accepted)."""
    diff = unified_diff(base, theirs)
    if not diff:
        return Merged(ours)
    with fsutil.temporary_directory("patch", scratch) as tmp:
        target = _write(tmp, "ours", ours)
        out = os.path.join(tmp, "merged")
        proc = process.run_tool(
            [
                PATCH,
                "--batch",
                "--forward",
                f"--fuzz={fuzz}",
                "--no-backup-if-mismatch",
                "--reject-file=" + os.path.join(tmp, "rejects"),
                "-o",
                out,
                target,
            ],
            input=diff,
        )
        result = fsutil.read_private(out, MAX_MERGED_BYTES)
        data = ours if result is None else result
    if proc.returncode == 0:
        strayed = _strayed_hunks(diff, proc.stdout, base, data)
        if strayed:
            return Merged(data, "; ".join(strayed))
    if proc.returncode != 0:
        lines = (proc.stdout + proc.stderr).decode(errors="replace").strip().splitlines()
        # Not "patching file <temporary path>", nor where the rejects went: that file is gone.
        # Nor the hunks that applied.
        said = [
            ln.split(" -- saving rejects", 1)[0].strip().rstrip(".")
            for ln in lines
            if ln.strip() and not ln.startswith("patching file ") and " succeeded at " not in ln
        ]
        return Merged(data, "; ".join(said) or f"patch exit status {proc.returncode}")
    return Merged(data)


_HUNK = re.compile(rb"^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@", re.M)
_MOVED = re.compile(rb"^Hunk #(\d+) succeeded at (\d+)", re.M)


def _scopes(data: bytes) -> list[tuple[int, int, str]] | None:
    """(first line, last line, qualified name) of every def and class; None: not Python."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return None
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                found.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _scope_at(scopes: list[tuple[int, int, str]], line: int) -> str:
    """The innermost def or class around `line` ('' at module level)."""
    around = [s for s in scopes if s[0] <= line <= s[1]]
    return max(around)[2] if around else ""


def _strayed_hunks(diff: bytes, said: bytes, base: bytes, merged: bytes) -> list[str]:
    """The hunks `patch` placed elsewhere than their position (it says so) that landed in
    another def or class than the one their old context is in: fuzz matched the context of
    other code that looks alike. Only Python files are judged (others have no such scopes)."""
    moved = {int(n): int(at) for n, at in _MOVED.findall(said)}
    if not moved:
        return []
    old_scopes, new_scopes = _scopes(base), _scopes(merged)
    if old_scopes is None or new_scopes is None:
        return []  # not Python, or broken by the merge (the compiles check refuses that)
    lines = [ln.rstrip(b"\n") for ln in lines_of(diff)]
    starts = [i for i, ln in enumerate(lines) if ln.startswith(b"@@")]
    strayed = []
    for number, i in enumerate(starts, 1):
        if number not in moved:
            continue
        old_start = int(_HUNK.match(lines[i]).group(1))  # type: ignore[union-attr]
        # The last line of context before the change: in the old file, and where it landed.
        lead = 0
        for ln in lines[i + 1 :]:
            if not ln.startswith(b" "):
                break
            lead += 1
        offset = max(lead - 1, 0)
        was = _scope_at(old_scopes, old_start + offset)
        now = _scope_at(new_scopes, moved[number] + offset)
        if was != now:
            strayed.append(
                f"Hunk #{number} of {was or 'module level'} landed in {now or 'module level'}"
            )
    return strayed


def git_merge_file(ours: bytes, base: bytes, theirs: bytes, scratch: str | None = None) -> Merged:
    """Line-level merge by `git merge-file` (no repository needed)."""
    with fsutil.temporary_directory("merge-file", scratch) as tmp:
        args = [_write(tmp, n, d) for n, d in (("ours", ours), ("base", base), ("theirs", theirs))]
        status, data, message = git.merge_file(*args)
    if status < 0 or status > 127:
        return Merged(ours, f"git merge-file failed: {message}")
    return Merged(data, f"{status} conflict(s)" if status else "")


def undo(result: bytes, before: bytes, after: bytes, scratch: str | None = None) -> Merged:
    """Take the change `before` -> `after` back out of `result` (word-level where wiggle is
    installed, else line-level). Where the tool is unsure, `result`'s text stays (see
    `keep_found`): the caller compares the outcome with what it must be."""
    if available(WIGGLE):
        merged = wiggle(result, after, before, scratch)
    else:
        merged = git_merge_file(result, after, before, scratch)
    if merged.unresolved and not merged.unresolved.startswith(("wiggle failed", "git merge")):
        return Merged(keep_found(merged.data))
    return merged


_WORD_CONFLICT = re.compile(rb"<<<---(.*?)\|\|\|.*?===.*?--->>>", re.S)


def keep_found(data: bytes) -> bytes:
    """Resolve every conflict a merge tool marked by keeping the text it found in the file it
    merged into (the first part: wiggle's `found`, git's `ours`)."""
    out, keep = [], True
    for line in lines_of(data):
        if line.startswith(b"<<<<<<<"):
            keep = True
            continue
        if line.startswith((b"|||||||", b"=======")):
            keep = False
            continue
        if line.startswith(b">>>>>>>"):
            keep = True
            continue
        if keep:
            out.append(line)
    return _WORD_CONFLICT.sub(lambda m: m.group(1), b"".join(out))
