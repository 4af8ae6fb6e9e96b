"""Quick tests for the seq2seq addition example (seconds on CPU)."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from examples.seq2seq import input_pipeline, models, train
from examples.seq2seq.configs import default

# Small enough that compiling dominates; every test below shares these shapes, so
# `eval_step` is compiled once for the whole file, and `train_step` once per optimizer
# (jit keys it on the optimizer's schedule, a new closure each time).
TINY = default.get_config()
TINY.update(
    max_digits=2,
    embed_size=8,
    hidden_size=16,
    learning_rate=3e-2,
    batch_size=8,
    num_train_steps=10,
    num_eval_problems=8,  # = batch_size: eval_step compiled for one shape serves all tests
    eval_every_steps=5,
    num_decoded_examples=2,
)


@pytest.fixture(scope="module", autouse=True)
def quick_compilation():
    """XLA's optimisations cost seconds per program here, for programs that run in
    microseconds: skip them (jax's documented flag for exactly this trade-off)."""
    previous = jax.config.read("jax_disable_most_optimizations")
    jax.config.update("jax_disable_most_optimizations", True)
    yield
    jax.config.update("jax_disable_most_optimizations", previous)


@pytest.fixture(scope="module")
def ctable():
    return input_pipeline.CharacterTable(TINY.max_digits)


@pytest.fixture(scope="module")
def model(ctable):
    """Freshly initialised; tests that train make their own."""
    return train.create_model(TINY, ctable)


@pytest.fixture(scope="module")
def batch(ctable):
    """One training batch of TINY.batch_size problems, as jax arrays."""
    problems = input_pipeline.AdditionProblems(ctable, seed=0, num_eval=1)
    return {k: jnp.asarray(v) for k, v in problems.train_batch(TINY.batch_size).items()}


@nnx.jit(static_argnums=2)
def forward(model, inputs, num_steps, teacher_tokens=None):
    """`model(...)`, compiled once per kind of call (eagerly, nnx.RNN recompiles its scan
    on every call)."""
    return model(inputs, num_steps, teacher_tokens)


def test_encoding_round_trip(ctable):
    for text in ["0+0", "99+99", "7+10", "198"]:
        ids = ctable.encode(text, ctable.max_input_len)
        assert ids.shape == (ctable.max_input_len,)
        assert ctable.decode(ids) == text
    assert list(ctable.encode("12", 5)) == [
        ctable.chars.index("1"),
        ctable.chars.index("2"),
        input_pipeline.EOS_ID,
        input_pipeline.PAD_ID,
        input_pipeline.PAD_ID,
    ]
    with pytest.raises(ValueError):
        ctable.encode("123+45", 6)  # 6 characters + EOS do not fit


def test_problems_are_sums_and_eval_is_held_out(ctable):
    problems = input_pipeline.AdditionProblems(ctable, seed=0, num_eval=50)
    batch = problems.train_batch(200)
    assert batch["inputs"].shape == (200, ctable.max_input_len)
    assert batch["targets"].shape == (200, ctable.max_output_len)
    eval_inputs = {ctable.decode(x) for x in problems.eval_set["inputs"]}
    assert len(eval_inputs) == 50
    for inputs, targets in zip(batch["inputs"], batch["targets"]):
        a, b = ctable.decode(inputs).split("+")
        assert ctable.decode(targets) == str(int(a) + int(b))
        assert ctable.decode(inputs) not in eval_inputs


def test_problems_are_deterministic_given_seed(ctable):
    p1, p2 = (input_pipeline.AdditionProblems(ctable, seed=3, num_eval=8) for _ in range(2))
    np.testing.assert_array_equal(p1.eval_set["inputs"], p2.eval_set["inputs"])
    np.testing.assert_array_equal(p1.train_batch(8)["inputs"], p2.train_batch(8)["inputs"])


def test_encoder_ignores_padding(model, ctable):
    short = ctable.encode("12+34", ctable.max_input_len)[None]
    padded = ctable.encode("12+34", ctable.max_input_len + 5)[None]
    for a, b in zip(model.encoder(jnp.asarray(short)), model.encoder(jnp.asarray(padded))):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_next_input_is_teacher_token_or_argmax():
    logits = jnp.array([[0.0, 5.0, 1.0], [3.0, 0.0, 1.0]])
    np.testing.assert_array_equal(models.next_input(logits, None), [1, 0])
    np.testing.assert_array_equal(models.next_input(logits, jnp.array([2, 2])), [2, 2])


def test_teacher_forced_decoding_consumes_the_given_tokens(model, ctable, batch):
    inputs, targets = batch["inputs"], batch["targets"]
    steps = targets.shape[1]
    logits = forward(model, inputs, steps, targets)
    assert logits.shape == (TINY.batch_size, steps, ctable.vocab_size)

    # The token given for step k is the decoder's input at step k + 1: changing it
    # changes the logits from step k + 1 on, and nothing before.
    k = 1
    changed = targets.at[:, k].set((targets[:, k] + 1) % ctable.vocab_size)
    logits2 = forward(model, inputs, steps, changed)
    np.testing.assert_allclose(logits[:, : k + 1], logits2[:, : k + 1], atol=1e-6)
    assert not np.allclose(logits[:, k + 1], logits2[:, k + 1])

    # Free-running decoding is teacher forcing with the model's own predictions.
    _, predictions = train.eval_step(model, batch)  # model.decode, compiled
    np.testing.assert_array_equal(
        jnp.argmax(forward(model, inputs, steps, predictions), axis=-1), predictions
    )


def reference_decode(decoder, carry, num_steps, teacher_tokens=None):
    """The decoder as a plain Python loop over `Decoder.step` and `next_input`."""
    token = jnp.full((carry[0].shape[0],), input_pipeline.GO_ID, dtype=jnp.int32)
    all_logits = []
    for t in range(num_steps):
        carry, logits = decoder.step(carry, token)
        all_logits.append(logits)
        token = models.next_input(logits, None if teacher_tokens is None else teacher_tokens[:, t])
    return jnp.stack(all_logits, axis=1)


@pytest.mark.parametrize("teacher_forced", [True, False], ids=["teacher-forced", "greedy"])
def test_scanned_decoder_equals_step_by_step_loop(ctable, batch, teacher_forced):
    # A model whose predictions differ from the targets: else the greedy case could not
    # tell its own feedback from the teacher's tokens.
    model = models.Seq2seq(ctable.vocab_size, 8, 16, rngs=nnx.Rngs(1))
    targets = batch["targets"]
    teacher_tokens = targets if teacher_forced else None
    carry = model.encoder(batch["inputs"])
    scanned = nnx.jit(models.Decoder.__call__, static_argnums=2)(
        model.decoder, carry, targets.shape[1], teacher_tokens
    )
    expected = reference_decode(model.decoder, carry, targets.shape[1], teacher_tokens)
    assert scanned.shape == (TINY.batch_size, targets.shape[1], ctable.vocab_size)
    np.testing.assert_allclose(scanned, expected, atol=1e-5)
    predictions = jnp.argmax(expected, axis=-1)
    assert not np.array_equal(predictions, targets)


def test_loss_ignores_padding():
    targets = np.array([[5, input_pipeline.EOS_ID, input_pipeline.PAD_ID]])
    logits = np.zeros((1, 3, 8), np.float32)
    logits[0, 0, 5] = logits[0, 1, input_pipeline.EOS_ID] = 10.0
    noisy = logits.copy()
    noisy[0, 2] = np.arange(8.0) * 7  # garbage at the padded position
    loss = jax.jit(train.cross_entropy_loss)  # one compilation instead of one per op
    assert float(loss(logits, targets)) == pytest.approx(float(loss(noisy, targets)))
    assert float(loss(logits, targets)) < 1e-3


def test_sequence_accuracy_is_exact_match_up_to_eos():
    eos, pad = input_pipeline.EOS_ID, input_pipeline.PAD_ID
    targets = jnp.array([[5, eos, pad], [5, eos, pad], [5, 6, eos]])
    predictions = jnp.array([[5, eos, 9], [5, 6, eos], [5, 6, 7]])
    assert float(train.sequence_accuracy(predictions, targets)) == pytest.approx(1 / 3)


def test_loss_decreases(ctable, batch):
    model = train.create_model(TINY, ctable)
    optimizer = train.create_optimizer(TINY, model)
    losses = [float(train.train_step(model, optimizer, batch)["loss"]) for _ in range(10)]
    assert losses[-1] < 0.8 * losses[0], losses


def test_train_and_evaluate_end_to_end(tmp_path):
    final = train.train_and_evaluate(TINY, str(tmp_path / "a"))
    assert final["step"] == TINY.num_train_steps
    assert 0.0 <= final["eval_accuracy"] <= 1.0
    lines = (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [5, 10]
    assert json.loads((tmp_path / "a" / "config.json").read_text())["seed"] == TINY.seed

    # Same seed, same numbers.
    again = train.train_and_evaluate(TINY, str(tmp_path / "b"))
    del again["seconds"], final["seconds"]
    assert again == final


REPO = pathlib.Path(__file__).resolve().parents[2]


def run_main(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    """`python -m examples.seq2seq.main ARGS` in `cwd`, away from the repository, so that
    the default config file must be found next to the module."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "JAX_DISABLE_MOST_OPTIMIZATIONS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "examples.seq2seq.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


def test_command_line_overrides_the_default_config(tmp_path):
    tiny = ["max_digits=1", "embed_size=4", "hidden_size=8", "batch_size=4"]
    tiny += ["num_eval_problems=4", "num_decoded_examples=1", "eval_every_steps=2"]
    args = [f"--config.{override}" for override in tiny]
    args += ["--config.num_train_steps=2", "--config.seed=5", "--config.learning_rate", "0.5"]
    run = run_main("--workdir=out", *args, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["num_train_steps"] == 2 and config["seed"] == 5
    assert config["learning_rate"] == 0.5 and config["hidden_size"] == 8
    assert config["eval_every_steps"] == 2
    assert config["learning_rate"] != default.get_config().learning_rate
    lines = (tmp_path / "out" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [2]


@pytest.mark.parametrize(
    "bad",
    [
        ["--bogus=1"],  # unknown flag
        ["--config.no_such_field=1"],  # unknown config field
        ["--config.num_train_steps=many"],  # malformed value
        ["--config=no_such_config.py"],  # missing config file
        ["stray_argument"],
    ],
    ids=["flag", "field", "value", "config-file", "argument"],
)
def test_bad_command_line_exits_2_and_writes_nothing(tmp_path, bad):
    # A subprocess: ml_collections defines the --config.<field> flags from sys.argv when
    # main is imported, so they cannot be parsed in this process.
    run = run_main("--workdir=out", *bad, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()
