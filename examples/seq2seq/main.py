"""Command line for the seq2seq addition example.

  python -m examples.seq2seq.main --workdir=/tmp/seq2seq
  python -m examples.seq2seq.main --workdir=/tmp/seq2seq --config.num_train_steps=500

`--config` defaults to `configs/default.py` next to this file; any of its fields can be
overridden as `--config.<field>=<value>` (ml_collections' config flags).
"""

import json
import os

from absl import app, flags, logging
from ml_collections import config_flags

from examples.seq2seq import train

FLAGS = flags.FLAGS

DEFAULT_CONFIG = os.path.join(os.path.dirname(__file__), "configs", "default.py")

flags.DEFINE_string("workdir", None, "Directory for config.json and metrics.jsonl.")
# No default here: ml_collections would load a default file, and apply the command line's
# overrides to it, while this module is imported, where a bad override is a traceback.
# parse_flags supplies it instead.
config_flags.DEFINE_config_file(
    "config",
    None,
    f"File path to the training hyperparameter configuration (default: {DEFAULT_CONFIG}).",
    lock_config=True,
)
flags.mark_flags_as_required(["workdir"])


def parse_flags(argv: list[str]) -> list[str]:
    """absl's flag parsing, with `--config` defaulting to `DEFAULT_CONFIG`, and a bad command
    line exiting with status 2, the usual one for usage errors (absl's is 1)."""
    if not any(arg == "--config" or arg.startswith("--config=") for arg in argv[1:]):
        argv = [argv[0], f"--config={DEFAULT_CONFIG}", *argv[1:]]
    try:
        remaining = FLAGS(argv)
        FLAGS.config.keys()  # ml_collections defers a config file's load error to first use
        return remaining
    except (flags.Error, OSError) as error:  # OSError: an unreadable config file
        app.usage(shorthelp=True, detailed_error=error, exitcode=2)
    except AttributeError as error:  # ml_collections' error for a --config.<field> it lacks
        field = str(error).strip("\"'")
        app.usage(shorthelp=True, detailed_error=f"no config field {field!r}", exitcode=2)


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}", exitcode=2)
    logging.info("config: %s", FLAGS.config)
    final = train.train_and_evaluate(FLAGS.config, FLAGS.workdir)
    logging.info("final: %s", json.dumps(final))


if __name__ == "__main__":
    app.run(main, flags_parser=parse_flags)
