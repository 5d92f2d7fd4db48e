"""Mouth interior after a warp: shading the opening a closed source mouth cannot show.

When the target mouth opens wider than the source's, the warp stretches
what was between the lips (the lip line, or teeth the source showed) across
the opening. :func:`shade_mouth` darkens the *new* part of the opening
toward a mouth-cavity colour: between each upper and lower inner-lip point
it leaves the source's own opening (half at the upper lip, half at the
lower, where the teeth of a smiling source sit) and shades the band in the
middle, with a feathered edge and the coarse shading of the warped texture
kept. It is the non-learned stand-in for the paper's mouth-interior network.
"""

from __future__ import annotations

import numpy as np

from ganimation.motion.regions import INNER_LIPS, inner_mouth_gap

#: RGB of the shaded cavity, and the share of the warped texture kept under it
CAVITY_RGB = np.array([46.0, 22.0, 24.0], np.float32)
TEXTURE_KEPT = 0.15
#: opening beyond the source's (in IOD) at which the shading is complete
FULL_AT = 0.12


#: (upper, lower) inner-lip landmark pairs, image left to right
LIP_PAIRS = ((191, 95), (80, 88), (81, 178), (82, 87), (13, 14), (312, 317), (311, 402), (310, 318), (415, 324))


def cavity_polygon(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``(K, 2)`` polygon of the newly opened mouth: the target opening less the source's, per lip pair."""
    src = np.asarray(source, np.float64)[:, :2]
    dst = np.asarray(target, np.float64)[:, :2]
    upper, lower = [], []
    for u, l in LIP_PAIRS:
        gap_t = dst[l] - dst[u]
        gap_s = float(np.linalg.norm(src[l] - src[u]))
        n = float(np.linalg.norm(gap_t))
        keep = min(gap_s, n) / max(n, 1e-9)          # share of the target gap the source already shows
        upper.append(dst[u] + 0.5 * keep * gap_t)
        lower.append(dst[l] - 0.5 * keep * gap_t)
    corners = dst[[INNER_LIPS[0], INNER_LIPS[10]]]
    return np.concatenate([corners[:1], upper, corners[1:], lower[::-1]])


def shade_mouth(image: np.ndarray, source: np.ndarray, target: np.ndarray, iod: float) -> np.ndarray:
    """Darken the opened mouth of ``image`` ``(H, W, 3)`` uint8 (returns a new array, or ``image`` unchanged).

    ``source``, ``target``: ``(478, 2+)`` landmark pixels before / after the warp; ``iod`` the face's
    inter-ocular distance in pixels.
    """
    from ganimation.faces import models

    excess = (inner_mouth_gap(target) - inner_mouth_gap(source)) / max(iod, 1e-6)
    strength = float(np.clip(excess / FULL_AT, 0.0, 1.0))
    if strength <= 0.0:
        return image
    cv2 = models.require("cv2", "mouth shading")
    poly = cavity_polygon(source, target)
    h, w = image.shape[:2]
    x0, y0 = np.floor(poly.min(0)).astype(int) - 4
    x1, y1 = np.ceil(poly.max(0)).astype(int) + 5
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return image
    mask = np.zeros((y1 - y0, x1 - x0), np.float32)
    cv2.fillPoly(mask, [np.round((poly - [x0, y0]) * 16).astype(np.int32)], 1.0, lineType=cv2.LINE_AA, shift=4)
    sigma = max(0.6, 0.03 * iod)
    mask = cv2.GaussianBlur(mask, (0, 0), sigmaX=sigma) * strength
    region = image[y0:y1, x0:x1].astype(np.float32)
    # keep only the coarse shading of the warped texture: the stretched lip line would show as streaks
    coarse = cv2.GaussianBlur(region, (0, 0), sigmaX=max(1.0, 0.08 * iod))
    shaded = CAVITY_RGB * (1 - TEXTURE_KEPT) + coarse * TEXTURE_KEPT
    blended = region * (1 - mask[..., None]) + shaded * mask[..., None]
    out = image.copy()
    keep = mask <= 0
    out[y0:y1, x0:x1] = np.where(keep[..., None], image[y0:y1, x0:x1], np.clip(np.rint(blended), 0, 255).astype(np.uint8))
    return out
