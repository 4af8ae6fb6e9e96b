"""The command line: parses arguments and dispatches to one module per command.

Keep imports here cheap (no rich, jax or flax at module level): `howtoctl --help` and
`howtoctl list` must start fast.
"""

from __future__ import annotations

import os
import sys

import click

from howtoctl.errors import BUG_REPORT_URL, EXIT_BUG, EXIT_USAGE, HowtoError


class _Context:
    def __init__(self, path: str, base: str | None) -> None:
        self.path = path
        self.base = base

    def workspace(self):
        from howtoctl.workspace import Workspace

        return Workspace(self.path, self.base)


class _TextCommand(click.Command):
    """A command whose text arguments are UTF-8: one typed in a terminal of another encoding
    reaches Python with lone surrogates, and would crash the first write of it into the
    manifest, pyproject.toml or a workflow. Paths (type click.Path) are only opened, so any
    bytes the file system takes will do."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        for param in self.params:
            if isinstance(param.type, click.Path):
                continue
            value = ctx.params.get(param.name)
            for text in value if isinstance(value, (tuple, list)) else (value,):
                if isinstance(text, str) and not text.isascii():
                    try:
                        text.encode()
                    except UnicodeEncodeError:
                        raise click.BadParameter(
                            f"{os.fsencode(text)!r} is not valid UTF-8 text (typed in a "
                            "terminal of another encoding?)",
                            ctx=ctx,
                            param=param,
                        ) from None
        return rest


class _TextGroup(_TextCommand, click.Group):
    command_class = _TextCommand


pass_ctx = click.make_pass_decorator(_Context)
_debug = False  # --debug: show the traceback of an unexpected error
_names = click.argument("names", nargs=-1, metavar="[NAME]...")
_all = click.option("--all", "all_", is_flag=True, help="Every HOWTO.")
_json = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
_devices = click.option(
    "--devices", default=8, show_default=True, help="Emulated CPU devices (ignored on TPU)."
)
_jobs = click.option(
    "--jobs",
    "-j",
    type=int,
    default=None,
    help="Smoke tests to run at once (default: CPU count, at most 4).",
)


@click.group(
    cls=_TextGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    invoke_without_command=True,  # `howtoctl` alone: the help, exit 0 (asked for, no error)
)
@click.option(
    "-C",
    "path",
    default=".",
    type=click.Path(),
    metavar="PATH",
    help="Run as if started in PATH (like git -C).",
)
@click.option(
    "--base",
    metavar="BRANCH",
    help="Base branch (default: [tool.howtoctl] base, else master or main).",
)
@click.option(
    "--debug", is_flag=True, help="Show the full traceback of an unexpected error (a bug)."
)
@click.version_option(package_name="howtoctl", prog_name="howtoctl")
@click.pass_context
def cli(ctx: click.Context, path: str, base: str | None, debug: bool) -> None:
    """Keep HOWTO diffs against ML training examples alive.

    A HOWTO is a small diff against a base example, kept as howtos/diffs/NAME.diff on the base
    branch (the durable truth) and as a howto/NAME branch to edit (a restorable working copy).
    """
    ctx.obj = _Context(path, base)
    global _debug
    _debug = debug
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        ctx.exit(0)


@cli.command()
@_names
@_all
@click.option(
    "--force", is_flag=True, help="Overwrite a diff file even if it changed since the last sync."
)
@pass_ctx
def save(ctx: _Context, names: tuple[str, ...], all_: bool, force: bool) -> int:
    """Write howtos/diffs/NAME.diff from branch howto/NAME (run on the base branch)."""
    from howtoctl.commands import save as cmd

    return cmd.run(ctx.workspace(), requested=names, all_=all_, force=force)


@cli.command()
@_names
@_all
@click.option(
    "--force", is_flag=True, help="Replace branches holding other work (their tips are backed up)."
)
@_json
@pass_ctx
def restore(ctx: _Context, names: tuple[str, ...], all_: bool, force: bool, as_json: bool) -> int:
    """Create branch howto/NAME from its diff, on the base tip (work tree untouched).

    A diff that no longer applies there is restored where it was saved from, ready for
    rebase-all or resolve (exit 1).
    """
    from howtoctl.commands import restore as cmd

    return cmd.run(ctx.workspace(), requested=names, all_=all_, force=force, as_json=as_json)


@cli.command("rebase-all")
@click.option("--dry-run", is_flag=True, help="Report what would happen; move nothing.")
@click.option("--onto", metavar="REF", help="Rebase onto REF instead of the base tip.")
@click.option(
    "--auto-resolve/--no-auto-resolve",
    default=None,
    help="Merge conflicts with wiggle or patch and keep only verified results "
    "(default: [tool.howtoctl] auto-resolve).",
)
@click.option(
    "--prove/--no-prove",
    default=None,
    help="With --auto-resolve: accept a merge only if every hunk is still proved, "
    "as `howtoctl prove` judges (default: [tool.howtoctl] auto-resolve-prove).",
)
@click.option(
    "--timeout",
    type=float,
    metavar="SECONDS",
    help="With --auto-resolve: stop a smoke test still running after SECONDS (default 600); "
    "its check fails.",
)
@_json
@pass_ctx
def rebase_all(
    ctx: _Context,
    dry_run: bool,
    onto: str | None,
    auto_resolve: bool | None,
    prove: bool | None,
    timeout: float | None,
    as_json: bool,
) -> int:
    """Rebase every howto/* branch onto the base tip, in memory, all or nothing."""
    from howtoctl.commands import rebase_all as cmd

    return cmd.run(
        ctx.workspace(),
        dry_run=dry_run,
        onto=onto,
        as_json=as_json,
        auto_resolve=auto_resolve,
        prove=prove,
        timeout=timeout,
    )


@cli.command()
@click.argument("name")
@click.option(
    "--continue", "do_continue", is_flag=True, help="Finish the rebase and move the branch."
)
@click.option(
    "--abort", "do_abort", is_flag=True, help="Drop the rebase; the branch stays as it was."
)
@click.option(
    "--path",
    type=click.Path(),
    metavar="DIR",
    help="Where to put the work tree for resolving (default: ../REPO-resolve-NAME, beside "
    "this work tree).",
)
@click.option(
    "--from-candidate",
    is_flag=True,
    help="Start from rebase-all --auto-resolve's best failed candidate instead of git's "
    "conflict: its merge (wiggle or patch --fuzz), unstaged, which may change lines outside "
    "the conflict.",
)
@pass_ctx
def resolve(
    ctx: _Context,
    name: str,
    do_continue: bool,
    do_abort: bool,
    path: str | None,
    from_candidate: bool,
) -> int:
    """Resolve a conflicted rebase of howto/NAME in a separate work tree.

    Starts `git rebase` of the branch onto the base tip in a new work tree beside this one and
    stops where git stops: the conflicted files hold git's own conflict markers. There, edit
    them, `git add` them, then run `howtoctl resolve NAME --continue` (refused while the
    change adds conflict markers), or `--abort` to leave everything as before.
    """
    from howtoctl.commands import resolve as cmd

    return cmd.run(
        ctx.workspace(),
        name=name,
        do_continue=do_continue,
        do_abort=do_abort,
        path=os.path.join(ctx.path, path) if path else None,  # relative to -C, as git's
        from_candidate=from_candidate,
    )


@cli.command()
@click.option("--dry-run", is_flag=True, help="Show what would be restored.")
@click.option("--to", metavar="STAMP", help="Go back to this backup run (see howtoctl backups).")
@pass_ctx
def undo(ctx: _Context, dry_run: bool, to: str | None) -> int:
    """Put every howto/* branch back where the latest backup (or run STAMP) has it."""
    from howtoctl.commands import undo as cmd

    return cmd.run(ctx.workspace(), dry_run=dry_run, to=to)


@cli.command()
@_names
@click.option(
    "--rev", metavar="REF", help="Check the diffs against commit REF instead of the staged tree."
)
@_json
@click.option("--changed-since", metavar="REF", help="Only HOWTOs a change since REF could break.")
@pass_ctx
def check(
    ctx: _Context, names: tuple[str, ...], rev: str | None, as_json: bool, changed_since
) -> int:
    """Check that each diff parses, applies, and matches its branch (exit 1 if not)."""
    from howtoctl.commands import check as cmd

    return cmd.run(
        ctx.workspace(),
        requested=names,
        rev=rev,
        as_json=as_json,
        changed_since=changed_since or None,
    )


@cli.command("list")
@_json
@click.option(
    "--sort",
    type=click.Choice(["manifest", "name"]),
    default="manifest",
    show_default=True,
    help="manifest: the order the HOWTOs are shown in (unlisted ones last); name: alphabetical.",
)
@pass_ctx
def list_(ctx: _Context, as_json: bool, sort: str) -> int:
    """Show every HOWTO with its branch, diff and state."""
    from howtoctl.commands import list_ as cmd

    return cmd.run(ctx.workspace(), as_json=as_json, sort=sort)


@cli.command()
@_names
@_all
@_devices
@_jobs
@click.option(
    "--junit",
    "junit_path",
    type=click.Path(),
    metavar="FILE",
    help="Write JUnit XML results to FILE.",
)
@_json
@click.option(
    "--changed-since", metavar="REF", help="Only variants a change since REF could break."
)
@click.option(
    "--keep", is_flag=True, help="Keep the temporary work trees (their paths are printed)."
)
@click.option(
    "--from-diff", is_flag=True, help="Test the diff applied to HEAD even where a branch exists."
)
@pass_ctx
def test(
    ctx: _Context, names, all_, devices, jobs, junit_path, as_json, changed_since, keep, from_diff
) -> int:
    """Run each HOWTO variant's smoke test in a temporary work tree."""
    from howtoctl.commands import test as cmd

    return cmd.run(
        ctx.workspace(),
        requested=names,
        all_=all_,
        devices=devices,
        jobs=jobs,
        junit_path=None if junit_path is None else os.path.join(ctx.path, junit_path),
        as_json=as_json,
        changed_since=changed_since or None,
        keep=keep,
        from_diff=from_diff,
    )


@cli.command()
@_names
@_all
@_devices
@_jobs
@_json
@click.option("--changed-since", metavar="REF", help="Only HOWTOs a change since REF could break.")
@click.option(
    "--record",
    is_flag=True,
    help="Write each HOWTO's proof to howtos/proofs/NAME.json (shown by render).",
)
@click.option(
    "--timeout",
    type=float,
    metavar="SECONDS",
    help="Stop a run after SECONDS: a pytest mutant that times out names no failing test, "
    "so its hunk is weak (default: mutants get max(60, 5 x the HOWTO's own run); "
    "the HOWTO's own run has no limit).",
)
@pass_ctx
def prove(
    ctx: _Context, names, all_, devices, jobs, as_json, changed_since, record, timeout
) -> int:
    """Take each code hunk out of a HOWTO's diff in turn: its own tests must then fail."""
    from howtoctl.commands import prove as cmd

    return cmd.run(
        ctx.workspace(),
        requested=names,
        all_=all_,
        devices=devices,
        jobs=jobs,
        as_json=as_json,
        changed_since=changed_since or None,
        record=record,
        timeout=timeout,
    )


@cli.command()
@click.option("--changed-since", metavar="REF", help="Only HOWTOs a change since REF could break.")
@click.option("--github-output", is_flag=True, help="Write matrix= and any= to $GITHUB_OUTPUT.")
@pass_ctx
def matrix(ctx: _Context, changed_since: str | None, github_output: bool) -> int:
    """Print the HOWTOs to smoke-test as a GitHub Actions matrix (JSON)."""
    from howtoctl.commands import matrix as cmd

    # An empty REF (CI outside pull requests) means: every HOWTO.
    return cmd.run(
        ctx.workspace(), changed_since=changed_since or None, github_output=github_output
    )


@cli.command()
@click.option("--remote", default="origin", show_default=True, help="Remote to publish to.")
@click.option("--dry-run", is_flag=True, help="Show what would be pushed or deleted.")
@click.option(
    "--prune", is_flag=True, help="Delete branches publish pushed whose HOWTO was since removed."
)
@pass_ctx
def publish(ctx: _Context, remote: str, dry_run: bool, prune: bool) -> int:
    """Push howto/* branches to a remote (force-with-lease, atomic); never deletes unasked."""
    from howtoctl.commands import publish as cmd

    return cmd.run(ctx.workspace(), remote=remote, dry_run=dry_run, prune=prune)


@cli.command()
@click.option("--prune", is_flag=True, help="Delete all but the latest backup runs.")
@click.option("--keep", type=int, metavar="N", help="With --prune: runs to keep (default: config).")
@_json
@pass_ctx
def backups(ctx: _Context, prune: bool, keep: int | None, as_json: bool) -> int:
    """List howtoctl's backup runs (time, command, branches), or prune old ones."""
    from howtoctl.commands import backups as cmd

    return cmd.run(ctx.workspace(), prune=prune, keep=keep, as_json=as_json)


@cli.command()
@click.argument("name")
@click.option("--title", default="", help="Title shown in lists and the rendered page.")
@click.option("--summary", default="", help="One-line summary of what the HOWTO shows.")
@click.option("--example", default="", help="The example directory the HOWTO modifies.")
@click.option(
    "--test", default="", metavar="CMD", help="Its smoke test (default: pytest on the example)."
)
@pass_ctx
def new(ctx: _Context, name: str, title: str, summary: str, example: str, test: str) -> int:
    """Start HOWTO NAME: branch howto/NAME at the base tip, plus its manifest entry."""
    from howtoctl.commands import new as cmd

    return cmd.run(
        ctx.workspace(), name=name, title=title, summary=summary, example=example, test=test
    )


@cli.command()
@click.argument("name")
@_json
@pass_ctx
def drop(ctx: _Context, name: str, as_json: bool) -> int:
    """Remove HOWTO NAME: its diff and manifest entry (committed) and branch (backed up)."""
    from howtoctl.commands import drop as cmd

    return cmd.run(ctx.workspace(), name=name, as_json=as_json)


@cli.command()
@click.option("--example", default="", metavar="DIR", help="The example directory HOWTOs modify.")
@click.option(
    "--action-ref",
    metavar="REF",
    help="The howtoctl commit (best), tag or branch the workflows use (default: this release).",
)
@click.option(
    "--requirements",
    metavar="PATH",
    help="The requirements file the smoke tests install ('': none; default: found).",
)
@click.option("--test", metavar="CMD", help="The smoke-test command new HOWTOs get.")
@pass_ctx
def init(ctx: _Context, example: str, action_ref: str | None, requirements, test) -> int:
    """Prepare this repository for HOWTOs: config, manifest, guide, pre-commit hook, workflows."""
    from howtoctl.commands import init as cmd

    return cmd.run(
        ctx.path,
        base=ctx.base,
        example=example,
        action_ref=action_ref,
        requirements=requirements,
        test=test,
    )


@cli.command()
@_names
@click.option(
    "--since", metavar="DATE|REV", help="Only history after DATE (YYYY-MM-DD) or commit REV."
)
@click.option(
    "--junit",
    "junit_paths",
    type=click.Path(),
    multiple=True,
    metavar="FILE",
    help="A `howtoctl test --junit` report: each HOWTO's smoke-test time and share of the gate.",
)
@_json
@pass_ctx
def cost(ctx: _Context, names, since, junit_paths, as_json) -> int:
    """What each HOWTO has cost to keep: base moves, breaks, human fixes (read-only)."""
    from howtoctl.commands import cost as cmd

    return cmd.run(
        ctx.workspace(),
        requested=names,
        since=since,
        junit_paths=tuple(os.path.join(ctx.path, p) for p in junit_paths),
        as_json=as_json,
    )


@cli.command()
@click.option(
    "--out",
    type=click.Path(),
    metavar="DIR",
    help="Where to write the site (default: site/ at the repository root).",
)
@pass_ctx
def render(ctx: _Context, out: str | None) -> int:
    """Write the HOWTOs as a static site: index, side-by-side pages, maintainer guide."""
    import os

    from howtoctl.commands import render as cmd

    return cmd.run(ctx.workspace(), out=os.path.join(ctx.path, out) if out else None)


def main(argv: list[str] | None = None) -> int:
    global _debug
    _debug = False
    try:
        rv = cli.main(args=argv, prog_name="howtoctl", standalone_mode=False)
    except HowtoError as e:
        from howtoctl import output

        output.error(e.message, e.hint)
        return e.exit_code
    except click.exceptions.Abort:
        print("aborted", file=sys.stderr)
        return 130
    except click.ClickException as e:
        e.show()
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as e:
        if e.errno not in _ENVIRONMENT_ERRORS:
            return _bug(e)
        from howtoctl import output

        # The machine, not howtoctl: a full disk, a read-only or forbidden file.
        where = f"{e.filename}: " if e.filename else ""
        output.error(f"{where}{e.strerror}", "free some space or fix the permissions, then rerun")
        return EXIT_USAGE
    except Exception as e:
        return _bug(e)
    return rv if isinstance(rv, int) else 0


def _environment_errors() -> frozenset[int]:
    import errno

    return frozenset(
        {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}
    )


_ENVIRONMENT_ERRORS = _environment_errors()


def _bug(e: BaseException) -> int:
    """An unexpected exception: exit 3, so that CI tells a bug from a finding (exit 1)."""
    import traceback

    if _debug or os.environ.get("HOWTOCTL_DEBUG"):
        traceback.print_exception(e, file=sys.stderr)
    print(
        f"howtoctl hit a bug: {type(e).__name__}: {e}\n"
        f"hint: please report it at {BUG_REPORT_URL} with the output of the same command run "
        "with HOWTOCTL_DEBUG=1 (or howtoctl --debug ...), which shows the full traceback",
        file=sys.stderr,
    )
    return EXIT_BUG
