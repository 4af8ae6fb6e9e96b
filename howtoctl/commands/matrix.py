"""`howtoctl matrix`: the HOWTOs to smoke-test, as a GitHub Actions dynamic matrix."""

from __future__ import annotations

import json
import os

from howtoctl import fsutil, output
from howtoctl.errors import EXIT_OK, HowtoError
from howtoctl.runs import variants
from howtoctl.workspace import Workspace


def build(ws: Workspace, changed_since: str | None) -> dict:
    names = variants.select(ws, (), True, changed_since)
    return {"include": [{"name": n, "title": ws.entry(n).title or n} for n in names]}


def run(ws: Workspace, *, changed_since: str | None = None, github_output: bool = False) -> int:
    target = os.environ.get("GITHUB_OUTPUT")
    if github_output:
        if not target:
            raise HowtoError("--github-output needs the GITHUB_OUTPUT variable GitHub Actions sets")
        fsutil.require_outside_git(target, "$GITHUB_OUTPUT", ws.git_dirs)  # before any work
    matrix = build(ws, changed_since)
    text = json.dumps(matrix, separators=(",", ":"))
    if github_output:
        # Two step outputs: the matrix, and whether it has any entry (an empty matrix fails a job).
        any_ = "true" if matrix["include"] else "false"
        fsutil.append_output(target, f"matrix={text}\nany={any_}\n", "GITHUB_OUTPUT", ws.git_dirs)
        output.info(f"{len(matrix['include'])} HOWTO(s) to smoke-test")
    else:
        print(text)
    return EXIT_OK
