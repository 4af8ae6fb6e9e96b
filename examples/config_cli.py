"""The examples' command line: `--workdir`, and `--config.<field>=<value>` for every field of a
dataclass config (the spelling of ml_collections' config flags, without the dependency).

Each value is parsed as the type of the field's default: bool, int, float or str.
"""

import argparse
import dataclasses
from typing import TypeVar

C = TypeVar("C")  # a dataclass instance


def parse_bool(text: str) -> bool:
    """`true`/`false` in any case: argparse's `type=bool` would make "False" True."""
    value = {"true": True, "false": False}.get(text.lower())
    if value is None:
        raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")
    return value


PARSERS = {bool: parse_bool, int: int, float: float, str: str}


def parse_args(argv: list[str] | None, config: C, description: str) -> tuple[str, C]:
    """Returns the workdir, and `config` with the command line's overrides.

    A bad command line (unknown field, malformed value) exits with argparse's error, status 2.
    """
    parser = argparse.ArgumentParser(description=description, allow_abbrev=False)
    parser.add_argument("--workdir", required=True, help="where the run writes its files")
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if type(value) not in PARSERS:
            raise TypeError(f"config field {field.name!r}: no command-line type for {value!r}")
        parser.add_argument(
            f"--config.{field.name}",
            dest=field.name,
            type=PARSERS[type(value)],
            default=value,
            metavar=type(value).__name__.upper(),
            help=f"default: {value}",
        )
    args = parser.parse_args(argv)
    overrides = {field.name: getattr(args, field.name) for field in dataclasses.fields(config)}
    return args.workdir, dataclasses.replace(config, **overrides)
