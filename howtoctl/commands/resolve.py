"""`howtoctl resolve`: finish a conflicted rebase by hand, in a work tree of its own.

`resolve NAME` starts `git rebase` of the branch's commits onto the base tip in a separate,
detached work tree beside the repository (`../REPO-resolve-NAME`, or `--path`; yours is never
touched) and stops where git stops: the conflicted files hold git's own conflict, with the
markers every editor knows. `--from-candidate` starts from rebase-all --auto-resolve's best
failed candidate instead. `--continue` completes the rebase and moves the branch (old tip
backed up), and refuses while the change adds conflict markers; `--abort` removes the work
tree, branch unchanged.
"""

from __future__ import annotations

import dataclasses
import os

from howtoctl import autoresolve_record, backup, fsutil, lock, output, store
from howtoctl.errors import EXIT_OK, EXIT_PROBLEMS, HowtoError
from howtoctl.git import RefUpdate
from howtoctl.model import conflict_markers
from howtoctl.statuses import Change, Rebase
from howtoctl.workspace import Workspace


def _load(ws: Workspace, name: str) -> store.ResolveRecord | None:
    try:
        return ws.store.resolve(name)
    except store.DamagedRecord as e:
        raise CorruptState(e.path) from None


class CorruptState(HowtoError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"the record of this resolve ({path}) is damaged: howtoctl cannot tell which work "
            "tree or branch it was about; nothing was changed",
            "drop the record with --abort (no work tree is deleted then), and remove the work "
            "tree by hand if one is left: git worktree list",
        )
        self.path = path


def default_worktree(ws: Workspace, name: str) -> str:
    """Beside the repository, where `git worktree add ../REPO-NAME` would put it: in plain
    sight, for the user's editor and shell, and outside every tool's view of this work tree."""
    top = os.path.normpath(ws.repo.toplevel or ws.repo.common_dir)
    parent, here = os.path.split(top)
    return os.path.join(parent, f"{here.removesuffix('.git') or 'repo'}-resolve-{name}")


def _new_worktree_path(ws: Workspace, worktree: str) -> str:
    """`worktree`, once it is known to be a free place outside the repository."""
    for inside, what in ((ws.repo.toplevel, "work tree"), (ws.repo.common_dir, "git directory")):
        if inside and fsutil.is_inside(worktree, inside):
            raise HowtoError(
                f"--path {worktree} is inside the repository's {what}: every `git status` "
                "there would see the checkout",
                "pick a place outside the repository, such as beside it (the default)",
            )
    if os.path.lexists(worktree):
        raise HowtoError(
            f"{worktree} already exists", "pick another place with --path, or remove it"
        )
    return worktree


