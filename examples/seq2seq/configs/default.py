"""Default hyperparameters: a short CPU run that learns 3-digit addition."""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
    """The default hyperparameter configuration."""
    config = ml_collections.ConfigDict()
    # Problems: operands have 1..max_digits digits.
    config.max_digits = 3
    # Model.
    config.embed_size = 32
    config.hidden_size = 128
    # Optimisation.
    config.learning_rate = 1e-2  # peak; cosine-decayed to 0 over num_train_steps
    config.batch_size = 128
    config.num_train_steps = 3000
    # Evaluation: a fixed set of held-out problems, never seen in training.
    config.num_eval_problems = 1000
    config.eval_every_steps = 500
    config.num_decoded_examples = 5  # decoded eval problems printed at each eval
    # Everything random (parameters, problems) derives from this.
    config.seed = 0
    return config
