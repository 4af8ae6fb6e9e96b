"""Default hyperparameters: a short CPU run that learns 3-digit addition."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Config:
    # Problems: operands have 1..max_digits digits.
    max_digits: int = 3
    # Model.
    embed_size: int = 32
    hidden_size: int = 128
    # Optimisation.
    learning_rate: float = 1e-2  # peak; cosine-decayed to 0 over num_train_steps
    batch_size: int = 128
    num_train_steps: int = 3000
    # Evaluation: a fixed set of held-out problems, never seen in training.
    num_eval_problems: int = 1000
    eval_every_steps: int = 500
    num_decoded_examples: int = 5  # decoded eval problems printed at each eval
    # Everything random (parameters, problems) derives from this.
    seed: int = 0


def get_config() -> Config:
    return Config()
