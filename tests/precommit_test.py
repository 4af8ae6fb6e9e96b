"""howtoctl as a pre-commit hook: a commit that breaks a HOWTO diff is stopped, with the HOWTO named."""

import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[1]

HOOK_CONFIG = """repos:
  - repo: local
    hooks:
      - id: howtoctl-check
        name: howtoctl check
        entry: howtoctl check
        language: system
        pass_filenames: false
        always_run: true
"""


def test_hook_manifest_and_config_are_valid():
    subprocess.run(
        ["pre-commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")], check=True
    )
    subprocess.run(
        ["pre-commit", "validate-config", str(ROOT / ".pre-commit-config.yaml")], check=True
    )


def test_hook_stops_a_commit_that_breaks_a_howto(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    r = repo
    r.add_howto("alpha", {"ex/train.py": ("line 5\n", "line 5 changed by alpha\n")})
    r.write(".pre-commit-config.yaml", HOOK_CONFIG)
    r.commit("add hook config")
    subprocess.run(["pre-commit", "install"], cwd=r.path, check=True, capture_output=True)

    def commit(msg, *extra):
        return subprocess.run(
            ["git", "commit", "-q", "-m", msg, *extra],
            cwd=r.path,
            capture_output=True,
            text=True,
            env={**os.environ},
        )

    # Two lines below alpha's change: a clean merge, but alpha's diff no longer applies as is.
    r.replace("ex/train.py", "line 7\n", "line 7 edited on main\n")
    r.git("add", "-A")
    head = r.rev("HEAD")
    proc = commit("edit the example")
    assert proc.returncode != 0
    assert "alpha" in proc.stdout + proc.stderr and "does not apply" in proc.stdout + proc.stderr
    assert r.rev("HEAD") == head  # the commit was stopped

    # The fix: land the change, rebase the HOWTO onto it, save its diff; the hook passes again.
    assert commit("edit the example", "--no-verify").returncode == 0
    assert r.cli("rebase-all").code == 0
    assert r.cli("save", "--all").code == 0
    r.git("add", "-A")
    proc = commit("update HOWTO diffs")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert r.git("log", "-1", "--format=%s") == "update HOWTO diffs"
