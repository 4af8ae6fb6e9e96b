"""What a new user trips on: misspelt names, a smoke test that runs no test, usage lines, exit
codes of `howtoctl` alone, `list` and `resolve`."""

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
