"""A lid that droops covers its own eye's share, not a fixed distance.

The AU motion model is linear in inter-ocular distances (IOD): a rise of the
blink AU45 by ``a`` lowers the upper lid by ``a`` times the same 0.14 IOD on
every face, about the lid gap of the mean face. A narrow eye (lid gap 0.05
IOD on the development faces' narrowest, 0.20 on their widest) is then shut
by a droop that leaves a wide one half open: sad's lid droop (AU45 0.75)
closed small eyes outright. :func:`droop_to_scale` scales each eye's share of
an AU45 *rise* by its lid gap against the mean face's (never above 1), so that
an eye closes the same share of its own opening as the mean face does; a
wider eye keeps the motion the model gives, and a falling AU45 (eyes that
open) is left as it is. Toward a full blink the scaling fades out (from a
target AU45 of :data:`BLINK_FROM` to 1): a closed eye is closed whatever
its size, and the narrow eye's lids meet as the model's motion takes them
(the lid repair of :func:`ganimation.motion.unfold.unfold_eyes` stops them
there), where the scaled droop would have left a sliver open.
How the eyeball looks under the lowered lid is :func:`ganimation.warp.eyes.redraw_eyes`'s
job (placed rigidly, not squeezed).
"""

from __future__ import annotations

import numpy as np

from ganimation.aus import AU_CODES
from ganimation.motion.regions import LID_PAIRS

_BLINK = AU_CODES.index("AU45")
#: target AU45 from which the per-eye scaling fades out, gone at 1 (a full blink closes every eye)
BLINK_FROM = 0.75
#: (upper-lid, lower-lid) landmarks at the middle of each eye, image-left eye then image-right eye: the
#: middle pair of each eye's :data:`ganimation.motion.regions.LID_PAIRS`
LID_MIDDLES = (LID_PAIRS[2], LID_PAIRS[7])


def lid_gaps(frame_points: np.ndarray) -> np.ndarray:
    """``(2,)`` lid gap (IOD) at the middle of each eye of ``(478, 2|3)`` frame points (image-left first)."""
    p = np.asarray(frame_points, np.float64)
    return np.array([p[lo, 1] - p[up, 1] for up, lo in LID_MIDDLES])


def droop_to_scale(frame_points: np.ndarray, motion: np.ndarray, change: np.ndarray, basis: np.ndarray,
                   target: np.ndarray | None = None) -> np.ndarray:
    """``motion`` ``(478, 3)`` with each eye's share of a rising AU45 scaled to that eye's own lid gap.

    - ``frame_points``: ``(478, 3)`` the face in the frame (:mod:`ganimation.motion.frame`).
    - ``change``: ``(17,)`` target minus current AUs (both clipped to 0-1); only ``change[AU45] > 0``
      is scaled.
    - ``basis``: ``(17, 478, 3)`` the AU motion model's basis.
    - ``target``: ``(17,)`` the target AUs; the scaling fades out as its AU45 goes from
      :data:`BLINK_FROM` to 1 (None: no fading).

    An eye's landmarks are those on its side of the face's midline (frame x); the AU45 row moves
    only the lids, the irises and the skin just above them.
    """
    from ganimation.motion.frame import mean_shape

    rise = float(np.asarray(change, np.float64)[_BLINK])
    if rise <= 0.0:
        return motion
    reference = lid_gaps(mean_shape())
    scale = np.minimum(1.0, np.maximum(lid_gaps(frame_points), 0.0) / reference)
    if target is not None:   # toward a full blink: the model's whole motion, every eye closed
        fade = float(np.clip((float(np.asarray(target)[_BLINK]) - BLINK_FROM) / (1.0 - BLINK_FROM), 0.0, 1.0))
        scale = scale + (1.0 - scale) * fade
    if np.all(scale >= 1.0):
        return motion
    side = mean_shape()[:, 0] > 0                        # image-right eye's landmarks
    per_point = np.where(side, scale[1], scale[0])       # (478,)
    blink_motion = np.asarray(basis, np.float64)[_BLINK]  # (478, 3)
    return np.asarray(motion, np.float64) + ((per_point - 1.0) * rise)[:, None] * blink_motion