def start(ws: Workspace, name: str, path: str | None, from_candidate: bool = False) -> int:
    branch = ws.config.branch_prefix + name
    existing = _load(ws, name)
    if existing:
        raise HowtoError(
            f"{branch} is already being resolved in {existing.worktree}",
            f"finish with `howtoctl resolve {name} --continue` or drop it with `--abort`",
        )
    tip = ws.branches().get(name)
    if tip is None:
        raise HowtoError(
            f"there is no branch {branch}", f"restore it first: howtoctl restore {name}"
        )
    onto = ws.base_tip
    if ws.repo.is_ancestor(onto, tip):
        output.status_line(name, Rebase.UP_TO_DATE, f"{branch} is already on the tip of {ws.base}")
        return EXIT_OK
    if from_candidate and autoresolve_record.partial_for(ws, name, tip, onto) is None:
        raise HowtoError(
            f"there is no auto-resolve candidate for rebasing {branch} onto the tip of {ws.base}",
            "`howtoctl rebase-all --auto-resolve` keeps its best one where none passes its checks "
            f"(for the tips of then); or start from git's conflict: howtoctl resolve {name}",
        )
    worktree = _new_worktree_path(ws, os.path.abspath(path or default_worktree(ws, name)))
    # A reason no one else writes: abort and continue delete only the work tree that has it.
    reason = f"howtoctl resolve {name} {os.urandom(8).hex()}"
    st = store.ResolveRecord(worktree, tip, onto, ws.base, lock=reason)
    # Recorded before git adds the work tree: a run killed meanwhile leaves a record that
    # --abort follows to the work tree git may still have finished, instead of an unknown
    # directory that blocks the next resolve.
    ws.store.write_resolve(name, st)
    try:
        git_dir = ws.repo.add_locked_worktree(worktree, tip, reason)
    except HowtoError:
        if not os.path.lexists(worktree):  # git refused and left nothing: neither do we
            ws.store.forget_resolve(name)
        raise
    ws.store.write_resolve(name, dataclasses.replace(st, git_dir=git_dir))
    step = ws.repo.rebase_worktree(worktree, onto)
    if not step.done and not step.conflicts and not ws.repo.rebase_in_progress(worktree):
        # git did not start the rebase at all (a hook refused it, say): no conflict to resolve.
        ws.repo.remove_own_worktree(worktree, True)
        ws.store.forget_resolve(name)
        raise HowtoError(
            f"git would not rebase {branch} onto {ws.base}: {step.output or 'no reason given'}; "
            "nothing was changed",
            "fix what git says, then run howtoctl resolve again",
        )
    if step.done:
        output.status_line(name, Rebase.REBASED, f"no conflicts left; review it in {worktree}")
        output.line(f"finish with: howtoctl resolve {name} --continue")
        return EXIT_OK
    output.status_line(name, Rebase.CONFLICT, ", ".join(step.conflicts))
    best = autoresolve_record.partial_for(ws, name, tip, onto, worktree)
    failed = f"failed its {best.failed} check: {best.detail}" if best else ""
    if from_candidate and best:
        autoresolve_record.write_partial(ws, best, worktree)
        output.line(
            f"The conflicted files hold rebase-all --auto-resolve's best candidate "
            f"({best.method}), unstaged. It {failed}"
        )
        output.line(
            "It may change lines outside the conflict: review all it changes on the new base "
            "(git diff HEAD) before you `git add` it."
        )
    else:
        if from_candidate:
            output.warn(
                "the auto-resolve candidate was made for another commit of the branch than the "
                "one git stopped at: the conflicted files hold git's conflict"
            )
        output.line("The conflicted files hold git's conflict, as `git rebase` leaves it.")
    output.line(f"A rebase of {branch} onto {ws.base} is waiting for you in:")
    output.line(f"  {worktree}")
    output.line("There: edit the conflicted files, `git add` them, then run")
    output.line(
        f"  howtoctl resolve {name} --continue      (or --abort to leave everything as before)"
    )
    if best and not from_candidate:
        output.line(
            f"rebase-all --auto-resolve's best candidate ({best.method}) is kept; it {failed}"
        )
        output.line(
            f"To start from it instead: howtoctl resolve {name} --abort, "
            f"then howtoctl resolve {name} --from-candidate"
        )
    # The work tree is ready, as asked: a success. The conflict is the reason it was asked for.
    return EXIT_OK


def _refuse_markers(name: str, diff: bytes, worktree: str, staged: bool) -> None:
    """Refuse, before anything moves, a change that adds conflict markers (see
    `conflict_markers`): `git add` takes a file whatever it holds."""
    found = conflict_markers.in_diff(diff)
    if not found:
        return
    fix = (
        "edit those lines there and `git add` the files"
        if staged
        else "edit those lines there and commit (git commit --amend)"
    )
    raise HowtoError(
        f"the rebase in {worktree} adds conflict markers, so nothing was moved: "
        + conflict_markers.describe(found),
        f"{fix}, then run howtoctl resolve {name} --continue again",
    )


