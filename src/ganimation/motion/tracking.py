"""Landmark tracking of a face through a sequence of frames.

Each frame goes through MediaPipe FaceLandmarker: first in a window around
the last frame's face (2.5 times its size: fast, and a small face in a large
frame fills the window enough to be found; where that window is nearly the
frame, the frame itself, in one pass), else one pass over the whole
frame, else the detector's ``proposals`` search for small faces; then the :class:`~ganimation.motion.smoothing.LandmarkSmoother`
(One-Euro filter). A frame where the face is lost reuses the last good
landmarks; frames before the first detection take the first good ones once
it arrives. :attr:`LandmarkTracker.lost` counts them.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np

from ganimation.motion.smoothing import LandmarkSmoother

log = logging.getLogger(__name__)


@dataclass
class TrackedFrame:
    """One frame's face: ``landmarks`` ``(478, 3)`` smoothed pixels, ``raw`` as detected (or reused),
    ``found`` whether the face was detected in this frame."""

    index: int
    landmarks: np.ndarray
    raw: np.ndarray
    found: bool
    face: object | None = None   # the detector's Face (blendshapes...) when found


class LandmarkTracker:
    """Feed frames in order with :meth:`update`; ``fps`` sets the filter's time step.

    ``max_side``: frames larger than this are detected on a downscaled copy
    (landmarks are scaled back), which keeps detection fast on 4K video.
    """

    def __init__(self, fps: float = 25.0, *, face_model: str | os.PathLike | None = None, smooth: bool = True,
                 max_side: int = 1280, detector=None):
        from ganimation.faces.detect import get_detector

        if not (np.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive number, got {fps}")
        self.fps = float(fps)
        self.face_model = face_model
        self.detector = detector or get_detector(face_model, search="whole", max_faces=1)
        self.smoother = LandmarkSmoother() if smooth else None
        self.max_side = int(max_side)
        self.count = 0
        self.lost = 0
        self._last: np.ndarray | None = None

    def _detect(self, frame: np.ndarray):
        if self._last is not None:
            face = self._detect_near(frame, self._last)
            if face is not None:
                return face
        face = self._detect_whole(frame)
        if face is None and max(frame.shape[:2]) >= 256:
            from ganimation.faces.detect import get_detector

            faces = get_detector(self.face_model, search="proposals").detect(frame)
            face = faces[0] if faces else None
        return face

    def _detect_near(self, frame: np.ndarray, last: np.ndarray):
        """The face in a window around the last landmarks ``(478, 3)``, in frame pixels (or None)."""
        from ganimation.faces.detect import cut_window

        h, w = frame.shape[:2]
        lo, hi = last[:, :2].min(0), last[:, :2].max(0)
        c, half = (lo + hi) / 2, max(96.0, 1.25 * float((hi - lo).max()))
        crop, x0, y0 = cut_window(frame, (c[0] - half, c[1] - half, c[0] + half, c[1] + half))
        if min(crop.shape[:2]) < 16:
            return None
        if crop.shape[0] * crop.shape[1] >= 0.8 * w * h:
            # the window is (nearly) the frame, and the face a third of it or more: one pass over the
            # frame, not landmarked again in a crop (the detector's refit of faces under half the frame
            # moved these faces' landmarks by 0.005-0.01 IOD and took a second pass, 20 ms a frame)
            return self._detect_whole(frame, refit=False)
        face = self._detect_whole(crop, refit=False)   # already a crop around it
        return face.shift(x0, y0) if face is not None else None

    def _detect_whole(self, frame: np.ndarray, refit: bool = True):
        h, w = frame.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        if scale < 1.0:
            from PIL import Image

            small = np.asarray(Image.fromarray(frame).resize((max(1, round(w * scale)), max(1, round(h * scale))),
                                                             Image.BILINEAR))
            faces = self.detector.detect(small, refit=refit)
            for f in faces:
                f.landmarks = f.landmarks / scale
        else:
            faces = self.detector.detect(frame, refit=refit)
        return faces[0] if faces else None

    def update(self, frame: np.ndarray) -> TrackedFrame | None:
        """Track one ``(H, W, 3)`` uint8 frame. Returns None while no face has been seen yet."""
        index = self.count
        self.count += 1
        face = self._detect(np.asarray(frame))
        found = face is not None
        if found:
            raw = face.landmarks.astype(np.float64)
            self._last = raw
        elif self._last is None:
            self.lost += 1
            return None
        else:
            self.lost += 1
            raw = self._last
        t = index / self.fps
        smoothed = self.smoother(raw, t) if self.smoother else raw
        return TrackedFrame(index=index, landmarks=smoothed, raw=raw, found=found,
                            face=face)
