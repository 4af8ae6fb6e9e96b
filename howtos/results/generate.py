"""Real-data results for the HOWTOs: each variant against its base example, trained the same way.

    python howtos/results/generate.py --data-dir ../shared/data/tfds            # every HOWTO
    python howtos/results/generate.py --data-dir DIR polyak-averaging --epochs 5

For every HOWTO named (default: all, in manifest order) this trains the base example and the
variant, each in a temporary work tree of its own commit (the base branch tip; `howto/NAME`, so
run `howtoctl restore --all` first), through the example's own command line, and writes
  howtos/results/NAME.json  per-evaluation metrics of both runs, their commands, the machine;
  howtos/results/NAME.svg   the held-out metrics of both runs, plotted with matplotlib.
`howtoctl render` shows both on the HOWTO's page. The base example is trained once per example
and reused for every HOWTO of that example. Needs the `examples` extra (matplotlib included).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import shlex
import subprocess
import sys
import tempfile
import time
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "howtos" / "results"
MANIFEST = ROOT / "howtos" / "manifest.toml"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "tfds"


def example_command(example: str, workdir: str, args: argparse.Namespace) -> list[str]:
    """The example's own command line for one real-data run."""
    if example == "examples/mnist":
        cmd = ["-m", "examples.mnist.main", f"--workdir={workdir}"]
        cmd.append(f"--config.data_dir={args.data_dir}")
        if args.epochs:
            cmd.append(f"--config.num_epochs={args.epochs}")
    elif example == "examples/seq2seq":  # generates its own problems: no data directory
        cmd = ["-m", "examples.seq2seq.main", f"--workdir={workdir}"]
        if args.steps:
            cmd.append(f"--config.num_train_steps={args.steps}")
    else:
        raise SystemExit(f"no real-data command known for {example}")
    return [sys.executable, *cmd]


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def train(commit: str, example: str, args: argparse.Namespace) -> dict:
    """Train the example at `commit` in a temporary work tree; its metrics, command and time."""
    with tempfile.TemporaryDirectory(prefix="howto-results-") as tmp:
        tree, workdir = os.path.join(tmp, "tree"), os.path.join(tmp, "workdir")
        git("worktree", "add", "--detach", "--quiet", tree, commit)
        try:
            cmd = example_command(example, workdir, args)
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=tree, capture_output=True, text=True)
            seconds = time.perf_counter() - start
            if proc.returncode != 0:
                raise SystemExit(
                    f"{shlex.join(cmd)} failed at {commit[:12]}:\n{proc.stderr[-3000:]}"
                )
            with open(os.path.join(workdir, "metrics.jsonl")) as f:
                rows = [json.loads(line) for line in f if line.strip()]
        finally:
            git("worktree", "remove", "--force", tree)
    # Paths of this machine stay out of the record.
    masks = {"--workdir=": "WORKDIR", "--config.data_dir=": "DATA_DIR"}
    shown = ["python"] + [
        next((flag + mask for flag, mask in masks.items() if part.startswith(flag)), part)
        for part in cmd[1:]
    ]
    return {
        "commit": commit,
        "command": shlex.join(shown),
        "seconds": round(seconds, 1),
        "metrics": rows,
    }


def held_out_keys(rows: list[dict]) -> list[str]:
    """The metrics measured on held-out data (test_* for mnist, eval_* for seq2seq)."""
    from howtoctl.render.results import HELD_OUT  # the prefixes the rendered table shows

    keys = dict.fromkeys(k for row in rows for k in row)
    return [k for k in keys if k.startswith(HELD_OUT)]


def plot(name: str, title: str, base: dict, variant: dict, path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = name  # stable ids: regenerating changes no bytes
    base_keys, variant_keys = held_out_keys(base["metrics"]), held_out_keys(variant["metrics"])
    kinds = [k for k in ("accuracy", "loss") if any(key.endswith(k) for key in variant_keys)]
    fig, axes = plt.subplots(1, len(kinds), figsize=(4.2 * len(kinds), 3.2), squeeze=False)
    x_key = "epoch" if "epoch" in base["metrics"][0] else "step"
    for ax, kind in zip(axes[0], kinds, strict=True):
        lines = [(base, key, "base", "#888888", "-") for key in base_keys if key.endswith(kind)]
        for key in variant_keys:
            if key.endswith(kind):  # what the HOWTO adds (e.g. the average's metrics): dashed
                new = key not in base_keys
                lines.append(
                    (variant, key, name, "#d1242f" if new else "#1f6feb", "--" if new else "-")
                )
        for run, key, label, colour, style in lines:
            rows = [r for r in run["metrics"] if key in r]
            xs, ys = [r[x_key] for r in rows], [r[key] for r in rows]
            width = 4 if run is base else 1.5  # the base shows even where a run equals it
            ax.plot(
                xs,
                ys,
                color=colour,
                linestyle=style,
                linewidth=width,
                marker=".",
                alpha=0.6 if run is base else 1,
                label=f"{label}: {key}",
            )
        ax.set_xlabel(x_key)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title(f"held-out {kind}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)


def machine() -> dict:
    import jax

    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "jax": jax.__version__,
        "devices": f"{jax.device_count()} x {jax.devices()[0].platform}",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="HOWTOs (default: every one in the manifest)")
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA), help="tfds data (mnist/3.0.1/)")
    ap.add_argument(
        "--data-note",
        default="the 5,000-digit MNIST subset (4,000 train / 1,000 test)",
        help="what the data is, recorded beside every figure",
    )
    ap.add_argument("--epochs", type=int, help="MNIST epochs (default: the example's config)")
    ap.add_argument("--steps", type=int, help="seq2seq steps (default: the example's config)")
    ap.add_argument(
        "--devices",
        type=int,
        default=8,
        help="emulated CPU devices for every run (the multi-device HOWTOs need 8)",
    )
    args = ap.parse_args(argv)
    # Every run, base included, sees the same devices (children inherit the environment), the
    # way `howtoctl test` sets them up.
    from howtoctl import variants

    os.environ.update(variants.device_env(args.devices, "cpu"))
    args.data_dir = os.path.abspath(args.data_dir)

    howtos = tomllib.loads(MANIFEST.read_text())["howtos"]
    names = args.names or list(howtos)
    unknown = [n for n in names if n not in howtos]
    if unknown:
        raise SystemExit(f"not in {MANIFEST.relative_to(ROOT)}: {', '.join(unknown)}")
    base_commit = git("rev-parse", "HEAD")
    env_machine = machine()
    OUT.mkdir(parents=True, exist_ok=True)
    bases: dict[str, dict] = {}
    for name in names:
        entry = howtos[name]
        example = entry["example"]
        tip = git("rev-parse", "--verify", f"refs/heads/howto/{name}^{{commit}}")
        if example not in bases:
            print(f"training the base {example} ...", flush=True)
            bases[example] = train(base_commit, example, args)
        print(f"training {name} ...", flush=True)
        variant = train(tip, example, args)
        result = {
            "name": name,
            "title": entry.get("title", name),
            "example": example,
            "data": args.data_note if example == "examples/mnist" else "generated problems",
            "generated": datetime.date.today().isoformat(),
            "machine": env_machine,
            "base": bases[example],
            "variant": variant,
        }
        (OUT / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
        plot(name, result["title"], bases[example], variant, OUT / f"{name}.svg")
        print(f"wrote howtos/results/{name}.json and .svg ({variant['seconds']} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
