"""Real-data results for the HOWTOs: each variant against its base example, over several seeds.

    python howtos/results/generate.py --data-dir ../shared/data/tfds --jobs 2   # every HOWTO
    python howtos/results/generate.py --data-dir DIR polyak-averaging --epochs 2
    python howtos/results/generate.py --data-dir DIR --check polyak-averaging   # reproduces?

For every HOWTO named (default: all, in manifest order) this trains the base example and the
variant once per seed (`--config.seed=S`), each in a temporary work tree of its own commit (the
base branch tip; `howto/NAME`, so run `howtoctl restore --all` first), through the example's own
command line. The base is trained once per seed and reused for every HOWTO of its example. A
variant whose manifest entry says `devices = N` runs on N emulated devices (and so does its base
when the two are compared on time). It writes
  howtos/results/NAME.json  every seed's per-evaluation metrics, and each reported figure's mean
                            and spread over the seeds, the command, the machine and its load;
  howtos/results/NAME.svg   the figures' means with their min-max band, plotted with matplotlib.
Which figures a HOWTO reports is declared in MEASURES below (a HOWTO not listed reports the
example's held-out accuracy against the base). `--check NAME...` reruns a committed result with
its settings and seeds and exits 1 naming every figure whose new mean falls outside the committed
min-max. `howtoctl render` shows the JSON and SVG on the HOWTO's page. Needs the `examples` extra
(matplotlib included).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import datetime
import importlib.metadata
import json
import os
import pathlib
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "howtos" / "results"
MANIFEST = ROOT / "howtos" / "manifest.toml"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "tfds"
FORMAT = 2  # of NAME.json; 1 (no `format` field) held one run per arm
STEP_KEYS = ("epoch", "step")


# --- what each HOWTO reports -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Figure:
    """One reported number: the final value of a metric of one arm ("base" or "variant").

    `keys` are alternatives, the first one the run logs is used: a HOWTO being reworked may
    rename its metrics. A figure none of whose keys is logged is left out, and the result says so.
    """

    label: str
    arm: str
    keys: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Measure:
    figures: tuple[Figure, ...] = ()  # () : the example's held-out accuracy, base vs variant
    plot: bool = True  # False: a table only (e.g. a variant that computes what its base does)
    timed: bool = False  # the base runs on the variant's devices too, so their times compare


# The held-out accuracy of each example: what a HOWTO without its own figures reports.
DEFAULT_KEY = {"examples/mnist": "test_accuracy", "examples/seq2seq": "eval_accuracy"}


def vs_base(key: str, base: str = "base", variant: str = "variant") -> tuple[Figure, ...]:
    return (Figure(base, "base", (key,)), Figure(variant, "variant", (key,)))


# One entry per HOWTO that reports more than its held-out accuracy against the base.
MEASURES: dict[str, Measure] = {
    "polyak-averaging": Measure(
        (
            Figure("raw parameters", "variant", ("test_accuracy",)),
            Figure("moving average (EMA)", "variant", ("test_ema_accuracy",)),
        )
    ),
    "lora": Measure(
        (
            Figure("digits, after training", "variant", ("test_accuracy",)),
            Figure("rotated digits, before LoRA", "variant", ("rotated_test_accuracy_before",)),
            Figure("rotated digits, after LoRA", "variant", ("rotated_test_accuracy_after",)),
        )
    ),
    "ensembling": Measure(
        (
            Figure("one model (base)", "base", ("test_accuracy",)),
            Figure(
                "members (mean)",
                "variant",
                ("test_member_accuracy", "test_members_accuracy", "member_test_accuracy"),
            ),
            Figure("ensemble", "variant", ("test_ensemble_accuracy", "test_accuracy")),
        )
    ),
    # Their step computes the base's step: accuracy says they are right, time what they cost.
    "distributed-training": Measure(
        vs_base("test_accuracy", variant="data-parallel on 8 devices"), plot=False, timed=True
    ),
    "fsdp": Measure(vs_base("test_accuracy", variant="FSDP on 8 devices"), plot=False, timed=True),
    "tensor-parallelism": Measure(
        vs_base("test_accuracy", variant="4 x 2 data x model mesh"), plot=False, timed=True
    ),
    "scheduled-sampling": Measure(
        vs_base("eval_accuracy", "teacher forcing (base)", "scheduled sampling")
    ),
}


def figures_for(name: str, example: str) -> tuple[Figure, ...]:
    """The figures `name` reports: its MEASURES entry's, else its held-out accuracy vs base."""
    declared = MEASURES.get(name, Measure()).figures
    return declared or vs_base(DEFAULT_KEY.get(example, "test_accuracy"), variant=name)


