"""Writing frame sequences: :class:`FrameWriter` makes an H.264 ``.mp4`` (BT.709, with another video's
sound when asked), a looping ``.gif`` or a folder of PNG frames, through a hidden temporary file or folder
that is moved into place only when the writer closes successfully."""

from __future__ import annotations

import logging
import os
import shutil
from itertools import pairwise
from pathlib import Path

import numpy as np

from ganimation.errors import VideoError
from ganimation.video.colour import MP4_COLOUR
from ganimation.video.formats import _FRAME_NAME, _check_fps, _one_line
from ganimation.video.paths import (
    _is_frame_folder,
    _tmp_name,
    output_kind,
    validate_output_path,
)
from ganimation.video.sound import AudioTrack, mux_audio

logger = logging.getLogger(__name__)


DEFAULT_MAX_GIF_FRAMES = 600
"""Frames a GIF output may hold (GIF encoding keeps every frame in memory)."""


class FrameWriter:
    """Write ``(H, W, 3)`` uint8 RGB frames to ``.mp4``, ``.gif`` or a folder of PNGs, atomically.

    Use as a context manager::

        with FrameWriter("out.mp4", fps=25) as w:
            for frame in frames:
                w.write(frame)

    - ``.mp4``: H.264 (libx264, yuv420p, quality 8, BT.709: :data:`MP4_COLOUR`) through
      imageio-ffmpeg; odd widths/heights are cropped by one pixel to be even.
    - ``.gif``: looping, at most :data:`DEFAULT_MAX_GIF_FRAMES` frames (frames
      are kept in memory, palettised, until close); frame durations are
      multiples of 10 ms whose mean matches ``fps`` (at most 50 fps).
      Identical consecutive frames may be merged into one longer frame.
    - folder (no suffix or a trailing ``/``): ``frame_00000.png``, ...; an
      existing folder is replaced only if it holds nothing but such frames.

    Frames go to a hidden temporary file/folder beside the target (``.NAME.<random>.tmp...``)
    that is moved into place on a successful :meth:`close`. If the ``with``
    block raises, or no frame was written, the temporary output is removed
    and the target is untouched.

    Args:
        path: the output path.
        fps: frames per second, finite and in ``(0, 240]``.
        overwrite: replace an existing output; if False an existing one is an error.
        audio: an ``.mp4``'s sound (:class:`AudioTrack`; other outputs have none). If it cannot be
            added the video is written silent, with a warning.

    Raises:
        VideoError: bad fps, bad path, frames of differing sizes, zero frames,
            too many GIF frames, or an encoder failure.
    """

    def __init__(self, path: str | os.PathLike, fps: float, *, overwrite: bool = True,
                 audio: AudioTrack | None = None):
        self.fps = _check_fps(fps)
        self.kind = output_kind(path)
        self.audio = audio if self.kind == "mp4" else None
        self.path = validate_output_path(path, overwrite=overwrite)
        if not overwrite and (self.path.exists() or self.path.is_symlink()):
            raise VideoError(f"{self.path}: already exists; remove it or allow overwriting")
        suffix = "" if self.kind == "folder" else "." + self.kind
        self._tmp = self.path.parent / _tmp_name(self.path.name, suffix)
        self.count = 0
        self.size: tuple[int, int] | None = None  # (W, H) of the first frame
        self._writer = None
        self._gif_frames: list = []
        self._done = False
        if self.kind == "folder":
            os.mkdir(self._tmp)

    @property
    def written_size(self) -> tuple[int, int] | None:
        """``(W, H)`` of the frames as written: :attr:`size`, cropped to even sides for an ``.mp4``."""
        if self.size is None:
            return None
        w, h = self.size
        return (w - w % 2, h - h % 2) if self.kind == "mp4" else (w, h)

    # -- writing

    def write(self, frame: np.ndarray) -> None:
        """Append one ``(H, W, 3)`` uint8 RGB frame (the same size as the first)."""
        if self._done:
            raise VideoError(f"{self.path}: the writer is already closed")
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise VideoError(f"{self.path}: frame {self.count} has shape {frame.shape}; expected (H, W, 3)")
        if frame.dtype != np.uint8:
            from ganimation.images import as_rgb_array

            frame = as_rgb_array(frame)
        h, w = frame.shape[:2]
        if self.size is None:
            self.size = (w, h)
        elif (w, h) != self.size:
            raise VideoError(f"{self.path}: frame {self.count} is {w}x{h} but the first frame is "
                             f"{self.size[0]}x{self.size[1]}; all frames must have one size")
        if self.kind == "mp4":
            self._write_mp4(frame)
        elif self.kind == "gif":
            self._write_gif(frame)
        else:
            from PIL import Image

            Image.fromarray(np.ascontiguousarray(frame)).save(self._tmp / _FRAME_NAME.format(self.count), format="PNG")
        self.count += 1

    def _write_mp4(self, frame: np.ndarray) -> None:
        h, w = frame.shape[:2]
        if h < 2 or w < 2:
            raise VideoError(f"{self.path}: frames of {w}x{h} are too small for MP4; write a .gif or a folder")
        frame = np.ascontiguousarray(frame[: h - h % 2, : w - w % 2])
        if self._writer is None:
            try:
                import imageio.v2 as imageio

                self._writer = imageio.get_writer(self._tmp, format="FFMPEG", fps=self.fps, codec="libx264",
                                                  quality=8, macro_block_size=1, pixelformat="yuv420p",
                                                  output_params=MP4_COLOUR)
            except (ImportError, RuntimeError, OSError) as exc:
                raise VideoError(f"cannot write MP4 ({_one_line(exc)}); install imageio-ffmpeg or write a .gif") from None
        try:
            self._writer.append_data(frame)
        except (OSError, RuntimeError, ValueError) as exc:
            raise VideoError(f"{self.path}: the MP4 encoder failed ({_one_line(exc)}); "
                             "check free disk space or write a .gif") from None

    def _write_gif(self, frame: np.ndarray) -> None:
        from PIL import Image

        if self.count >= DEFAULT_MAX_GIF_FRAMES:
            raise VideoError(f"{self.path}: a GIF may hold at most {DEFAULT_MAX_GIF_FRAMES} frames; "
                             "write an .mp4 or a folder, or pass fewer frames (--max-frames)")
        # palettise now, as the GIF encoder would, so memory is 1 byte per pixel
        self._gif_frames.append(Image.fromarray(frame).convert("P", palette=Image.Palette.ADAPTIVE))

    # -- finishing

    def _gif_durations(self) -> list[int]:
        """Per-frame durations in ms, multiples of 10 (GIF's unit) with the mean matching fps."""
        fps = self.fps
        if fps > 50:
            logger.warning("%s: GIF plays at most 50 frames/s; writing %g fps frames at 50 fps", self.path, fps)
            fps = 50.0
        ticks = [round(i * 100.0 / fps) for i in range(self.count + 1)]  # centiseconds
        return [max(2, b - a) * 10 for a, b in pairwise(ticks)]

    def close(self) -> Path:
        """Finish the output and move it into place; return its path.

        Raises :class:`VideoError` (and removes the temporary output) if no
        frame was written or the encoder fails.
        """
        if self._done:
            return self.path
        if self.count == 0:
            self.abort()
            raise VideoError(f"{self.path}: no frames were written; nothing to save")
        try:
            if self.kind == "mp4":
                try:
                    self._writer.close()
                except (OSError, RuntimeError, ValueError) as exc:
                    raise VideoError(f"{self.path}: the MP4 encoder failed ({_one_line(exc)}); "
                                     "check free disk space") from None
                self._writer = None
                if self.audio is not None:
                    self._add_audio()
                os.replace(self._tmp, self.path)
            elif self.kind == "gif":
                first, *rest = self._gif_frames
                first.save(self._tmp, format="GIF", save_all=True, append_images=rest,
                           duration=self._gif_durations(), loop=0)
                self._gif_frames = []
                os.replace(self._tmp, self.path)
            else:
                self._replace_folder()
        except BaseException:
            self.abort()
            raise
        self._done = True
        logger.debug("wrote %d frames to %s", self.count, self.path)
        return self.path

    def _add_audio(self) -> None:
        """Put :attr:`audio` under the encoded frames of the temporary file (silent, with a warning,
        if that fails)."""
        joined = self.path.parent / _tmp_name(self.path.name, ".mp4")
        try:
            why = mux_audio(self._tmp, self.audio, self.count / self.fps, joined)
            if why is None:
                os.replace(joined, self._tmp)
            else:
                logger.warning("%s: written without the sound of %s (%s)", self.path, self.audio.path, why)
        finally:
            if joined.exists():
                joined.unlink()

    def _replace_folder(self) -> None:
        if self.path.exists():
            if not self.path.is_dir() or not _is_frame_folder(self.path):
                raise VideoError(f"{self.path}: exists and holds other files; choose a new or empty folder")
            old = self.path.parent / _tmp_name(self.path.name, ".old")
            os.rename(self.path, old)
            try:
                os.rename(self._tmp, self.path)
            except OSError:
                os.rename(old, self.path)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(self._tmp, self.path)

    def abort(self) -> None:
        """Discard everything written so far; the target is left as it was."""
        self._done = True
        self._gif_frames = []
        if self._writer is not None:
            writer, self._writer = self._writer, None
            try:
                writer.close()
            except (OSError, RuntimeError, ValueError) as exc:  # the encoder may already have died
                logger.debug("closing the MP4 encoder for %s: %s", self.path, exc)
        if self._tmp.is_dir() and not self._tmp.is_symlink():
            shutil.rmtree(self._tmp, ignore_errors=True)
        else:
            try:
                self._tmp.unlink()
            except FileNotFoundError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()

    def __repr__(self) -> str:
        return f"FrameWriter({str(self.path)!r}, fps={self.fps:g}, kind={self.kind!r}, frames={self.count})"
