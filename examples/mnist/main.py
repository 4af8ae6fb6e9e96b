"""Command line for the MNIST example.

    python -m examples.mnist.main --workdir=/tmp/mnist --config.num_epochs=3
    python -m examples.mnist.main --workdir=/tmp/mnist --config=examples/mnist/configs/default.py

`--config` defaults to `configs/default.py`; any of its fields can be overridden with
`--config.<field>=<value>` (ml_collections' config flags).
"""

import logging
import os
import sys

from absl import app, flags
from ml_collections import config_flags

from examples.mnist import train

_WORKDIR = flags.DEFINE_string("workdir", None, "Where the run writes its files.", required=True)
# Resolved from this file, so the default works from any directory.
DEFAULT_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs", "default.py")
_CONFIG = config_flags.DEFINE_config_file(
    "config",
    None,
    f"File path to the hyperparameter configuration (default: {DEFAULT_CONFIG}).",
    lock_config=True,
)


def parse_flags(argv: list[str]) -> list[str]:
    """absl's flag parser, except that a bad command line exits with 2 (absl exits with 1), the
    usual status for a usage error."""
    # The default config file goes on the command line rather than into the flag's definition,
    # where ml_collections would load it and apply the overrides at import, before this `try`.
    if not any(arg == "--config" or arg.startswith("--config=") for arg in argv[1:]):
        argv = [argv[0], f"--config={DEFAULT_CONFIG}", *argv[1:]]
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        message = str(error)
    # ml_collections reports an unknown `--config.<field>` as an AttributeError or KeyError.
    except (AttributeError, KeyError) as error:
        message = f"no config field {error} (from --config.<field>=<value>)"
    print(f"error: {message}\nPass --helpfull to see the flags.", file=sys.stderr)
    sys.exit(2)


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}", exitcode=2)
    # Show this example's progress, not every library's info logs (absl shows them all).
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("examples").setLevel(logging.INFO)
    train.logger.info("config:\n%s", _CONFIG.value)
    try:
        train.train_and_evaluate(_CONFIG.value, _WORKDIR.value)
    except train.DataNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    app.run(main, flags_parser=parse_flags)
