"""How soft a photo is where the warp draws into it: the blur of its edges, read from the pixels.

What the warp engine draws (the eyeball an eye uncovers, the inside of a mouth) gets the
photo's own blur, so that crisp white or teeth are not pasted into a soft face
(:mod:`ganimation.warp.eyes`, :mod:`ganimation.warp.mouth`).
"""

from __future__ import annotations

import numpy as np

#: what :func:`photo_blur` reads on an unblurred step (pixels: central differences spread an edge)
EDGE_FLOOR = 0.8


def photo_blur(gray: np.ndarray) -> float:
    """The Gaussian blur (sigma, pixels) of a photo's edges, read from ``gray`` ``(h, w)`` (luminance of a
    region with a strong edge, such as an eye).

    A step of contrast C blurred by sigma has a steepest gradient of C / (sigma sqrt(2 pi)): the contrast
    is read as the 2-98 % luminance spread, the steepest gradient as the 99.5th percentile of the
    central-difference gradient, and the sampling's own spread (:data:`EDGE_FLOOR`) is taken off in
    quadrature. 0 for a region without contrast.
    """
    y = np.asarray(gray, np.float32)
    if y.ndim != 2 or min(y.shape) < 3:
        return 0.0
    contrast = float(np.percentile(y, 98) - np.percentile(y, 2))
    gy, gx = np.gradient(y)
    steepest = float(np.percentile(np.hypot(gx, gy), 99.5))
    if contrast <= 0.0 or steepest <= 0.0:
        return 0.0
    read = contrast / steepest / np.sqrt(2.0 * np.pi)
    return float(np.sqrt(max(read * read - EDGE_FLOOR * EDGE_FLOOR, 0.0)))
