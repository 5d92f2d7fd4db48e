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

An eye the photo shows closed (a blink, a laugh's squeezed lids) stays closed:
there is no eyeball in the photo to show between its lids (surprise on a
blinking frame of a video stretched the lashes into a dark hole).
:func:`closed_stay_closed` takes the lid-opening AUs' motion (AU05 rising,
AU45, AU07 and AU06 falling) off that eye and the skin around it, and
:func:`keep_closed` then moves its facing lids together wherever any motion
(also a reference face's, ``edit --like``) would still part them.
"""

from __future__ import annotations

import numpy as np

from ganimation.aus import AU_CODES
from ganimation.motion.regions import EYE_CONTOURS, IRIS_SETS, LID_PAIRS, facing_lids

_BLINK = AU_CODES.index("AU45")
#: target AU45 from which the per-eye scaling fades out, gone at 1 (a full blink closes every eye)
BLINK_FROM = 0.75
#: mean gap (IOD) between an eye's facing lids under which the photo shows it closed: nothing of the
#: eyeball to open onto. Blinks on the talking clips read 0.002-0.04 (the middle pair); the 7 of 179
#: UTKFace faces whose eyes read under :data:`HELD_TO` are every one a blink or a squeezed laugh.
CLOSED_BELOW = 0.03
#: gap (IOD) from which an eye opens as the motion asks (the eye redraw's own limit for an eye it can
#: draw the white of, :data:`ganimation.warp.eyes.OPEN_FROM`); between :data:`CLOSED_BELOW` and this the
#: opening is scaled in, so a video's blink does not switch the hold on and off in one frame
HELD_TO = 0.05
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


def held(frame_points: np.ndarray) -> np.ndarray:
    """``(2,)`` how much of an opening motion each eye is held back from (1: closed in the photo, kept
    closed; 0: open), from its :func:`eye_gaps` between :data:`CLOSED_BELOW` and :data:`HELD_TO`."""
    return np.clip((HELD_TO - eye_gaps(frame_points)) / (HELD_TO - CLOSED_BELOW), 0.0, 1.0)


def eye_gaps(frame_points: np.ndarray) -> np.ndarray:
    """``(2,)`` mean gap (IOD) between the seven facing lid pairs of each eye of ``(478, 2|3)`` frame
    points (:data:`ganimation.motion.regions.EYE_CONTOURS` order, image-left first)."""
    p = np.asarray(frame_points, np.float64)
    gaps = []
    for contour in EYE_CONTOURS:
        upper, lower = facing_lids(contour)
        gaps.append(float(np.linalg.norm(p[lower, :2] - p[upper, :2], axis=1).mean()))
    return np.array(gaps)


#: AUs that open an eye, and the sign of the change that opens it: the upper lid raised (AU05), a blink,
#: a lid tightening or a cheek raise released (AU45, AU07, AU06)
OPENING = (("AU05", 1.0), ("AU45", -1.0), ("AU07", -1.0), ("AU06", -1.0))
#: frame y (IOD, down) below which the skin is the cheek's, not the eye's: the opening AUs' motion is taken off
#: a closed eye above it (AU06's cheek raise below it stays)
EYE_BAND_TO = 0.3


def closed_stay_closed(frame_points: np.ndarray, motion: np.ndarray, change: np.ndarray,
                       basis: np.ndarray) -> np.ndarray:
    """``motion`` ``(478, 3)`` without the opening AUs' motion (:data:`OPENING`) on each eye that
    ``frame_points`` ``(478, 3)`` shows closed (:func:`held`: all of it under :data:`CLOSED_BELOW`,
    a share up to :data:`HELD_TO`): on that eye's side of the face and above :data:`EYE_BAND_TO`, so
    its lids, lid creases and the skin between them and the brows stay as they are, while the brows
    still move. ``change``: ``(17,)`` target minus current AUs; ``basis``: ``(17, 478, 3)`` the AU
    motion model's basis. Returns ``motion`` itself when no eye is held or no opening AU changes
    that way.
    """
    from ganimation.motion.frame import mean_shape

    hold = held(frame_points)
    closed = [eye for eye in range(len(hold)) if hold[eye] > 0.0]
    if not closed:                                   # nearly every face: nothing to take off
        return motion
    change = np.asarray(change, np.float64)
    opening = sum(max(0.0, sign * change[AU_CODES.index(code)]) * np.asarray(basis, np.float64)[AU_CODES.index(code)]
                  for code, sign in OPENING)
    if not np.any(opening):
        return motion
    shape = mean_shape()
    band = shape[:, 1] < EYE_BAND_TO
    out = np.array(motion, np.float64, copy=True)
    for eye in closed:
        # EYE_CONTOURS[0] is the image-left eye, on the frame's negative x side
        side = (shape[:, 0] < 0) if eye == 0 else (shape[:, 0] > 0)
        out[side & band] -= hold[eye] * opening[side & band]
    return out


def keep_closed(frame_points: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """``motion`` ``(478, 3)`` (frame coordinates) with every eye that ``frame_points`` ``(478, 3)`` shows
    closed (:func:`held`) kept closed.

    Each facing lid pair the motion would part moves by the mean of its two vertical motions (the
    eye is carried along with the face, shut; a share of the way for an eye between
    :data:`CLOSED_BELOW` and :data:`HELD_TO`); the iris points follow the lids' mean. A pair that
    closes further, the horizontal motion and the other eye are left as they are. Returns ``motion``
    itself when no eye is held.
    """
    hold = held(frame_points)
    if not np.any(hold > 0.0):
        return motion
    out = np.array(motion, np.float64, copy=True)
    for eye in np.flatnonzero(hold > 0.0):
        upper, lower = facing_lids(EYE_CONTOURS[eye])
        for u, lo in zip(upper, lower):
            if out[lo, 1] > out[u, 1]:                 # the lower lid would go down against the upper
                mean = (out[u, 1] + out[lo, 1]) / 2
                out[u, 1] += hold[eye] * (mean - out[u, 1])
                out[lo, 1] += hold[eye] * (mean - out[lo, 1])
        iris = list(IRIS_SETS[eye])
        out[iris, 1] += hold[eye] * (out[upper + lower, 1].mean() - out[iris, 1])
    return out

