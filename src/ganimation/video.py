"""Reading and writing frame sequences: videos, GIFs and folders of frames.

Reading (:func:`open_frames`) streams ``(H, W, 3)`` uint8 RGB frames one at a
time from a video file (``.mp4 .mov .webm .mkv .avi .m4v`` through
imageio-ffmpeg), an animated or still GIF, or a folder of images (natural sort
by name). Memory does not grow with the length of the input. Without
``max_frames`` at most :data:`DEFAULT_MAX_FRAMES` frames are read; longer
inputs are refused with a one-line :class:`~ganimation.errors.VideoError`
(at open time when the length is known from the metadata).

Writing (:class:`FrameWriter`) produces an H.264 ``.mp4``, a looping ``.gif``
or a folder of ``frame_00000.png`` files. Output goes to a hidden temporary
file or folder beside the target and is moved into place only when the writer
closes successfully; on an error nothing is left behind. An ``.mp4`` can carry
the sound of another video (:class:`AudioTrack`: an edited clip keeps its own,
a reenacted portrait speaks with the driving clip's).

See ``docs/video.md`` for the formats, caps and error messages.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from ganimation.errors import GanimationError, VideoError

logger = logging.getLogger(__name__)


class _RotatedSizeNote(logging.Filter):
    """Drops imageio-ffmpeg's warning that a video's frames are read at another size than the stream's:
    a phone video's rotation tag makes ffmpeg decode it upright (a 1920x1080 stream as 1080x1920
    frames), which is what the project wants; the warning would only alarm the user."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "is different from the source frame size" not in record.getMessage()


logging.getLogger("imageio_ffmpeg").addFilter(_RotatedSizeNote())

VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv", ".avi", ".m4v")
GIF_SUFFIXES = (".gif",)
FRAME_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
OUTPUT_SUFFIXES = (".mp4", ".gif")

DEFAULT_MAX_FRAMES = 3000
"""Frames read when ``max_frames`` is not given (about 2 minutes at 25 fps)."""

DEFAULT_MAX_GIF_FRAMES = 600
"""Frames a GIF output may hold (GIF encoding keeps every frame in memory)."""

FALLBACK_FPS = 25.0
"""Frame rate assumed when a file's metadata gives 0, NaN or infinity."""

MAX_FPS = 240.0
"""Highest frame rate :class:`FrameWriter` accepts."""

_FRAME_NAME = "frame_{:05d}.png"

#: transfer functions of HDR video, as ffmpeg names them: HLG (what phones record) and PQ (HDR10)
HDR_TRANSFERS = ("arib-std-b67", "smpte2084")
#: ffmpeg filters that bring HDR frames into SDR before they are read as RGB: linear light with the
#: HDR reference white of BT.2408 (203 nits, where phones put diffuse white) at 1, BT.2020 primaries to
#: BT.709, the highlights above 0.7 compressed into what is left below 1 (mobius; the levels under it
#: unchanged), and the sRGB curve the frames are then treated with, as photos are. Read without them,
#: an HLG clip of the bundled photo's colours had a mean error of 21-28 levels (darker, washed-out
#: colours); through them 5-6 (tests/test_video.py checks it)
HDR_TO_SDR = ("zscale=t=linear:npl=203,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=mobius:param=0.7:desat=0,"
              "zscale=t=iec61966-2-1:m=bt709:r=tv,format=yuv420p")
#: what an MP4 is encoded and tagged as: BT.709 (ffmpeg converts RGB with BT.601 by default and tags
#: nothing, and players show untagged HD video as BT.709: skin and reds shifted)
MP4_COLOUR = ["-vf", ("scale=out_color_matrix=bt709:out_range=tv,"
                      "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv")]


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


def hdr_transfer(meta: dict) -> str | None:
    """The HDR transfer function (:data:`HDR_TRANSFERS`) of a video whose imageio-ffmpeg metadata is
    ``meta`` (ffmpeg reports it in the pixel format, e.g. ``yuv420p10le(tv, bt2020nc/bt2020/arib-std-b67)``),
    or None for SDR video."""
    described = str(meta.get("pix_fmt", ""))
    return next((t for t in HDR_TRANSFERS if t in described), None)


@functools.lru_cache(maxsize=1)
def _ffmpeg_tone_maps() -> bool:
    """Whether imageio-ffmpeg's ffmpeg has the filters of :data:`HDR_TO_SDR` (zscale, tonemap)."""
    try:
        import imageio_ffmpeg

        done = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-filters"], capture_output=True,
                              timeout=30, check=False)
    except (ImportError, OSError, RuntimeError, subprocess.TimeoutExpired):
        return False
    names = {line.split()[1] for line in done.stdout.decode(errors="replace").splitlines() if len(line.split()) > 2}
    return {"zscale", "tonemap"} <= names
_FRAME_RE = re.compile(r"frame_\d+\.png")


