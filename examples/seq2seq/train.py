"""Training and evaluation for the seq2seq addition example.

`train_and_evaluate(config, workdir)` is the whole recipe; the pieces above it
(loss, metrics, jitted steps) are small and usable on their own.
"""

from __future__ import annotations

import json
import logging
import os
import time

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
from flax import nnx

from examples.seq2seq import input_pipeline, models

log = logging.getLogger(__name__)


def create_model(
    config: ml_collections.ConfigDict, ctable: input_pipeline.CharacterTable
) -> models.Seq2seq:
    return models.Seq2seq(
        ctable.vocab_size, config.embed_size, config.hidden_size, rngs=nnx.Rngs(config.seed)
    )


def create_optimizer(config: ml_collections.ConfigDict, model: models.Seq2seq) -> nnx.Optimizer:
    """Adam with the learning rate decayed to zero over training (cosine schedule)."""
    schedule = optax.cosine_decay_schedule(config.learning_rate, config.num_train_steps)
    return nnx.Optimizer(model, optax.adam(schedule), wrt=nnx.Param)


def target_mask(targets: jax.Array) -> jax.Array:
    """1.0 for real target tokens (digits and the EOS), 0.0 for padding."""
    return (targets != input_pipeline.PAD_ID).astype(jnp.float32)


def cross_entropy_loss(logits: jax.Array, targets: jax.Array) -> jax.Array:
    """Mean token cross-entropy over non-padding target positions."""
    losses = optax.softmax_cross_entropy_with_integer_labels(logits, targets)
    mask = target_mask(targets)
    return jnp.sum(losses * mask) / jnp.sum(mask)


def sequence_accuracy(predictions: jax.Array, targets: jax.Array) -> jax.Array:
    """Fraction of sequences whose every non-padding token (EOS included) is right."""
    correct = (predictions == targets) | (targets == input_pipeline.PAD_ID)
    return jnp.mean(jnp.all(correct, axis=-1))


@nnx.jit
def train_step(model: models.Seq2seq, optimizer: nnx.Optimizer, batch: dict) -> dict:
    """One Adam step on a teacher-forced batch; returns loss and teacher-forced accuracy."""
    targets = batch["targets"]

    def loss_fn(model):
        logits = model(batch["inputs"], targets.shape[1], teacher_tokens=targets)
        return cross_entropy_loss(logits, targets), logits

    (loss, logits), grads = nnx.value_and_grad(loss_fn, has_aux=True)(model)
    optimizer.update(model, grads)
    return {"loss": loss, "accuracy": sequence_accuracy(jnp.argmax(logits, -1), targets)}


@nnx.jit
def eval_step(model: models.Seq2seq, batch: dict) -> tuple[dict, jax.Array]:
    """Teacher-forced loss and free-running (greedy) exact-match accuracy, plus predictions."""
    targets = batch["targets"]
    num_steps = targets.shape[1]
    loss = cross_entropy_loss(model(batch["inputs"], num_steps, teacher_tokens=targets), targets)
    predictions = model.decode(batch["inputs"], num_steps)
    return {"loss": loss, "accuracy": sequence_accuracy(predictions, targets)}, predictions


def decoded_examples(ctable, batch, predictions, n: int) -> list[str]:
    """Human-readable eval results: "123+45 = 168 (ok)" / "... (want 168)"."""
    lines = []
    for inputs, targets, predicted in list(zip(batch["inputs"], batch["targets"], predictions))[:n]:
        want, got = ctable.decode(targets), ctable.decode(predicted)
        mark = "ok" if want == got else f"want {want}"
        lines.append(f"{ctable.decode(inputs)} = {got} ({mark})")
    return lines


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str) -> dict:
    """Trains for `config.num_train_steps`, evaluating every `config.eval_every_steps`.

    Writes `config.json` and `metrics.jsonl` (one JSON object per eval) to
    `workdir` and returns the final eval metrics.
    """
    os.makedirs(workdir, exist_ok=True)
    with open(os.path.join(workdir, "config.json"), "w") as f:
        json.dump(config.to_dict(), f, indent=2)
    ctable = input_pipeline.CharacterTable(config.max_digits)
    problems = input_pipeline.AdditionProblems(ctable, config.seed, config.num_eval_problems)
    eval_batch = {k: jnp.asarray(v) for k, v in problems.eval_set.items()}
    model = create_model(config, ctable)
    optimizer = create_optimizer(config, model)

    start = time.perf_counter()
    eval_metrics: dict = {}
    with open(os.path.join(workdir, "metrics.jsonl"), "w") as metrics_file:
        for step in range(1, config.num_train_steps + 1):
            batch = {k: jnp.asarray(v) for k, v in problems.train_batch(config.batch_size).items()}
            train_metrics = train_step(model, optimizer, batch)

            if step % config.eval_every_steps == 0 or step == config.num_train_steps:
                metrics, predictions = eval_step(model, eval_batch)
                eval_metrics = {
                    "step": step,
                    "seconds": round(time.perf_counter() - start, 2),
                    **{f"train_{k}": float(v) for k, v in train_metrics.items()},
                    **{f"eval_{k}": float(v) for k, v in metrics.items()},
                }
                log.info(
                    "step %d (%.1fs): train loss %.4f, eval loss %.4f, eval accuracy %.4f",
                    step,
                    eval_metrics["seconds"],
                    eval_metrics["train_loss"],
                    eval_metrics["eval_loss"],
                    eval_metrics["eval_accuracy"],
                )
                for line in decoded_examples(
                    ctable, problems.eval_set, np.asarray(predictions), config.num_decoded_examples
                ):
                    log.info("  %s", line)
                metrics_file.write(json.dumps(eval_metrics) + "\n")
                metrics_file.flush()
    return eval_metrics
