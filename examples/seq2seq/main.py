"""Command line for the seq2seq addition example.

  python -m examples.seq2seq.main --workdir=/tmp/seq2seq
  python -m examples.seq2seq.main --workdir=/tmp/seq2seq --config.num_train_steps=500

Every field of `configs/default.py` can be overridden as `--config.<field>=<value>`
(the same spelling as ml_collections' config flags).
"""

from __future__ import annotations

import json
import logging

from examples import config_cli
from examples.seq2seq import train
from examples.seq2seq.configs import default

log = logging.getLogger(__name__)


def parse_args(argv: list[str] | None = None) -> tuple[str, default.Config]:
    """Returns the workdir, and the default config with the command line's overrides."""
    return config_cli.parse_args(argv, default.get_config(), __doc__.splitlines()[0])


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    workdir, config = parse_args(argv)
    log.info("config: %s", config)
    final = train.train_and_evaluate(config, workdir)
    log.info("final: %s", json.dumps(final))


if __name__ == "__main__":
    main()
