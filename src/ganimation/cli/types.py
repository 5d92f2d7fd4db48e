"""argparse ``type=`` functions: every numeric option of the CLI gets a range here.

Each function turns the text of an option into a number or raises
:class:`argparse.ArgumentTypeError`, which the parser prints as one
``error:`` line (exit status 2) before any work starts. NaN, infinity and
values outside the range are refused with the range in the message.
"""

from __future__ import annotations

import argparse
import math

#: Most frames ``ganimation animate`` renders (a GIF holds at most this many; see ganimation.video).
MAX_ANIMATION_FRAMES = 600
#: Most worker processes and threads an option accepts.
MAX_WORKERS = 256
#: Crop sizes ``ganimation prepare --size`` accepts.
MIN_CROP, MAX_CROP = 32, 1024
#: Most faces a dataset or ``synth --count`` may hold, and most training steps.
MAX_COUNT = 10_000_000


def _short(text: str, limit: int = 40) -> str:
    from ganimation.errors import one_line

    return one_line(text, limit)


def _parse_int(text: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_short(text)!r} is not a whole number") from None


def _parse_float(text: str, what: str = "a number") -> float:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_short(text)!r} is not {what}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{_short(text)!r}: give a finite number")
    return value


def int_range(lo: int | None = None, hi: int | None = None, *, name: str | None = None):
    """A ``type=`` for whole numbers in ``[lo, hi]`` (either bound may be None)."""

    def parse(text: str) -> int:
        value = _parse_int(text)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            if hi is None:
                raise argparse.ArgumentTypeError(f"{_short(text)!r}: give a whole number >= {lo}")
            if lo is None:
                raise argparse.ArgumentTypeError(f"{_short(text)!r}: give a whole number <= {hi}")
            raise argparse.ArgumentTypeError(f"{_short(text)!r}: give a whole number from {lo} to {hi}")
        return value

    parse.__name__ = name or f"int[{lo},{hi}]"
    return parse


def float_range(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
                hi_open: bool = False, name: str | None = None, unit: str = ""):
    """A ``type=`` for finite numbers between ``lo`` and ``hi`` (open or closed ends)."""

    def parse(text: str) -> float:
        value = _parse_float(text)
        bad = ((lo is not None and (value <= lo if lo_open else value < lo))
               or (hi is not None and (value >= hi if hi_open else value > hi)))
        if bad:
            left = "-inf" if lo is None else f"{lo:g}"
            right = "inf" if hi is None else f"{hi:g}"
            interval = f"{'(' if lo_open or lo is None else '['}{left}, {right}{')' if hi_open or hi is None else ']'}"
            raise argparse.ArgumentTypeError(f"{_short(text)!r}: give a number in {interval}{unit}")
        return value

    parse.__name__ = name or "number"
    return parse


positive_int = int_range(1, None, name="positive_int")
nonneg_int = int_range(0, None, name="nonneg_int")
seed = int_range(0, 2**32 - 1, name="seed")
workers = int_range(1, MAX_WORKERS, name="workers")
threads = int_range(1, MAX_WORKERS, name="threads")
port = int_range(1, 65535, name="port")
max_faces = int_range(1, 100, name="max_faces")
crop_size = int_range(MIN_CROP, MAX_CROP, name="crop_size")
count = int_range(1, MAX_COUNT, name="count")
steps = int_range(1, MAX_COUNT, name="steps")
animation_frames = int_range(2, MAX_ANIMATION_FRAMES, name="frames")
unit_interval = float_range(0.0, 1.0, name="unit_interval")
fraction = float_range(0.0, 1.0, hi_open=True, name="fraction")
positive_float = float_range(0.0, None, lo_open=True, name="positive_float")
nonneg_float = float_range(0.0, None, name="nonneg_float")


def seconds(text: str) -> float:
    """A time in seconds, finite and >= 0."""
    value = _parse_float(text, "a number of seconds")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{_short(text)!r}: give a time >= 0 in seconds")
    return value


def fps(text: str) -> float:
    """A frame rate in ``(0, ganimation.video.MAX_FPS]`` frames per second (at least 0.1)."""
    from ganimation.video import MAX_FPS

    value = _parse_float(text, "a frame rate")
    if not 0.1 <= value <= MAX_FPS:
        raise argparse.ArgumentTypeError(f"{_short(text)!r}: give a frame rate from 0.1 to {MAX_FPS:g} frames/s")
    return value


def check_animation_length(frames: int, pingpong: bool) -> int:
    """Frames an animation of ``frames`` steps writes; over :data:`MAX_ANIMATION_FRAMES` is an error."""
    from ganimation.errors import GanimationError

    total = 2 * frames - 2 if pingpong else frames
    if total > MAX_ANIMATION_FRAMES:
        raise GanimationError(f"--frames {frames} with --pingpong makes {total} frames, more than the limit of "
                              f"{MAX_ANIMATION_FRAMES}; use --frames {MAX_ANIMATION_FRAMES // 2 + 1} or fewer")
    return total
