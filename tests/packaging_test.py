"""The release artefacts: sdist and wheel build offline from a shallow checkout without tags,
pass `twine check`, and the wheel installs and runs in a fresh virtual environment."""

import pathlib
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _run(*args, cwd=None, check=True):
    proc = subprocess.run(list(map(str, args)), cwd=cwd, capture_output=True, text=True)
    if check:
        assert proc.returncode == 0, f"{args}: {proc.stdout}\n{proc.stderr}"
    return proc


def _git(cwd, *args):
    return _run("git", "-c", "user.name=t", "-c", "user.email=t@t", *args, cwd=cwd)


@pytest.fixture(scope="module")
def shallow_checkout(tmp_path_factory):
    """This working tree's tracked files as one commit, cloned --depth 1: like a CI checkout
    (no tags, shallow), and like a fresh clone of a repository that was never tagged."""
    tmp = tmp_path_factory.mktemp("packaging")
    src = tmp / "src"
    src.mkdir()
    files = _run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for rel in filter(None, files.stdout.split("\0")):
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    _git(src, "init", "-q", "-b", "main")
    _git(src, "add", "-A")
    _git(src, "commit", "-q", "-m", "snapshot")
    shallow = tmp / "shallow"
    _git(tmp, "clone", "-q", "--depth", "1", f"file://{src}", shallow)
    return shallow


@pytest.fixture(scope="module")
def dist(shallow_checkout, tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: setuptools and setuptools-scm come from the lock; nothing is downloaded.
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, shallow_checkout)
    return out


def test_sdist_and_wheel_build_and_pass_twine_check(dist):
    sdists, wheels = list(dist.glob("*.tar.gz")), list(dist.glob("*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1
    # No tag: setuptools-scm's development version of the commit, not the fallback.
    assert ".dev" in wheels[0].name and "0.0.0" not in wheels[0].name
    proc = _run(sys.executable, "-m", "twine", "check", "--strict", *sdists, *wheels)
    assert proc.stdout.count("PASSED") == 2
    names = zipfile.ZipFile(wheels[0]).namelist()
    assert (
        "howtoctl/cli.py" in names
        and "howtoctl/sphinx.py" in names
        and "howtoctl/site/sphinx.py" in names
    )
    assert not any(n.startswith(("tests/", "examples/")) for n in names)


def test_the_wheel_requires_the_names_checker(dist):
    """auto-resolve verifies nothing without ruff (its names check): it is installed with the
    tool, not only with the development extras."""
    wheel = zipfile.ZipFile(next(dist.glob("*.whl")))
    (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    requires = [
        line.split(":", 1)[1].strip()
        for line in wheel.read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:")
    ]
    core = [r for r in requires if "extra ==" not in r]
    assert any(r.startswith("ruff") for r in core), core


def test_wheel_installs_and_runs_in_a_fresh_virtual_environment(dist, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)  # pip from ensurepip: offline
    python, howtoctl = env_dir / "bin" / "python", env_dir / "bin" / "howtoctl"
    wheel = next(dist.glob("*.whl"))
    _run(python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", wheel)
    # The tests run offline, so the wheel's dependencies (click, rich, pygments) are made
    # visible from this environment, after the new one's own packages. CI's release workflow
    # installs the wheel with its dependencies from PyPI instead.
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    deps = pathlib.Path(purelib.stdout.strip()) / "zz_test_deps.pth"
    deps.write_text(sysconfig.get_path("purelib") + "\n")
    where = _run(python, "-c", "import howtoctl; print(howtoctl.__file__)", cwd=tmp_path)
    assert where.stdout.startswith(str(env_dir))  # the installed copy, not the source tree
    assert "Keep HOWTO diffs" in _run(howtoctl, "--help", cwd=tmp_path).stdout
    assert ".dev" in _run(howtoctl, "--version", cwd=tmp_path).stdout
    assert "ok" in _run(howtoctl, "-C", ROOT, "check", cwd=tmp_path).stdout
