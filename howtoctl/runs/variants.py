"""What a HOWTO variant's smoke test is, where it runs, and which variants a change affects.

Pure but for `select`, `narrow` and `diff_files`, which read the workspace they are given.
"""

from __future__ import annotations

import os
import posixpath
import shlex
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from howtoctl.errors import HowtoError
from howtoctl.model.manifest import Entry

if TYPE_CHECKING:
    from howtoctl.workspace import Workspace

# Changes to these affect every variant: the tool itself and how the environment is built.
GLOBAL_PATHS = (
    "howtoctl/",
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "requirements",  # requirements.txt, requirements-dev.txt, requirements/...
    "constraints",
    ".github/workflows/",
)


def example_dirs(entry: Entry, changed_files: Sequence[str]) -> tuple[str, ...]:
    """The example directories a HOWTO modifies: from the manifest, else from its diff's files."""
    if entry.example:
        return (entry.example.rstrip("/"),)
    dirs = []
    for path in changed_files:
        d = posixpath.dirname(path)
        if d and d not in dirs:
            dirs.append(d)
    # Collapse nested directories into their top-most changed parent.
    return tuple(d for d in dirs if not any(d != o and d.startswith(o + "/") for o in dirs))


def where_configured(entry: Entry, manifest: str = "the manifest") -> str:
    return f"it is [howtos.{entry.name}] test in {manifest}"


def smoke_command(
    entry: Entry, changed_files: Sequence[str], manifest: str = "the manifest"
) -> list[str]:
    """The command that smoke-tests a variant: the manifest's `test`, else pytest on its examples."""
    if entry.test:
        try:
            return shlex.split(entry.test)
        except ValueError as e:  # an unbalanced quote
            raise HowtoError(
                f"cannot split the smoke command {entry.test!r} into words ({e}); "
                + where_configured(entry, manifest),
                "fix its quoting",
            ) from None
    dirs = example_dirs(entry, changed_files)
    return (
        ["python", "-m", "pytest", "-q", "-x", *dirs]
        if dirs
        else ["python", "-m", "pytest", "-q", "-x"]
    )


def is_pytest(command: Sequence[str]) -> bool:
    words = [os.path.basename(w) for w in command[:3]]
    return "pytest" in words or (len(words) >= 3 and words[1:3] == ["-m", "pytest"])


EMULATION_THREADS_PER_DEVICE = 4  # the pool PJRT_NPROC sizes, per emulated device


def device_env(devices: int, platform: str) -> dict[str, str]:
    """Environment for running JAX code: N emulated CPU devices, or the accelerator as it is."""
    if platform != "cpu":
        return {}
    flags = os.environ.get("XLA_FLAGS", "")
    flags = " ".join(
        f for f in flags.split() if not f.startswith("--xla_force_host_platform_device_count")
    )
    return {
        "JAX_PLATFORMS": "cpu",
        "XLA_FLAGS": f"{flags} --xla_force_host_platform_device_count={devices}".strip(),
        # XLA:CPU runs every emulated device on one thread pool sized by the cores. A
        # collective holds a pool thread per device until all arrive, and with programs in
        # flight behind it a small pool deadlocks (XLA aborts after 40 s). Room for a few.
        "PJRT_NPROC": os.environ.get("PJRT_NPROC")
        or str(max(EMULATION_THREADS_PER_DEVICE * devices, os.cpu_count() or 1)),
    }


def detect_platform(environ: Mapping[str, str] = os.environ, dev_dir: str = "/dev") -> str:
    """'tpu' on a Cloud TPU host (without importing jax), else 'cpu'.

    `HOWTOCTL_PLATFORM` overrides. TPU VMs expose /dev/accel* (v2-v4) or /dev/vfio (v5+) and
    set TPU_* variables.
    """
    forced = environ.get("HOWTOCTL_PLATFORM")
    if forced:
        return forced
    if environ.get("TPU_ACCELERATOR_TYPE") or environ.get("TPU_NAME"):
        return "tpu"
    try:
        if any(n.startswith("accel") for n in os.listdir(dev_dir)):
            return "tpu"
    except OSError:
        pass
    return "cpu"


