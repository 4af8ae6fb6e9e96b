"""Fixtures: real git repositories in temp dirs, built with GitPython (which runs real git)."""

from __future__ import annotations

import hashlib
import os
import tempfile

import pytest

os.environ.setdefault("COLUMNS", "200")  # keep rich from wrapping table rows in assertions

from tests.gitrepo import GitRepo  # noqa: E402


@pytest.fixture(autouse=True)
def hermetic_git(tmp_path_factory, monkeypatch) -> None:
    """Seal every test from the machine's git configuration, its GIT_* environment and the
    clock: a fresh HOME whose ~/.gitconfig holds only an identity, no system configuration, no
    GIT_* variable of the caller's, and fixed author and committer dates, so that the same
    steps give the same commit ids on every machine."""
    # Every GIT_* variable the caller's environment sets (CI systems set the identity ones,
    # a hook sets GIT_DIR or GIT_INDEX_FILE) would change what git does under the test.
    for name in [n for n in os.environ if n.startswith("GIT_")]:
        monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("home")
    # One known identity, as a fresh developer machine would have; nothing else.
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n[commit]\n\tgpgsign = false\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.setenv("GIT_AUTHOR_DATE", "1700000000 +0000")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "1700000000 +0000")


@pytest.fixture
def repo(tmp_path) -> GitRepo:
    """A repository on `main` with a small example and one HOWTO saved and committed."""
    r = GitRepo.create(tmp_path / "repo", base="main")
    r.write("ex/train.py", "".join(f"line {i}\n" for i in range(1, 41)))
    r.write("ex/README.md", "An example.\n")
    r.commit("base example")
    return r


@pytest.fixture
def repo_with_howto(repo) -> GitRepo:
    repo.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 changed by alpha\n")})
    return repo


@pytest.fixture
def conflicted(repo):
    """howto/beta and main both change line 20 of ex/train.py: git's rebase conflicts."""
    repo.add_howto("beta", {"ex/train.py": ("line 20\n", "line 20 beta\n")}, commits=1)
    repo.replace("ex/train.py", "line 20\n", "line 20 main\n")
    repo.commit("base moves")
    return repo


def tree_digest(root) -> str:
    """A digest of every file under root except .git, to prove the work tree was untouched:
    names, link targets and the bytes of regular files (through links too); a pipe or a
    device counts by its kind, never opened (a hostile repository may hold one)."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for f in sorted(filenames):
            p = os.path.join(dirpath, f)
            h.update(os.path.relpath(p, root).encode() + b"\0")
            if os.path.islink(p):
                h.update(b"link " + os.readlink(p).encode() + b"\0")
            if os.path.isfile(p):
                with open(p, "rb") as fh:
                    h.update(fh.read())
            else:
                h.update(b"special")
    return h.hexdigest()


# Hypothesis profiles: a small one for every run, a nightly-sized one (HYPOTHESIS_PROFILE=nightly).
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("default", max_examples=150, deadline=None)
settings.register_profile(
    "nightly", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A temporary root of the test's own, where howtoctl makes (and sweeps) its scratch
    directories: a sweep then never sees another run's."""
    path = tmp_path / "tmp"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path
