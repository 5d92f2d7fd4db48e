"""``python -m ganimation.train`` / ``torchrun --nproc_per_node N -m ganimation.train``.

Takes the same arguments as ``ganimation train``.
"""

import argparse
import logging
import sys

from ganimation.cli.train import add_arguments, run
from ganimation.errors import GanimationError


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganimation.train", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return run(args)
    except GanimationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
