"""Motion transfer: a driving face's expression motion applied to a source face.

For every driving frame, the motion is the change of its frame coordinates
(:mod:`ganimation.motion.frame`, head pose removed, in IOD) against a
reference frame of the same driving face. That motion is

1. limited to a region (:func:`ganimation.motion.regions.region_weights`),
2. rescaled per region to the source face (mouth motion by the ratio of mouth
   widths, eye motion by the ratio of eye openings, clamped), so a wide mouth
   drives a narrow one plausibly and a blink closes an eye of any size,
3. weighted by a per-landmark confidence (face-contour points, which slide
   along the cheek as the head turns, move less: :func:`confidence`),

and added to the source's frame coordinates, which are mapped back to the
source image in the source's own pose (or, with ``pose=True``, in the source
pose changed by the driving head's rotation and translation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganimation.motion import regions
from ganimation.motion.frame import FacePose, fit_pose
from ganimation.motion.lids import keep_closed

#: confidence of face-contour landmarks (MediaPipe's contour slides along the cheek with head yaw)
CONTOUR_CONFIDENCE = 0.7
#: clamps of the per-region size ratios
MOUTH_RATIO = (0.7, 1.4)
EYE_RATIO = (0.5, 2.0)


def confidence() -> np.ndarray:
    """``(478,)`` motion weights: :data:`CONTOUR_CONFIDENCE` on the face contour, 1 elsewhere."""
    c = np.ones(478)
    c[list(regions.FACE_OVAL)] = CONTOUR_CONFIDENCE
    return c


def _eye_opening(p: np.ndarray) -> float:
    return float(np.linalg.norm(p[159, :2] - p[145, :2]) + np.linalg.norm(p[386, :2] - p[374, :2])) / 2


def _mouth_width(p: np.ndarray) -> float:
    return float(np.linalg.norm(p[291, :2] - p[61, :2]))


def region_scales(source_frame: np.ndarray, reference_frame: np.ndarray) -> np.ndarray:
    """``(478,)`` per-landmark factors turning driving motion into source motion (1 away from mouth and eyes)."""
    mouth = np.clip(_mouth_width(source_frame) / max(_mouth_width(reference_frame), 1e-6), *MOUTH_RATIO)
    eyes = np.clip(_eye_opening(source_frame) / max(_eye_opening(reference_frame), 1e-6), *EYE_RATIO)
    wm = regions.region_weights("mouth")
    we = regions.region_weights("eyes", sigma=0.08)
    return 1.0 + wm * (mouth - 1.0) + we * (1.0 - wm) * (eyes - 1.0)


def expression_features(frame_points: np.ndarray) -> np.ndarray:
    """``(6,)`` expression measures in IOD: mouth opening and width, lip-corner height, eye openings, brow height."""
    p = np.asarray(frame_points, np.float64)
    mouth_centre_y = (p[13, 1] + p[14, 1]) / 2
    corners_y = (p[61, 1] + p[291, 1]) / 2
    brow = (p[105, 1] + p[334, 1]) / 2 - (p[159, 1] + p[386, 1]) / 2
    return np.array([regions.inner_mouth_gap(p), _mouth_width(p), mouth_centre_y - corners_y,
                     np.linalg.norm(p[159, :2] - p[145, :2]), np.linalg.norm(p[386, :2] - p[374, :2]), brow])


def best_reference(source_frame: np.ndarray, driving_frames: np.ndarray) -> int:
    """Index of the driving frame (``(F, 478, 3)`` frame coordinates) whose expression is closest to the source's."""
    f_src = expression_features(source_frame)
    feats = np.stack([expression_features(d) for d in driving_frames])
    return int(np.argmin(np.linalg.norm(feats - f_src, axis=1)))


@dataclass
class MotionTransfer:
    """Transfers driving motion onto one source face.

    Build with :meth:`create`; call :meth:`target` per driving frame.
    """

    source_landmarks: np.ndarray     # (478, 3) pixels
    source_pose: FacePose
    source_frame: np.ndarray         # (478, 3) frame coordinates
    reference_frame: np.ndarray      # (478, 3) frame coordinates of the driving reference
    reference_pose: FacePose
    weights: np.ndarray              # (478,) region weight * per-region scale * confidence
    pose: bool = False

    @classmethod
    def create(cls, source_landmarks: np.ndarray, reference_landmarks: np.ndarray, *, region: str = "all",
               pose: bool = False) -> MotionTransfer:
        """``source_landmarks``, ``reference_landmarks``: ``(478, 3)`` pixels of the source face and of the
        driving face in its reference frame."""
        src = np.asarray(source_landmarks, np.float64)
        sp = fit_pose(src)
        rp = fit_pose(reference_landmarks)
        sf, rf = sp.to_frame(src), rp.to_frame(reference_landmarks)
        w = regions.region_weights(region) * region_scales(sf, rf) * confidence()
        return cls(source_landmarks=src, source_pose=sp, source_frame=sf, reference_frame=rf, reference_pose=rp,
                   weights=w, pose=pose)

    def motion(self, driving_landmarks: np.ndarray) -> tuple[np.ndarray, FacePose]:
        """``(478, 3)`` source-frame motion for driving landmarks ``(478, 3)`` pixels, and the driving pose."""
        dp = fit_pose(driving_landmarks)
        delta = dp.to_frame(driving_landmarks) - self.reference_frame
        delta = delta * self.weights[:, None]
        # an eye the photo shows closed has no eyeball to open onto (motion.lids.keep_closed)
        return keep_closed(self.source_frame, regions.uncross(self.source_frame, delta)), dp

    def target_pose(self, driving_pose: FacePose) -> FacePose:
        """The source pose, or with ``pose=True`` the source pose moved as the driving head moved."""
        if not self.pose:
            return self.source_pose
        sp, rp, dp = self.source_pose, self.reference_pose, driving_pose
        rel = dp.rotation @ rp.rotation.T
        zoom = sp.scale / rp.scale
        return FacePose(scale=sp.scale * dp.scale / rp.scale, rotation=rel @ sp.rotation,
                        translation=sp.translation + zoom * (dp.translation - rp.translation))

    def target(self, driving_landmarks: np.ndarray) -> np.ndarray:
        """``(478, 3)`` target landmarks of the source face (pixels) for one driving frame."""
        delta, dp = self.motion(driving_landmarks)
        return self.apply(delta, self.target_pose(dp))

    def apply(self, delta: np.ndarray, pose: FacePose | None = None) -> np.ndarray:
        """``(478, 3)`` source landmarks (pixels) after a frame-coordinate motion ``delta`` ``(478, 3)``.

        Without a pose change the landmarks move by exactly ``delta`` in pixels,
        so a zero motion leaves them where they were detected.
        """
        if pose is None or pose is self.source_pose:
            move = self.source_pose.scale * np.asarray(delta, np.float64) @ self.source_pose.rotation.T
            return self.source_landmarks + move
        return pose.from_frame(self.source_frame + delta)
