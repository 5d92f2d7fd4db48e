"""Animations: AU trajectories between two expressions, rendered and written as GIF or MP4."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ganimation.aus import check_vector, interpolate
from ganimation.errors import GanimationError


def trajectory(source: np.ndarray, target: np.ndarray, frames: int, *, ease: bool = True,
               pingpong: bool = False) -> np.ndarray:
    """``(frames, 17)`` AU vectors ``alpha * target + (1 - alpha) * source``, alpha 0 -> 1 (:func:`alphas`).

    ``ease`` uses a smooth (cosine) alpha; ``pingpong`` returns to the source.
    """
    return interpolate(check_vector(source), check_vector(target), alphas(frames, ease=ease, pingpong=pingpong))


def alphas(frames: int, *, ease: bool = True, pingpong: bool = False) -> np.ndarray:
    """``(frames,)`` float32 shares of the way from the start (0) to the target (1): linear, or eased
    (cosine) with ``ease``; with ``pingpong`` back again (``2 * frames - 2`` in all)."""
    if frames < 2:
        raise GanimationError(f"an animation needs at least 2 frames, got {frames}")
    alpha = np.linspace(0.0, 1.0, frames, dtype=np.float32)
    if ease:
        alpha = (0.5 - 0.5 * np.cos(np.pi * alpha)).astype(np.float32)
    if pingpong:
        alpha = np.concatenate([alpha, alpha[-2:0:-1]])
    return alpha


def render(editor, crop: np.ndarray, aus_sequence: np.ndarray) -> np.ndarray:
    """Edit one crop ``(S, S, 3)`` uint8 to each AU vector (batched): ``(F, S, S, 3)`` uint8."""
    crop = np.asarray(crop)
    crops = np.repeat(crop[None], len(aus_sequence), axis=0)
    return editor.edit_crops(crops, aus_sequence).images


def render_photo(editor, image: np.ndarray, aus_sequence: np.ndarray, *, engine: str | None = None, face="largest",
                 search: str = "proposals", current: np.ndarray | None = None, found=None,
                 texture: float | None = None):
    """Frames ``(H, W, 3)`` uint8 of one face of a photo moved along ``aus_sequence`` ``(F, 17)`` (a generator).

    ``engine`` as in :func:`ganimation.faces.pipeline.edit_photo`. With the
    ``warp`` engine the face is detected once and each frame is one warp of
    the photo, so the motion is exactly linear in the AUs: smooth along the
    path. ``current``: the face's own AUs (default: estimated). ``found``: the
    detected face (a :class:`~ganimation.faces.detect.Face`) when the caller has
    it already; the warp engine then detects nothing. ``texture``: the warp engine's texture strength
    (None: default, 0: off).
    """
    from ganimation.faces.estimate import estimate_aus
    from ganimation.faces.pipeline import find_faces, resolve_engine
    from ganimation.geometry_edit import edit_face_geometry
    from ganimation.motion.au_model import AUMotionModel
    from ganimation.reenact import select_face

    engine = resolve_engine(editor, engine)
    if engine != "warp":
        from ganimation.faces.pipeline import edit_photo

        for aus in aus_sequence:
            yield edit_photo(editor, image, targets=[aus], face=face, engine=engine, search=search,
                             texture=texture).image
        return
    f = found if found is not None else select_face(find_faces(image, face, search=search), face)
    est = estimate_aus(f) if current is None else check_vector(current)
    model = AUMotionModel.load()
    for aus in aus_sequence:
        yield edit_face_geometry(image, f.landmarks, est, check_vector(aus), model=model, texture=texture).image


def render_faces(editor, image: np.ndarray, faces: list, sequences: np.ndarray, *, starts: np.ndarray | None = None,
                 engine: str | None = None, texture: float | None = None):
    """Frames ``(H, W, 3)`` uint8 of several faces of a photo, each moved along its own AUs (a generator).

    ``faces``: detected faces (:class:`~ganimation.faces.detect.Face`), detected once, in the order
    they are edited (:func:`~ganimation.faces.pipeline.find_faces` gives them largest first);
    ``sequences``: ``(N, F, 17)``, face ``n``'s AUs in frame ``k``; ``starts``: ``(N, 17)`` the AUs
    each face's warp starts from (default: its estimate), as in :func:`render_photo`. Each frame is
    one :func:`~ganimation.faces.pipeline.edit_photo` of the photo with every face at its frame's AUs.
    """
    from ganimation.faces.pipeline import edit_photo

    sequences = np.asarray(sequences, np.float32)
    if sequences.ndim != 3 or len(sequences) != len(faces):
        raise GanimationError(f"sequences {sequences.shape}: expected one (frames, 17) path per face "
                              f"({len(faces)} faces)")
    for k in range(sequences.shape[1]):
        yield edit_photo(editor, image, targets=list(sequences[:, k]), starts=starts, found=faces, face="all",
                         engine=engine, texture=texture).image


def write_animation(path: str | os.PathLike, frames: np.ndarray, fps: float = 12.0) -> Path:
    """Write ``(F, H, W, 3)`` uint8 frames as ``.gif`` (looping) or ``.mp4`` (H.264); return the path.

    The parent folder is created if needed; the file appears only when complete
    (see :class:`ganimation.video.FrameWriter`).
    """
    from ganimation.video import FrameWriter

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise GanimationError(f"{path}: unsupported animation type {suffix!r}; use .gif or .mp4")
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = np.asarray(frames, dtype=np.uint8)
    with FrameWriter(path, fps) as writer:
        for frame in frames:
            writer.write(frame)
    return path
