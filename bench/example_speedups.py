"""Measures the CPU speedup the base examples keep against the plain version.

    python bench/example_speedups.py

Each measurement runs in a fresh process (no compilation cache), on the default backend:
the `adam_cosine` cache, a second seq2seq `train_and_evaluate` (wall and XLA compile time) with
the cached optimizer vs uncached. (The MNIST example keeps none: it uses `nnx.max_pool` and
default keys, as Flax's examples do.)
The pair is measured twice, interleaved; the plain version is the baseline. Writes
the figures to bench/results/example_speedups.json (bench/results.py).
"""

import pathlib
import subprocess
import sys
import textwrap

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from bench import results  # noqa: E402

CACHE = """
import dataclasses, tempfile, time
import jax
from examples.seq2seq import train
from examples.seq2seq.configs import default
if "{cache}" == "off":
    train.adam_cosine = train.adam_cosine.__wrapped__
config = dataclasses.replace(default.get_config(), num_train_steps=20, eval_every_steps=20)
train.train_and_evaluate(config, tempfile.mkdtemp())
compile_s = []
jax.monitoring.register_event_duration_secs_listener(
    lambda event, secs, **_: compile_s.append(secs)
    if event == "/jax/core/compile/backend_compile_duration" else None
)
t = time.perf_counter()
train.train_and_evaluate(config, tempfile.mkdtemp())
print(time.perf_counter() - t, sum(compile_s))
"""


def run(code: str) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], check=True, capture_output=True, text=True
    ).stdout
    return [float(x) for x in out.split()]


def main() -> None:
    run_ = results.Run(
        "example_speedups",
        what="the CPU speedup the base examples keep (the seq2seq optimizer cache) against its "
        "plain version in fresh processes, twice, interleaved",
        goal="the kept version faster than the plain one (ratio > 1)",
    )
    rounds = []
    for i in range(2):
        cached = run(CACHE.format(cache="on"))
        uncached = run(CACHE.format(cache="off"))
        print(
            f"second seq2seq run (20 steps): cached {cached[0]:.2f} s ({cached[1]:.2f} s compiling), "
            f"uncached {uncached[0]:.2f} s ({uncached[1]:.2f} s compiling)"
        )
        pairs = {
            "cached adam_cosine, 2nd seq2seq run s": (cached[0], uncached[0]),
            "cached adam_cosine, 2nd run compiling s": (cached[1], uncached[1]),
        }
        rounds += [
            {
                "round": i + 1,
                "figure": name,
                "kept": round(kept, 3),
                "plain": round(plain, 3),
                "ratio": results.ratio(plain, kept),
            }
            for name, (kept, plain) in pairs.items()
        ]
    headline = ("cached adam_cosine, 2nd seq2seq run s",)
    last = {r["figure"]: r for r in rounds if r["round"] == 2}
    run_.write(
        measured={name: last[name]["kept"] for name in headline},
        baseline={name: last[name]["plain"] for name in headline},
        ratio=min(last[name]["ratio"] for name in headline),
        ratio_means="the speedup in the second round: plain / kept",
        goal_met=all(last[name]["ratio"] > 1 for name in headline),
        rounds=rounds,
    )


if __name__ == "__main__":
    main()
