"""`python -m howtoctl` and the `howtoctl` script.

The CLI's modules are imported here, inside the handler: a Ctrl-C while they load (the first
fraction of a second) ends quietly with 130, as one later does, not with a traceback.
"""

from __future__ import annotations

import sys


def entry() -> int:
    try:
        from howtoctl.cli import main
    except KeyboardInterrupt:
        return 130
    return main()


if __name__ == "__main__":
    sys.exit(entry())
