"""Backup runs: what prune keeps and what each run records."""

from __future__ import annotations

import json
import subprocess


def _blob(r, text):
    proc = subprocess.run(
        ["git", "-C", str(r.path), "hash-object", "-w", "--stdin"],
        input=text.encode(),
        capture_output=True,
        check=True,
    )
    return proc.stdout.decode().strip()


def test_prune_keeps_the_latest_run_undo_can_use(repo_with_howto):
    """A stamp-shaped run undo ignores (its ref at a blob) is left out of prune's count, so
    --keep 1 keeps the latest run undo can restore from."""
    r = repo_with_howto
    for _ in range(2):
        assert r.cli("restore", "alpha", "--force").code == 0
    runs = r.git("for-each-ref", "--format=%(refname)", "refs/howtoctl/backup/").split()
    latest = sorted({x.split("/")[3] for x in runs})[-1]
    blob = _blob(r, "x")
    r.git("update-ref", "refs/howtoctl/backup/99991231-235959-999999/howto/alpha", blob)
    res = r.cli("backups", "--prune", "--keep", "1")
    assert res.code == 0, res
    left = r.git("for-each-ref", "--format=%(refname)", "refs/howtoctl/backup/").split()
    assert {x.split("/")[3] for x in left} == {latest, "99991231-235959-999999"}, left
    res = r.cli("undo", "--dry-run")
    assert res.code == 0, res


def test_the_backup_run_drop_writes_names_drop(repo_with_howto):
    r = repo_with_howto
    r.write("howtos/manifest.toml", '[howtos.alpha]\ntitle = "Alpha"\n')
    r.commit("manifest")
    assert r.cli("drop", "alpha").code == 0
    res = r.cli("backups", "--json")
    runs = json.loads(res.out)["runs"]
    assert runs and runs[-1]["command"] == "drop alpha", runs
