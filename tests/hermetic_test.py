"""The suite is sealed from the caller's environment: CI systems export git's identity."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Tests whose outcome depends on who git thinks is committing.
IDENTITY_TESTS = [
    "tests/commands/restore_test.py::test_restore_without_a_git_identity",
    "tests/commands/rebase_all_test.py::test_rebase_preserves_commits_messages_and_authors",
]


def test_suite_ignores_the_callers_git_identity_variables(tmp_path):
    identity = {
        "GIT_AUTHOR_NAME": "CI Bot",
        "GIT_AUTHOR_EMAIL": "ci@example.org",
        "GIT_COMMITTER_NAME": "CI Bot",
        "GIT_COMMITTER_EMAIL": "ci@example.org",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *IDENTITY_TESTS],
        cwd=ROOT,
        env={**os.environ, **identity, "HOWTOCTL_STRICT_SKIPS": "1"},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "2 passed" in proc.stdout
