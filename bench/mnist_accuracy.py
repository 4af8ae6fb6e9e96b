"""Accuracy and speed of the MNIST example with its default config, on the real data.

    python bench/mnist_accuracy.py [--data_dir=DIR] [--seed=0]

DIR defaults to shared/data/tfds beside the repository (../shared/data/tfds from its root).

Times the whole `train_and_evaluate` (data loading and JIT compilation included),
prints the test accuracy, the wall time and the training throughput, and exits
with 1 if the accuracy or the time misses its target. Nothing comparable runs in the same run:
its file (bench/results/mnist_accuracy.json, written by bench/results.py) has no baseline, and
the load average it records is what to read its time against.
"""

import argparse
import logging
import os
import sys
import tempfile
import time

import tensorflow_datasets as tfds

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from bench import results  # noqa: E402
from examples.mnist import train  # noqa: E402
from examples.mnist.configs import default  # noqa: E402

TARGET_ACCURACY = 0.970
TARGET_SECONDS = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data_dir = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data", "tfds"))
    parser.add_argument("--data_dir", default=default_data_dir)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    run = results.Run(
        "mnist_accuracy",
        what="examples/mnist train_and_evaluate with its default config on the real data, "
        "wall time including data loading and JIT compilation",
        goal=f"test accuracy >= {TARGET_ACCURACY:.3f}, wall time <= {TARGET_SECONDS:g} s",
    )
    logging.basicConfig(format="%(asctime)s %(message)s")
    logging.getLogger("examples").setLevel(logging.INFO)

    config = default.get_config()
    config.data_dir, config.seed = args.data_dir, args.seed
    with tempfile.TemporaryDirectory() as workdir:
        start = time.perf_counter()
        try:
            _, metrics = train.train_and_evaluate(config, workdir)
        except train.DataNotFoundError as error:
            print(f"error: {error} Here, pass --data_dir.", file=sys.stderr)
            return 2
        seconds = time.perf_counter() - start

    num_train = tfds.builder("mnist", data_dir=config.data_dir).info.splits["train"].num_examples
    trained_images = config.num_epochs * (num_train // config.batch_size) * config.batch_size
    accuracy = metrics["test_accuracy"]
    print(
        f"seed {config.seed}: test accuracy {100 * accuracy:.2f}% "
        f"(target >= {100 * TARGET_ACCURACY:.1f}%), wall time {seconds:.1f}s "
        f"(target <= {TARGET_SECONDS:.0f}s), {trained_images / seconds:.0f} training images/s overall"
    )
    met = bool(accuracy >= TARGET_ACCURACY and seconds <= TARGET_SECONDS)
    run.write(
        measured={
            "seed": config.seed,
            "test_accuracy": round(float(accuracy), 4),
            "wall_seconds": round(seconds, 1),
            "training_images_per_second": round(trained_images / seconds),
            "epochs": config.num_epochs,
        },
        baseline=None,
        ratio=None,
        ratio_means="none: no baseline runs in the same run (fixed targets only)",
        goal_met=met,
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
