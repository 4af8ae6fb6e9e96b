"""Small diffs of one Python file for the hunk-counting and proof tests."""

BASE = "".join(f"x{i} = {i}\n" for i in range(30))  # the file the diffs change


def diff(path: str, hunks: str) -> bytes:
    return f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n--- a/{path}\n+++ b/{path}\n{hunks}".encode()


def hunk(line: int, old: str, new: str) -> str:
    """A one-line change at `line` (1-based) of BASE, with one line of context each side."""
    ctx_a, ctx_b = f"x{line - 2} = {line - 2}", f"x{line} = {line}"
    return f"@@ -{line - 1},3 +{line - 1},3 @@\n {ctx_a}\n-{old}\n+{new}\n {ctx_b}\n"
