"""Landmark tracking of a face through a sequence of frames.

Each frame goes through MediaPipe FaceLandmarker: first in a window around
the last frame's face (2.5 times its size: fast, and a small face in a large
frame fills the window enough to be found; where that window is nearly the
frame, the frame itself, in one pass), else one pass over the whole
frame, else the detector's ``proposals`` search for small faces; then the :class:`~ganimation.motion.smoothing.LandmarkSmoother`
(One-Euro filter). A frame where the face is lost reuses the last good
landmarks; frames before the first detection take the first good ones once
it arrives. :attr:`LandmarkTracker.lost` counts them.

Several faces of one video are followed by one tracker each (:meth:`LandmarkTracker.seed`
with the face's landmarks, ``stay_near=True``): each looks only around its own face's last
place and keeps the face found there nearest to it, so it neither jumps to a neighbour nor to
the largest face of the frame when its own is hidden for a while.
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
    ``stay_near``: once it has a face, look for it only around its last place
    (a window of 2.5 times its size), keeping the face there nearest to that
    place and within half the face's size of it; a frame without one counts
    as lost. For one face among several (:meth:`seed`).
    """

    #: how far (a share of the face's size) a face may be from its last place and still be taken as it
    NEAR = 0.5
    #: faces a tracker that stays near its own looks at in its window, to keep its own among them
    WINDOW_FACES = 4

    def __init__(self, fps: float = 25.0, *, face_model: str | os.PathLike | None = None, smooth: bool = True,
                 max_side: int = 1280, detector=None, stay_near: bool = False):
        if not (np.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive number, got {fps}")
        self.fps = float(fps)
        self.face_model = face_model
        self.stay_near = bool(stay_near)
        self.detector = detector or self._window_detector()
        self.smoother = LandmarkSmoother() if smooth else None
        self.max_side = int(max_side)
        self.count = 0
        self.lost = 0
        self._last: np.ndarray | None = None

    def seed(self, landmarks: np.ndarray) -> None:
        """Follow the face with these ``(478, 3)`` landmarks (pixels of the next frame): its first
        frame is searched around them."""
        self._last = np.asarray(landmarks, np.float64)

    def stay(self) -> None:
        """From now on stay near the face followed so far (``stay_near``), its smoothing kept: when
        another face comes into the video that a tracker of its own follows."""
        if not self.stay_near:
            self.stay_near = True
            self.detector = self._window_detector()

    def _window_detector(self):
        """The detector of the window around the face: one face, or with ``stay_near`` every face there."""
        from ganimation.faces.detect import get_detector

        return get_detector(self.face_model, search="whole", max_faces=self.WINDOW_FACES if self.stay_near else 1)

    def near(self, landmarks: np.ndarray) -> bool:
        """Whether the face with ``(478, 2|3)`` landmarks is the one this tracker last saw
        (:func:`same_face`)."""
        return self._last is not None and same_face(self._last, landmarks)

    def _detect(self, frame: np.ndarray):
        if self._last is not None:
            face = self._detect_near(frame, self._last)
            if face is not None or self.stay_near:
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
            return self._nearest(self._faces(frame, refit=False), last)
        faces = [f.shift(x0, y0) for f in self._faces(crop, refit=False)]   # already a crop around it
        return self._nearest(faces, last)

    def _nearest(self, faces: list, last: np.ndarray):
        """The face of ``faces`` to take for the one last seen at ``last``: the largest (the first), or
        with ``stay_near`` the one nearest to ``last`` within :data:`NEAR` of its size (or None)."""
        if not faces:
            return None
        if not self.stay_near:
            return faces[0]
        best = min(faces, key=lambda f: float(np.linalg.norm(_centre(f.landmarks) - _centre(last))))
        return best if same_face(last, best.landmarks) else None

    def _detect_whole(self, frame: np.ndarray, refit: bool = True):
        faces = self._faces(frame, refit=refit)
        return faces[0] if faces else None

    def _faces(self, frame: np.ndarray, refit: bool = True) -> list:
        """Every face the detector finds in ``frame``, largest first, in ``frame``'s pixels."""
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
        return faces

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


class FaceFollower:
    """The faces ``face`` selects, followed through a video: :meth:`update` per frame, in order.

    ``face``: ``"largest"`` (one :class:`LandmarkTracker` from the first frame on, following the
    largest face wherever it goes), ``"all"`` (every face of the first frame that has one, and
    every face that comes in later: the frame is searched again every :data:`RESCAN` seconds) or
    an index into the first frame's faces, largest first. Several faces get one tracker each,
    seeded on their face and staying near it (``stay_near``); one face selected by ``"all"`` is
    tracked as ``"largest"`` tracks it until another comes in. Each face keeps its id (0, 1, ...
    in the order they were found, the first frame's largest first).
    """

    #: seconds between two searches for faces that came into the video (``face="all"``)
    RESCAN = 1.0

    def __init__(self, fps: float, face="largest", *, face_model: str | os.PathLike | None = None):
        self.fps = float(fps)
        self.face = face
        self.face_model = face_model
        self.trackers: list[LandmarkTracker] = [LandmarkTracker(fps, face_model=face_model)] if face == "largest" else []
        self.frames = 0
        self._every = max(1, round(self.RESCAN * self.fps))

    def _start(self, frame: np.ndarray) -> list[LandmarkTracker]:
        from ganimation.faces.detect import get_detector
        from ganimation.faces.pipeline import select_faces

        found = get_detector(self.face_model, search="proposals").detect(frame)
        if not found:
            return []
        chosen = [found[i] for i in select_faces(found, self.face)]
        if len(chosen) == 1 and self.face in ("all", "largest"):
            return [self._tracker()]
        return [self._tracker(f.landmarks) for f in chosen]

    def update(self, frame: np.ndarray) -> list[tuple[int, TrackedFrame]]:
        """``(face id, tracked)`` of the followed faces found in this ``(H, W, 3)`` uint8 frame."""
        frame = np.asarray(frame)
        self.frames += 1
        starting = not self.trackers
        if starting:
            self.trackers = self._start(frame)
        before = [t._last for t in self.trackers]
        seen = [(k, t.update(frame)) for k, t in enumerate(self.trackers)]
        seen = self._distinct([(k, tracked) for k, tracked in seen if tracked is not None and tracked.found], before)
        if self.face == "all" and self.trackers and not starting and self.frames % self._every == 0:
            seen += self._newcomers(frame)
        return seen

    def _distinct(self, seen: list[tuple[int, TrackedFrame]], before: list) -> list[tuple[int, TrackedFrame]]:
        """``seen`` with each face once: where two trackers took the same face (one face passing in front
        of another), the tracker whose face was nearer to it keeps it; the other counts the frame lost and
        goes back to where it last saw its own face (a face edited twice would be warped twice)."""
        kept: list[tuple[int, TrackedFrame]] = []
        for k, tracked in sorted(seen, key=lambda kt: self._moved(kt[1], before[kt[0]])):
            if any(same_face(tracked.raw, other.raw) for _, other in kept):
                t = self.trackers[k]
                t._last, t.lost = before[k], t.lost + 1
                continue
            kept.append((k, tracked))
        return sorted(kept, key=lambda kt: kt[0])

    @staticmethod
    def _moved(tracked: TrackedFrame, last) -> float:
        """How far (pixels) a tracker's face is from where it last saw its own (0 for a first sighting)."""
        if last is None:
            return 0.0
        return float(np.linalg.norm(tracked.raw[:, :2].mean(0) - np.asarray(last)[:, :2].mean(0)))

    def _newcomers(self, frame: np.ndarray) -> list[tuple[int, TrackedFrame]]:
        """Faces of ``frame`` that no tracker follows: a tracker each (the others now stay near their
        own faces), and their first tracked frame."""
        from ganimation.faces.detect import get_detector

        new = [f for f in get_detector(self.face_model, search="proposals").detect(frame)
               if not any(t.near(f.landmarks) for t in self.trackers)]
        out = []
        for f in new:
            for t in self.trackers:
                t.stay()
            self.trackers.append(self._tracker(f.landmarks))
            tracked = self.trackers[-1].update(frame)
            if tracked is not None and tracked.found:
                out.append((len(self.trackers) - 1, tracked))
        return out

    def _tracker(self, seed: np.ndarray | None = None) -> LandmarkTracker:
        """A tracker whose frame indices are the video's (it starts at the current frame); seeded on a
        face (and staying near it), or not."""
        t = LandmarkTracker(self.fps, face_model=self.face_model, stay_near=seed is not None)
        if seed is not None:
            t.seed(seed)
        t.count = self.frames - 1
        return t


def _centre(landmarks: np.ndarray) -> np.ndarray:
    """``(2,)`` centre of the box of ``(478, 2|3)`` landmarks."""
    pts = np.asarray(landmarks, np.float64)[:, :2]
    return (pts.min(0) + pts.max(0)) / 2


def same_face(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two ``(478, 2|3)`` landmark sets are one face: their centres within
    :data:`LandmarkTracker.NEAR` of the smaller face's size."""
    size = min(float(np.ptp(np.asarray(x, np.float64)[:, :2], axis=0).max()) for x in (a, b))
    return float(np.linalg.norm(_centre(a) - _centre(b))) <= LandmarkTracker.NEAR * size

