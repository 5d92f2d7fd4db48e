"""Named landmark regions of the MediaPipe face mesh, with soft weights.

Index sets follow MediaPipe's published face-mesh connection lists (lips,
eyes, irises, eyebrows). :func:`region_weights` spreads a region to nearby
landmarks with a Gaussian fall-off measured on the canonical face, so a
region-limited motion (``--region mouth``) has no hard edge.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ganimation.faces.detect import FACE_OVAL  # noqa: F401 - the face contour, re-exported with the regions

LIPS = (0, 13, 14, 17, 37, 39, 40, 61, 78, 80, 81, 82, 84, 87, 88, 91, 95, 146, 178, 181, 185, 191, 267, 269,
        270, 291, 308, 310, 311, 312, 314, 317, 318, 321, 324, 375, 402, 405, 409, 415)
#: inner lip contour, in polygon order (image-left corner, upper lip, image-right corner, lower lip)
INNER_LIPS = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
RIGHT_EYE = (7, 33, 133, 144, 145, 153, 154, 155, 157, 158, 159, 160, 161, 163, 173, 246)   # image left
LEFT_EYE = (249, 263, 362, 373, 374, 380, 381, 382, 384, 385, 386, 387, 388, 390, 398, 466)
IRISES = tuple(range(468, 478))
RIGHT_BROW = (46, 52, 53, 55, 63, 65, 66, 70, 105, 107)
LEFT_BROW = (276, 282, 283, 285, 293, 295, 296, 300, 334, 336)
CHIN = (152, 148, 176, 149, 150, 136, 377, 400, 378, 379, 365, 18, 200, 199, 175, 32, 262, 201, 421, 208, 428)

#: (upper, lower) inner-lip landmark pairs, image left to right
LIP_PAIRS = ((191, 95), (80, 88), (81, 178), (82, 87), (13, 14), (312, 317), (311, 402), (310, 318), (415, 324))
#: The lips' four landmark rings, image left to right (11 columns, corner to corner): the inner contour,
#: the two rings inside the lip, the outer contour. Column k of the four rows runs across the lip.
UPPER_LIP_RINGS = ((78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308),
                   (62, 183, 42, 41, 38, 12, 268, 271, 272, 407, 292),
                   (76, 184, 74, 73, 72, 11, 302, 303, 304, 408, 306),
                   (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291))
LOWER_LIP_RINGS = ((78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308),
                   (62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292),
                   (76, 77, 90, 180, 85, 16, 315, 404, 320, 307, 306),
                   (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291))
#: the ring column (0-10) of each inner-lip pair's upper point
_LIP_COLUMN = {u: UPPER_LIP_RINGS[0].index(u) for u, _l in LIP_PAIRS}
#: ordered lid contours (upper lid from the outer to the inner corner, then the lower lid back),
#: image-left eye then image-right eye; the upper lid is the first :data:`UPPER_LID` points
EYE_CONTOURS = ((33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7),
                (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249))
UPPER_LID = 9
#: (centre, four ring points) of the two irises, in the order of :data:`EYE_CONTOURS`
IRIS_SETS = ((468, 469, 470, 471, 472), (473, 474, 475, 476, 477))


def facing_lids(contour: tuple[int, ...]) -> tuple[list[int], list[int]]:
    """Upper-lid points 1..7 of an :data:`EYE_CONTOURS` contour and the lower-lid points facing them."""
    n = len(contour)
    return [contour[i] for i in range(1, UPPER_LID - 1)], [contour[n - i] for i in range(1, UPPER_LID - 1)]


#: (upper, lower) eyelid landmark pairs of both eyes
LID_PAIRS = ((161, 163), (160, 144), (159, 145), (158, 153), (157, 154),
             (388, 390), (387, 373), (386, 374), (385, 380), (384, 381))

#: ``--region`` choices and their core landmarks (``all`` moves every landmark)
REGIONS: dict[str, tuple[int, ...]] = {
    "mouth": LIPS + CHIN,
    "eyes": RIGHT_EYE + LEFT_EYE + IRISES,
    "brows": RIGHT_BROW + LEFT_BROW,
}
REGION_CHOICES = ("all",) + tuple(REGIONS)


@lru_cache(maxsize=8)
def region_weights(region: str, sigma: float = 0.2) -> np.ndarray:
    """``(478,)`` weights in [0, 1]: 1 on the region's landmarks, Gaussian fall-off (``sigma`` IOD) around them."""
    from ganimation.motion.frame import mean_shape

    if region == "all":
        return np.ones(478)
    if region not in REGIONS:
        raise ValueError(f"region {region!r}; choose one of {', '.join(REGION_CHOICES)}")
    shape = mean_shape()[:, :2]
    core = shape[list(REGIONS[region])]
    d2 = ((shape[:, None, :] - core[None, :, :]) ** 2).sum(2).min(1)
    w = np.exp(-d2 / (2 * sigma ** 2))
    w[list(REGIONS[region])] = 1.0
    w.setflags(write=False)
    return w


def inner_mouth_gap(frame_points: np.ndarray) -> float:
    """Inner-lip opening (landmarks 13 to 14) of ``(478, 2|3)`` points, in their units."""
    p = np.asarray(frame_points)
    return float(np.linalg.norm(p[14, :2] - p[13, :2]))


def uncross(frame_points: np.ndarray, motion: np.ndarray, *, lip_bodies: bool = True) -> np.ndarray:
    """``motion`` ``(478, 3)`` corrected so no lower lip or lower lid point ends above its upper partner
    (further above than the photo's own landmarks show it).

    ``frame_points``: ``(478, 3)`` frame coordinates (y down) before the motion. Where a pair
    would cross (a mouth or an eye closed past closed), both points meet at their mean height;
    crossed pairs fold the warp's triangles over (dark specks at the mouth corners). Lips stop
    as bodies where they meet: the rest of each lip's column (the rings inside it and its outer
    contour, :data:`UPPER_LIP_RINGS`, :data:`LOWER_LIP_RINGS`) takes its inner point's correction,
    so a broad open smile released toward a closed mouth keeps its lips (moving only the inner
    points had left the motion's overshoot in the outer contours: on wild_dev's Obama photo,
    edited toward anger, an upper lip 0.005 IOD thick; ``lip_bodies=False`` moves only them, as before).
    """
    p = np.asarray(frame_points, np.float64)
    m = np.array(motion, np.float64, copy=True)
    for u, l in LIP_PAIRS + LID_PAIRS:
        yu, yl = p[u, 1] + m[u, 1], p[l, 1] + m[l, 1]
        # a pair the photo's own landmarks already show crossed (a closed mouth's inner lips, read a hair
        # past each other) may stay as crossed as that, no more: no motion is no change
        crossed = max(0.0, p[u, 1] - p[l, 1])
        if yu - yl > crossed:
            mid = (yu + yl) / 2
            m[u, 1], m[l, 1] = mid + crossed / 2 - p[u, 1], mid - crossed / 2 - p[l, 1]
            if lip_bodies and u in _LIP_COLUMN:
                k = _LIP_COLUMN[u]
                m[[row[k] for row in UPPER_LIP_RINGS[1:]], 1] += mid + crossed / 2 - yu
                m[[row[k] for row in LOWER_LIP_RINGS[1:]], 1] += mid - crossed / 2 - yl
    return m
