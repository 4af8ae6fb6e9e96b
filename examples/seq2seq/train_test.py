"""Quick tests for the seq2seq addition example (seconds on CPU)."""

from __future__ import annotations

import dataclasses
import json

import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

from examples.seq2seq import input_pipeline, main, models, train
from examples.seq2seq.configs import default

TINY = dataclasses.replace(
    default.get_config(),
    max_digits=2,
    embed_size=8,
    hidden_size=32,
    batch_size=16,
    num_train_steps=4,
    num_eval_problems=32,
    eval_every_steps=2,
    num_decoded_examples=2,
)


@pytest.fixture(scope="module")
def ctable():
    return input_pipeline.CharacterTable(TINY.max_digits)


@pytest.fixture(scope="module")
def model(ctable):
    """Freshly initialised; tests that train make their own."""
    return train.create_model(TINY, ctable)


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


def test_teacher_forced_decoding_consumes_the_given_tokens(model, ctable):
    batch = input_pipeline.AdditionProblems(ctable, seed=0, num_eval=1).train_batch(4)
    inputs, targets = jnp.asarray(batch["inputs"]), jnp.asarray(batch["targets"])
    steps = targets.shape[1]
    logits = model(inputs, steps, teacher_tokens=targets)
    assert logits.shape == (4, steps, ctable.vocab_size)

    # The token given for step k is the decoder's input at step k + 1: changing it
    # changes the logits from step k + 1 on, and nothing before.
    k = 1
    changed = targets.at[:, k].set((targets[:, k] + 1) % ctable.vocab_size)
    logits2 = model(inputs, steps, teacher_tokens=changed)
    np.testing.assert_allclose(logits[:, : k + 1], logits2[:, : k + 1], atol=1e-6)
    assert not np.allclose(logits[:, k + 1], logits2[:, k + 1])

    # Free-running decoding is teacher forcing with the model's own predictions.
    predictions = model.decode(inputs, steps)
    np.testing.assert_allclose(
        model(inputs, steps, teacher_tokens=predictions), model(inputs, steps), atol=1e-6
    )


def test_loss_ignores_padding():
    targets = jnp.array([[5, input_pipeline.EOS_ID, input_pipeline.PAD_ID]])
    logits = jnp.zeros((1, 3, 8)).at[0, 0, 5].set(10.0).at[0, 1, input_pipeline.EOS_ID].set(10.0)
    noisy = logits.at[0, 2].set(jnp.arange(8.0) * 7)  # garbage at the padded position
    assert train.cross_entropy_loss(logits, targets) == pytest.approx(
        train.cross_entropy_loss(noisy, targets)
    )
    assert float(train.cross_entropy_loss(logits, targets)) < 1e-3


def test_sequence_accuracy_is_exact_match_up_to_eos():
    eos, pad = input_pipeline.EOS_ID, input_pipeline.PAD_ID
    targets = jnp.array([[5, eos, pad], [5, eos, pad], [5, 6, eos]])
    predictions = jnp.array([[5, eos, 9], [5, 6, eos], [5, 6, 7]])
    assert float(train.sequence_accuracy(predictions, targets)) == pytest.approx(1 / 3)


def test_loss_decreases(ctable):
    model = train.create_model(TINY, ctable)
    optimizer = nnx.Optimizer(model, optax.adam(1e-2), wrt=nnx.Param)
    batch = input_pipeline.AdditionProblems(ctable, seed=0, num_eval=1).train_batch(TINY.batch_size)
    batch = {k: jnp.asarray(v) for k, v in batch.items()}
    losses = [float(train.train_step(model, optimizer, batch)["loss"]) for _ in range(10)]
    assert losses[-1] < 0.8 * losses[0], losses


def test_train_and_evaluate_end_to_end(tmp_path):
    final = train.train_and_evaluate(TINY, str(tmp_path / "a"))
    assert final["step"] == TINY.num_train_steps
    assert 0.0 <= final["eval_accuracy"] <= 1.0
    lines = (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [2, 4]
    assert json.loads((tmp_path / "a" / "config.json").read_text())["seed"] == TINY.seed

    again = train.train_and_evaluate(TINY, str(tmp_path / "b"))  # same seed, same numbers
    del again["seconds"], final["seconds"]
    assert again == final


def test_command_line_overrides():
    args, config = main.parse_args(
        ["--workdir=/tmp/x", "--config.num_train_steps=7", "--config.learning_rate", "0.5"]
    )
    assert args.workdir == "/tmp/x"
    assert config.num_train_steps == 7 and config.learning_rate == 0.5
    assert config.hidden_size == default.get_config().hidden_size
