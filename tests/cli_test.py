import subprocess
import sys

import pytest

from tests.gitrepo import GitRepo


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd)


def test_help_and_list_import_no_ml_libraries(repo_with_howto):
    code = (
        "import sys; from howtoctl import cli; rc = cli.main(sys.argv[1:]);"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('jax', 'flax', 'optax', 'tensorflow_datasets', 'git'));"
        "print('HEAVY', heavy); sys.exit(rc)"
    )
    for args in (
        ["--help"],
        ["-C", str(repo_with_howto.path), "list"],
        ["-C", str(repo_with_howto.path), "check"],
    ):
        p = _run("-c", code, *args)
        assert p.returncode == 0, p.stderr
        assert "HEAVY []" in p.stdout


def test_python_dash_m_and_version():
    p = _run("-m", "howtoctl", "--version")
    assert p.returncode == 0 and "howtoctl" in p.stdout


def test_usage_errors_exit_2():
    p = _run("-m", "howtoctl", "no-such-command")
    assert p.returncode == 2
    p = _run("-m", "howtoctl", "save", "--bogus")
    assert p.returncode == 2


def test_outside_a_repository(tmp_path):
    p = _run("-m", "howtoctl", "-C", str(tmp_path), "list")
    assert p.returncode == 2 and "not inside a git repository" in p.stderr
    p = _run("-m", "howtoctl", "-C", str(tmp_path / "nope"), "list")
    assert p.returncode == 2 and "no such directory" in p.stderr


def test_unborn_repository(tmp_path):
    GitRepo.create(tmp_path / "u")
    p = _run("-m", "howtoctl", "-C", str(tmp_path / "u"), "list")
    assert p.returncode == 2 and "no commits yet" in p.stderr


def test_missing_base_branch(tmp_path):
    r = GitRepo.create(tmp_path / "t", base="trunk")
    r.write("a.txt", "a\n")
    r.commit("a")
    res = r.cli("list")
    assert res.code == 2 and "neither a 'master' nor a 'main'" in res.err and "--base" in res.err
    assert r.cli("--base", "trunk", "list").code == 0
    res = r.cli("--base", "develop", "list")
    assert res.code == 2 and "'develop' does not exist" in res.err


def test_configured_paths(tmp_path):
    r = GitRepo.create(tmp_path / "c", base="develop")
    r.write(
        "pyproject.toml",
        '[tool.howtoctl]\nbase = "develop"\nbranch-prefix = "recipe/"\ndiff-dir = "docs/recipes"\n',
    )
    r.write("src/a.py", "one\ntwo\n")
    r.commit("base")
    r.git("switch", "-q", "-c", "recipe/fast", "develop")
    r.replace("src/a.py", "two", "TWO")
    r.commit("fast")
    r.git("switch", "-q", "develop")
    res = r.cli("save", "fast")
    assert res.code == 0, res
    assert r.exists("docs/recipes/fast.diff")
    assert r.cli("check").code == 0


@pytest.mark.parametrize("argv", [["save"], ["restore"], ["save", "--all", "x"]])
def test_names_or_all_required(repo_with_howto, argv):
    res = repo_with_howto.cli(*argv)
    assert res.code == 2
