"""Histories the git tests merge and write on top of."""

from __future__ import annotations


def branches_moving_apart(repo, n: int) -> list[tuple[str, str]]:
    """n one-commit branches off main, then main moves; (new main, branch commit) pairs."""
    tips = []
    for i in range(n):
        repo.git("switch", "-q", "-c", f"b{i}", "main")
        line = 2 + i % 30
        repo.replace("ex/train.py", f"line {line}\n", f"line {line} by b{i}\n")
        tips.append(repo.commit(f"b{i}"))
    repo.git("switch", "-q", "main")
    repo.replace("ex/train.py", "line 10\n", "line 10 on main\n")
    main = repo.commit("main moves")
    return [(main, t) for t in tips]
