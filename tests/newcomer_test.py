"""What a new user trips on: misspelt names, a smoke test that runs no test, usage lines, exit
codes of `howtoctl` alone, `list` and `resolve`."""

import json

import pytest

NAME_COMMANDS = [
    ["save"],
    ["restore"],
    ["restore", "--force"],
    ["check"],
    ["test"],
    ["prove"],
    ["resolve"],
    ["resolve", "--continue"],
]


@pytest.fixture
def clipping(repo):
    repo.add_howto("grad-clipping", {"ex/train.py": ("line 5\n", "line 5 clipped\n")})
    return repo


@pytest.mark.parametrize("command", NAME_COMMANDS, ids=" ".join)
def test_a_misspelt_name_gets_a_did_you_mean(clipping, command):
    r = clipping
    before = r.snapshot()
    res = r.cli(*command[:1], "grad-cliping", *command[1:])
    assert res.code == 2, res
    assert "did you mean 'grad-clipping'?" in res.err, res.err
    assert "new grad-cliping" not in res.err
    assert r.snapshot() == before


def test_a_name_like_none_keeps_its_own_advice(clipping):
    res = clipping.cli("save", "warmup")
    assert res.code == 2 and "did you mean" not in res.err and "howtoctl new warmup" in res.err


@pytest.fixture
def no_tests(repo):
    """An example with no test at all, and a HOWTO that changes it: pytest runs none (exit 5)."""
    repo.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 alpha\n")})
    return repo


def test_a_smoke_test_that_ran_no_test_says_how_to_name_one(no_tests):
    res = no_tests.cli("test", "alpha", "--json", "--jobs", "1")
    assert res.code == 1, res
    (result,) = json.loads(res.out)["results"]
    assert result["returncode"] == 5 and result["status"] == "failed"
    assert 'test = "COMMAND" under [howtos.alpha] in howtos/manifest.toml' in result["message"]
    assert "howtoctl new NAME --test COMMAND" in result["message"]


def test_new_test_sets_the_smoke_test(no_tests):
    r = no_tests
    r.write("ex/smoke_test.py", "def test_it():\n    assert True\n")
    r.commit("a test")
    res = r.cli("new", "beta", "--test", "python -m pytest -q ex/smoke_test.py")
    assert res.code == 0, res
    # `new` committed the entry on the base itself.
    assert 'test = "python -m pytest -q ex/smoke_test.py"' in r.git(
        "show", "HEAD:howtos/manifest.toml"
    )
    r.git("switch", "-q", "howto/beta")
    r.replace("ex/train.py", "line 9\n", "line 9 beta\n")
    r.commit("beta")
    r.git("switch", "-q", "main")
    assert r.cli("save", "beta").code == 0
    res = r.cli("test", "beta", "--json")
    assert res.code == 0, res
    assert "-m pytest -q ex/smoke_test.py" in json.loads(res.out)["results"][0]["command"]


@pytest.mark.parametrize("test", ["'unbalanced", " "])
def test_new_refuses_a_test_command_it_could_not_run(no_tests, test):
    before = no_tests.snapshot()
    res = no_tests.cli("new", "beta", "--test", test)
    assert res.code == 2 and "--test" in res.err, res
    assert no_tests.snapshot() == before


def test_howtoctl_alone_prints_its_help_and_exits_0(tmp_path):
    import subprocess
    import sys

    p = subprocess.run(
        [sys.executable, "-m", "howtoctl"], capture_output=True, text=True, cwd=tmp_path
    )
    assert p.returncode == 0, p
    assert p.stdout.startswith("Usage: howtoctl") and "Commands:" in p.stdout


@pytest.mark.parametrize("command", ["save", "restore", "check", "test", "prove"])
def test_usage_lines_show_names_as_optional(repo, command):
    res = repo.cli(command, "--help")
    assert res.code == 0
    usage = res.out.splitlines()[0]
    assert usage == f"Usage: howtoctl {command} [OPTIONS] [NAME]...", usage


def test_list_exits_1_when_a_howto_needs_attention(repo_with_howto):
    r = repo_with_howto
    res = r.cli("list", "--json")
    assert res.code == 0 and json.loads(res.out)["ok"] is True, res
    r.replace("ex/train.py", "line 5\n", "line five\n")
    r.commit("the base rewrites alpha's line")
    res = r.cli("list", "--json")
    assert res.code == 1, res
    listing = json.loads(res.out)
    assert listing["ok"] is False
    assert [(h["name"], h["state"]) for h in listing["howtos"]] == [("alpha", "broken")]
    assert r.cli("list").code == 1


def test_resolve_exits_0_once_its_work_tree_is_ready(conflicted):
    r = conflicted
    res = r.cli("resolve", "beta")
    assert res.code == 0, res
    worktree = r.path.parent / "repo-resolve-beta"
    assert "<<<<<<<" in (worktree / "ex/train.py").read_text()
    assert "howtoctl resolve beta --continue" in res.out  # the next steps
    # Failures stay non-zero: a second start, and --continue with the conflict still there.
    assert r.cli("resolve", "beta").code == 2
    assert r.cli("resolve", "beta", "--continue").code == 1
    assert r.cli("resolve", "beta", "--abort").code == 0
