"""Reading frame sequences: :func:`open_frames` streams ``(H, W, 3)`` uint8 RGB frames from a video file
(imageio-ffmpeg; a phone's rotation tag applied, HDR tone-mapped: :mod:`ganimation.video.colour`), a GIF or
a folder of images, one at a time, with the cuts (``start``/``end``/``max_frames``) and the default length
limit :data:`DEFAULT_MAX_FRAMES`."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ganimation.errors import GanimationError, VideoError
from ganimation.video.colour import HDR_TO_SDR, _ffmpeg_tone_maps, hdr_transfer
from ganimation.video.formats import (
    FALLBACK_FPS,
    FRAME_SUFFIXES,
    GIF_SUFFIXES,
    VIDEO_SUFFIXES,
    _ask_ffmpeg,
    _finite_positive,
    _natural_key,
    _one_line,
)

logger = logging.getLogger(__name__)


class _RotatedSizeNote(logging.Filter):
    """Drops imageio-ffmpeg's warning that a video's frames are read at another size than the stream's:
    a phone video's rotation tag makes ffmpeg decode it upright (a 1920x1080 stream as 1080x1920
    frames), which is what the project wants; the warning would only alarm the user."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "is different from the source frame size" not in record.getMessage()
logging.getLogger("imageio_ffmpeg").addFilter(_RotatedSizeNote())

DEFAULT_MAX_FRAMES = 3000
"""Frames read when ``max_frames`` is not given (about 2 minutes at 25 fps)."""


def _downscale(frame: np.ndarray, max_side: int | None) -> np.ndarray:
    """Shrink ``(H, W, 3)`` uint8 so its longer side is at most ``max_side`` (area averaging)."""
    if max_side is None:
        return frame
    h, w = frame.shape[:2]
    if max(h, w) <= max_side:
        return frame
    from PIL import Image

    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.BOX), dtype=np.uint8)


def _too_long(path: Path, count: int, fps: float | None, cap: int) -> VideoError:
    seconds = f" ({count / fps:.0f} s)" if fps else ""
    return VideoError(
        f"{path}: {count} frames{seconds} is more than the default limit of {cap} frames; "
        "pass --max-frames N or cut it with --start/--end"
    )


class FrameSource:
    """A one-pass stream of ``(H, W, 3)`` uint8 RGB frames; use :func:`open_frames` to make one.

    Attributes:
        path: the input path.
        kind: ``"video"``, ``"gif"`` or ``"folder"``.
        fps: frames per second (float), or None for a folder of frames.
        size: ``(W, H)`` of the frames yielded (the first frame, after ``max_side``).
        frame_count: estimated number of frames this source yields (after
            ``start``/``end``/``max_frames``), or None when unknown.
        first_index: the index in the input of the first frame yielded (``round(start * fps)``; 0
            without ``start``).

    Iterating yields the frames; the source closes itself when exhausted and
    can be closed early with :meth:`close` or a ``with`` block.
    """

    def __init__(self, path: Path, kind: str, fps: float | None, frames: Iterator[np.ndarray],
                 first: np.ndarray, *, limit: int, limit_is_default: bool, frame_count: int | None,
                 max_side: int | None, closer=None, first_index: int = 0):
        self.path = path
        self.kind = kind
        self.fps = fps
        self.frame_count = frame_count
        self.first_index = int(first_index)
        self._frames = frames
        self._limit = limit
        self._limit_is_default = limit_is_default
        self._max_side = max_side
        self._closer = closer
        self._closed = False
        self._yielded = 0
        first = _downscale(first, max_side)
        self._pending: np.ndarray | None = first
        self.size = (int(first.shape[1]), int(first.shape[0]))

    def __iter__(self) -> FrameSource:
        return self

    def __next__(self) -> np.ndarray:
        if self._closed:
            raise StopIteration
        if self._yielded >= self._limit:
            if self._limit_is_default and self._has_more():
                count = self.frame_count if self.frame_count and self.frame_count > self._limit else self._limit + 1
                self.close()
                raise _too_long(self.path, count, self.fps, self._limit)
            self.close()
            raise StopIteration
        if self._pending is not None:
            frame, self._pending = self._pending, None
        else:
            try:
                frame = _downscale(next(self._frames), self._max_side)
            except BaseException:  # StopIteration at the end, or a decoding error: release the file
                self.close()
                raise
        self._yielded += 1
        return frame

    def _has_more(self) -> bool:
        """Whether the underlying input holds another frame (reads and drops one)."""
        try:
            next(self._frames)
        except StopIteration:
            return False
        return True

    def close(self) -> None:
        """Release the file or decoder process; further iteration yields nothing."""
        if self._closed:
            return
        self._closed = True
        self._pending = None
        if self._closer is not None:
            self._closer()
        self._frames = iter(())

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"FrameSource({str(self.path)!r}, kind={self.kind!r}, fps={self.fps}, size={self.size}, "
                f"frame_count={self.frame_count})")


