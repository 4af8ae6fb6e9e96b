"""Hypothesis fuzzing of HOWTO names and diff contents.

Whatever the input: no uncaught exception; every rejection is a clear message with exit 2;
nothing is written. `HYPOTHESIS_PROFILE=nightly` runs 1,000 cases per property.
"""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from howtoctl.errors import HowtoError
from howtoctl.model import names, patch
from tests.gitrepo import GitRepo

# Each repository-level case runs git several times: a fifth of the regular profile's cases,
# all of the nightly profile's (>= 1,000).
_PROFILE_EXAMPLES = settings().max_examples
REPO_SETTINGS = settings(
    max_examples=_PROFILE_EXAMPLES
    if _PROFILE_EXAMPLES >= 1000
    else max(10, _PROFILE_EXAMPLES // 5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

name_text = st.one_of(
    st.text(min_size=0, max_size=80),
    st.text(alphabet="abc-_./ ~^:?*[\\@{}\n\t\0", min_size=0, max_size=20),
    st.sampled_from(
        ["../x", "a b", "-rf", "a..b", "x.lock", "/abs", "a/b", "A", ".", "..", "@", "a@{1}"]
    ),
)


@given(name_text)
def test_name_rules_accept_only_safe_names(name):
    try:
        names.validate_name(name)
    except HowtoError as e:
        assert e.message  # a reason, never an empty error
        return
    # Accepted names are safe as a file name and as a branch name, whatever git's own rules say.
    assert "/" not in name and ".." not in name and not name.startswith(("-", "."))
    assert name.isascii() and name == name.lower() and name.strip() == name
    ref = subprocess.run(
        ["git", "check-ref-format", f"refs/heads/howto/{name}"], capture_output=True
    )
    assert ref.returncode == 0


@pytest.fixture(scope="module")
def fuzz_repo(tmp_path_factory):
    r = GitRepo.create(tmp_path_factory.mktemp("fuzz") / "repo")
    r.write("ex/train.py", "".join(f"line {i}\n" for i in range(1, 41)))
    r.commit("base")
    r.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 alpha\n")})
    return r


@REPO_SETTINGS
@given(name=name_text, command=st.sampled_from(["save", "restore", "new", "resolve"]))
def test_cli_names_fail_cleanly_and_write_nothing(fuzz_repo, name, command):
    before = fuzz_repo.snapshot()
    res = fuzz_repo.cli(command, "--", name)
    if res.code == 0:  # a valid new name for `new` is fine; undo it so every case starts alike
        assert command == "new"
        fuzz_repo.git("branch", "-D", f"howto/{name}")
        fuzz_repo.git("checkout", "--", "howtos")
        fuzz_repo.git("clean", "-fdq", "howtos")
        return
    assert res.code == 2, res
    assert "error:" in res.err and "Traceback" not in res.err
    assert fuzz_repo.snapshot() == before


GOOD = (
    b"diff --git a/ex/train.py b/ex/train.py\n"
    b"index 0000000000000000000000000000000000000001..0000000000000000000000000000000000000002 100644\n"
    b"--- a/ex/train.py\n+++ b/ex/train.py\n@@ -3,7 +3,7 @@\n line 3\n line 4\n-line 5\n+line 5 alpha\n"
    b" line 6\n line 7\n line 8\n line 9\n"
)


@st.composite
def mutated_diffs(draw):
    data = bytearray(draw(st.sampled_from([GOOD, GOOD.replace(b"line 5 alpha", b"LINE five")])))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["truncate", "flip", "insert", "delete_line", "dup_line"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "truncate":
            del data[i:]
        elif op == "flip":
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(st.binary(max_size=8))
        else:
            lines = bytes(data).split(b"\n")
            j = draw(st.integers(0, len(lines) - 1))
            if op == "delete_line":
                del lines[j]
            else:
                lines.insert(j, lines[j])
            data = bytearray(b"\n".join(lines))
    return bytes(data)


@given(st.one_of(mutated_diffs(), st.binary(max_size=300)))
def test_patch_parser_never_crashes(data):
    try:
        p = patch.parse(data)
    except patch.PatchError as e:
        assert e.message
        return
    assert p.files and all(f.path for f in p.files)


@REPO_SETTINGS
@given(data=mutated_diffs())
def test_restore_and_check_of_fuzzed_diffs(fuzz_repo, data):
    target = fuzz_repo.path / "howtos" / "diffs" / "fuzz.diff"
    target.write_bytes(data)
    try:
        before = fuzz_repo.snapshot()
        res = fuzz_repo.cli("check", "fuzz")
        assert res.code in (0, 1) and "Traceback" not in res.err
        assert fuzz_repo.snapshot() == before
        res = fuzz_repo.cli("restore", "fuzz")
        if res.code in (0, 1) and "Traceback" not in res.err:
            # 1: a diff that does not apply to the tip, restored where it applies, or not at all.
            if any(ref.endswith("howto/fuzz") for ref in fuzz_repo.branches()):
                fuzz_repo.git("branch", "-D", "howto/fuzz")
            assert fuzz_repo.snapshot() == before
        else:
            assert res.code == 2 and "error:" in res.err, res
            assert fuzz_repo.snapshot() == before
    finally:
        target.unlink()