# --------------------------------------------------------------------------- helpers


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


# --------------------------------------------------------------------------- reading


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


# --------------------------------------------------------------------------- writing


def output_kind(path: str | os.PathLike) -> str:
    """``"mp4"``, ``"gif"`` or ``"folder"`` (no suffix, a trailing ``/``, or an existing folder)."""
    text = os.fspath(path)
    if text.endswith(("/", os.sep)):
        return "folder"
    p = Path(text)
    suffix = p.suffix.lower()
    if suffix in OUTPUT_SUFFIXES:
        return suffix[1:]
    if not suffix:
        return "folder"
    if p.is_dir():
        return "folder"
    raise VideoError(f"{p}: unsupported output type {suffix!r}; use .mp4, .gif or a folder (a path ending in '/')")


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def _tmp_name(name: str, suffix: str) -> str:
    stem = name[: len(name) - len(suffix)] if suffix else name
    return f".{stem[:80]}.{secrets.token_hex(4)}.tmp{suffix}"


def _is_frame_folder(folder: Path) -> bool:
    """Whether ``folder`` holds nothing but ``frame_NNNNN.png`` files (safe to replace)."""
    return all(_FRAME_RE.fullmatch(e.name) and e.is_file() for e in os.scandir(folder))


def validate_output_path(path: str | os.PathLike, *, inputs: Iterable[str | os.PathLike] = (),
                         overwrite: bool = False, suffixes: Iterable[str] | None = None) -> Path:
    """Check an output path before any work starts; return it as a :class:`Path`.

    Checks that the suffix is supported (``.mp4``, ``.gif`` or a folder; or, with
    ``suffixes`` such as ``(".png", ".jpg")``, a file with one of those), the
    name is not longer than the file system allows, the parent exists, is a
    folder and is writable, a file output is not an existing folder (and a
    folder output not an existing file, nor a folder holding other files), and
    that the output is not one of ``inputs`` (unless ``overwrite``).

    Raises:
        VideoError: one line saying what is wrong and what to do.
    """
    if suffixes is not None:
        allowed = tuple(x.lower() for x in suffixes)
        if Path(path).suffix.lower() not in allowed:
            raise VideoError(f"{path}: unsupported output type {Path(path).suffix!r}; use {', '.join(allowed)}")
        kind = Path(path).suffix.lower().lstrip(".")
    else:
        kind = output_kind(path)
    out = Path(os.fspath(path).rstrip("/" + os.sep) or os.sep)
    parent = out.parent
    name = out.name
    if not name:
        raise VideoError(f"{path}: give a file or folder name for the output")
    root = _virtual(out if out.is_absolute() else Path.cwd() / out)
    if root is not None:
        raise VideoError(f"{out}: cannot write to {root}, a virtual file system; choose another path")
    if not parent.exists():
        raise VideoError(f"{out}: the folder {parent} does not exist; create it first")
    if not parent.is_dir():
        raise VideoError(f"{out}: {parent} is a file, not a folder; choose another output path")
    limit = _name_max(parent)
    if len(os.fsencode(name)) > limit:
        from ganimation.errors import one_line

        raise VideoError(f"{one_line(out, 80)}: the name is too long ({len(os.fsencode(name))} bytes > {limit}); "
                         "use a shorter name")
    if kind != "folder" and out.is_dir():
        raise VideoError(f"{out}: is a folder; give a file name ending in .{kind}")
    if kind == "folder" and out.exists():
        if not out.is_dir():
            raise VideoError(f"{out}: is a file; give a folder path for the frames")
        if not _is_frame_folder(out):
            raise VideoError(f"{out}: the folder holds other files; choose a new or empty folder for the frames")
    if not overwrite:
        for item in inputs:
            src = Path(item)
            same = False
            try:
                same = src.exists() and out.exists() and os.path.samefile(src, out)
            except OSError:
                same = False
            if same or src.resolve() == out.resolve():
                raise VideoError(f"{out}: is also an input ({src}); choose another output path")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise VideoError(f"{out}: cannot write to the folder {parent} (permission denied); choose another path")
    probe = parent / _tmp_name(name, "")
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise VideoError(f"{out}: cannot write to the folder {parent} ({exc.strerror or exc}); "
                         "choose another path") from None
    os.close(fd)
    os.unlink(probe)
    return out


#: File systems that hold no user data: an output there is refused before any work starts.
VIRTUAL_FILESYSTEMS = ("/proc", "/sys", "/dev")


def _virtual(path: Path) -> str | None:
    """The virtual file system (``/proc``, ``/sys``, ``/dev``) ``path`` lies in, or None."""
    resolved = str(path.resolve())
    for root in VIRTUAL_FILESYSTEMS:
        if resolved == root or resolved.startswith(root + "/"):
            return root
    return None