def open_frames(path: str | os.PathLike, *, start: float | None = None, end: float | None = None,
                max_frames: int | None = None, max_side: int | None = None) -> FrameSource:
    """Open a video, GIF or folder of frames as a stream of ``(H, W, 3)`` uint8 RGB frames.

    Args:
        path: a video file (``.mp4 .mov .webm .mkv .avi .m4v``), a ``.gif``, or
            a folder of ``.png .jpg .jpeg .webp .bmp`` frames (natural sort by name).
        start: skip the frames before this time in seconds (frame index
            ``round(start * fps)``); not available for folders (no frame rate).
        end: stop before this time in seconds (frame index ``round(end * fps)``).
        max_frames: yield at most this many frames. When None, at most
            :data:`DEFAULT_MAX_FRAMES` are allowed: a longer input raises
            :class:`VideoError` (at open time when its length is known).
        max_side: downscale frames whose longer side exceeds this (area
            averaging, aspect kept).

    Returns:
        A :class:`FrameSource` (an iterator; frames are decoded as they are consumed).

    Raises:
        VideoError: missing, empty, corrupt or unsupported input, no frames,
            frames of differing sizes, or too many frames (all one-line messages).
    """
    path = Path(path)
    if start is not None and (not math.isfinite(float(start)) or start < 0):
        raise VideoError(f"--start {start} must be a time in seconds >= 0")
    if end is not None and (not math.isfinite(float(end)) or end <= 0):
        raise VideoError(f"--end {end} must be a time in seconds > 0")
    if start is not None and end is not None and end <= start:
        raise VideoError(f"--end {end} must be after --start {start}")
    if max_frames is not None and (int(max_frames) != max_frames or max_frames < 1):
        raise VideoError(f"--max-frames {max_frames} must be a whole number >= 1")
    if max_side is not None and (int(max_side) != max_side or max_side < 8):
        raise VideoError(f"max_side {max_side} must be a whole number of pixels >= 8")

    if path.is_dir():
        return _open_folder(path, start, end, max_frames, max_side)
    if not path.exists():
        raise VideoError(f"{path}: no such file or folder")
    if not path.is_file():
        raise VideoError(f"{path}: not a regular file; give a video, a GIF or a folder of frames")
    suffix = path.suffix.lower()
    if suffix not in VIDEO_SUFFIXES + GIF_SUFFIXES:
        raise VideoError(
            f"{path}: unsupported type {suffix or '(no suffix)'!r}; use a video "
            f"({' '.join(VIDEO_SUFFIXES)}), a .gif or a folder of frames"
        )
    if path.stat().st_size == 0:
        raise VideoError(f"{path}: the file is empty (0 bytes); copy or export it again")
    if suffix in GIF_SUFFIXES:
        return _open_gif(path, start, end, max_frames, max_side)
    return _open_video(path, start, end, max_frames, max_side)


def _plan(path: Path, fps: float | None, total: int | None, start, end, max_frames):
    """Frame indices to read: ``(first_index, limit, limit_is_default, expected_count)``."""
    first = round(start * fps) if (start is not None and fps) else 0
    stop = round(end * fps) if (end is not None and fps) else None
    if total is not None:
        stop = total if stop is None else min(stop, total)
    if stop is not None and stop <= first:
        length = f"; it has {total} frames" + (f" ({total / fps:.2f} s)" if fps else "") if total else ""
        raise VideoError(f"{path}: no frames between --start and --end{length}")
    available = None if stop is None else stop - first
    if max_frames is not None:
        limit = int(max_frames)
    else:
        limit = DEFAULT_MAX_FRAMES
        if available is not None and available > limit:
            raise _too_long(path, available, fps, limit)
    # the default cap is enforced while reading only when the length is not known up front
    is_default = max_frames is None and available is None
    if stop is not None:
        limit = min(limit, available)
    expected = None if available is None else min(limit, available)
    return first, limit, is_default, expected


