"""A released smile's own folds: the photo's smile folds lightened as the smile that made them goes.

The texture stage's basis (:mod:`ganimation.texture.au_texture`) adds and takes away the *mean*
face's shading. A broad smile in a sharp photo has folds of its own, deeper than the mean's and
not where the mean has them, and a smile released toward sad, anger, disgust or fear kept them: a
grin's nasolabial folds around a closed, downturned mouth, its crow's feet and creased lower lids
under lowered brows (wild_dev's 40_obama toward disgust and anger).

:func:`release_folds` lightens the person's own folds by how far the smile is released. In a band
along each nasolabial fold, each eye's crow's feet and lower-lid crease (landmark chains
:data:`FOLD_CHAINS` of the canonical canvas, placed on the warped face; lips, nostrils and the eyes
themselves left out), the dark valleys of the luminance (a band-pass: a blur
of :data:`VALLEY_SIGMAS` [0] IOD less one of [1] IOD) are mixed toward the skin's local colour (the
wider blur of RGB), in full where a valley is :data:`FULL_DEPTH` levels deep. The colour comes from
the skin around the fold: a luminance gain on the fold's own darker, redder pixels drew orange streaks.
Pores finer than the first blur and broad shading wider than the second are left as they are.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ganimation.motion.regions import LEFT_EYE, LIPS, RIGHT_EYE
from ganimation.texture.canonical import (
    HEIGHT,
    WIDTH,
    Placement,
    canvas_points,
    hull_mask,
)

#: where a smile folds the skin, each as an image-left / image-right pair of landmark chains of the mean
#: face: the nasolabial folds (beside the nose wing down past the lip corner), the crow's feet (out from
#: the eye's outer corner) and the lower-lid creases (under the eye)
FOLD_CHAINS = ((203, 206, 216, 212), (423, 426, 436, 432),
               (226, 35, 143), (446, 265, 372),
               (111, 117, 118, 119), (340, 346, 347, 348))
#: nostrils and nose wings: dark, but not folds (nor are the lips and the eyes)
NOSE = (48, 278, 64, 294, 98, 327, 97, 326, 2, 94, 19, 1, 4, 5, 129, 358, 102, 331, 240, 460, 75, 305,
        166, 392, 219, 439, 218, 438, 79, 309)
#: half-width of the band searched along each fold (canvas pixels, 48 per IOD: 0.1 IOD)
BAND_HALF_WIDTH = 5
#: Gaussian sigmas (IOD) of the band-pass that finds the folds: finer detail (pores) and broader shading are kept
VALLEY_SIGMAS = (0.012, 0.1)
#: depth of a valley (luminance levels, 0-255) that a full release mixes all the way to the skin's colour
FULL_DEPTH = 8.0


def _cv2():
    from ganimation.faces import models

    return models.require("cv2", "the texture stage")


@lru_cache(maxsize=1)
def fold_band() -> np.ndarray:
    """``(HEIGHT, WIDTH)`` float32 canvas weight of the folds' band (feathered; read-only)."""
    cv2 = _cv2()
    pts = canvas_points()
    band = np.zeros((HEIGHT, WIDTH), np.uint8)
    for chain in FOLD_CHAINS:
        cv2.polylines(band, [np.round(pts[list(chain)] * 16).astype(np.int32)], False, 1,
                      thickness=2 * BAND_HALF_WIDTH, lineType=cv2.LINE_8, shift=4)

    def hull(part: tuple[int, ...], grow: int) -> np.ndarray:
        """uint8 mask of ``part``'s landmark hull on the canvas, grown by ``grow`` pixels."""
        inside = (hull_mask(pts[list(part)], (HEIGHT, WIDTH)) > 0.5).astype(np.uint8)
        return cv2.dilate(inside, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)) if grow else inside

    kept_out = hull(LIPS, 1) | hull(NOSE, 0) | hull(RIGHT_EYE, 2) | hull(LEFT_EYE, 2)
    outside = 1.0 - kept_out.astype(np.float32)
    # feathered, and nothing inside the lips, nostrils or eyes (the feather would reach into them)
    out = (cv2.GaussianBlur(band * outside, (0, 0), sigmaX=BAND_HALF_WIDTH / 2) * outside).astype(np.float32)
    out.setflags(write=False)
    return out


def _broad_blur(x: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur of ``x`` ``(h, w[, C])`` float32 by ``sigma`` pixels, computed at a lower resolution
    when it is wide (a large face's 0.1 IOD is 14 px: at a quarter of the resolution, 16 times fewer
    pixels to blur, the same result within half a level)."""
    cv2 = _cv2()
    step = int(sigma // 3)
    h, w = x.shape[:2]
    if step < 2 or min(h, w) < 4 * step:
        return cv2.GaussianBlur(x, (0, 0), sigmaX=sigma)
    small = cv2.resize(x, (-(-w // step), -(-h // step)), interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), sigmaX=sigma / step), (w, h), interpolation=cv2.INTER_LINEAR)


def release_folds(image: np.ndarray, landmarks: np.ndarray, release: float, iod: float, *,
                  placement: Placement | None = None, inplace: bool = False) -> np.ndarray:
    """``image`` ``(H, W, 3)`` uint8 with the folds of the face at ``landmarks`` ``(478, 2+)`` pixels (as it
    is in ``image``: after the warp) lightened by ``release`` (0-1: how far the smile is released; 0 returns
    ``image`` itself). ``iod``: the face's inter-ocular distance in pixels; ``placement``: the canvas
    placed on those landmarks, when the caller has it; ``inplace``: ``image`` is lightened where it is.
    Pixels outside the folds' band are bit-identical."""
    amount = float(np.clip(release, 0.0, 1.0))
    if amount <= 0.0:
        return image
    from ganimation.images import luminance

    cv2 = _cv2()
    h, w = image.shape[:2]
    (x0, y0, x1, y1), patch = (placement or Placement(landmarks, (w, h))).place(fold_band())
    if x1 <= x0 or y1 <= y0 or not np.any(patch > 0):
        return image
    region = image[y0:y1, x0:x1].astype(np.float32)
    fine, broad = (max(0.5, s * iod) for s in VALLEY_SIGMAS)
    skin = _broad_blur(region, broad)               # the skin's local colour; its luminance is the broad blur's
    valley = np.minimum(cv2.GaussianBlur(luminance(region), (0, 0), sigmaX=fine) - luminance(skin), 0.0)
    weight = np.clip(-valley / FULL_DEPTH, 0.0, 1.0) * patch * amount
    out = image if inplace else np.array(image, copy=True)
    changed = weight > 1e-3
    mixed = np.clip(np.rint(region + weight[..., None] * (skin - region)), 0, 255).astype(np.uint8)
    out[y0:y1, x0:x1] = np.where(changed[..., None], mixed, image[y0:y1, x0:x1])
    return out


def smile_release(aus_change: np.ndarray) -> float:
    """How far an AU change ``(17,)`` (target - current) releases a smile: the larger decrease of AU06 and
    AU12, 0 when neither decreases."""
    from ganimation.aus import AU_CODES

    d = np.asarray(aus_change, np.float64)
    return float(max(0.0, -d[AU_CODES.index("AU06")], -d[AU_CODES.index("AU12")]))
