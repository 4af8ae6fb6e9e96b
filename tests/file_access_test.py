"""Every file the tool opens, replaces, removes or creates goes through the howtoctl/fsutil/
package, where links are not followed, special files are not read or replaced, and sizes are
bounded. A new feature that opens files its own way fails here: route it through fsutil, or,
where a file is not one howtoctl could be fooled about, add it below with the reason."""

from __future__ import annotations

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "howtoctl"
# The one package that may open files (the audited one): its modules, and no other.
FSUTIL = "fsutil/"

# Calls that open, create, replace or remove a file or directory.
_MODULE_CALLS = {
    "os": {
        "open",
        "replace",
        "rename",
        "renames",
        "unlink",
        "remove",
        "removedirs",
        "makedirs",
        "mkdir",
        "rmdir",
        "link",
        "symlink",
        "truncate",
        "mkfifo",
        "mknod",
        "chmod",
        "chown",
    },
    "shutil": {"rmtree", "copy", "copy2", "copyfile", "copytree", "move", "copymode", "copystat"},
    "tempfile": {
        "mkdtemp",
        "mkstemp",
        "TemporaryDirectory",
        "NamedTemporaryFile",
        "TemporaryFile",
        "SpooledTemporaryFile",
    },
    "io": {"open", "FileIO"},
}
_PATH_METHODS = {"write_text", "write_bytes", "read_text", "read_bytes", "touch", "symlink_to"}

# (module, call): why it need not go through fsutil.
ALLOWED = {
    ("runs/stale.py", "open"): "reads /proc/PID/stat, a kernel file no branch or user can replace",
}


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id == "open":
            yield node.lineno, "open"
        elif isinstance(f, ast.Attribute):
            owner = f.value.id if isinstance(f.value, ast.Name) else None
            if owner in _MODULE_CALLS and f.attr in _MODULE_CALLS[owner]:
                yield node.lineno, f"{owner}.{f.attr}"
            elif f.attr in _PATH_METHODS:
                yield node.lineno, f".{f.attr}"


def _audited(rel: str) -> bool:
    return rel.startswith(FSUTIL)


def _file_accesses():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if _audited(rel):
            continue
        for line, call in _calls(ast.parse(path.read_text(), rel)):
            yield rel, line, call


def test_file_access_goes_through_fsutil():
    found = [
        f"howtoctl/{rel}:{line}: {call}"
        for rel, line, call in _file_accesses()
        if (rel, call) not in ALLOWED
    ]
    assert not found, "open, write or remove files through howtoctl/fsutil/:\n" + "\n".join(found)


def test_every_allowance_is_still_used_and_says_why():
    used = {(rel, call) for rel, _, call in _file_accesses()}
    assert set(ALLOWED) <= used, set(ALLOWED) - used
    assert all(len(why) > 20 for why in ALLOWED.values())


def test_the_scan_sees_each_kind_of_access():
    """The scan must be able to fail: each kind of call is found in a made-up module."""
    source = (
        "import os, shutil, tempfile\n"
        "open('x')\nos.open('x', 0)\nos.unlink('x')\nshutil.rmtree('d')\n"
        "tempfile.mkdtemp()\np.write_text('x')\n"
    )
    kinds = [call for _, call in _calls(ast.parse(source))]
    assert kinds == [
        "open",
        "os.open",
        "os.unlink",
        "shutil.rmtree",
        "tempfile.mkdtemp",
        ".write_text",
    ]


def test_only_the_fsutil_package_is_exempt():
    assert _audited("fsutil/write.py") and _audited("fsutil/__init__.py")
    assert not _audited("commands/save.py") and not _audited("fsutil_extra.py")
    assert any(_calls(ast.parse((PACKAGE / "fsutil" / "write.py").read_text())))