def validate_output_dir(path: str | os.PathLike, *, inputs: Iterable[str | os.PathLike] = (),
                        overwrite: bool = False, what: str = "output folder") -> Path:
    """Check an output FOLDER (a run, dataset or report folder) before any work starts; return it.

    The folder may exist (its command resumes or adds to it) or not (it and
    missing parents are created later). Refused, with one line saying what to
    do: an existing file at ``path`` or at one of its parents, a name longer
    than the file system allows, a folder under ``/proc``, ``/sys`` or ``/dev``,
    a folder that cannot be written (probed with a temporary file, removed at
    once), and (unless ``overwrite``) a folder that is one of ``inputs``.

    Raises:
        OutputPathError: one line naming the path and the fix.
    """
    from ganimation.errors import OutputPathError, one_line

    raw = os.fspath(path)
    if not str(raw).strip():
        raise OutputPathError(f"give a name for the {what}")
    out = Path(raw)

    def exists(p: Path) -> bool:  # a name too long for the file system is "not there", not an OSError
        try:
            return p.exists()
        except OSError:
            return False

    for name in out.parts:
        size = len(os.fsencode(name))
        if size > 255 and name != os.sep:
            raise OutputPathError(f"{one_line(out, 80)}: a name in the path is too long ({size} bytes > 255); "
                                  "use a shorter name")
    root = _virtual(out if out.is_absolute() else Path.cwd() / out)
    if root is not None:
        raise OutputPathError(f"{out}: cannot write to {root}, a virtual file system; "
                              f"choose another path for the {what}")
    if exists(out) and not out.is_dir():
        raise OutputPathError(f"{out}: is a file, not a folder; choose another path for the {what}")
    # the nearest existing ancestor must be a writable folder; the parts to create must have legal names
    existing = out
    missing: list[str] = []
    while not exists(existing):
        if existing.is_symlink():
            raise OutputPathError(f"{out}: {existing} is a broken link; choose another path for the {what}")
        missing.append(existing.name)
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise OutputPathError(f"{out}: {existing} is a file, not a folder; choose another path for the {what}")
    limit = _name_max(existing)
    for name in missing:
        if len(os.fsencode(name)) > limit:
            raise OutputPathError(f"{one_line(out, 80)}: the name is too long ({len(os.fsencode(name))} bytes "
                                  f"> {limit}); use a shorter name")
    if not overwrite and out.exists():
        for item in inputs:
            src = Path(item)
            try:
                same = src.exists() and os.path.samefile(src, out)
            except OSError:
                same = False
            if same:
                raise OutputPathError(f"{out}: is also an input ({src}); choose another {what}")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputPathError(f"{out}: cannot write to the folder {existing} (permission denied); "
                              f"choose another path for the {what}")
    probe = existing / _tmp_name(missing[-1] if missing else "probe", "")
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise OutputPathError(f"{out}: cannot write to the folder {existing} ({exc.strerror or exc}); "
                              f"choose another path for the {what}") from None
    os.close(fd)
    os.unlink(probe)
    return out


@dataclass(frozen=True)
class AudioTrack:
    """The sound of the video at ``path`` from ``start`` seconds on: what :class:`FrameWriter` puts
    under an ``.mp4``'s frames (as long as the frames last; AAC)."""

    path: Path
    start: float = 0.0

    @staticmethod
    def of(path: str | os.PathLike | None, start: float | None = None) -> AudioTrack | None:
        """The track of a video file, or None for what has no sound to carry (a GIF, a folder, None)."""
        if path is None or Path(path).suffix.lower() not in VIDEO_SUFFIXES:
            return None
        return AudioTrack(Path(path), float(start or 0.0))


def mux_audio(video: Path, audio: AudioTrack, seconds: float, out: Path) -> str | None:
    """Write ``video`` (an ``.mp4``) with ``audio`` under it, cut to ``seconds``, to ``out``.

    The frames are copied, not encoded again; the sound is encoded as AAC. A source without sound gives
    the video alone. Returns None, or why it failed (``out`` is then removed).
    """
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        return _one_line(exc)
    # absolute paths: a file name that starts with "-" must not read as an option
    cmd = [exe, "-y", "-loglevel", "error", "-i", os.path.abspath(video), "-ss", f"{audio.start:.3f}",
           "-i", os.path.abspath(audio.path), "-t", f"{seconds:.3f}", "-map", "0:v:0", "-map", "1:a:0?",
           "-c:v", "copy", "-c:a", "aac", "-f", "mp4", os.path.abspath(out)]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=max(60.0, 4 * seconds), check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        done = None
        why = _one_line(exc)
    else:
        why = _one_line(RuntimeError(done.stderr.decode(errors="replace").strip()
                                     or f"ffmpeg exit status {done.returncode}"))
    if done is not None and done.returncode == 0 and out.is_file() and out.stat().st_size > 0:
        return None
    try:
        out.unlink()
    except FileNotFoundError:
        pass
    return why


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
