"""Terminal output: results on stdout, progress and messages on stderr, JSON on request.

rich styles what goes to a terminal. Output to a pipe or file is plain text laid out the same
way, written without importing rich: its console alone costs more than most commands' own work.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Sequence

from howtoctl.statuses import Change, Gate, Health, Hunk, Rebase, Run, Status


def _width(stream) -> int | None:
    """Terminal width for a terminal; wide (no wrapping) when output goes to a file or pipe."""
    import os

    if os.environ.get("COLUMNS") or stream.isatty():
        return None  # rich asks the terminal (or COLUMNS)
    return 200


@functools.cache
def stdout():
    from rich.console import Console

    return Console(highlight=False, emoji=False, soft_wrap=True, width=_width(sys.stdout))


@functools.cache
def stderr():
    from rich.console import Console

    return Console(
        stderr=True, highlight=False, emoji=False, soft_wrap=True, width=_width(sys.stderr)
    )


def status(message: str):
    """A spinner with `message` on stderr while a block runs; nothing when stderr is not a terminal."""
    if not sys.stderr.isatty():
        import contextlib

        return contextlib.nullcontext()
    return stderr().status(message)


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def line(text: str = "", style: str | None = None) -> None:
    _emit(sys.stdout, text, lambda: escape(text), style=style)


def info(text: str) -> None:
    _emit(sys.stderr, text, lambda: escape(text), style="dim")


def warn(text: str) -> None:
    _emit(sys.stderr, "warning: " + text, lambda: "[yellow]warning:[/yellow] " + escape(text))


def error(message: str, hint: str | None = None) -> None:
    _emit(sys.stderr, "error: " + message, lambda: "[bold red]error:[/bold red] " + escape(message))
    if hint:
        _emit(sys.stderr, "hint: " + hint, lambda: "[cyan]hint:[/cyan] " + escape(hint))


def _emit(stream, text: str, markup: Callable[[], str], style: str | None = None) -> None:
    """Print `text` as it is to a pipe or file (rich is not imported); to a terminal, print
    `markup()`, its rich-markup form."""
    if not _styled(stream):
        stream.write(text + "\n")
        stream.flush()
        return
    console = stdout() if stream is sys.stdout else stderr()
    console.print(markup(), style=style)


# A style for every status word (tests/output_test.py checks that none is left out). Words that
# two vocabularies share (Rebase.SKIPPED, Change.SKIPPED) are one key: StrEnums are their words.
STATUS_STYLES: dict[str, str] = {
    Health.OK: "green",
    Health.FRESH: "green",
    Health.STALE: "yellow",
    Health.NEEDS_REBASE: "yellow",
    Health.BROKEN: "red",
    Health.MISSING_BRANCH: "yellow",
    Health.MISSING_DIFF: "yellow",
    Health.BAD_EXEMPTION: "red",
    Health.CONFLICT_MARKERS: "red",
    Rebase.UP_TO_DATE: "green",
    Rebase.REBASED: "green",
    Rebase.WOULD_REBASE: "cyan",
    Rebase.CONFLICT: "red",
    Rebase.AUTO_RESOLVED: "cyan",
    Rebase.SKIPPED: "yellow",
    Rebase.PENDING: "dim",
    Run.PASSED: "green",
    Run.FAILED: "red",
    Run.ERROR: "red",
    Run.KILLED: "green",
    Hunk.PROVED: "green",
    Hunk.SURVIVED: "red",
    Hunk.WEAK: "red",
    Hunk.EXEMPT: "cyan",
    Hunk.NOT_APPLICABLE: "yellow",
    Hunk.NOT_RUN: "yellow",
    Hunk.NOT_COUNTED: "dim",
    Hunk.UNPROVED: "yellow",
    Change.SAVED: "green",
    Change.UNCHANGED: "dim",
    Change.RESTORED: "green",
    Change.WOULD_RESTORE: "cyan",
    Change.MATCHES: "dim",
    Change.AT_FORK_POINT: "yellow",
    Change.NOT_RESTORED: "red",
    Change.CREATED: "green",
    Change.UPDATED: "green",
    Change.RENDERED: "green",
    Change.DROPPED: "yellow",
    Change.ABORTED: "yellow",
    Change.LEFT_ALONE: "yellow",
    Change.FOREIGN: "yellow",
    Change.BACKUP: "dim",
    Change.PRUNED: "dim",
    Change.CREATE: "green",
    Change.UPDATE: "green",
    Change.DELETE: "yellow",
    Change.WOULD_CREATE: "cyan",
    Change.WOULD_UPDATE: "cyan",
    Change.WOULD_DELETE: "cyan",
    Gate.APPLIES: "green",
    Gate.NEEDS_AUTHOR: "red",  # Gate.AUTO_RESOLVED is Rebase.AUTO_RESOLVED's word
}


def status_line(name: str, status: Status, detail: str = "") -> None:
    def markup() -> str:
        style = STATUS_STYLES.get(status, "")
        text = (
            f"[{style}]{status:<14}[/{style}] {escape(name)}"
            if style
            else f"{status:<14} {escape(name)}"
        )
        return text + (f"  [dim]{escape(detail)}[/dim]" if detail else "")

    _emit(sys.stdout, f"{status:<14} {name}" + (f"  {detail}" if detail else ""), markup)


def table(
    columns: Sequence[str], rows: Sequence[Sequence[str]], status_column: str | None = None
) -> None:
    if not _styled(sys.stdout):
        sys.stdout.write(plain_table(columns, rows))
        sys.stdout.flush()
        return
    from rich.table import Table

    t = Table(box=None, pad_edge=False, header_style="bold")
    for c in columns:
        t.add_column(c)
    idx = columns.index(status_column) if status_column else -1
    for row in rows:
        cells = [escape(str(c)) for c in row]
        if idx >= 0:
            style = STATUS_STYLES.get(str(row[idx]), "")
            if style:
                cells[idx] = f"[{style}]{cells[idx]}[/{style}]"
        t.add_row(*cells)
    stdout().print(t)


def _styled(stream) -> bool:
    """Whether rich would style this stream: a terminal, or colour forced."""
    import os

    return stream.isatty() or bool(os.environ.get("FORCE_COLOR"))


def plain_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """The table as rich lays it out without a box, for a pipe or file: columns two spaces apart.

    Written here because importing rich's console costs more than the rest of `howtoctl list`.
    """
    from rich.cells import cell_len  # display width (wide characters count twice); cheap

    lines = [[str(c) for c in columns], *([str(c) for c in row] for row in rows)]
    widths = [max(cell_len(line[i]) for line in lines) for i in range(len(columns))]
    return "".join(
        "  ".join(
            cell + " " * (w - cell_len(cell)) for cell, w in zip(line, widths, strict=True)
        ).rstrip()
        + "\n"
        for line in lines
    )


def emit_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()
