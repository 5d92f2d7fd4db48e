"""``ganimation`` entry point: dispatches to one module per subcommand.

Each subcommand module defines ``add_parser(subparsers)`` (which registers the
parser and sets ``func``) and a ``run(args) -> int``. Mistakes a user can fix
raise :class:`ganimation.errors.GanimationError`; they are printed here as one
line and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

#: Subcommands, in the order ``--help`` lists them. A module that is missing
#: (an optional part not installed) is skipped.
SUBCOMMANDS = (
    "demo", "edit", "animate", "reenact", "train", "synth", "annotate", "prepare",
    "evaluate", "export", "app",
)

#: Longest error line printed (characters after ``error: ``); longer messages are shortened.
ERROR_LIMIT = 300


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one ``error:`` line (exit status 2), like every other error."""

    def error(self, message: str):
        from ganimation.errors import one_line

        self.exit(2, f"error: {self.prog}: {one_line(message, ERROR_LIMIT - len(self.prog) - 40)} "
                     f"(see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from ganimation import __version__

    parser = OneLineParser(
        prog="ganimation",
        description="Edit facial expressions by Action Unit intensities.",
    )
    parser.add_argument("--version", action="version", version=f"ganimation {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"ganimation.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"ganimation.cli.{name}"):
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Idle OpenMP threads sleep instead of spinning: on a small, shared CPU the
    # spinning made 2 threads slower than 1 (benchmarks/results/cpu_inference*.md).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from ganimation.errors import GanimationError, one_line

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # a usage error (one ``error:`` line already printed), --help or --version
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except GanimationError as exc:
        print(f"error: {one_line(exc, ERROR_LIMIT)}", file=sys.stderr)  # one line, bounded
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the output was piped into a command that stopped reading (``annotate ... | head``): stop quietly;
        # stdout goes to /dev/null so that the interpreter's own flush at exit finds no broken pipe either
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1


if __name__ == "__main__":
    sys.exit(main())
