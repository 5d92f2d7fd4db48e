"""Editing the expression of a face through a video, frame by frame, without flicker.

Each frame's face is tracked (:class:`~ganimation.motion.tracking.LandmarkTracker`,
One-Euro-smoothed landmarks), its AUs are estimated and smoothed with the
same filter, the target is resolved against those AUs (so ``--relative``
adds the same offset to every frame's own expression) and the geometry-first
edit (:func:`ganimation.geometry_edit.edit_face_geometry`) warps the frame.
Because the warp is a smooth function of smoothed landmarks and AUs, the
output changes from frame to frame about as much as the input does.
Frames where the face is lost are passed through unedited. A face that
comes into view after the first frame (or is found again after being
lost) is eased into its edit over :data:`EASE_IN` seconds rather than
changing at once from one frame to the next.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ganimation.aus import motion_start, resolve_target
from ganimation.errors import FaceNotFoundError
from ganimation.motion.smoothing import OneEuroFilter
from ganimation.motion.tracking import FaceFollower
from ganimation.warp.dense import SMOOTH

log = logging.getLogger(__name__)

#: seconds over which the edit of a face that appears after the video's first frame (a newcomer, or a
#: face found again after it was lost) goes from none to full: it does not jump in within one frame
EASE_IN = 0.4


@dataclass
class VideoEditStats:
    """Counts filled in while :func:`edit_video` runs: ``frames`` seen, ``edited``, ``lost`` (passed through)."""

    frames: int = 0
    edited: int = 0
    lost: int = 0


def edit_video(frames: Iterable[np.ndarray], fps: float, *, aus=None, expression: str | None = None,
               intensity: float = 1.0, relative: bool = False, face_model: str | os.PathLike | None = None,
               stats: VideoEditStats | None = None, texture: float | None = None,
               face="largest") -> Iterator[np.ndarray]:
    """Yield each ``(H, W, 3)`` uint8 frame with the expression of its face(s) edited.

    Targets as in :func:`ganimation.faces.pipeline.edit_photo` (``aus`` and/or
    ``expression`` + ``intensity``, ``relative``), resolved per frame against
    that frame's smoothed AUs. ``face``: ``"largest"`` (the default: the largest
    face, followed wherever it goes), ``"all"`` (every face of the first frame
    that has one, each followed near its own place) or an index into that
    frame's faces, largest first. ``stats`` (optional) receives the counts
    (``edited``: frames with at least one face edited). ``texture``: the texture
    stage's strength (None: default, 0: off).
    Raises :class:`FaceNotFoundError` after the last frame when no frame had a face.
    """
    from ganimation.faces.estimate import estimate_aus
    from ganimation.geometry_edit import edit_face_geometry
    from ganimation.images import as_rgb_array
    from ganimation.motion.au_model import AUMotionModel
    from ganimation.texture.au_texture import strength as texture_strength

    texture_strength(texture)               # refused before the first frame is read
    stats = stats if stats is not None else VideoEditStats()
    follower = FaceFollower(fps, face, face_model=face_model)
    au_filters: dict[int, OneEuroFilter] = {}
    model = AUMotionModel.load()
    asked = {"aus": aus, "expression": expression, "intensity": intensity, "relative": relative}
    ease = max(1, round(EASE_IN * fps))     # frames of a face's ease-in
    shown: dict[int, int] = {}              # face id -> frames it has been edited in a row (a first-frame face: full)
    size = None
    for index, frame in enumerate(frames):
        frame = as_rgb_array(frame)         # grey, float or 16-bit frames as edit_photo reads photos
        if size is None:
            size = frame.shape[:2]
        elif frame.shape[:2] != size:       # the tracking and every writer assume one size
            from ganimation.errors import ImageError

            raise ImageError(f"frame {index} is {frame.shape[1]}x{frame.shape[0]}, the first "
                             f"{size[1]}x{size[0]}; a video's frames must all have one size")
        stats.frames += 1
        seen = follower.update(frame)
        ids = {k for k, _ in seen}
        shown = {k: (shown[k] + 1 if k in shown else (ease if index == 0 else 1)) for k in ids}
        if not seen:
            stats.lost += 1
            yield frame
            continue
        out = frame
        placed = [np.array(tracked.landmarks, np.float64) for _, tracked in seen]
        for n, (k, tracked) in enumerate(seen):
            smooth = au_filters.setdefault(k, OneEuroFilter(min_cutoff=1.0, beta=5.0, d_cutoff=4.0))
            current = np.clip(smooth(estimate_aus(tracked.face), tracked.index / fps), 0.0, 1.0)
            current = current.astype(np.float32)
            target = resolve_target(current=current, **asked)
            start = motion_start(current, **asked, target=target)
            if shown[k] < ease:             # a face that has just come in: part of the way
                target = (start + (target - start) * (shown[k] / ease)).astype(np.float32)
            ge = edit_face_geometry(out, placed[n], start, target, model=model, texture=texture,
                                    interpolation=SMOOTH)   # no swimming grain
            out = ge.image
            ge.warp.warp.carry_all(placed[n + 1:])   # the faces after it, where this warp moved them
        stats.edited += 1
        yield out
    if stats.frames and not stats.edited:
        raise FaceNotFoundError(f"no face found in any of the {stats.frames} frame(s) of the video")


def edit_video_file(src: str | os.PathLike, out: str | os.PathLike, *, start: float | None = None,
                    end: float | None = None, max_frames: int | None = None, stats: VideoEditStats | None = None,
                    progress: bool = False, **edit) -> tuple[float, tuple[int, int]]:
    """Edit every frame of the video (or animated GIF) at ``src`` with :func:`edit_video` (``edit``: its
    keyword arguments) into ``out`` (``.mp4``, ``.gif`` or a folder of PNGs, written atomically by
    :class:`~ganimation.video.FrameWriter`) at ``src``'s frame rate; an ``.mp4`` carries ``src``'s sound
    from ``start``. ``start`` / ``end`` / ``max_frames`` cut ``src`` as :func:`~ganimation.video.open_frames`
    does; ``progress``: show a progress bar. Returns the output's frame rate and ``(W, H)``.
    """
    from ganimation.video import FALLBACK_FPS, AudioTrack, FrameWriter, open_frames

    stats = stats if stats is not None else VideoEditStats()
    with open_frames(src, start=start, end=end, max_frames=max_frames) as frames:
        fps = frames.fps or FALLBACK_FPS
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=frames.frame_count, unit="frame", desc="edit", disable=None)
        with FrameWriter(out, fps, audio=AudioTrack.of(src, start)) as writer:
            for frame in edit_video(frames, fps, stats=stats, **edit):
                writer.write(frame)
                if bar is not None:
                    bar.update(1)
        if bar is not None:
            bar.close()
    return fps, writer.written_size

