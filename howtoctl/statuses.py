"""Every status word howtoctl prints or writes in `--json`, one `StrEnum` per vocabulary.

A `StrEnum` member is its word: json.dumps, f-strings and comparisons with the word see the
same string, so outputs stay byte for byte what the literal words gave. output.STATUS_STYLES
styles every member (tests/output_test.py checks it).
"""

from __future__ import annotations

import enum


class Hunk(enum.StrEnum):
    """What became of one hunk of a HOWTO's diff (proof.py, prove, render)."""

    PROVED = "proved"
    SURVIVED = "survived"
    # Its mutant fails, but not by a test of the HOWTO's own failing: only by tests the diff
    # does not touch, or by set-up, collection or import errors. Not proved.
    WEAK = "weak"
    EXEMPT = "exempt"
    NOT_APPLICABLE = "not-applicable"
    NOT_RUN = "not-run"  # the variant itself failed
    # As render shows a hunk no record speaks for: no code to prove, or no proof recorded.
    NOT_COUNTED = "not-counted"
    UNPROVED = "unproved"


class Health(enum.StrEnum):
    """A HOWTO's state as list and check judge it (inspection.py)."""

    FRESH = "fresh"
    STALE = "stale"
    NEEDS_REBASE = "needs-rebase"
    BROKEN = "broken"
    MISSING_BRANCH = "missing-branch"
    MISSING_DIFF = "missing-diff"
    BAD_EXEMPTION = "bad-exemption"
    CONFLICT_MARKERS = "conflict-markers"  # the diff adds lines a merge left unresolved
    OK = "ok"  # check's word for a HOWTO with nothing to do


class Rebase(enum.StrEnum):
    """What became of one branch in rebase-all and resolve (rebase/plan.py, rebase/replay.py)."""

    UP_TO_DATE = "up-to-date"
    REBASED = "rebased"
    WOULD_REBASE = "would-rebase"  # a dry run's REBASED
    CONFLICT = "conflict"
    AUTO_RESOLVED = "auto-resolved"  # a conflict merged by another method and verified
    SKIPPED = "skipped"
    PENDING = "pending"  # planned, commits still to replay


class Run(enum.StrEnum):
    """How a smoke run of a HOWTO or of one of its mutants ended (runs.result.VariantResult)."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    KILLED = "killed"  # a mutant's run that failed (which failures prove its hunk: proof.py)


class Change(enum.StrEnum):
    """What a command did, or would do, to a file, a branch or a backup run."""

    SAVED = "saved"
    UNCHANGED = "unchanged"
    RESTORED = "restored"
    WOULD_RESTORE = "would-restore"
    MATCHES = "matches"
    AT_FORK_POINT = "at-fork-point"
    NOT_RESTORED = "not-restored"
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"
    RENDERED = "rendered"
    DROPPED = "dropped"
    ABORTED = "aborted"
    LEFT_ALONE = "left alone"
    FOREIGN = "foreign"
    BACKUP = "backup"
    PRUNED = "pruned"
    # publish: what a push does to a remote branch
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    WOULD_CREATE = "would-create"
    WOULD_UPDATE = "would-update"
    WOULD_DELETE = "would-delete"


class Gate(enum.StrEnum):
    """A HOWTO's row in the PR gate's job summary (gate_summary.py)."""

    APPLIES = "applies"
    AUTO_RESOLVED = "auto-resolved"
    NEEDS_AUTHOR = "needs its author"


VOCABULARIES = (Hunk, Health, Rebase, Run, Change, Gate)
Status = Hunk | Health | Rebase | Run | Change | Gate  # any status word
