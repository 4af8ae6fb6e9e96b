"""Command line for the MNIST example.

    python -m examples.mnist.main --workdir=/tmp/mnist --config.num_epochs=3

Any field of `configs/default.py` can be overridden with `--config.<field>=<value>`.
"""

import logging
import sys

from examples import config_cli
from examples.mnist import train
from examples.mnist.configs import default


def parse_args(argv: list[str] | None) -> tuple[str, default.Config]:
    """Returns the workdir, and the default config with the command line's overrides."""
    return config_cli.parse_args(argv, default.get_config(), "Train a small CNN on MNIST.")


def main(argv: list[str] | None = None) -> int:
    workdir, config = parse_args(argv)
    # Show this example's progress, not every library's info logs.
    logging.basicConfig(format="%(asctime)s %(message)s")
    logging.getLogger("examples").setLevel(logging.INFO)
    train.logger.info("%s", config)
    try:
        train.train_and_evaluate(config, workdir)
    except train.DataNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