# --- pure: from runs to figures ----------------------------------------------------------------


def final_value(rows: list[dict], key: str) -> float | None:
    """`key` in the last row that logs it (an evaluation, or a summary logged once at the end).

    A list of numbers (e.g. one per ensemble member) counts as its mean.
    """
    for row in reversed(rows):
        value = number(row.get(key))
        if value is not None:
            return value
    return None


def number(value: object) -> float | None:
    """A logged value as one number: a list of numbers (one per ensemble member) is its mean."""
    if isinstance(value, list) and value and all(isinstance(v, int | float) for v in value):
        return statistics.fmean(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def spread(values: list[float]) -> dict:
    """Mean, min, max and sample standard deviation (0 for one value)."""
    return {
        "mean": statistics.fmean(values),
        "min": min(values),
        "max": max(values),
        "std": statistics.stdev(values) if len(values) > 1 else 0.0,
    }


def resolve(figures: tuple[Figure, ...], runs: dict[str, list[dict]]) -> tuple[list, list[str]]:
    """Each figure with the first of its keys every run of its arm logs; and what is missing."""
    found, missing = [], []
    for fig in figures:
        arm = runs.get(fig.arm) or []
        key = next(
            (
                k
                for k in fig.keys
                if arm and all(final_value(r["metrics"], k) is not None for r in arm)
            ),
            None,
        )
        if key is None:
            missing.append(f"{fig.label} ({' or '.join(fig.keys)}): not logged by the {fig.arm}")
        else:
            found.append((fig, key))
    return found, missing


def aggregate(figures: tuple[Figure, ...], runs: dict[str, list[dict]]) -> tuple[list, list]:
    """Per figure: its values per seed and their spread; and the figures left out."""
    found, missing = resolve(figures, runs)
    out = []
    for fig, key in found:
        values = [final_value(r["metrics"], key) for r in runs[fig.arm]]
        out.append(
            {
                "label": fig.label,
                "arm": fig.arm,
                "key": key,
                "seeds": [r["seed"] for r in runs[fig.arm]],
                "values": values,
                **spread(values),
            }
        )
    return out, missing


def timings(runs: dict[str, list[dict]]) -> list[dict]:
    """Each arm's training time over the seeds, with its device count and the load it ran in."""
    out = []
    for arm, arm_runs in runs.items():
        seconds = [r["seconds"] for r in arm_runs]
        loads = [r["load"][edge][0] for r in arm_runs for edge in ("start", "end")]
        out.append(
            {
                "arm": arm,
                "devices": arm_runs[0]["devices"],
                "seeds": [r["seed"] for r in arm_runs],
                "values": seconds,
                **spread(seconds),
                "load_1min": {"min": min(loads), "max": max(loads)},
            }
        )
    return out


def curve(arm_runs: list[dict], key: str) -> tuple[str, list[int], dict[str, list[float]]]:
    """The evaluations of `key` over the seeds: the step key, the steps every seed logged, and
    per step the mean, min and max."""
    step = next((s for s in STEP_KEYS if any(s in row for row in arm_runs[0]["metrics"])), "")
    per_run = [
        {row[step]: number(row.get(key)) for row in r["metrics"] if step in row} for r in arm_runs
    ]
    per_run = [{x: v for x, v in p.items() if v is not None} for p in per_run]
    xs = sorted(set.intersection(*(set(p) for p in per_run))) if per_run else []
    ys = {"mean": [], "min": [], "max": []}
    for x in xs:
        s = spread([p[x] for p in per_run])
        for k in ys:
            ys[k].append(s[k])
    return step, xs, ys


def compare(committed: list[dict], new: list[dict]) -> list[str]:
    """Every committed figure whose new mean is outside its committed min-max (or is missing).

    A figure is its arm's metric: a label reworded since is the same figure."""
    by_metric = {(f["arm"], f["key"]): f for f in new}
    out = []
    for old in committed:
        got = by_metric.get((old["arm"], old["key"]))
        if got is None:
            out.append(f"{old['label']} ({old['key']}): not measured on rerun")
        elif not old["min"] <= got["mean"] <= old["max"]:
            out.append(
                f"{old['label']} ({old['key']}): new mean {got['mean']:.4f} outside the committed "
                f"{old['min']:.4f}-{old['max']:.4f} (seeds {old['seeds']})"
            )
    return out


# --- running the examples ----------------------------------------------------------------------


def example_command(example: str, workdir: str, settings: dict, data_dir: str, seed: int) -> list:
    """The example's own command line for one real-data run."""
    if example == "examples/mnist":
        cmd = ["-m", "examples.mnist.main", f"--workdir={workdir}"]
        cmd.append(f"--config.data_dir={data_dir}")
        if settings.get("epochs"):
            cmd.append(f"--config.num_epochs={settings['epochs']}")
    elif example == "examples/seq2seq":  # generates its own problems: no data directory
        cmd = ["-m", "examples.seq2seq.main", f"--workdir={workdir}"]
        if settings.get("steps"):
            cmd.append(f"--config.num_train_steps={settings['steps']}")
    else:
        raise SystemExit(f"no real-data command known for {example}")
    cmd.append(f"--config.seed={seed}")
    return [sys.executable, *cmd]


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@dataclasses.dataclass(frozen=True)
class Run:
    commit: str
    example: str
    devices: int
    seed: int


class Trainer:
    """Runs trainings, `jobs` at a time, each commit checked out once in a temporary work tree."""

    def __init__(self, tmp: str, settings: dict, data_dir: str, jobs: int):
        self.tmp, self.settings, self.data_dir = tmp, settings, data_dir
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
        self.trees: dict[str, str] = {}
        self.lock = threading.Lock()  # git worktree add, one at a time
        self.futures: dict[Run, concurrent.futures.Future] = {}

    def submit(self, run: Run) -> concurrent.futures.Future:
        if run not in self.futures:
            self.futures[run] = self.pool.submit(self._train, run)
        return self.futures[run]

    def _tree(self, commit: str) -> str:
        with self.lock:
            if commit not in self.trees:
                tree = os.path.join(self.tmp, f"tree-{len(self.trees)}")
                git("worktree", "add", "--detach", "--quiet", tree, commit)
                self.trees[commit] = tree
            return self.trees[commit]

    def _train(self, run: Run) -> dict:
        from howtoctl.runs import variants

        tree = self._tree(run.commit)
        workdir = tempfile.mkdtemp(prefix="workdir-", dir=self.tmp)
        cmd = example_command(run.example, workdir, self.settings, self.data_dir, run.seed)
        env = dict(os.environ, **variants.device_env(run.devices, variants.detect_platform()))
        load_start = os.getloadavg()
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        load_end = os.getloadavg()
        if proc.returncode != 0:
            raise RuntimeError(
                f"{shlex.join(cmd)} failed at {run.commit[:12]}:\n{proc.stderr[-3000:]}"
            )
        with open(os.path.join(workdir, "metrics.jsonl")) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        return {
            "seed": run.seed,
            "devices": run.devices,
            "commit": run.commit,
            "command": shown_command(cmd),
            "seconds": round(seconds, 1),
            "load": {
                "start": [round(x, 2) for x in load_start],
                "end": [round(x, 2) for x in load_end],
            },
            "metrics": rows,
        }

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for tree in self.trees.values():
            git("worktree", "remove", "--force", tree)


def shown_command(cmd: list[str]) -> str:
    """The command as recorded: paths of this machine masked."""
    masks = {"--workdir=": "WORKDIR", "--config.data_dir=": "DATA_DIR"}
    shown = ["python"] + [
        next((flag + mask for flag, mask in masks.items() if part.startswith(flag)), part)
        for part in cmd[1:]
    ]
    return shlex.join(shown)


def generate_command(name: str, settings: dict) -> str:
    """The command line that makes (and, with --check, reproduces) this result."""
    cmd = ["python", "howtos/results/generate.py", name]
    if settings.get("epochs"):
        cmd += ["--epochs", str(settings["epochs"])]
    if settings.get("steps"):
        cmd += ["--steps", str(settings["steps"])]
    cmd += ["--seeds", *map(str, settings["seeds"])]
    return shlex.join(cmd)


# --- plot --------------------------------------------------------------------------------------


def plot(result: dict, path: pathlib.Path) -> None:
    """Each figure's mean with its min-max band over the seeds: curves for what is evaluated
    during training, bars for what is measured once at the end."""
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = result["name"]  # stable ids: a rerun changes no bytes
    runs = result["runs"]
    lines, bars = [], []
    for fig in result["figures"]:
        step, xs, ys = curve(runs[fig["arm"]], fig["key"])
        (lines if len(xs) > 1 else bars).append((fig, step, xs, ys))
    panels = [p for p in (lines, bars) if p]
    fig_, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.4), squeeze=False)
    colours = ["#1f6feb", "#d1242f", "#2da44e", "#8250df", "#bf8700"]
    for ax, panel in zip(axes[0], panels, strict=True):
        for i, (fig, step, xs, ys) in enumerate(panel):
            colour = "#777777" if fig["arm"] == "base" else colours[i % len(colours)]
            if panel is lines:
                ax.plot(xs, ys["mean"], color=colour, marker=".", label=fig["label"])
                ax.fill_between(xs, ys["min"], ys["max"], color=colour, alpha=0.2, linewidth=0)
                ax.set_xlabel(step)
                ax.xaxis.get_major_locator().set_params(integer=True)
            else:
                err = [[fig["mean"] - fig["min"]], [fig["max"] - fig["mean"]]]
                ax.bar(i, fig["mean"], yerr=err, color=colour, alpha=0.8, capsize=4)
        if panel is bars:
            ax.set_xticks(range(len(panel)), [f["label"] for f, *_ in panel], fontsize=7)
        else:
            ax.legend(fontsize=7)
        ax.set_ylabel(" / ".join(dict.fromkeys(f["key"] for f, *_ in panel)))
        ax.grid(alpha=0.3)
    seeds = result["seeds"]
    fig_.suptitle(
        f"{result['title']}: mean and min-max over {len(seeds)} seeds ({', '.join(map(str, seeds))})",
        fontsize=9,
    )
    fig_.tight_layout()
    fig_.savefig(path, metadata={"Date": None})
    plt.close(fig_)


