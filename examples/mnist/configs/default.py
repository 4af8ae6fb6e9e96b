"""Default hyperparameters for the MNIST example.

Every field can be overridden on the command line, e.g.
`python -m examples.mnist.main --workdir=/tmp/mnist --config.num_epochs=3`.
"""

import dataclasses
import os


@dataclasses.dataclass
class Config:
    # A directory holding `mnist/3.0.1/` as prepared by tfds (array_record files).
    data_dir: str
    seed: int = 0
    num_epochs: int = 15
    # The global batch size: a multiple of 8, so that it splits evenly over 8 devices.
    batch_size: int = 64
    eval_batch_size: int = 256
    # Training images are shifted by up to `max_shift` pixels, a new random shift every epoch.
    max_shift: int = 2
    # AdamW on a one-cycle schedule: a linear warmup to `learning_rate` over the first
    # `warmup_fraction` of the training steps, then a cosine decay to 0.
    learning_rate: float = 5e-3
    warmup_fraction: float = 0.1
    weight_decay: float = 1e-4


def get_config() -> Config:
    """Returns the default config."""
    # The same default as tfds: $TFDS_DATA_DIR if set, else ~/tensorflow_datasets.
    data_dir = os.environ.get("TFDS_DATA_DIR", os.path.expanduser("~/tensorflow_datasets"))
    return Config(data_dir=data_dir)
