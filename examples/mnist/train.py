"""MNIST classifier: a small CNN in Flax NNX, trained with Optax, fed by grain.

Grain reads the examples from the tfds data source, then shuffles, shifts and batches them anew
every epoch. Given `config.seed`, a run is deterministic.
"""

import functools
import glob
import itertools
import json
import logging
import os
import time
from collections.abc import Sequence

import grain
import ml_collections
import numpy as np
import optax
import tensorflow_datasets as tfds
from flax import nnx

DATASET = "mnist"
VERSION = "3.0.1"

logger = logging.getLogger(__name__)


class CNN(nnx.Module):
    """A small convolutional network, with dropout before its output layer."""

    def __init__(self, *, dropout_rate: float = 0.2, rngs: nnx.Rngs):
        self.conv1 = nnx.Conv(1, 16, kernel_size=(3, 3), rngs=rngs)
        self.conv2 = nnx.Conv(16, 32, kernel_size=(3, 3), rngs=rngs)
        self.linear1 = nnx.Linear(7 * 7 * 32, 256, rngs=rngs)
        # Draws its masks from the `dropout` stream of `rngs` (the default stream if there is none);
        # `model.train()` turns it on, `model.eval()` off.
        self.dropout = nnx.Dropout(dropout_rate, rngs=rngs)
        self.linear2 = nnx.Linear(256, 10, rngs=rngs)

    def __call__(self, x):
        x = nnx.max_pool(nnx.relu(self.conv1(x)), window_shape=(2, 2), strides=(2, 2))
        x = nnx.max_pool(nnx.relu(self.conv2(x)), window_shape=(2, 2), strides=(2, 2))
        x = x.reshape(x.shape[0], -1)
        x = self.dropout(nnx.relu(self.linear1(x)))
        return self.linear2(x)


# Data.

Example = dict[str, np.ndarray]


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


def load_split(config: ml_collections.ConfigDict, split: str) -> Sequence[Example]:
    """Returns a split as a random-access source of examples: `image` uint8 (28, 28, 1), `label`.

    Nothing is read yet: grain reads and decodes the examples it needs, each epoch.
    """
    check_data_dir(config.data_dir, split)
    return tfds.data_source(DATASET, split=split, data_dir=config.data_dir, download=False)


def normalize(example: Example) -> Example:
    """`image` as float32 in [0, 1], `label` as int32."""
    return {
        "image": np.asarray(example["image"], np.float32) / 255,
        "label": np.int32(example["label"]),
    }


def random_shift(example: Example, rng: np.random.Generator, *, max_shift: int) -> Example:
    """Shifts the image by up to `max_shift` pixels along each axis, filling in zeros."""
    height, width, _ = example["image"].shape
    pad = (max_shift, max_shift)
    padded = np.pad(example["image"], (pad, pad, (0, 0)))
    dy, dx = rng.integers(0, 2 * max_shift + 1, size=2)
    return {**example, "image": padded[dy : dy + height, dx : dx + width]}


def train_dataset(source: Sequence[Example], config: ml_collections.ConfigDict) -> grain.MapDataset:
    """All the training batches of the run, epoch after epoch.

    Grain folds the epoch into the seed, so each epoch is shuffled and shifted anew, and batches
    each epoch separately, dropping its last partial batch.
    """
    return (
        grain.MapDataset.source(source)
        .seed(config.seed)
        .shuffle()
        .map(normalize)
        .random_map(functools.partial(random_shift, max_shift=config.max_shift))
        .batch(config.batch_size, drop_remainder=True)
        .repeat(config.num_epochs)
    )


def pad_batch(batch: Example, batch_size: int) -> Example:
    """Pads `batch` to `batch_size` examples: `mask` is False on the padding."""
    batch["mask"] = np.ones(len(batch["label"]), dtype=bool)
    pad = batch_size - len(batch["label"])
    return {k: np.pad(v, [(0, pad)] + [(0, 0)] * (v.ndim - 1)) for k, v in batch.items()}


def eval_batches(source: Sequence[Example], batch_size: int) -> grain.MapDataset:
    """Every example once, in batches of one shape (the last one padded, see `pad_batch`)."""
    return (
        grain.MapDataset.source(source)
        .map(normalize)
        .batch(batch_size)
        .map(functools.partial(pad_batch, batch_size=batch_size))
    )


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


def evaluate(model: CNN, source: Sequence[Example], batch_size: int) -> dict[str, float]:
    """Returns the loss and accuracy of `model` on all of `source`; leaves `model` in eval mode."""
    model.eval()  # No dropout.
    metrics = make_metrics()
    for batch in eval_batches(source, batch_size):
        eval_step(model, metrics, batch)
    return {name: float(value) for name, value in metrics.compute().items()}


# The training loop.


def create_optimizer(
    model: CNN, config: ml_collections.ConfigDict, num_steps: int
) -> nnx.Optimizer:
    """AdamW on a one-cycle schedule: linear warmup, then cosine decay to 0."""
    schedule = optax.warmup_cosine_decay_schedule(
        init_value=0.0,
        peak_value=config.learning_rate,
        warmup_steps=int(config.warmup_fraction * num_steps),
        decay_steps=num_steps,
    )
    tx = optax.adamw(schedule, weight_decay=config.weight_decay)
    return nnx.Optimizer(model, tx, wrt=nnx.Param)


def train_and_evaluate(
    config: ml_collections.ConfigDict, workdir: str
) -> tuple[CNN, dict[str, float]]:
    """Trains for `config.num_epochs`, evaluating on the test split after each epoch.

    Each epoch's metrics are logged and appended to `workdir`/metrics.jsonl.
    Returns the trained model and the last epoch's metrics.
    """
    train_source = load_split(config, "train")
    test_data = load_split(config, "test")
    steps_per_epoch = len(train_source) // config.batch_size
    # One iterator for the whole run: its `get_state()` says where it is, `set_state()` resumes.
    train_iter = iter(train_dataset(train_source, config).to_iter_dataset())

    model = CNN(dropout_rate=config.dropout_rate, rngs=nnx.Rngs(config.seed))
    optimizer = create_optimizer(model, config, config.num_epochs * steps_per_epoch)
    metrics = make_metrics()

    os.makedirs(workdir, exist_ok=True)
    with open(os.path.join(workdir, "metrics.jsonl"), "w") as metrics_file:
        for epoch in range(1, config.num_epochs + 1):
            start = time.time()
            model.train()  # Dropout on.
            for batch in itertools.islice(train_iter, steps_per_epoch):
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
