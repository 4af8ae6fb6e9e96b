"""git/refs.py: reading refs, and the ref transaction."""

from __future__ import annotations

import subprocess

from howtoctl.git import CommitId, RefUpdate, Repo
from howtoctl.model.names import BranchRef


def test_branch_updates_are_logged_backup_refs_are_not(tmp_path, repo):
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True)
    r = Repo(str(bare))
    main = r.rev_parse("main")
    r.update_refs(
        [("refs/heads/howto/x", main, None), ("refs/howtoctl/backup/s/howto/x", main, None)],
        "test",
    )
    logs = bare / "logs"
    assert (logs / "refs" / "heads" / "howto" / "x").is_file()  # even in a bare repository
    assert not (logs / "refs" / "howtoctl").exists()


def test_branch_reflogs_and_backup_reflogs_when_the_user_logs_every_ref(tmp_path, repo):
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True)
    subprocess.run(
        ["git", "-C", str(bare), "config", "core.logAllRefUpdates", "always"], check=True
    )
    r = Repo(str(bare))
    main = r.rev_parse("main")
    r.update_refs(
        [("refs/heads/howto/x", main, None), ("refs/howtoctl/backup/s/howto/x", main, None)],
        "test",
    )
    assert (bare / "logs" / "refs" / "heads" / "howto" / "x").is_file()
    assert (bare / "logs" / "refs" / "howtoctl" / "backup" / "s" / "howto" / "x").is_file()


def test_reads_are_typed(repo):
    r = Repo(str(repo.path))
    main = r.rev_parse("main")
    assert isinstance(main, CommitId) and main == repo.rev("main")
    head = r.head_ref()
    assert isinstance(head, BranchRef) and head.short == "main"
    r.update_refs([RefUpdate.create(BranchRef.of("howto/x"), main)], "test")
    assert r.refs("refs/heads/howto/") == {"refs/heads/howto/x": main}
