"""What can be told offline about a requirements file the smoke tests install: pure, text in.

Whether `pip install -r FILE` works on the CI runner is only known by running it, but some
failures show in the text: a line pip cannot read, a pin older than the first release with
wheels for the runner's Python (pip then builds the sdist, which fails for numpy and cannot
happen for jaxlib or tensorflow, which ship no sdist), jax without the jaxlib it needs, and a
missing test runner. Environment markers are evaluated for the runner, so a line meant for
other Pythons is left out, as pip leaves it out.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Callable, Iterable

from packaging.markers import InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import Specifier
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

# The first release of each package with wheels for a Python (by its minor version). Sources:
# numpy 1.23.2's release notes (the first for Python 3.11), TensorFlow 2.12.0's (added Python
# 3.11), and jaxlib's files on PyPI (cp311 wheels from 0.3.24, November 2022).
FIRST_WITH_WHEELS = {
    "3.11": {"numpy": "1.23.2", "jaxlib": "0.3.24", "tensorflow": "2.12.0"},
}
# jax installs jaxlib itself only from 0.4.30 (its changelog: "jax now depends on jaxlib
# directly"); before, a plain `jax` pin without jaxlib (or an extra such as jax[cpu]) gives a
# jax that cannot be imported.
JAX_BRINGS_JAXLIB = Version("0.4.30")
_JAX_EXTRAS_WITH_JAXLIB = ("cpu", "cuda", "tpu", "rocm")
MAX_INCLUDE_DEPTH = 5


@dataclasses.dataclass(frozen=True)
class Finding:
    where: str  # "path:line"
    requirement: str  # the line as written ("" for the file as a whole)
    problem: str


@dataclasses.dataclass(frozen=True)
class Report:
    path: str
    python: str
    requirements: tuple[str, ...]  # canonical names that apply on the runner, in file order
    findings: tuple[Finding, ...]
    unchecked: tuple[str, ...]  # included files or URLs that could not be read here

    @property
    def ok(self) -> bool:
        return not self.findings


def _environment(python: str) -> dict[str, str]:
    """Marker values of the runner: GitHub's ubuntu-latest, CPython `python` on x86-64 Linux."""
    return {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": "x86_64",
    }


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """(first line number, line) with continuations joined and comments removed, as pip does."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        if raw.endswith("\\"):
            pending += raw[:-1]
            continue
        line = pending + raw
        pending = ""
        # pip: a '#' at the start or after whitespace starts a comment.
        cut = next(
            (i for i, c in enumerate(line) if c == "#" and (i == 0 or line[i - 1].isspace())),
            len(line),
        )
        line = line[:cut].strip()
        if line:
            yield start, line
    if pending.strip():
        yield start, pending.strip()


def _upper_bound(specifier: Specifier) -> tuple[Version, bool] | None:
    """(version, inclusive) that no allowed release exceeds, or None when unbounded above."""
    op, text = specifier.operator, specifier.version
    try:
        if op in ("==", "===") and not text.endswith(".*"):
            return Version(text), True
        if op == "<=":
            return Version(text), True
        if op == "<":
            return Version(text), False
        if op == "==" or op == "~=":
            # ==1.22.* allows < 1.23; ~=1.22.0 allows < 1.23; ~=1.22 allows < 2.
            release = Version(text.removesuffix(".*")).release
            kept = release if op == "==" else release[:-1]
            if not kept:
                return None
            bumped = (*kept[:-1], kept[-1] + 1)
            return Version(".".join(map(str, bumped))), False
    except InvalidVersion:
        return None
    return None


def _below(req: Requirement, first: Version) -> bool:
    """Whether every release `req` allows is older than `first`."""
    for spec in req.specifier:
        bound = _upper_bound(spec)
        if bound is not None:
            version, inclusive = bound
            if version < first or (not inclusive and version <= first):
                return True
    return False


def _pinned(req: Requirement) -> str:
    return f"{req.name}{req.specifier}"


def check(
    text: str,
    path: str,
    python: str,
    test_runner: str | None,
    read: Callable[[str], str | None],
) -> Report:
    """Check requirements file `path` (its `text`) for CPython `python` ("3.11") on the runner.

    `test_runner`: the package the smoke test needs (e.g. "pytest"), or None. `read(path)`
    gives the text of another repository file (a `-r` include), or None where there is none.
    """
    env = _environment(python)
    findings: list[Finding] = []
    found: dict[str, tuple[str, Requirement]] = {}
    unchecked: list[str] = []
    _read_file(text, path, env, read, findings, found, unchecked, depth=0)

    first = FIRST_WITH_WHEELS.get(python, {})
    for name, (where, req) in found.items():
        if name in first and _below(req, Version(first[name])):
            findings.append(
                Finding(
                    where,
                    _pinned(req),
                    f"no {name} release it allows has wheels for Python {python} (the first "
                    f"that has is {first[name]}), so pip cannot install it on the runner",
                )
            )
    jax = found.get("jax")
    if jax is not None and "jaxlib" not in found:
        where, req = jax
        if not any(e.startswith(_JAX_EXTRAS_WITH_JAXLIB) for e in req.extras) and _below(
            req, JAX_BRINGS_JAXLIB
        ):
            findings.append(
                Finding(
                    where,
                    _pinned(req),
                    f"jax before {JAX_BRINGS_JAXLIB} does not install jaxlib, and the file "
                    "names none: `import jax` fails",
                )
            )
    runner = canonicalize_name(test_runner) if test_runner else None
    if runner and runner not in found and not unchecked:
        findings.append(
            Finding(
                path,
                "",
                f"no {test_runner} in it, but the smoke test runs {test_runner}: it is not "
                "installed on the runner",
            )
        )
    return Report(path, python, tuple(found), tuple(findings), tuple(unchecked))


def _read_file(text, path, env, read, findings, found, unchecked, depth) -> None:
    for number, line in _logical_lines(text):
        where = f"{path}:{number}"
        if line.startswith("-"):
            option, _, value = line.replace("=", " ", 1).partition(" ")
            value = value.strip()
            if option in ("-r", "--requirement") and value:
                _include(path, value, env, read, findings, found, unchecked, depth)
            elif option in ("-e", "--editable"):
                unchecked.append(value)
            continue  # other options (--find-links, --index-url, -c ...) install nothing
        # Per-requirement options (--hash=...) follow the requirement after whitespace.
        spec = line.split(" --", 1)[0].strip()
        if "://" in spec and "@" not in spec:  # a bare URL or archive: not checkable here
            unchecked.append(spec)
            continue
        try:
            req = Requirement(spec)
        except InvalidRequirement as e:
            findings.append(Finding(where, line, f"pip cannot read this line: {e}"))
            continue
        try:
            applies = req.marker is None or req.marker.evaluate(env)
        except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
            applies = True
        if applies:
            found.setdefault(canonicalize_name(req.name), (where, req))


def _include(path, target, env, read, findings, found, unchecked, depth) -> None:
    rel = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    text = read(rel) if depth < MAX_INCLUDE_DEPTH and not rel.startswith("..") else None
    if text is None:
        unchecked.append(rel)
        return
    _read_file(text, rel, env, read, findings, found, unchecked, depth + 1)