def affected(
    names: Iterable[str],
    changed: Sequence[str],
    diff_paths: Mapping[str, str],
    examples: Mapping[str, Sequence[str]],
    manifest_path: str,
    touched: Mapping[str, Sequence[str]] | None = None,
    entries_changed: Collection[str] | None = None,
) -> list[str]:
    """HOWTOs whose smoke test a change (the list of changed paths) could break.

    A HOWTO is affected by a change to its diff file, to a file its diff touches (`touched`),
    to a file in the example directories it modifies (which holds the tests that import it), to
    its manifest entry, or to anything in GLOBAL_PATHS (the tool and its configuration,
    dependency files, workflows). `entries_changed`: the HOWTOs whose manifest entry the change
    altered; None (not known) counts a change to the manifest against every HOWTO.
    """
    names = list(names)
    if any(p.startswith(GLOBAL_PATHS) for p in changed):
        return names
    if manifest_path in changed and entries_changed is None:
        return names
    edited = set(entries_changed or ()) if manifest_path in changed else set()
    result = []
    for name in names:
        dirs = examples.get(name, ())
        files = set((touched or {}).get(name, ()))
        if name in edited or any(
            p == diff_paths[name]
            or p in files
            or any(p.startswith(d.rstrip("/") + "/") for d in dirs)
            for p in changed
        ):
            result.append(name)
    return result


def select(
    ws: Workspace, requested: tuple[str, ...], all_: bool, changed_since: str | None
) -> list[str]:
    """The HOWTOs to test: the named ones, or all, narrowed to those a change affects."""
    if changed_since and not requested:
        all_ = True
    selected = ws.select(requested, all_)
    known = set(ws.diff_names()) | set(ws.branches())
    unknown = [n for n in selected if n not in known]
    if unknown and requested:
        raise HowtoError(f"no HOWTO named {', '.join(map(repr, unknown))}", "see `howtoctl list`")
    selected = [n for n in selected if n in known]
    return narrow(ws, selected, changed_since) if changed_since else selected


def narrow(ws: Workspace, selected: Sequence[str], changed_since: str) -> list[str]:
    """Of `selected`, the HOWTOs a change since `changed_since` could break (`affected`)."""
    since = ws.repo.rev_parse(changed_since)  # an id from here on: never read as an option
    if since is None:
        raise HowtoError(
            f"--changed-since {changed_since!r} does not name a commit",
            "fetch it first (e.g. git fetch origin main) or pass another ref",
        )
    changed = ws.repo.changed_paths(since)
    files = {n: diff_files(ws, n) for n in selected}
    return affected(
        selected,
        changed,
        {n: ws.diff_relpath(n) for n in selected},
        {n: example_dirs(ws.entry(n), files[n]) for n in selected},
        ws.config.manifest,
        files,
        _entries_changed(ws, since) if ws.config.manifest in changed else None,
    )


def _entries_changed(ws: Workspace, since: str) -> set[str] | None:
    """HOWTOs whose manifest entry differs from the one where HEAD forked from `since`; None
    when the older manifest cannot be read."""
    from howtoctl.model import manifest
    from howtoctl.workspace import decode_text

    fork = ws.repo.merge_base(since, "HEAD")
    data = ws.repo.show_file(fork, ws.config.manifest) if fork else None
    try:
        old = manifest.parse(decode_text(data, ws.config.manifest) if data else None)
    except HowtoError:
        return None
    new = ws.manifest()
    return {n for n in set(old) | set(new) if old.get(n) != new.get(n)}


def diff_files(ws: Workspace, name: str) -> tuple[str, ...]:
    """Files a HOWTO changes, from its diff (or nothing if it has none or it is broken)."""
    from howtoctl.model import patch

    data = ws.read_diff(name)
    if data is None:
        return ()
    try:
        return patch.parse(data).paths
    except patch.PatchError:
        return ()


def variant_commit(ws: Workspace, name: str, from_diff: bool) -> tuple[str, str]:
    """The commit holding a variant: its branch tip, or its diff applied on the current commit."""
    tip = ws.branches().get(name)
    if tip is not None and not from_diff:
        return tip, f"branch {ws.config.branch_prefix}{name}"
    data, _ = ws.load_patch(name)
    base = ws.repo.rev_parse("HEAD") if ws.diffs_from_worktree() else ws.base_tip
    base_label = "HEAD" if ws.diffs_from_worktree() else ws.base
    try:
        tree = ws.repo.tree_with_patch(base, data)
    except HowtoError as e:
        raise HowtoError(
            f"{ws.diff_relpath(name)} does not apply to {base_label}: {e.message}"
        ) from None
    commit = ws.repo.commit_tree(tree, [base], f"howtoctl test: {name} (diff on {base_label})\n")
    return commit, f"{ws.diff_relpath(name)} on {base_label}"
