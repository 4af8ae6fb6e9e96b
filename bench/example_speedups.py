"""Measures the two CPU speedups the MNIST example keeps, each against the plain version.

    python bench/example_speedups.py

Each measurement runs in a fresh process (no compilation cache), on the default backend:
- `rbg`: CPU time to create the MNIST CNN (compiling its initializers), `rbg` key vs threefry;
- `max_pool_2x2`: the MNIST `train_step` (batch 64) with the reshape-max vs `nnx.max_pool`.
Each pair is measured twice, interleaved; the plain version is the baseline of its pair. Writes
the figures to bench/results/example_speedups.json (bench/results.py).
"""

import pathlib
import subprocess
import sys
import textwrap

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from bench import results  # noqa: E402

INIT = """
import time, jax
from flax import nnx
from examples.mnist import train
t = time.process_time()  # CPU time: steadier than wall time on a loaded machine
model = train.CNN(rngs=nnx.Rngs(jax.random.key(0, impl="{impl}")))
jax.block_until_ready(nnx.state(model))
print(time.process_time() - t)
"""

POOL = """
import time, jax, numpy as np
from flax import nnx
from examples.mnist import train
from examples.mnist.configs import default
if "{pool}" == "nnx":
    train.max_pool_2x2 = lambda x: nnx.max_pool(x, (2, 2), strides=(2, 2))
config = default.get_config()
model = train.CNN(rngs=nnx.Rngs(jax.random.key(0, impl="rbg")))
optimizer = train.create_optimizer(model, config, 1000)
metrics = train.make_metrics()
rng = np.random.default_rng(0)
batch = {{"image": rng.random((64, 28, 28, 1), np.float32), "label": rng.integers(0, 10, 64, np.int32)}}
t = time.perf_counter()
train.train_step(model, optimizer, metrics, batch)
jax.block_until_ready(nnx.state(model))
compile_s = time.perf_counter() - t
t = time.perf_counter()
for _ in range(200):
    train.train_step(model, optimizer, metrics, batch)
jax.block_until_ready(nnx.state(model))
print(compile_s, (time.perf_counter() - t) / 200 * 1000)
"""


def run(code: str) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], check=True, capture_output=True, text=True
    ).stdout
    return [float(x) for x in out.split()]


def main() -> None:
    run_ = results.Run(
        "example_speedups",
        what="the two CPU speedups the MNIST example keeps, each against its plain version in "
        "fresh processes, twice, interleaved",
        goal="each kept version faster than the plain one (ratio > 1)",
    )
    rounds = []
    for i in range(2):
        (rbg,) = run(INIT.format(impl="rbg"))
        (threefry,) = run(INIT.format(impl="threefry2x32"))
        print(
            f"init CNN, CPU time: rbg {rbg:.2f} s, threefry {threefry:.2f} s ({threefry / rbg:.1f}x)"
        )
        reshape = run(POOL.format(pool="reshape"))
        pool = run(POOL.format(pool="nnx"))
        print(
            f"train_step: reshape-max compile {reshape[0]:.2f} s, {reshape[1]:.2f} ms/step; "
            f"nnx.max_pool compile {pool[0]:.2f} s, {pool[1]:.2f} ms/step "
            f"({pool[1] / reshape[1]:.1f}x per step)"
        )
        pairs = {
            "rbg key, CNN init CPU s": (rbg, threefry),
            "reshape-max, ms a train_step": (reshape[1], pool[1]),
            "reshape-max, train_step compile s": (reshape[0], pool[0]),
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
    headline = (
        "rbg key, CNN init CPU s",
        "reshape-max, ms a train_step",
    )
    last = {r["figure"]: r for r in rounds if r["round"] == 2}
    run_.write(
        measured={name: last[name]["kept"] for name in headline},
        baseline={name: last[name]["plain"] for name in headline},
        ratio=min(last[name]["ratio"] for name in headline),
        ratio_means="the smallest of the two speedups in the second round: plain / kept",
        goal_met=all(last[name]["ratio"] > 1 for name in headline),
        rounds=rounds,
    )


if __name__ == "__main__":
    main()
