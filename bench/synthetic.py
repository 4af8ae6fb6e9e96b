"""Build synthetic repositories with many HOWTO branches quickly (one `git fast-import`).

Layout: `files` files of 60 lines in `files // 4` folders on `main`; `branches` branches
`howto/h<i>`, each with 1-3 commits changing lines of one or two files; then `main` advances by
three commits that touch some of those files: most changes merge cleanly with the branches, and
every `conflict_every`-th branch gets a conflicting change to one of its lines.
"""

from __future__ import annotations

import pathlib
import subprocess

LINES = 60


def _file_path(i: int, files: int) -> str:
    return f"pkg{i % max(1, files // 4):02d}/module_{i:04d}.py"


def _content(i: int, overrides: dict[int, str] | None = None) -> bytes:
    lines = [f"value_{i}_{k} = {k}  # line {k}\n" for k in range(LINES)]
    for k, text in (overrides or {}).items():
        lines[k] = text
    return "".join(lines).encode()


def build(path, branches: int = 100, files: int = 200, conflict_every: int = 10) -> dict:
    """Create the repository at `path`; return facts about it (which branches conflict)."""
    path = pathlib.Path(path)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    for key, value in (
        ("user.name", "Bench"),
        ("user.email", "bench@example.com"),
        ("gc.auto", "0"),
    ):
        subprocess.run(["git", "-C", str(path), "config", key, value], check=True)
    out = []
    mark = 0
    when = 1_700_000_000

    def commit(ref: str, parent_mark: int | None, message: str, changes: dict[str, bytes]) -> int:
        nonlocal mark, when
        mark += 1
        when += 60
        out.append(f"commit {ref}\nmark :{mark}\n".encode())
        out.append(f"author Bench <bench@example.com> {when} +0000\n".encode())
        out.append(f"committer Bench <bench@example.com> {when} +0000\n".encode())
        msg = message.encode()
        out.append(b"data %d\n%s\n" % (len(msg), msg))
        if parent_mark is not None:
            out.append(f"from :{parent_mark}\n".encode())
        for p, data in changes.items():
            out.append(f"M 100644 inline {p}\n".encode())
            out.append(b"data %d\n%s\n" % (len(data), data))
        return mark

    base = commit(
        "refs/heads/main",
        None,
        "base examples",
        {_file_path(i, files): _content(i) for i in range(files)},
    )
    # Each branch edits line (10 + i % 40) of file i % files; a second/third commit edits another file.
    branch_edits: dict[int, list[tuple[int, int]]] = {}
    for b in range(branches):
        n_commits = 1 + b % 3
        parent = base
        edits = []
        for c in range(n_commits):
            f = (b + c * 7) % files
            line = 10 + (b + c) % 40
            edits.append((f, line))
            state: dict[int, str] = {
                ln: f"value_{f}_{ln} = 'howto {b}'  # line {ln}\n" for ff, ln in edits if ff == f
            }
            parent = commit(
                f"refs/heads/howto/h{b}",
                parent,
                f"h{b}: step {c + 1}",
                {_file_path(f, files): _content(f, state)},
            )
        branch_edits[b] = edits
    # Advance main: clean edits near (not next to) branch lines, conflicting edits on some.
    conflicting = {
        b for b in range(branches) if conflict_every and b % conflict_every == conflict_every - 1
    }
    main_state: dict[int, dict[int, str]] = {}
    for b in range(branches):
        f, line = branch_edits[b][0]
        if b in conflicting:
            main_state.setdefault(f, {})[line] = f"value_{f}_{line} = 'main'  # line {line}\n"
        elif b % 4 == 0:
            far = (line + 20) % LINES
            main_state.setdefault(f, {})[far] = f"value_{f}_{far} = 'main'  # line {far}\n"
    touched = sorted(main_state)
    parent = base
    for c in range(3):
        chunk = touched[c::3]
        parent = commit(
            "refs/heads/main",
            parent,
            f"main moves ({c + 1}/3)",
            {_file_path(f, files): _content(f, main_state[f]) for f in chunk},
        )
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet"], input=b"".join(out), check=True
    )
    # A real conflict needs both sides to edit one file: true only if no other branch edit hid it.
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "main"], check=True)
    return {
        "branches": branches,
        "files": files,
        "conflicting": sorted(f"h{b}" for b in conflicting),
    }
