"""The package's layers: the pure model imports no I/O, and no entry point but the command line
reaches into commands."""

from __future__ import annotations

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "howtoctl"

# What a model module may import from howtoctl: the model itself, the exceptions, the statuses.
MODEL_MAY_IMPORT = ("howtoctl.model", "howtoctl.errors", "howtoctl.statuses")


def _imports(path: pathlib.Path) -> list[tuple[int, str]]:
    """Every howtoctl module `path` imports, at the top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
            found += [(node.lineno, n) for n in names if n.startswith("howtoctl")]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("howtoctl")]
    return found


def _modules(folder: str) -> list[pathlib.Path]:
    paths = sorted((PACKAGE / folder).rglob("*.py"))
    assert paths, f"howtoctl/{folder}/ has no modules"
    return paths


def _where(path: pathlib.Path, line: int, name: str) -> str:
    return f"howtoctl/{path.relative_to(PACKAGE).as_posix()}:{line}: {name}"


def test_the_model_does_no_io():
    found = [
        _where(path, line, name)
        for path in _modules("model")
        for line, name in _imports(path)
        if not name.startswith(MODEL_MAY_IMPORT)
    ]
    assert not found, "model/ is pure (no git, files or output):\n" + "\n".join(found)


def test_the_rebase_plan_is_pure():
    found = [
        _where(PACKAGE / "rebase" / "plan.py", line, name)
        for line, name in _imports(PACKAGE / "rebase" / "plan.py")
        if not name.startswith((*MODEL_MAY_IMPORT, "howtoctl.rebase"))
    ]
    assert not found, "rebase/plan.py decides from facts alone:\n" + "\n".join(found)


def test_the_site_and_the_sphinx_extension_do_not_reach_into_commands():
    found = [
        _where(path, line, name)
        for path in [*_modules("site"), PACKAGE / "sphinx.py"]
        for line, name in _imports(path)
        if name.startswith("howtoctl.commands")
    ]
    assert not found, "collect through howtoctl/site/collect.py:\n" + "\n".join(found)
