"""Backup runs whose refs or records someone else wrote or damaged: `backups` still lists
what is howtoctl's, leaves the rest alone, and never crashes."""

from __future__ import annotations

import json
import subprocess


def _blob(r, text: str) -> str:
    proc = subprocess.run(
        ["git", "-C", str(r.path), "hash-object", "-w", "--stdin"],
        input=text.encode(),
        capture_output=True,
        check=True,
    )
    return proc.stdout.decode().strip()


def _two_backup_runs(r) -> list[str]:
    for _ in range(2):
        res = r.cli("restore", "alpha", "--force")
        assert res.code == 0, res
    runs = r.git("for-each-ref", "--format=%(refname)", "refs/howtoctl/backup-run/").split()
    assert len(runs) == 2, runs
    return runs


def test_backups_lists_runs_whose_record_is_deeply_nested_json(repo_with_howto):
    """A run's record (refs/howtoctl/backup-run/STAMP) holding JSON nested 100,000 deep made
    json.loads raise RecursionError, which was not caught: `backups` ended in "hit a bug"
    (exit 3). A record that cannot be read is none of ours: the run is listed without a
    command."""
    r = repo_with_howto
    record = _two_backup_runs(r)[-1]
    r.git("update-ref", record, _blob(r, "[" * 100000 + "]" * 100000))
    res = r.cli("backups", "--json")
    assert res.code == 0, res
    runs = json.loads(res.out)["runs"]
    assert [run["command"] for run in runs] == ["restore alpha --force", None], runs


def test_a_stamp_shaped_ref_that_is_no_date_is_foreign(repo_with_howto):
    """refs/howtoctl/backup/20201301-000000-000000/howto/alpha has a stamp's digits but month
    13: taken for a run, Run.time's strptime raised ValueError ("hit a bug", exit 3). No stamp
    howtoctl writes is no date, so it is someone else's: listed as foreign, never pruned."""
    r = repo_with_howto
    _two_backup_runs(r)
    ref = "refs/howtoctl/backup/20201301-000000-000000/howto/alpha"
    r.git("update-ref", ref, "HEAD")
    res = r.cli("backups", "--json")
    assert res.code == 0, res
    listed = json.loads(res.out)
    assert ref in listed["foreign"] and len(listed["runs"]) == 2, listed
    res = r.cli("undo", "--dry-run")
    assert res.code == 0 and "20201301" not in res.out + res.err, res
    assert r.cli("backups", "--prune", "--keep", "1").code == 0
    assert ref in r.refs("refs/howtoctl/backup/")