def _open_video(path: Path, start, end, max_frames, max_side) -> FrameSource:
    try:
        import imageio.v2 as imageio
    except ImportError:
        raise VideoError("reading videos needs imageio and imageio-ffmpeg: pip install imageio imageio-ffmpeg") from None

    def unreadable(exc: BaseException) -> VideoError:
        if _sound_only(path):
            return VideoError(f"{path}: the file holds sound but no pictures (no video stream); give a video of a "
                              "face")
        return VideoError(
            f"{path}: cannot read the video, it is corrupt, truncated or not a video ({_one_line(exc)}); "
            "re-encode it, e.g. ffmpeg -i IN -c:v libx264 OUT.mp4"
        )

    try:
        reader = imageio.get_reader(path, format="FFMPEG")
    except ImportError:
        raise VideoError("reading videos needs imageio-ffmpeg: pip install imageio-ffmpeg") from None
    except (OSError, RuntimeError, IndexError, ValueError) as exc:
        raise unreadable(exc) from None

    def close_reader() -> None:
        try:
            reader.close()
        except (OSError, RuntimeError, ValueError) as exc:  # the decoder may already be gone
            logger.debug("closing %s: %s", path, exc)

    try:
        meta = reader.get_meta_data()
        transfer = hdr_transfer(meta)
        if transfer and _ffmpeg_tone_maps():
            close_reader()          # read again through the tone mapping (the filters persist through seeks)
            reader = imageio.get_reader(path, format="FFMPEG", output_params=["-vf", HDR_TO_SDR])
            logger.info("%s: HDR video (%s), tone-mapped to SDR BT.709 as it is read", path, transfer)
        elif transfer:
            logger.warning("%s: an HDR video (%s) and this ffmpeg has no zscale/tonemap filters: its colours are "
                           "read as they are and look washed out; convert it to SDR first", path, transfer)
        fps = _finite_positive(meta.get("fps"))
        if fps is None:
            logger.warning("%s: frame rate %r in the metadata is unusable; assuming %g fps",
                           path, meta.get("fps"), FALLBACK_FPS)
            fps = FALLBACK_FPS
        total = None
        nframes = _finite_positive(meta.get("nframes"))
        duration = _finite_positive(meta.get("duration"))
        if nframes is not None:
            total = int(nframes)
        elif duration is not None:
            total = max(1, round(duration * fps))
        # the total is an estimate: let a few frames more through rather than cut the video
        first, limit, is_default, expected = _plan(path, fps, None, start, end, max_frames)
        if total is not None and max_frames is None:
            stop = total if end is None else min(total, round(end * fps))
            if stop - first > DEFAULT_MAX_FRAMES:
                raise _too_long(path, stop - first, fps, DEFAULT_MAX_FRAMES)
        if total is not None:
            remaining = total - first
            if remaining <= 0:
                raise VideoError(f"{path}: --start {start} s is past the end of the video ({total / fps:.2f} s)")
            expected = min(limit, remaining) if expected is None else min(expected, remaining)
        if first > 0:
            reader.set_image_index(first)

        def frames() -> Iterator[np.ndarray]:
            while True:
                try:
                    frame = reader.get_next_data()
                except (IndexError, StopIteration):
                    return
                except (OSError, RuntimeError, ValueError) as exc:
                    raise unreadable(exc) from None
                yield np.ascontiguousarray(np.asarray(frame, dtype=np.uint8)[..., :3])

        gen = frames()
        try:
            first_frame = next(gen)
        except StopIteration:
            where = f" at or after --start {start} s" if first > 0 else ""
            raise VideoError(f"{path}: the video has no frames{where}; check the file or the --start time") from None
    except GanimationError:
        close_reader()
        raise
    except (OSError, RuntimeError, IndexError, ValueError) as exc:
        close_reader()
        raise unreadable(exc) from None
    logger.debug("%s: video %dx%d at %.3g fps, ~%s frames", path, first_frame.shape[1], first_frame.shape[0],
                fps, total if total is not None else "?")
    return FrameSource(path, "video", fps, gen, first_frame, limit=limit, limit_is_default=is_default,
                       frame_count=expected, max_side=max_side, closer=close_reader, first_index=first)


def _sound_only(path: Path) -> bool:
    """Whether ffmpeg finds audio streams but no video stream in ``path`` (asked only when reading failed)."""
    streams = [line for line in (_ask_ffmpeg("-i", os.path.abspath(path)) or "").splitlines() if "Stream #" in line]
    return any("Audio:" in line for line in streams) and not any("Video:" in line for line in streams)


