"""What `rebase-all --auto-resolve` leaves for later commands, per clone, never committed.

- `<git common dir>/howtoctl/auto-resolved/<name>.json`: a branch moved by an automatic
  resolution (its tip, the method, the checks; with `--prove`, the proof record that `save`
  writes beside the diff when it saves exactly the diff proved). `list` and `check` mark the HOWTO while the branch
  still has that tip (or commits on top of it) and the base branch's committed diff file is the
  one it had then: until the diff is saved and committed, a human has not reviewed it.
- `<git common dir>/howtoctl/auto-resolve-partial/<name>.json`: the best candidate for a branch
  no candidate resolved (its merged files, as blob ids, and the check that failed), which
  `howtoctl resolve --from-candidate` starts from.
"""

from __future__ import annotations

from howtoctl import fsutil, store
from howtoctl.workspace import Workspace


def _committed_diff_digest(ws: Workspace, name: str) -> str:
    data = ws.repo.show_file(ws.base_tip, ws.diff_relpath(name))
    return store.digest(data) if data is not None else ""


def remember_accepted(ws: Workspace, name: str, tip: str, attempt: dict) -> None:
    """Remember that `attempt` (its report, onto, proof) moved the branch to `tip`."""
    fields = {"tip": tip, **attempt, "diff": _committed_diff_digest(ws, name)}
    record = store.AcceptedRecord.decode(fields)
    assert record is not None, "an attempt always names its method"
    ws.store.write_accepted(name, record)


def accepted_marks(ws: Workspace, names: list[str]) -> dict[str, store.AcceptedRecord]:
    """{name: record} for HOWTOs whose branch holds an auto-resolution nobody saved yet."""
    branches = ws.branches(fresh=False)
    marks = {}
    for name in names:
        record = ws.store.accepted(name)
        tip = branches.get(name)
        if not record or tip is None:
            continue
        if record.diff != _committed_diff_digest(ws, name):
            continue  # a diff was committed since: reviewed like any change
        if tip == record.tip or ws.repo.is_ancestor(record.tip, tip):
            marks[name] = record
    return marks


def proof_to_save(ws: Workspace, name: str, tip: str, diff: bytes | None) -> tuple[bytes, str]:
    """(record, ""): the proof record `rebase-all --auto-resolve --prove` made, for `save`
    to write beside the diff; (b"", why not) when it does not hold; (b"", "") when there is
    none waiting.

    It holds only while that resolution awaits review (no diff committed since: a later
    `prove --record` is newer truth), for the branch at exactly that tip, with mutants built
    on the current base (not an older `--onto`), for exactly these diff bytes (`diff`; None:
    not checked)."""
    return _proof_holds(ws, name, ws.store.accepted(name), tip, diff)


def _proof_holds(
    ws: Workspace, name: str, record: store.AcceptedRecord | None, tip: str, diff: bytes | None
) -> tuple[bytes, str]:
    from howtoctl.model import proof

    if record is None or record.proof is None:
        return b"", ""
    if record.diff != _committed_diff_digest(ws, name):
        return b"", ""  # reviewed since: nothing pending
    if record.onto != ws.base_tip:
        where = str(record.onto)[:12]
        return b"", f"proved on {where}, and the base is now {ws.base_tip[:12]}"
    if record.tip != tip:
        return b"", "proved for an earlier tip of the branch"
    data = record.proof.encode()
    if diff is not None and proof.read_record(data, diff) is None:
        return b"", "proved for other diff bytes"
    return data, ""


def remember_partial(ws: Workspace, name: str, fields: dict) -> None:
    """Keep a failed candidate (`fields`: its report, files and the rebase it was for)."""
    record = store.PartialRecord.decode(fields)
    assert record is not None, "a failed candidate names its rebase, commit and check"
    ws.store.write_partial(name, record)


def partial(ws: Workspace, name: str) -> store.PartialRecord | None:
    return ws.store.partial(name)


def partial_for(
    ws: Workspace, name: str, old_tip: str, onto: str, worktree: str | None = None
) -> store.PartialRecord | None:
    """The best candidate kept for this rebase of `name` (same branch tip, same base), or None;
    with `worktree`, only when made for the commit the rebase there stopped at."""
    record = partial(ws, name)
    if record is None or (record.old_tip, record.onto) != (old_tip, onto):
        return None
    if worktree is not None and ws.repo.rebase_stopped_at(worktree) != record.commit:
        return None
    return record


def write_partial(ws: Workspace, record: store.PartialRecord, worktree: str) -> None:
    """Put a candidate's merged files (`partial_for`) into a `resolve` work tree stopped at its
    conflict, over git's conflicted files; left unstaged, for the maintainer to review."""
    for path, oid in record.files.items():
        fsutil.write_in_tree(worktree, path, None if oid is None else ws.repo.read_blob(oid))


def forget_partial(ws: Workspace, name: str) -> None:
    ws.store.forget_partial(name)


def mark(ws: Workspace, reports: list) -> None:
    """Mark the `inspection.Report`s of HOWTOs holding an unreviewed automatic resolution."""
    marks = accepted_marks(ws, [r.name for r in reports if r.has_branch])
    branches = ws.branches(fresh=False)
    for r in reports:
        record = marks.get(r.name)
        if record:
            r.auto_resolved = record.method
            note = f"auto-resolved by {r.auto_resolved}: review it, then save and commit its diff"
            r.detail = f"{note}; {r.detail}" if r.detail else note
            # The branch is already on the base: rebasing it again is not what it needs.
            branch = ws.config.branch_prefix + r.name
            proof = (
                " and proof" if _proof_holds(ws, r.name, record, branches[r.name], None)[0] else ""
            )
            r.hint = (
                f"review the auto-resolved branch (git diff {ws.base}...{branch}), "
                f"then howtoctl save {r.name} and commit its diff{proof}"
            )