def finish(ws: Workspace, name: str) -> int:
    st = _load(ws, name)
    if not st:
        raise HowtoError(
            f"no resolve of {name!r} in progress", f"start one with: howtoctl resolve {name}"
        )
    if st.moving_to and ws.branches().get(name) == st.moving_to:
        # A run killed after it moved the branch (git may have removed the work tree since):
        # only the cleanup is left.
        _clean_up(ws, name, st)
        output.status_line(name, Rebase.REBASED, f"old tip kept under {backup.BACKUP_ROOT}")
        output.line(f"now save its diff: howtoctl save {name}")
        return EXIT_OK
    worktree = st.worktree
    if not os.path.isdir(worktree) or not _owned(ws, st):
        raise HowtoError(
            f"the work tree of this resolve, {worktree}, is gone or is no longer the one "
            f"howtoctl made; {ws.config.branch_prefix}{name} was not moved",
            f"drop the resolve: howtoctl resolve {name} --abort, then start again",
        )
    if ws.repo.rebase_in_progress(worktree):
        _refuse_markers(name, ws.repo.staged_diff(worktree), worktree, staged=True)
        step = ws.repo.continue_rebase(worktree)
        if not step.done:
            output.status_line(name, Rebase.CONFLICT, ", ".join(step.conflicts) or "rebase stopped")
            output.line(step.output)
            output.line(f"fix it in {worktree}, `git add` the files, and run --continue again")
            return EXIT_PROBLEMS
    new_tip = ws.repo.worktree_head(worktree)
    if not ws.repo.is_ancestor(st.onto, new_tip):
        raise HowtoError(
            f"the work tree {worktree} is not on top of {st.base} any more",
            f"drop it with `howtoctl resolve {name} --abort` and start again",
        )
    # Commits git replayed without stopping, or made in the work tree by hand, are checked too.
    change = ws.repo.diff_since_fork(st.onto, new_tip) or b""
    _refuse_markers(name, change, worktree, False)
    branch = ws.config.branch_prefix + name
    if not change.strip():
        raise HowtoError(
            f"the rebase in {worktree} left no change against {st.base} (were its commits "
            f"skipped?): moving {branch} there would empty the HOWTO; nothing was moved",
            f"redo the resolution there, or drop it: howtoctl resolve {name} --abort",
        )
    ref = ws.branch_ref(name)
    checked_out = ws.repo.checked_out_branches()
    if ref in checked_out and os.path.realpath(checked_out[ref]) != os.path.realpath(worktree):
        raise HowtoError(
            f"{branch} is checked out in {checked_out[ref]}: moving it there would leave that "
            "work tree's files at the old tip; nothing was moved",
            f"switch that work tree to another branch, then run howtoctl resolve {name} "
            "--continue again",
        )
    now = ws.branches().get(name)
    if now != st.old_tip:
        _keep_resolution(ws, name, st, now, new_tip)
    # Recorded first: a rerun after a kill that came once the branch moved finishes the cleanup.
    ws.store.write_resolve(name, dataclasses.replace(st, moving_to=new_tip))
    stamp, backups = backup.backup_updates(ws.repo, {ref: st.old_tip}, f"resolve {name} --continue")
    ws.repo.update_refs(
        [*backups, RefUpdate.move(ref, new_tip, st.old_tip)], f"howtoctl resolve {name}"
    )
    backup.prune(ws.repo, ws.config.branch_prefix, ws.config.keep_backups, written=stamp)
    _clean_up(ws, name, st)
    output.status_line(
        name,
        Rebase.REBASED,
        f"old tip kept at {backup.BACKUP_ROOT}{stamp}/{ws.config.branch_prefix}{name}",
    )
    output.line(f"now save its diff: howtoctl save {name}")
    return EXIT_OK


def _clean_up(ws: Workspace, name: str, st: store.ResolveRecord) -> None:
    """Remove the resolve's work tree (if still the one howtoctl made) and its record."""
    owned = os.path.isdir(st.worktree) and _owned(ws, st)
    ws.repo.remove_own_worktree(st.worktree, owned)
    ws.store.forget_resolve(name)


