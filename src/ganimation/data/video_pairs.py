"""Talking-face video frames for wg-GAN's refinement and mouth networks, and the training pairs made from them.

**Prepared format** (``ganimation prepare VIDEOS_DIR --video -o DATASET``; docs/wggan.md)::

    DATASET/clips/<clip>.npz   one file per clip:
        frames     (N, S, S, 3) uint8   a fixed square window around the face (same for every frame of the clip)
        landmarks  (N, 478, 3)  float32 MediaPipe landmarks in window pixels (z scaled the same way)
        aus        (N, 17)      float32 estimated AUs (0-1)
        index      (N,)         int32   frame number in the video
        window     (4,)         float32 x0, y0, x1, y1 of the window in video pixels
    DATASET/video_index.json   {"format": "ganimation-video", "size": S, "clips": {clip: frames}, "skipped": {...}}

A clip is sampled every ``every``-th frame, at most ``max_frames`` samples;
frames without a face are skipped. Re-running resumes: clips whose ``.npz``
exists are kept.

**Pairs** (:func:`make_pair`): source frame ``i`` is warped by the project's
one warp (:func:`ganimation.warp.face.warp_face`) to target frame ``j``'s
landmarks (same person: the target landmarks are used directly), the
non-learned mouth shading is applied as at inference, and both images and the
displacement map are cropped at the alignment of ``j``'s landmarks.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganimation.errors import DatasetError

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv", ".avi", ".m4v")
#: a mouth counts as open (mouth-network training) above this inner-lip gap, in inter-ocular distances
OPEN_MOUTH_IOD = 0.08


def points5(landmarks: np.ndarray) -> np.ndarray:
    """``(5, 2)`` eye centres, nose tip and mouth corners of ``(478, 2|3)`` landmarks (as :meth:`Face.points5`)."""
    from ganimation.faces.detect import (
        LEFT_EYE,
        MOUTH_LEFT,
        MOUTH_RIGHT,
        NOSE_TIP,
        RIGHT_EYE,
    )

    lm = np.asarray(landmarks, np.float64)[:, :2]
    return np.stack([lm[list(RIGHT_EYE)].mean(0), lm[list(LEFT_EYE)].mean(0), lm[NOSE_TIP],
                     lm[MOUTH_RIGHT], lm[MOUTH_LEFT]]).astype(np.float32)


def inner_mouth_mask(landmarks_crop: np.ndarray, size: int, grow: float = 1.0) -> np.ndarray:
    """``(S, S)`` float32 in {0, 1}: the inner-lip polygon of crop-pixel landmarks, grown by ``grow`` px."""
    import cv2

    from ganimation.motion.regions import INNER_LIPS

    m = np.zeros((size, size), np.uint8)
    pts = np.asarray(landmarks_crop, np.float64)[list(INNER_LIPS), :2]
    cv2.fillPoly(m, [np.round(pts * 16).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=4)
    if grow > 0:
        k = int(2 * round(grow) + 1)
        m = cv2.dilate(m, np.ones((k, k), np.uint8))
    return m.astype(np.float32)


def mouth_open(landmarks: np.ndarray) -> float:
    """Inner-lip gap of ``(478, 2|3)`` landmarks in inter-ocular distances."""
    from ganimation.motion.frame import interocular
    from ganimation.motion.regions import inner_mouth_gap

    return inner_mouth_gap(landmarks) / max(interocular(np.asarray(landmarks, np.float64)), 1e-6)


def crop_displacement(disp: np.ndarray, roi, image_shape, m: np.ndarray, size: int) -> np.ndarray:
    """The ``(h, w, 2)`` displacement map over ``roi`` of a ``(H, W)`` image, resampled into the
    ``size`` crop of the ``(2, 3)`` transform ``m`` and rotated with it: ``(S, S, 2)`` float32 (units kept)."""
    import cv2

    x0, y0, x1, y1 = (int(v) for v in roi)
    full = np.zeros((image_shape[0], image_shape[1], 2), np.float32)
    full[y0:y1, x0:x1] = disp
    out = cv2.warpAffine(full, np.asarray(m, np.float64), (size, size), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    a = np.asarray(m, np.float64)[:, :2]
    rot = a / max(float(np.sqrt(abs(np.linalg.det(a)))), 1e-12)
    return (out @ rot.T.astype(np.float32)).astype(np.float32)


@dataclass
class Pair:
    """One training pair at crop size ``S`` (all aligned by the target's landmarks).

    - ``warped``: ``(S, S, 3)`` uint8, source frame warped to the target's landmarks (+ mouth shading).
    - ``disp``: ``(S, S, 2)`` float32, the warp's forward motion in inter-ocular distances.
    - ``target``: ``(S, S, 3)`` uint8, the real target frame.
    - ``face``: ``(S, S)`` float32 face-region mask (paste-back mask); ``mouth``: ``(S, S)`` inner-mouth mask.
    - ``opens``: the target's mouth opens wider than the source's (IOD); ``open_iod``: the target's gap.
    """

    warped: np.ndarray
    disp: np.ndarray
    target: np.ndarray
    face: np.ndarray
    mouth: np.ndarray
    opens: float
    open_iod: float


def make_pair(frame_i: np.ndarray, lm_i: np.ndarray, frame_j: np.ndarray, lm_j: np.ndarray, size: int,
              *, shade: bool = True) -> Pair:
    """Warp ``frame_i`` ``(H, W, 3)`` uint8 (landmarks ``lm_i`` ``(478, 3)``) to ``lm_j`` and crop it and
    ``frame_j`` at ``lm_j``'s alignment (``size`` px). See :class:`Pair`."""
    from ganimation.faces.align import align_transform, apply, face_mask, warp
    from ganimation.warp.dense import SMOOTH
    from ganimation.warp.face import warp_face
    from ganimation.warp.mouth import shade_mouth

    fw = warp_face(frame_i, lm_i, lm_j[:, :2], interpolation=SMOOTH)   # as reenact warps (the shipped stages' data)
    image = shade_mouth(fw.image, fw.source, fw.target, fw.iod) if shade else fw.image
    m = align_transform(points5(lm_j), size)
    lm_c = apply(m, lm_j[:, :2])
    return Pair(warped=warp(image, m, size), disp=crop_displacement(fw.displacement_map(), fw.warp.roi,
                                                                     image.shape, m, size),
                target=warp(frame_j, m, size), face=face_mask(size, lm_c), mouth=inner_mouth_mask(lm_c, size),
                opens=mouth_open(lm_j) - mouth_open(lm_i), open_iod=mouth_open(lm_j))


# -- preparing a folder of videos ------------------------------------------------------------------------


def _savez(path, arrays: dict) -> None:
    """``np.savez`` to exactly ``path`` (no ``.npz`` appended), closed before it returns."""
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


@dataclass
class VideoPrepareSummary:
    clips: dict[str, int]
    skipped: dict[str, str]
    already_done: int


def list_videos(folder: str | os.PathLike, exclude: Iterable[str] = ()) -> list[Path]:
    """The video files of ``folder`` (not recursive), sorted, without those whose name or stem is in ``exclude``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a folder of videos")
    ex = set(exclude)
    return [p for p in sorted(folder.iterdir()) if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file()
            and p.name not in ex and p.stem not in ex]


def _detect_clip(path: Path, every: int, max_frames: int, face_model=None):
    """First pass: ``[(frame number, Face)]`` of the sampled frames where a face is found."""
    from ganimation.faces.detect import get_detector
    from ganimation.video import open_frames

    det = get_detector(face_model, search="whole", max_faces=1)
    found = []
    with open_frames(path, max_frames=every * max_frames) as frames:
        for n, frame in enumerate(frames):
            if n % every:
                continue
            faces = det.detect(frame)
            if faces:
                found.append((n, faces[0]))
    return found


def _window(faces, shape) -> np.ndarray:
    """A square window (x0, y0, x1, y1) holding every sampled face with a margin (may leave the frame)."""
    lm = np.concatenate([f.landmarks[:, :2] for _, f in faces])
    lo, hi = np.percentile(lm, 0.5, axis=0), np.percentile(lm, 99.5, axis=0)
    c = (lo + hi) / 2
    half = 0.5 * float(max(hi - lo)) * 1.5
    return np.array([c[0] - half, c[1] - half, c[0] + half, c[1] + half], np.float32)


def prepare_clip(path: Path, size: int, every: int, max_frames: int, face_model=None) -> dict | None:
    """The arrays of one clip (see the module docstring), or None if fewer than two frames have a face."""
    import cv2

    from ganimation.faces.estimate import estimate_aus
    from ganimation.video import open_frames

    faces = _detect_clip(path, every, max_frames, face_model)
    if len(faces) < 2:
        return None
    win = _window(faces, None)
    s = size / float(win[2] - win[0])
    m = np.array([[s, 0, -win[0] * s], [0, s, -win[1] * s]], np.float64)
    wanted = {n: f for n, f in faces}
    frames, lms, aus, index = [], [], [], []
    with open_frames(path, max_frames=every * max_frames) as src:
        for n, frame in enumerate(src):
            face = wanted.get(n)
            if face is None:
                continue
            interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
            frames.append(cv2.warpAffine(frame, m, (size, size), flags=interp, borderMode=cv2.BORDER_REPLICATE))
            lm = face.landmarks.astype(np.float64).copy()
            lm[:, :2] = lm[:, :2] * s + m[:, 2]
            lm[:, 2] *= s
            lms.append(lm.astype(np.float32))
            aus.append(estimate_aus(face))
            index.append(n)
    return {"frames": np.stack(frames), "landmarks": np.stack(lms), "aus": np.stack(aus).astype(np.float32),
            "index": np.asarray(index, np.int32), "window": win}


def prepare_videos(videos_dir: str | os.PathLike, out_dir: str | os.PathLike, *, size: int = 256, every: int = 2,
                   max_frames: int = 150, exclude: Iterable[str] = (), face_model=None,
                   progress: bool = True) -> VideoPrepareSummary:
    """Prepare every video of ``videos_dir`` into ``out_dir`` (resumable; see the module docstring)."""
    from ganimation.checkpoint import atomic_write

    videos = list_videos(videos_dir, exclude)
    if not videos:
        raise DatasetError(f"{videos_dir}: no video files ({' '.join(VIDEO_SUFFIXES)})")
    out = Path(out_dir)
    (out / "clips").mkdir(parents=True, exist_ok=True)
    index_path = out / "video_index.json"
    index = json.loads(index_path.read_text()) if index_path.is_file() else {}
    if index and int(index.get("size", size)) != size:
        raise DatasetError(f"{out} holds {index['size']} px clips; use --size {index['size']} or a new folder")
    clips = dict(index.get("clips", {}))
    skipped: dict[str, str] = {}
    done = 0
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(videos), unit="clip", desc="prepare", disable=None)
    for path in videos:
        dst = out / "clips" / f"{path.stem}.npz"
        if dst.is_file() and path.stem in clips:
            done += 1
        else:
            try:
                arrays = prepare_clip(path, size, every, max_frames, face_model)
            except Exception as exc:  # noqa: BLE001 - an unreadable video is skipped and reported
                from ganimation.errors import one_line

                arrays = None
                skipped[path.name] = f"unreadable ({type(exc).__name__}: {one_line(exc, 80)})"
            if arrays is None:
                skipped.setdefault(path.name, "fewer than two frames with a face")
            else:
                atomic_write(dst, lambda tmp, a=arrays: _savez(tmp, a))
                clips[path.stem] = len(arrays["frames"])
                index = {"format": "ganimation-video", "size": size, "every": every, "clips": clips,
                         "skipped": {**index.get("skipped", {}), **skipped}}
                atomic_write(index_path, lambda tmp, d=index: Path(tmp).write_text(json.dumps(d, indent=1)))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    index = {"format": "ganimation-video", "size": size, "every": every, "clips": clips,
             "skipped": {**index.get("skipped", {}), **skipped}}
    atomic_write(index_path, lambda tmp: Path(tmp).write_text(json.dumps(index, indent=1)))
    if not clips:
        raise DatasetError(f"{videos_dir}: no clip has two or more frames with a face; nothing to train on")
    return VideoPrepareSummary(clips=clips, skipped=skipped, already_done=done)


@dataclass
class Clip:
    name: str
    frames: np.ndarray      # (N, S, S, 3) uint8
    landmarks: np.ndarray   # (N, 478, 3) float32


def load_clips(dataset: str | os.PathLike, exclude: Iterable[str] = ()) -> list[Clip]:
    """The clips of a prepared video dataset with at least two frames; :class:`DatasetError` if none."""
    root = Path(dataset)
    index_path = root / "video_index.json"
    if not index_path.is_file():
        raise DatasetError(f"{root}: no video_index.json; prepare it with `ganimation prepare VIDEOS --video -o {root}`")
    try:
        index = json.loads(index_path.read_text())
        names = list(index["clips"])
    except (ValueError, KeyError, TypeError):
        raise DatasetError(f"{index_path}: damaged; prepare the dataset again") from None
    ex = set(exclude)
    clips = []
    for name in names:
        if name in ex:
            continue
        try:
            with np.load(root / "clips" / f"{name}.npz") as d:
                frames, lms = d["frames"], d["landmarks"]
        except Exception as exc:  # noqa: BLE001
            raise DatasetError(f"{root}/clips/{name}.npz: unreadable ({type(exc).__name__}); prepare again") from None
        if len(frames) >= 2:
            clips.append(Clip(name, frames, lms))
    if not clips:
        raise DatasetError(f"{root}: no clip with two or more frames: no (source, target) pairs can be drawn")
    return clips


def build_pairs(clips: list[Clip], count: int, size: int, seed: int = 0, *, progress: bool = False) -> dict:
    """``count`` random pairs (same clip, two different frames) as stacked arrays:
    ``warped`` (P,S,S,3) uint8, ``disp`` (P,S,S,2) float16, ``target`` (P,S,S,3) uint8, ``face``/``mouth``
    (P,S,S) uint8 (x255 / {0,1}), ``opens``/``open_iod`` (P,) float32. Clips are drawn uniformly."""
    rng = np.random.default_rng(seed)
    out = {k: [] for k in ("warped", "disp", "target", "face", "mouth", "opens", "open_iod")}
    it = range(count)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="pairs", unit="pair", disable=None)
    for _ in it:
        c = clips[int(rng.integers(len(clips)))]
        i, j = rng.choice(len(c.frames), 2, replace=False)
        try:
            p = make_pair(c.frames[i], c.landmarks[i], c.frames[j], c.landmarks[j], size)
        except ValueError:
            continue
        out["warped"].append(p.warped)
        out["disp"].append(p.disp.astype(np.float16))
        out["target"].append(p.target)
        out["face"].append(np.round(p.face * 255).astype(np.uint8))
        out["mouth"].append(p.mouth.astype(np.uint8))
        out["opens"].append(p.opens)
        out["open_iod"].append(p.open_iod)
    if not out["warped"]:
        raise DatasetError("no training pair could be made")
    return {k: np.stack(v) if k not in ("opens", "open_iod") else np.asarray(v, np.float32) for k, v in out.items()}
