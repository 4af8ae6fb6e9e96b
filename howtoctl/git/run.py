"""The one way git is started, and what may stop it.

Every git process howtoctl starts goes through `run`: the environment sealed against the user's
configuration (no pager, no prompts, messages in English), output captured, a failure raised as
GitError unless the caller asks for the exit status. `Git` binds a repository's directory and
environment to it. The thread pool that waits on several git processes at once is here too; what
a signal does meanwhile is `howtoctl.signals`'.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from howtoctl.errors import GitError, HowtoError

# Environment for every git call: no pager, no prompts, messages we can quote in English.
_ENV_OVERRIDES = {
    "GIT_PAGER": "cat",
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
    "LANGUAGE": "C",
    "GIT_OPTIONAL_LOCKS": "0",
}

# Configuration set for every git call (appended to any the caller's environment already sets).
# A full object id is never taken for a ref name, but by default git still looks for refs named
# like each id it reads, to warn about the ambiguity: a dozen file system calls per id.
# apply.*: a diff is applied exactly as `save` wrote it, whatever the user's configuration
# (apply.whitespace=error refuses a line ending in spaces, =fix rewrites it;
# apply.ignoreWhitespace=change lets context that differs in spacing match).
_CONFIG_OVERRIDES = (
    ("core.warnAmbiguousRefs", "false"),
    ("apply.whitespace", "nowarn"),
    ("apply.ignoreWhitespace", "no"),
)

# Variables that tie git to one work tree (a git hook sets them): dropped for a call in another.
_WORKTREE_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX")


# Variables that change how git reads every pathspec: howtoctl's pathspecs carry their own magic
# (`:(top,literal)`), which GIT_LITERAL_PATHSPECS would make git read as part of the name.
_PATHSPEC_VARS = (
    "GIT_LITERAL_PATHSPECS",
    "GIT_GLOB_PATHSPECS",
    "GIT_NOGLOB_PATHSPECS",
    "GIT_ICASE_PATHSPECS",
)


def git_environment(environ: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in environ.items() if k not in _PATHSPEC_VARS}
    env.update(_ENV_OVERRIDES)
    try:
        count = int(env.get("GIT_CONFIG_COUNT", "0"))
    except ValueError:
        count = 0
    for key, value in _CONFIG_OVERRIDES:
        env[f"GIT_CONFIG_KEY_{count}"] = key
        env[f"GIT_CONFIG_VALUE_{count}"] = value
        count += 1
    env["GIT_CONFIG_COUNT"] = str(count)
    return env


def run(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: str | None = None,
    input: bytes | None = None,
    check: bool = True,
    new_session: bool = False,
    timeout: float | None = None,
) -> subprocess.CompletedProcess:
    """Run `git args` and return the finished process (stdout and stderr as bytes).

    `check`: raise GitError when git exits non-zero (else the caller reads `returncode`).
    `new_session`: git gets a process group of its own, so a Ctrl-C at the terminal does not
    reach it (see `uninterruptible`). `timeout`: seconds after which git is killed and
    HowtoError raised, whatever `check` says.
    """
    try:
        proc = subprocess.run(
            ["git", *args],
            input=input,
            capture_output=True,
            cwd=cwd,
            env=env,
            start_new_session=new_session,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise HowtoError(f"git {' '.join(args)} did not finish within {timeout:g} s") from None
    if check and proc.returncode != 0:
        raise GitError(list(args), proc.returncode, proc.stderr.decode(errors="replace"))
    return proc


@dataclasses.dataclass(frozen=True)
class Git:
    """git in one directory with one environment (made by `git_environment`)."""

    cwd: str
    env: Mapping[str, str]

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        check: bool = True,
        new_session: bool = False,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess:
        """`run` here; `env` adds variables, `cwd` runs in another work tree of the repository."""
        full_env = self.env if env is None else {**self.env, **env}
        if cwd is not None:
            # Another work tree: variables a git hook may have set for this one must not leak.
            full_env = {k: v for k, v in full_env.items() if k not in _WORKTREE_VARS}
        return run(
            args,
            env=full_env,
            cwd=cwd or self.cwd,
            input=input,
            check=check,
            new_session=new_session,
            timeout=timeout,
        )

    def text(
        self,
        *args: str,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> str:
        """git's output as text (raises GitError on failure)."""
        return self.run(*args, input=input, env=env, cwd=cwd).stdout.decode(
            errors="surrogateescape"
        )

    def names(
        self, *args: str, env: Mapping[str, str] | None = None, cwd: str | None = None
    ) -> list[str]:
        """The file names git lists NUL-separated (`-z`): a name that is not UTF-8 keeps its bytes
        as os.fsdecode does (surrogateescape), never a UnicodeDecodeError."""
        out = self.run(*args, env=env, cwd=cwd).stdout.decode(errors="surrogateescape")
        return [p for p in out.split("\0") if p]

    def with_env(self, extra: Mapping[str, str]) -> Git:
        """The same, every call with `extra` set too."""
        return dataclasses.replace(self, env={**self.env, **extra})


_T = TypeVar("_T")
_R = TypeVar("_R")


def run_concurrently(fn: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
    """[fn(item) for item in items], each in its own thread (they wait on git processes)."""
    if len(items) <= 1:
        return [fn(item) for item in items]
    import concurrent.futures  # here: only merges on many branches need it, not every command

    with concurrent.futures.ThreadPoolExecutor(len(items)) as pool:
        return list(pool.map(fn, items))
