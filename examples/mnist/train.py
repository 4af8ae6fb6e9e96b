"""MNIST classifier: a small CNN in Flax NNX, trained with Optax.

The whole dataset fits in memory, so each split is loaded once into numpy arrays,
then shuffled, augmented and batched with numpy every epoch. Given `config.seed`,
a run is deterministic.
"""

import glob
import json
import logging
import os
import time

import jax
import numpy as np
import optax
import tensorflow_datasets as tfds
from flax import nnx

from examples.mnist.configs.default import Config

DATASET = "mnist"
VERSION = "3.0.1"

logger = logging.getLogger(__name__)


class CNN(nnx.Module):
    """A small convolutional network."""

    def __init__(self, *, rngs: nnx.Rngs):
        self.conv1 = nnx.Conv(1, 16, kernel_size=(3, 3), rngs=rngs)
        self.conv2 = nnx.Conv(16, 32, kernel_size=(3, 3), rngs=rngs)
        self.linear1 = nnx.Linear(7 * 7 * 32, 256, rngs=rngs)
        self.linear2 = nnx.Linear(256, 10, rngs=rngs)

    def __call__(self, x):
        x = max_pool_2x2(nnx.relu(self.conv1(x)))
        x = max_pool_2x2(nnx.relu(self.conv2(x)))
        x = x.reshape(x.shape[0], -1)
        x = nnx.relu(self.linear1(x))
        return self.linear2(x)


def max_pool_2x2(x):
    """`nnx.max_pool(x, (2, 2), strides=(2, 2))` as a reshape: on CPU (2 cores) a train step
    at batch 64 takes 6-12 ms, 18-32 ms with `nnx.max_pool` (bench/example_speedups.py)."""
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


# Data.


class DataNotFoundError(FileNotFoundError):
    """The MNIST files are not in `config.data_dir`."""


def check_data_dir(data_dir: str, split: str) -> None:
    """Fails with a clear message, rather than a download attempt, if the data isn't there."""
    dataset_dir = os.path.join(data_dir, DATASET, VERSION)
    shards = glob.glob(os.path.join(dataset_dir, f"{DATASET}-{split}.array_record-*"))
    if not shards or not os.path.isfile(os.path.join(dataset_dir, "dataset_info.json")):
        raise DataNotFoundError(
            f"No MNIST {split!r} split in array_record format in {dataset_dir}. "
            f"Set --config.data_dir (or $TFDS_DATA_DIR) to a directory that contains "
            f"{DATASET}/{VERSION}/, prepared by tfds in the array_record format."
        )


def load_split(config: Config, split: str) -> dict[str, np.ndarray]:
    """Loads a whole split: `image` float32 (N, 28, 28, 1) in [0, 1], `label` int32 (N,)."""
    check_data_dir(config.data_dir, split)
    source = tfds.data_source(DATASET, split=split, data_dir=config.data_dir, download=False)
    examples = list(source)  # Reads the records and decodes their PNG images.
    return {
        "image": np.stack([ex["image"] for ex in examples]).astype(np.float32) / 255,
        "label": np.array([ex["label"] for ex in examples], dtype=np.int32),
    }


def random_shift(images: np.ndarray, max_shift: int, rng: np.random.Generator) -> np.ndarray:
    """Shifts each image by up to `max_shift` pixels along each axis, filling in zeros."""
    n, height, width, _ = images.shape
    pad = (max_shift, max_shift)
    padded = np.pad(images, ((0, 0), pad, pad, (0, 0)))
    dy, dx = rng.integers(0, 2 * max_shift + 1, size=(2, n))
    rows = dy[:, None, None] + np.arange(height)[None, :, None]
    cols = dx[:, None, None] + np.arange(width)[None, None, :]
    return padded[np.arange(n)[:, None, None], rows, cols]


def train_batches(data: dict[str, np.ndarray], config: Config, epoch: int):
    """Yields one epoch of shuffled, shifted training batches; drops the last partial batch."""
    rng = np.random.default_rng([config.seed, epoch])
    order = rng.permutation(len(data["label"]))
    images = random_shift(data["image"][order], config.max_shift, rng)
    labels = data["label"][order]
    for start in range(0, len(order) - config.batch_size + 1, config.batch_size):
        end = start + config.batch_size
        yield {"image": images[start:end], "label": labels[start:end]}


