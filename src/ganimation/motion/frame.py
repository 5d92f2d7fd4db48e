"""The pose-normalised face frame: where landmark motion is measured and transferred.

A face's 478 MediaPipe landmarks ``(478, 3)`` (x, y in pixels, z relative
depth in pixels) are related to the canonical mean face :func:`mean_shape`
by a 3D similarity fitted on points that expressions barely move (nose
bridge, eye corners, temples, upper cheeks: :data:`STABLE`)::

    landmarks ~= scale * (frame_points @ R.T) + t

Frame coordinates are in inter-ocular distances (IOD, eye centre to eye
centre of the mean face = 1), with the origin between the eyes, x toward the
image right, y down and z away from the camera of a frontal face. Head
rotation, position and face size cancel out there, so the difference of two
frames' frame coordinates is expression motion only, comparable across
people and poses; :meth:`FacePose.motion_to_image` turns it back into pixel
motion of a particular face.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ganimation.faces.detect import LEFT_EYE, RIGHT_EYE

#: Landmarks an expression barely moves: nose bridge and tip, eye corners, temples and the upper cheeks
#: beside the nose. The pose is fitted on these. (Forehead landmarks are left out: MediaPipe's forehead
#: moves with raised brows, and fitting on it absorbed about 30 % of a brow raise into the head pose.)
STABLE = (
    6, 168, 197, 195, 5, 4, 1,          # nose bridge and tip
    33, 133, 263, 362,                  # eye corners
    127, 356, 234, 454, 162, 389,       # temples
    116, 345, 123, 352,                 # upper cheeks, next to the nose wings
)


def eye_centres(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The image-left and image-right eye centres of ``(478, D)`` landmarks, each ``(D,)``."""
    lm = np.asarray(landmarks, np.float64)
    return lm[list(RIGHT_EYE)].mean(0), lm[list(LEFT_EYE)].mean(0)


def interocular(landmarks: np.ndarray) -> float:
    """Distance between the eye centres of ``(478, 2|3)`` landmarks, in their 2D units."""
    a, b = eye_centres(np.asarray(landmarks)[:, :2])
    return float(np.linalg.norm(b - a))


@lru_cache(maxsize=1)
def mean_shape() -> np.ndarray:
    """``(478, 3)`` float64 canonical face in frame coordinates (read-only).

    The generalised Procrustes mean of MediaPipe landmarks of frontal faces
    (``assets/face_mean_shape.npy``; ``benchmarks/build_mean_shape.py`` rebuilds it).
    """
    from importlib import resources

    with resources.files("ganimation.assets").joinpath("face_mean_shape.npy").open("rb") as fh:
        shape = np.load(fh, allow_pickle=False).astype(np.float64)
    if shape.shape != (478, 3) or not np.all(np.isfinite(shape)):
        raise ValueError(f"assets/face_mean_shape.npy holds {shape.shape}; expected finite (478, 3)")
    shape.setflags(write=False)
    return shape


def umeyama(src: np.ndarray, dst: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """Similarity ``(scale, R (D, D), t (D,))`` minimising ``sum w |scale R src + t - dst|^2``.

    ``src``, ``dst``: ``(N, D)``; a proper rotation (det +1) is returned.
    """
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    w = np.ones(len(src)) if weights is None else np.asarray(weights, np.float64)
    w = w / w.sum()
    mu_s, mu_d = w @ src, w @ dst
    s0, d0 = src - mu_s, dst - mu_d
    var_s = float((w * (s0 ** 2).sum(1)).sum())
    cov = (d0 * w[:, None]).T @ s0
    u, sig, vt = np.linalg.svd(cov)
    d = np.ones(src.shape[1])
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[-1] = -1.0
    r = (u * d) @ vt
    scale = float((sig * d).sum() / max(var_s, 1e-12))
    return scale, r, mu_d - scale * r @ mu_s


@dataclass(frozen=True)
class FacePose:
    """A face's placement: ``image = scale * frame @ rotation.T + translation``.

    ``scale``: pixels per IOD; ``rotation``: ``(3, 3)``; ``translation``: ``(3,)`` pixels.
    """

    scale: float
    rotation: np.ndarray
    translation: np.ndarray

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        """``(N, 3)`` image landmarks -> ``(N, 3)`` frame coordinates."""
        return ((np.asarray(points, np.float64) - self.translation) @ self.rotation) / self.scale

    def from_frame(self, points: np.ndarray) -> np.ndarray:
        """``(N, 3)`` frame coordinates -> ``(N, 3)`` image landmarks."""
        return self.scale * np.asarray(points, np.float64) @ self.rotation.T + self.translation

    def motion_to_image(self, motion: np.ndarray) -> np.ndarray:
        """``(N, 3)`` frame-coordinate motion -> ``(N, 2)`` pixel motion of this face."""
        return (self.scale * np.asarray(motion, np.float64) @ self.rotation.T)[:, :2]

    def angles(self) -> tuple[float, float, float]:
        """Yaw, pitch, roll in degrees (for reports; x-y-z Euler angles of ``rotation``)."""
        r = self.rotation
        pitch = np.degrees(np.arctan2(r[2, 1], r[2, 2]))
        yaw = np.degrees(np.arcsin(-np.clip(r[2, 0], -1, 1)))
        roll = np.degrees(np.arctan2(r[1, 0], r[0, 0]))
        return float(yaw), float(pitch), float(roll)


def fit_pose(landmarks: np.ndarray, reference: np.ndarray | None = None) -> FacePose:
    """The :class:`FacePose` of ``(478, 3)`` landmarks against ``reference`` (default :func:`mean_shape`)."""
    lm = np.asarray(landmarks, np.float64)
    if lm.shape != (478, 3) or not np.all(np.isfinite(lm)):
        raise ValueError(f"landmarks must be finite (478, 3); got {lm.shape}")
    ref = mean_shape() if reference is None else np.asarray(reference, np.float64)
    idx = list(STABLE)
    scale, r, t = umeyama(ref[idx], lm[idx])
    return FacePose(scale=scale, rotation=r, translation=t)


def to_frame(landmarks: np.ndarray) -> tuple[np.ndarray, FacePose]:
    """``(478, 3)`` frame coordinates of ``landmarks`` and the fitted pose."""
    pose = fit_pose(landmarks)
    return pose.to_frame(landmarks), pose
