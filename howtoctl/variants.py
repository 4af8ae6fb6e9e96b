"""What a HOWTO variant's smoke test is, where it runs, and which variants a change affects (pure)."""

from __future__ import annotations

import os
import posixpath
import shlex
from collections.abc import Iterable, Mapping, Sequence

from howtoctl.errors import HowtoError
from howtoctl.manifest import Entry

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
) -> list[str]:
    """HOWTOs whose smoke test a change (the list of changed paths) could break.

    A HOWTO is affected by a change to its diff file, to the example directories it modifies,
    to the manifest, or to anything in GLOBAL_PATHS (the tool, dependency files, workflows).
    """
    if any(p == manifest_path or p.startswith(GLOBAL_PATHS) for p in changed):
        return list(names)
    result = []
    for name in names:
        dirs = examples.get(name, ())
        if any(
            p == diff_paths[name] or any(p.startswith(d.rstrip("/") + "/") for d in dirs)
            for p in changed
        ):
            result.append(name)
    return result