# --- the command line --------------------------------------------------------------------------


def machine() -> dict:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "jax": importlib.metadata.version("jax"),
    }


def plan(name: str, entry: dict, base: str, tip: str, seeds: list[int]) -> dict[str, list[Run]]:
    """The runs one HOWTO needs, per arm: the variant on the devices its manifest entry asks
    for, the base on one device unless the two are compared on time."""
    example = entry["example"]
    devices = int(entry.get("devices", 1))
    base_devices = devices if MEASURES.get(name, Measure()).timed else 1
    return {
        "base": [Run(base, example, base_devices, s) for s in seeds],
        "variant": [Run(tip, example, devices, s) for s in seeds],
    }


def result_for(name: str, entry: dict, settings: dict, runs: dict, data_note: str) -> dict:
    example = entry["example"]
    figures, missing = aggregate(figures_for(name, example), runs)
    return {
        "format": FORMAT,
        "name": name,
        "title": entry.get("title", name),
        "example": example,
        "data": data_note if example == "examples/mnist" else "generated problems",
        "generated": datetime.date.today().isoformat(),
        "command": generate_command(name, settings),
        "settings": settings,
        "seeds": settings["seeds"],
        "machine": machine(),
        "figures": figures,
        "not_logged": missing,
        "timings": timings(runs),
        "plot": MEASURES.get(name, Measure()).plot,
        "runs": runs,
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
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="default: 0 1 2")
    ap.add_argument("--jobs", type=int, default=1, help="trainings run at once (default 1)")
    ap.add_argument(
        "--check",
        action="store_true",
        help="rerun the committed results of the HOWTOs named, with their settings and seeds, and "
        "exit 1 if a figure's new mean is outside its committed min-max; writes nothing",
    )
    args = ap.parse_args(argv)
    if args.jobs < 1 or len(set(args.seeds)) != len(args.seeds):
        ap.error("--jobs must be at least 1 and --seeds distinct")
    data_dir = os.path.abspath(args.data_dir)
    howtos = tomllib.loads(MANIFEST.read_text())["howtos"]
    names = args.names or list(howtos)
    unknown = [n for n in names if n not in howtos]
    if unknown:
        ap.error(f"not in {MANIFEST.relative_to(ROOT)}: {', '.join(unknown)}")
    committed = {}
    if args.check:
        for name in names:
            path = OUT / f"{name}.json"
            data = json.loads(path.read_text()) if path.is_file() else {}
            if data.get("format") != FORMAT:
                ap.error(f"{path.relative_to(ROOT)}: no committed result of format {FORMAT}")
            committed[name] = data
    default = {"epochs": args.epochs, "steps": args.steps, "seeds": args.seeds}
    base_commit = git("rev-parse", "HEAD")
    started, load = time.perf_counter(), os.getloadavg()
    failures = []
    with tempfile.TemporaryDirectory(prefix="howto-results-") as tmp:
        # One trainer per settings: a check reruns each result with its own.
        trainers: dict[str, Trainer] = {}
        try:
            pending = []
            for name in names:
                settings = committed[name]["settings"] if args.check else default
                key = json.dumps(settings, sort_keys=True)
                if key not in trainers:
                    trainers[key] = Trainer(tmp, settings, data_dir, args.jobs)
                tip = git("rev-parse", "--verify", f"refs/heads/howto/{name}^{{commit}}")
                arms = plan(name, howtos[name], base_commit, tip, settings["seeds"])
                futures = {arm: [trainers[key].submit(r) for r in rs] for arm, rs in arms.items()}
                pending.append((name, settings, futures))
            for name, settings, futures in pending:
                runs = {arm: [f.result() for f in fs] for arm, fs in futures.items()}
                result = result_for(name, howtos[name], settings, runs, args.data_note)
                if args.check:
                    bad = compare(committed[name]["figures"], result["figures"])
                    failures += [f"{name}: {b}" for b in bad]
                    for fig in result["figures"]:
                        print(f"{name}: {fig['label']} ({fig['key']}) mean {fig['mean']:.4f}")
                    continue
                OUT.mkdir(parents=True, exist_ok=True)
                (OUT / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
                if result["plot"]:
                    plot(result, OUT / f"{name}.svg")
                else:
                    (OUT / f"{name}.svg").unlink(missing_ok=True)
                print(f"wrote howtos/results/{name}.json", flush=True)
        except RuntimeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        finally:
            for trainer in trainers.values():
                trainer.close()
    print(
        f"{len(names)} HOWTO(s) in {time.perf_counter() - started:.0f} s; "
        f"load average {load[0]:.2f} at start, {os.getloadavg()[0]:.2f} at end"
    )
    if failures:
        print("not reproduced:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
