"""The lock (requirements/*.txt) pins a version inside every range pyproject.toml asks for."""

import pathlib
import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = pathlib.Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", re.M)


def _pins(lock: str, python: str) -> dict[str, Version]:
    """name -> pinned version for this Python (a universal lock forks by Python version)."""
    pins = {}
    for name, version, marker in PIN.findall(lock):
        if marker and not Requirement(f"x; {marker}").marker.evaluate(
            {"python_full_version": python, "python_version": python.rsplit(".", 1)[0]}
        ):
            continue
        pins[_normal(name)] = Version(version)
    return pins


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(extras: tuple[str, ...]) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    return [Requirement(r) for r in reqs]


@pytest.mark.parametrize(
    "lock, extras",
    [
        ("dev.txt", ("examples", "dev", "docs")),
        ("tpu.txt", ("examples", "dev", "docs", "tpu")),
    ],
)
@pytest.mark.parametrize("python", ["3.11.9", "3.13.1"])
def test_lock_satisfies_pyproject(lock, extras, python):
    text = (ROOT / "requirements" / lock).read_text()
    assert "--hash=sha256:" in text
    pins = _pins(text, python)
    for req in _requirements(extras):
        name = _normal(req.name)
        assert name in pins, f"{lock} has no pin for {req}: run bash requirements/lock.sh"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{lock} pins {name}=={pins[name]}, outside {req}: run bash requirements/lock.sh"
        )
