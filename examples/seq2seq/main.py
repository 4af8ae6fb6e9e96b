"""Command line for the seq2seq addition example.

  python -m examples.seq2seq.main --workdir=/tmp/seq2seq
  python -m examples.seq2seq.main --workdir=/tmp/seq2seq --config.num_train_steps=500

Every field of `configs/default.py` can be overridden as `--config.<field>=<value>`
(the same spelling as ml_collections' config flags).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging

from examples.seq2seq import train
from examples.seq2seq.configs import default

log = logging.getLogger(__name__)


def _value_type(default_value):
    """argparse `type=` for a config field, from its default (bool("False") would be True)."""
    if isinstance(default_value, bool):
        return lambda s: {"true": True, "false": False}[s.lower()]
    return type(default_value)


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, default.Config]:
    config = default.get_config()
    parser = argparse.ArgumentParser(
        prog="python -m examples.seq2seq.main", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--workdir", required=True, help="where metrics.jsonl is written")
    for field in dataclasses.fields(config):
        parser.add_argument(
            f"--config.{field.name}",
            dest=field.name,
            type=_value_type(getattr(config, field.name)),
            default=getattr(config, field.name),
            metavar=field.type.upper() if isinstance(field.type, str) else None,
        )
    args = parser.parse_args(argv)
    overrides = {f.name: getattr(args, f.name) for f in dataclasses.fields(config)}
    return args, dataclasses.replace(config, **overrides)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    args, config = parse_args(argv)
    log.info("config: %s", config)
    final = train.train_and_evaluate(config, args.workdir)
    log.info("final: %s", json.dumps(final))


if __name__ == "__main__":
    main()
