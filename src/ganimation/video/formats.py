"""What the video modules share: the file types read and written, the frame-rate limits, the names of
frame files, and small helpers (a frame rate checked, an exception's first line, a question to ffmpeg)."""

from __future__ import annotations

import math
import os
import re
import subprocess
from pathlib import Path

from ganimation.errors import VideoError

VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv", ".avi", ".m4v")

GIF_SUFFIXES = (".gif",)

FRAME_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")

OUTPUT_SUFFIXES = (".mp4", ".gif")

FALLBACK_FPS = 25.0
"""Frame rate assumed when a file's metadata gives 0, NaN or infinity."""

MAX_FPS = 240.0
"""Highest frame rate :class:`FrameWriter` accepts."""

_FRAME_NAME = "frame_{:05d}.png"

_FRAME_RE = re.compile(r"frame_\d+\.png")


def is_moving(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a video (:data:`VIDEO_SUFFIXES`) or a GIF with more than one frame: what
    ``edit`` and ``annotate`` treat frame by frame (a still GIF is a photo). A GIF that cannot be read
    answers False: the photo reader then says what is wrong with it."""
    suffix = Path(path).suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return True
    if suffix not in GIF_SUFFIXES:
        return False
    try:
        from PIL import Image

        with Image.open(path) as img:
            return int(getattr(img, "n_frames", 1)) > 1
    except Exception:  # noqa: BLE001 - any unreadable file is the image reader's to report
        return False


def _natural_key(name: str) -> list:
    """Sort key so that ``f2.png`` comes before ``f10.png``."""
    return [int(tok) if tok.isdigit() else tok.lower() for tok in re.split(r"(\d+)", name)]


def _one_line(exc: BaseException, limit: int = 160) -> str:
    """The first non-empty line of an exception message, shortened."""
    for line in str(exc).splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 3] + "..."
    return type(exc).__name__


def _finite_positive(value) -> float | None:
    """``float(value)`` if it is finite and > 0, else None."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) and v > 0 else None


def _check_fps(fps) -> float:
    """A frame rate for writing: finite and in ``(0, MAX_FPS]``, else :class:`VideoError`."""
    try:
        value = float(fps)
    except (TypeError, ValueError):
        raise VideoError(f"frame rate {fps!r} is not a number; use e.g. --fps 25") from None
    if not math.isfinite(value) or value <= 0 or value > MAX_FPS:
        raise VideoError(f"frame rate {fps!r} is not in (0, {MAX_FPS:g}] frames/s; use e.g. --fps 25")
    return value


def _ask_ffmpeg(*args: str) -> str | None:
    """What imageio-ffmpeg's ffmpeg prints (stdout, then stderr) for ``args`` (after ``-hide_banner``),
    or None when it cannot be run. For questions whose answer only refines a message or a choice."""
    try:
        import imageio_ffmpeg

        done = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", *args], capture_output=True,
                              timeout=30, check=False)
    except (ImportError, OSError, RuntimeError, subprocess.TimeoutExpired):
        return None
    return (done.stdout + done.stderr).decode(errors="replace")
