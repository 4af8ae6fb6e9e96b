"""Default hyperparameters for the MNIST example.

Every field can be overridden on the command line, e.g.
`python -m examples.mnist.main --workdir=/tmp/mnist --config.num_epochs=3`.
"""

import os

import ml_collections


def get_config() -> ml_collections.ConfigDict:
    """Returns the default config."""
    config = ml_collections.ConfigDict()
    # A directory holding `mnist/3.0.1/` as prepared by tfds (array_record files). The same
    # default as tfds: $TFDS_DATA_DIR if set, else ~/tensorflow_datasets.
    config.data_dir = os.environ.get("TFDS_DATA_DIR", os.path.expanduser("~/tensorflow_datasets"))
    config.seed = 0
    config.num_epochs = 15
    # The global batch size: a multiple of 8, so that it splits evenly over 8 devices.
    config.batch_size = 64
    config.eval_batch_size = 256
    # Training images are shifted by up to `max_shift` pixels, a new random shift every epoch.
    config.max_shift = 2
    # The fraction of the dense layer's activations that dropout zeroes while training.
    config.dropout_rate = 0.2
    # AdamW on a one-cycle schedule: a linear warmup to `learning_rate` over the first
    # `warmup_fraction` of the training steps, then a cosine decay to 0.
    config.learning_rate = 5e-3
    config.warmup_fraction = 0.1
    config.weight_decay = 1e-4
    return config
