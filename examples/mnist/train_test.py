"""Quick tests of the MNIST example: mock or generated data only, never the real dataset."""

import dataclasses
import json

import jax
import numpy as np
import optax
import pytest
import tensorflow_datasets as tfds
from flax import nnx

from examples.mnist import main, train
from examples.mnist.configs import default


def generated_data(num_examples: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "image": rng.random((num_examples, 28, 28, 1), dtype=np.float32),
        "label": rng.integers(0, 10, num_examples).astype(np.int32),
    }


@pytest.fixture
def config(tmp_path) -> default.Config:
    # Files where tfds keeps a prepared dataset pass the data dir check; the records
    # themselves come from tfds.testing.mock_data, which patches tfds.data_source.
    dataset_dir = tmp_path / "data" / "mnist" / "3.0.1"
    dataset_dir.mkdir(parents=True)
    for name in [
        "dataset_info.json",
        "mnist-train.array_record-00000-of-00001",
        "mnist-test.array_record-00000-of-00001",
    ]:
        (dataset_dir / name).touch()
    return dataclasses.replace(
        default.get_config(),
        data_dir=str(tmp_path / "data"),
        num_epochs=1,
        batch_size=16,
        eval_batch_size=16,
    )


def test_load_split_decodes_mock_data(config):
    with tfds.testing.mock_data(num_examples=10):
        data = train.load_split(config, "train")
    assert data["image"].shape == (10, 28, 28, 1)
    assert data["image"].dtype == np.float32
    assert 0 <= data["image"].min() and data["image"].max() <= 1
    assert data["label"].dtype == np.int32
    assert set(data["label"]) <= set(range(10))


def test_train_batches_are_fixed_size_and_deterministic(config):
    data = generated_data(40)
    batches = list(train.train_batches(data, config, epoch=1))
    assert [len(b["label"]) for b in batches] == [16, 16]  # The remainder of 8 is dropped.
    again = list(train.train_batches(data, config, epoch=1))
    next_epoch = list(train.train_batches(data, config, epoch=2))
    np.testing.assert_array_equal(batches[0]["image"], again[0]["image"])
    assert not np.array_equal(batches[0]["label"], next_epoch[0]["label"])


def test_random_shift_moves_pixels_within_bounds():
    image = np.zeros((1, 28, 28, 1), np.float32)
    image[0, 14, 14, 0] = 1
    shifted = train.random_shift(np.repeat(image, 50, axis=0), 2, np.random.default_rng(0))
    assert shifted.shape == (50, 28, 28, 1)
    for example in shifted:
        ((y, x, _),) = np.argwhere(example)
        assert abs(y - 14) <= 2 and abs(x - 14) <= 2
    assert train.random_shift(image, 0, np.random.default_rng(0)).tolist() == image.tolist()


def test_max_pool_2x2_matches_nnx_max_pool():
    x = np.random.default_rng(0).normal(size=(2, 28, 28, 3)).astype(np.float32)
    expected = nnx.max_pool(x, window_shape=(2, 2), strides=(2, 2))
    np.testing.assert_array_equal(train.max_pool_2x2(x), expected)


def test_train_step_reduces_loss():
    model = train.CNN(rngs=nnx.Rngs(jax.random.key(0, impl="rbg")))
    optimizer = nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)
    batch = generated_data(16)
    losses = []
    for _ in range(5):
        metrics = train.make_metrics()
        train.train_step(model, optimizer, metrics, batch)
        losses.append(float(metrics.compute()["loss"]))
    assert losses[-1] < losses[0]


def test_evaluate_counts_every_example_once():
    model = train.CNN(rngs=nnx.Rngs(jax.random.key(0, impl="rbg")))
    data = generated_data(40)  # Two full batches of 16, then 8 examples and 8 padding.
    metrics = train.evaluate(model, data, batch_size=16)
    logits = np.asarray(model(data["image"]))
    expected_accuracy = np.mean(logits.argmax(-1) == data["label"])
    expected_loss = float(np.mean(train.loss_fn(model, data)[0]))
    assert metrics["accuracy"] == pytest.approx(expected_accuracy)
    assert metrics["loss"] == pytest.approx(expected_loss, rel=1e-5)
    assert 0 <= metrics["accuracy"] <= 1 and metrics["loss"] > 0


def test_train_and_evaluate_one_epoch(config, tmp_path):
    workdir = tmp_path / "workdir"
    with tfds.testing.mock_data(num_examples=48):
        model, metrics = train.train_and_evaluate(config, str(workdir))
    assert isinstance(model, train.CNN)
    assert set(metrics) == {"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy"}
    assert 0 <= metrics["test_accuracy"] <= 1 and np.isfinite(metrics["test_loss"])
    logged = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    assert logged == [metrics]


def test_missing_data_gives_a_clear_error(tmp_path, capsys):
    data_dir = tmp_path / "nowhere"
    code = main.main(["--workdir", str(tmp_path / "workdir"), f"--config.data_dir={data_dir}"])
    assert code == 2
    message = capsys.readouterr().err
    assert str(data_dir / "mnist" / "3.0.1") in message
    assert "--config.data_dir" in message and "TFDS_DATA_DIR" in message
    assert not data_dir.exists()  # Nothing was downloaded or created.


def test_command_line_overrides_config_fields():
    workdir, config = main.parse_args(
        ["--workdir=/tmp/x", "--config.num_epochs=3", "--config.learning_rate=0.5"]
    )
    assert workdir == "/tmp/x"
    assert config.num_epochs == 3 and config.learning_rate == 0.5
    assert config.batch_size == default.get_config().batch_size
