"""Quick tests of the MNIST example: mock or generated data only, never the real dataset."""

import json
import os
import subprocess
import sys

import numpy as np
import optax
import pytest
import tensorflow_datasets as tfds
from flax import nnx

from examples.mnist import train
from examples.mnist.configs import default

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def generated_source(num_examples: int, seed: int = 0) -> list[train.Example]:
    """Examples shaped as tfds's data source returns them."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (num_examples, 28, 28, 1), dtype=np.uint8)
    labels = rng.integers(0, 10, num_examples)
    return [{"image": image, "label": label} for image, label in zip(images, labels)]


def numbered_source(num_examples: int) -> list[train.Example]:
    """Example `i` has label `i`: batches show which examples they hold."""
    return [{"image": np.zeros((28, 28, 1), np.uint8), "label": i} for i in range(num_examples)]


@pytest.fixture
def config(tmp_path):
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
    config = default.get_config()
    config.data_dir = str(tmp_path / "data")
    config.num_epochs = 1
    config.batch_size = 16
    config.eval_batch_size = 16
    return config


def labels(batches) -> list[list[int]]:
    return [b["label"].tolist() for b in batches]


def test_load_split_reads_mock_data(config):
    with tfds.testing.mock_data(num_examples=10):
        source = train.load_split(config, "train")
        example = train.normalize(source[3])
    assert len(source) == 10
    assert example["image"].shape == (28, 28, 1) and example["image"].dtype == np.float32
    assert 0 <= example["image"].min() and example["image"].max() <= 1
    assert example["label"].dtype == np.int32 and 0 <= example["label"] < 10


def test_train_dataset_reshuffles_each_epoch_deterministically(config):
    config.num_epochs = 2
    dataset = train.train_dataset(numbered_source(40), config)
    batches = labels(dataset)
    assert [len(b) for b in batches] == [16] * 4  # Per epoch, the remainder of 8 is dropped.
    for epoch in (batches[:2], batches[2:]):
        seen = sum(epoch, [])
        assert len(set(seen)) == 32 and set(seen) <= set(range(40))  # No example twice.
    assert batches[:2] != batches[2:]  # A new order in the second epoch.
    assert labels(train.train_dataset(numbered_source(40), config)) == batches
    config.seed = 1
    assert labels(train.train_dataset(numbered_source(40), config)) != batches


def test_train_iterator_resumes_from_its_state(config):
    config.num_epochs = 2
    dataset = train.train_dataset(generated_source(40), config).to_iter_dataset()
    iterator = iter(dataset)
    next(iterator)
    state = iterator.get_state()
    expected = list(iterator)
    resumed = iter(dataset)
    resumed.set_state(state)
    actual = list(resumed)
    assert len(actual) == len(expected) == 3
    for a, e in zip(actual, expected):
        np.testing.assert_array_equal(a["image"], e["image"])
        np.testing.assert_array_equal(a["label"], e["label"])


def test_random_shift_moves_pixels_within_bounds():
    image = np.zeros((28, 28, 1), np.float32)
    image[14, 14, 0] = 1
    rng = np.random.default_rng(0)
    offsets = set()
    for _ in range(50):
        shifted = train.random_shift({"image": image, "label": 0}, rng, max_shift=2)["image"]
        assert shifted.shape == (28, 28, 1)
        ((y, x, _),) = np.argwhere(shifted)
        assert abs(y - 14) <= 2 and abs(x - 14) <= 2
        offsets.add((y, x))
    assert len(offsets) > 1
    unshifted = train.random_shift({"image": image, "label": 0}, rng, max_shift=0)["image"]
    assert unshifted.tolist() == image.tolist()


def test_eval_batches_pad_the_last_batch_and_mask_it():
    batches = list(train.eval_batches(numbered_source(40), batch_size=16))
    assert [b["image"].shape for b in batches] == [(16, 28, 28, 1)] * 3
    assert [int(b["mask"].sum()) for b in batches] == [16, 16, 8]
    assert not batches[-1]["mask"][8:].any()
    kept = np.concatenate([b["label"][b["mask"]] for b in batches])
    assert kept.tolist() == list(range(40))


def test_dropout_is_on_in_train_mode_and_off_in_eval_mode():
    model = train.CNN(dropout_rate=0.5, rngs=nnx.Rngs(0))
    x = np.stack([train.normalize(e)["image"] for e in generated_source(8)])
    model.train()
    assert not np.allclose(model(x), model(x))  # A new dropout mask every call.
    model.eval()
    np.testing.assert_array_equal(model(x), model(x))
    no_dropout = train.CNN(dropout_rate=0.0, rngs=nnx.Rngs(0))
    no_dropout.train()
    np.testing.assert_allclose(model(x), no_dropout(x), rtol=1e-6)


def test_train_step_reduces_loss():
    model = train.CNN(rngs=nnx.Rngs(0))
    optimizer = nnx.Optimizer(model, optax.adam(1e-3), wrt=nnx.Param)
    batch = next(iter(train.eval_batches(generated_source(16), batch_size=16)))
    losses = []
    for _ in range(5):
        metrics = train.make_metrics()
        train.train_step(model, optimizer, metrics, batch)
        losses.append(float(metrics.compute()["loss"]))
    assert losses[-1] < losses[0]


def test_evaluate_counts_every_example_once():
    model = train.CNN(rngs=nnx.Rngs(0))
    source = generated_source(40)  # Two full batches of 16, then 8 examples and 8 padding.
    metrics = train.evaluate(model, source, batch_size=16)
    assert model.dropout.deterministic  # evaluate left the model in eval mode.
    data = {
        "image": np.stack([train.normalize(e)["image"] for e in source]),
        "label": np.array([e["label"] for e in source], np.int32),
    }
    logits = np.asarray(model(data["image"]))
    expected_accuracy = np.mean(logits.argmax(-1) == data["label"])
    expected_loss = float(np.mean(train.loss_fn(model, data)[0]))
    assert metrics["accuracy"] == pytest.approx(expected_accuracy)
    assert metrics["loss"] == pytest.approx(expected_loss, rel=1e-5)
    assert 0 <= metrics["accuracy"] <= 1 and metrics["loss"] > 0


def test_train_and_evaluate_is_deterministic_given_the_seed(config, tmp_path):
    runs = []
    for seed in (0, 0, 1):
        config.seed = seed
        with tfds.testing.mock_data(num_examples=48):
            model, metrics = train.train_and_evaluate(config, str(tmp_path / f"run{len(runs)}"))
        runs.append(metrics)
    assert isinstance(model, train.CNN)
    assert set(runs[0]) == {"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy"}
    assert 0 <= runs[0]["test_accuracy"] <= 1 and np.isfinite(runs[0]["test_loss"])
    assert runs[0] == runs[1]
    assert runs[2]["train_loss"] != runs[0]["train_loss"]
    logged = [
        json.loads(line) for line in (tmp_path / "run0" / "metrics.jsonl").read_text().splitlines()
    ]
    assert logged == [runs[0]]


def run_main(*args: str, cwd: str = REPO_ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": REPO_ROOT}
    return subprocess.run(
        [sys.executable, "-m", "examples.mnist.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_missing_data_gives_a_clear_error_and_overrides_reach_the_config(tmp_path):
    data_dir = tmp_path / "nowhere"
    # From another directory: the default --config is found next to main.py.
    result = run_main(
        f"--workdir={tmp_path / 'workdir'}",
        f"--config.data_dir={data_dir}",
        "--config.num_epochs=3",
        cwd=str(tmp_path),
    )
    assert result.returncode == 2, result.stderr
    assert str(data_dir / "mnist" / "3.0.1") in result.stderr
    assert "--config.data_dir" in result.stderr and "TFDS_DATA_DIR" in result.stderr
    assert "num_epochs: 3\n" in result.stderr  # The logged config.
    assert not data_dir.exists()  # Nothing was downloaded or created.


def test_config_file_flag_is_accepted(tmp_path):
    data_dir = tmp_path / "nowhere"
    result = run_main(
        f"--workdir={tmp_path / 'workdir'}",
        "--config=examples/mnist/configs/default.py",
        f"--config.data_dir={data_dir}",
    )
    assert result.returncode == 2 and str(data_dir / "mnist") in result.stderr, result.stderr


@pytest.mark.parametrize(
    "flags",
    [
        ["--config.no_such_field=1"],
        ["--config.num_epochs=three"],
        ["--no_such_flag"],
        ["extra"],
    ],
)
def test_bad_command_line_exits_2(tmp_path, flags):
    result = run_main(f"--workdir={tmp_path / 'workdir'}", *flags)
    assert result.returncode == 2, result.stderr
    assert not (tmp_path / "workdir").exists()


def test_missing_workdir_exits_2():
    assert run_main("--config.num_epochs=1").returncode == 2