def _open_gif(path: Path, start, end, max_frames, max_side) -> FrameSource:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    from ganimation.images import MAX_PIXELS, to_rgb

    def unreadable(exc: BaseException) -> VideoError:
        return VideoError(f"{path}: cannot read the GIF, it is corrupt or truncated ({_one_line(exc)}); export it again")

    try:
        img = Image.open(path)
    except UnidentifiedImageError:
        raise VideoError(f"{path}: not a readable GIF; export it again or use an .mp4") from None
    except Image.DecompressionBombError:
        raise VideoError(f"{path}: the GIF claims an impossibly large size; it is corrupt, export it again") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise unreadable(exc) from None
    try:
        w, h = img.size
        if w * h > MAX_PIXELS:
            raise VideoError(f"{path}: {w}x{h} is too large ({w * h / 1e6:.0f} MP > {MAX_PIXELS / 1e6:.0f} MP); "
                             "downscale it first")
        if img.format != "GIF":
            raise VideoError(f"{path}: the file is a {img.format or 'non-GIF'} image, not a GIF; rename or convert it")
        try:
            total = int(getattr(img, "n_frames", 1))
            durations = []
            for i in range(total):  # one frame at a time: memory does not grow with the GIF's length
                img.seek(i)
                durations.append(img.info.get("duration", 0) or 0)
            img.seek(0)
        except (OSError, EOFError, SyntaxError, ValueError) as exc:
            raise unreadable(exc) from None
        mean_ms = float(np.mean(durations)) if durations else 0.0
        fps = _finite_positive(1000.0 / mean_ms) if mean_ms > 0 else None
        if fps is None:
            if total > 1:
                logger.warning("%s: the GIF has no frame durations; assuming %g fps", path, FALLBACK_FPS)
            fps = FALLBACK_FPS
        first, limit, is_default, expected = _plan(path, fps, total, start, end, max_frames)
        size0 = img.size

        def frames() -> Iterator[np.ndarray]:
            try:
                for i, frame in enumerate(ImageSequence.Iterator(img)):
                    if i < first:
                        continue
                    if frame.size != size0:
                        raise VideoError(f"{path}: frame {i} is {frame.size[0]}x{frame.size[1]}, "
                                         f"the first is {size0[0]}x{size0[1]}; re-export the GIF")
                    yield np.asarray(to_rgb(frame), dtype=np.uint8).copy()
            except (OSError, EOFError, SyntaxError, ValueError) as exc:
                raise unreadable(exc) from None

        gen = frames()
        try:
            first_frame = next(gen)
        except StopIteration:
            raise VideoError(f"{path}: the GIF has no frames; export it again") from None
    except BaseException:
        img.close()
        raise
    return FrameSource(path, "gif", fps, gen, first_frame, limit=limit, limit_is_default=is_default,
                       frame_count=expected, max_side=max_side, closer=img.close, first_index=first)


def list_frame_files(folder: str | os.PathLike) -> list[Path]:
    """Image files (``.png .jpg .jpeg .webp .bmp``) in ``folder``, natural sort, hidden files skipped."""
    folder = Path(folder)
    try:
        names = [e.name for e in os.scandir(folder)
                 if not e.name.startswith(".") and Path(e.name).suffix.lower() in FRAME_SUFFIXES and e.is_file()]
    except OSError as exc:
        raise VideoError(f"{folder}: cannot list the folder ({exc.strerror or exc})") from None
    return [folder / n for n in sorted(names, key=_natural_key)]


def _open_folder(path: Path, start, end, max_frames, max_side) -> FrameSource:
    from ganimation.images import load_rgb

    if start is not None or end is not None:
        raise VideoError(f"{path}: a folder of frames has no frame rate, so --start/--end cannot apply; "
                         "use --max-frames or remove frames from the folder")
    files = list_frame_files(path)
    if not files:
        raise VideoError(f"{path}: the folder holds no frames ({' '.join(FRAME_SUFFIXES)}); "
                         "give a folder of images or a video file")
    _, limit, is_default, expected = _plan(path, None, len(files), None, None, max_frames)
    first_frame = load_rgb(files[0])
    h0, w0 = first_frame.shape[:2]

    def frames() -> Iterator[np.ndarray]:
        for f in files[1:]:
            frame = load_rgb(f)
            if frame.shape[:2] != (h0, w0):
                raise VideoError(f"{f}: frame is {frame.shape[1]}x{frame.shape[0]} but {files[0].name} is "
                                 f"{w0}x{h0}; all frames in a folder must have one size")
            yield frame

    return FrameSource(path, "folder", None, frames(), first_frame, limit=limit, limit_is_default=is_default,
                       frame_count=expected, max_side=max_side)