def eval_batches(data: dict[str, np.ndarray], batch_size: int):
    """Yields every example once, in batches of one shape: `mask` is False on the padding."""
    num_examples = len(data["label"])
    for start in range(0, num_examples, batch_size):
        batch = {k: v[start : start + batch_size] for k, v in data.items()}
        batch["mask"] = np.ones(len(batch["label"]), dtype=bool)
        pad = batch_size - len(batch["label"])
        yield {k: np.pad(v, [(0, pad)] + [(0, 0)] * (v.ndim - 1)) for k, v in batch.items()}


# Training and evaluation steps.


def loss_fn(model: CNN, batch):
    """Returns the per-example losses and the logits."""
    logits = model(batch["image"])
    losses = optax.softmax_cross_entropy_with_integer_labels(logits, batch["label"])
    return losses, logits


@nnx.jit
def train_step(model: CNN, optimizer: nnx.Optimizer, metrics: nnx.MultiMetric, batch):
    """Updates `model` on one batch, and adds the batch's loss and accuracy to `metrics`."""

    def mean_loss(model):
        losses, logits = loss_fn(model, batch)
        return losses.mean(), logits

    (loss, logits), grads = nnx.value_and_grad(mean_loss, has_aux=True)(model)
    metrics.update(loss=loss, logits=logits, labels=batch["label"])
    optimizer.update(model, grads)


@nnx.jit
def eval_step(model: CNN, metrics: nnx.MultiMetric, batch):
    """Adds the loss and accuracy on the examples of `batch` that `mask` keeps to `metrics`."""
    losses, logits = loss_fn(model, batch)
    metrics.update(loss=losses, logits=logits, labels=batch["label"], mask=batch["mask"])


def make_metrics() -> nnx.MultiMetric:
    return nnx.MultiMetric(accuracy=nnx.metrics.Accuracy(), loss=nnx.metrics.Average("loss"))


def evaluate(model: CNN, data: dict[str, np.ndarray], batch_size: int) -> dict[str, float]:
    """Returns the loss and accuracy of `model` on all of `data`."""
    metrics = make_metrics()
    for batch in eval_batches(data, batch_size):
        eval_step(model, metrics, batch)
    return {name: float(value) for name, value in metrics.compute().items()}


# The training loop.


def create_optimizer(model: CNN, config: Config, num_steps: int) -> nnx.Optimizer:
    """AdamW on a one-cycle schedule: linear warmup, then cosine decay to 0."""
    schedule = optax.warmup_cosine_decay_schedule(
        init_value=0.0,
        peak_value=config.learning_rate,
        warmup_steps=int(config.warmup_fraction * num_steps),
        decay_steps=num_steps,
    )
    tx = optax.adamw(schedule, weight_decay=config.weight_decay)
    return nnx.Optimizer(model, tx, wrt=nnx.Param)


def train_and_evaluate(config: Config, workdir: str) -> tuple[CNN, dict[str, float]]:
    """Trains for `config.num_epochs`, evaluating on the test split after each epoch.

    Each epoch's metrics are logged and appended to `workdir`/metrics.jsonl.
    Returns the trained model and the last epoch's metrics.
    """
    train_data = load_split(config, "train")
    test_data = load_split(config, "test")
    steps_per_epoch = len(train_data["label"]) // config.batch_size

    # An "rbg" key: on CPU (2 cores) creating the CNN costs 1.1 s of CPU time, 2.2 s with threefry.
    model = CNN(rngs=nnx.Rngs(jax.random.key(config.seed, impl="rbg")))
    optimizer = create_optimizer(model, config, config.num_epochs * steps_per_epoch)
    metrics = make_metrics()

    os.makedirs(workdir, exist_ok=True)
    with open(os.path.join(workdir, "metrics.jsonl"), "w") as metrics_file:
        for epoch in range(1, config.num_epochs + 1):
            start = time.time()
            for batch in train_batches(train_data, config, epoch):
                train_step(model, optimizer, metrics, batch)
            summary = {"epoch": epoch}
            summary.update({f"train_{k}": float(v) for k, v in metrics.compute().items()})
            metrics.reset()
            test_metrics = evaluate(model, test_data, config.eval_batch_size)
            summary.update({f"test_{k}": v for k, v in test_metrics.items()})
            logger.info(
                "epoch %d: train loss %.4f, accuracy %.2f%%; test loss %.4f, accuracy %.2f%% (%.1fs)",
                epoch,
                summary["train_loss"],
                100 * summary["train_accuracy"],
                summary["test_loss"],
                100 * summary["test_accuracy"],
                time.time() - start,
            )
            metrics_file.write(json.dumps(summary) + "\n")
    return model, summary