RESOLVED_ROOT = "refs/howtoctl/resolved/"


def _keep_resolution(
    ws: Workspace, name: str, st: store.ResolveRecord, now: str | None, new_tip: str
) -> None:
    """The branch moved while it was being resolved: moving it now would drop what moved it.
    Keep the resolution under a ref (the work tree stays too) and say how to use it."""
    branch = ws.config.branch_prefix + name
    kept = f"{RESOLVED_ROOT}{backup.new_stamp()}/{name}"
    ws.repo.update_refs([RefUpdate.create(kept, new_tip)], f"howtoctl resolve {name}", False)
    moved = f"now at {now[:12]}" if now else "deleted"
    raise HowtoError(
        f"{branch} moved while it was being resolved (it was at {st.old_tip[:12]}, {moved}); "
        f"it was not moved. Your resolution is kept at {kept} ({new_tip[:12]})",
        f"compare the two: git range-diff {kept}...{branch}; to take the resolution anyway: "
        f"git branch -f {branch} {kept}; then howtoctl resolve {name} --abort",
    )


def abort(ws: Workspace, name: str) -> int:
    try:
        st = _load(ws, name)
    except CorruptState as e:
        fsutil.remove_file(e.path)  # howtoctl's own record: with it gone, a new resolve can start
        output.status_line(name, Change.ABORTED, f"dropped the damaged record {e.path}")
        output.line("no work tree was removed: see `git worktree list` for one left behind")
        return EXIT_OK
    if not st:
        raise HowtoError(f"no resolve of {name!r} in progress")
    worktree = st.worktree
    owned = _owned(ws, st)
    if owned and ws.repo.rebase_in_progress(worktree):
        ws.repo.abort_rebase(worktree)
    ws.repo.remove_own_worktree(worktree, owned)
    ws.store.forget_resolve(name)
    output.status_line(name, Change.ABORTED, f"{ws.config.branch_prefix}{name} is unchanged")
    if not owned and os.path.lexists(worktree):
        output.line(f"left {worktree} alone: it is no longer the work tree howtoctl made there")
    return EXIT_OK


def _owned(ws: Workspace, st: store.ResolveRecord) -> bool:
    """Whether the recorded path still holds the work tree this resolve made (never delete a
    directory that replaced it). Records of older versions carry no lock: never owned."""
    if st.lock is None:
        return False
    git_dir = st.git_dir or _git_dir_named(ws, st.worktree)
    return git_dir is not None and ws.repo.owns_worktree(st.worktree, git_dir, st.lock)


def _git_dir_named(ws: Workspace, worktree: str) -> str | None:
    """The git directory named by `worktree`'s .git file, if it is one of this repository's:
    a run killed while git added the work tree recorded none (git lists the work tree with the
    resolve's lock all the same, which owns_worktree checks)."""
    data = fsutil.read_private(os.path.join(worktree, ".git"), 4096)
    if data is None:
        return None
    link = data.decode(errors="replace").strip().removeprefix("gitdir: ")
    git_dir = os.path.join(worktree, link)
    return (
        git_dir
        if fsutil.is_inside(git_dir, os.path.join(ws.repo.common_dir, "worktrees"))
        else None
    )


def run(
    ws: Workspace,
    *,
    name: str,
    do_continue: bool,
    do_abort: bool,
    path: str | None,
    from_candidate: bool = False,
) -> int:
    from howtoctl.model import names

    names.validate_name(name)
    ws.refuse_misspelt([name])
    if do_continue and do_abort:
        raise HowtoError("--continue and --abort exclude each other")
    if from_candidate and (do_continue or do_abort):
        raise HowtoError(
            "--from-candidate starts a resolve: it goes with neither --continue nor --abort"
        )
    with lock.repository_lock(ws.repo.common_dir, "resolve"):
        if do_continue:
            return finish(ws, name)
        if do_abort:
            return abort(ws, name)
        return start(ws, name, path, from_candidate)
