"""The texture stage of geometry-first editing: AU -> shading change, learned from real faces.

A warp moves a face's pixels but cannot add what comes with an expression:
the nasolabial folds and raised cheeks of a smile (AU06, AU12), the furrow
between lowered brows (AU04), the wrinkled nose of disgust (AU09), forehead
lines of raised brows (AU01, AU02). :class:`AUTextureModel` is a linear model of
exactly that, in the canonical face canvas (:mod:`ganimation.texture.canonical`):

    relative luminance (canvas pixel) = group mean + sum_k AU_k * basis_k (pixel)

where relative luminance is a face's luminance divided by its mean over the
face. The basis ``(17, HEIGHT, WIDTH)`` is a per-pixel ridge regression fitted
on within-person changes of real talking-face clips and on UTKFace photos
(``benchmarks/fit_au_texture.py``; ``docs/au_texture.md``); shipped as
``assets/au_texture.npz`` (float16).

:func:`shade_expression` applies the change of an edit, ``(target - current) @
basis`` (a smile's release counted twice, by the motion model's
``RELEASE_GAIN``), to the warped face as a multiplicative luminance gain:
colour (chromaticity) is kept, nothing is painted that is not a brightening or
darkening of the face's own skin, and the inside of the lips (the mouth
shading's area) and everything outside the face are untouched. Triangles the
warp folded over get none (:func:`ganimation.texture.canonical.from_canvas`),
and on a face smaller than the canvas the change is low-passed first.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

from ganimation.texture.canonical import HEIGHT, PIXELS_PER_IOD, WIDTH, Placement, canvas_mask

#: default gain on the fitted basis (benchmarks/results/engines/summary.md: the emotion / identity trade-off)
STRENGTH = 0.5
#: the strongest texture setting accepted (``--texture``; the web demo's slider stops at 2)
MAX_STRENGTH = 4.0
#: largest relative luminance change allowed anywhere: a fold darkens, it never blackens, and skin
#: brightens less than it darkens (strong brightening shows as glowing patches)
MAX_DARKEN, MAX_BRIGHTEN = 0.35, 0.12
#: a shine: a pixel whiter than the face's skin (its smallest RGB channel over its largest, above the skin's
#: median ratio by more than the first value; fully so above it by the sum of both) and near the photo's
#: clipping (its largest channel from SHINE_FROM, fully from SHINE_FROM + SHINE_RANGE, of 255) is not
#: darkened: a fold's shading there turned a white shine into a grey patch
HIGHLIGHT_FROM, HIGHLIGHT_RANGE = 0.03, 0.07
SHINE_FROM, SHINE_RANGE = 230.0, 15.0


def strength(texture: float | None) -> float:
    """The texture stage's strength for a user's ``texture`` setting (None: :data:`STRENGTH`); a value that
    is not a number from 0 to :data:`MAX_STRENGTH` raises :class:`ganimation.errors.GanimationError`."""
    if texture is None:
        return STRENGTH
    try:
        value = float(texture)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0.0 <= value <= MAX_STRENGTH:          # NaN fails too
        from ganimation.errors import GanimationError

        raise GanimationError(f"texture strength {texture!r}; use a number from 0 (shape only) to {MAX_STRENGTH:g}")
    return value


def relative_luminance(canvas_rgb: np.ndarray) -> np.ndarray | None:
    """``(HEIGHT, WIDTH)`` float32 luminance / its mean over the canvas face (0 outside), or None if dark."""
    from ganimation.images import luminance

    y = luminance(canvas_rgb)
    mask = canvas_mask() > 0.5
    mean = float(y[mask].mean())
    if mean < 8.0:
        return None
    return np.where(mask, y / mean, 0.0).astype(np.float32)


@lru_cache(maxsize=1)
def _feather() -> np.ndarray:
    """``(HEIGHT, WIDTH)`` float32 canvas mask eroded and blurred: the change fades out at the face's edge."""
    from ganimation.faces import models

    cv2 = models.require("cv2", "the texture stage")
    m = cv2.erode(canvas_mask(), np.ones((9, 9), np.uint8))
    out = cv2.GaussianBlur(m, (0, 0), sigmaX=5.0) * m
    out.setflags(write=False)
    return out


@lru_cache(maxsize=1)
def _release_gain() -> np.ndarray:
    """``(17,)`` float32 factor on AU decreases: the motion model's :data:`RELEASE_GAINS`."""
    from ganimation.motion.au_model import RELEASE_GAINS

    return RELEASE_GAINS.astype(np.float32)


class AUTextureModel:
    """``basis`` ``(17, HEIGHT, WIDTH)``: relative-luminance change per unit of each AU (:data:`AU_CODES` order)."""

    def __init__(self, basis: np.ndarray):
        from ganimation.aus import AU_CODES

        b = np.asarray(basis, np.float32)
        if b.shape != (len(AU_CODES), HEIGHT, WIDTH) or not np.all(np.isfinite(b)):
            raise ValueError(f"AU texture basis must be finite ({len(AU_CODES)}, {HEIGHT}, {WIDTH}); got {b.shape}")
        self.basis = b

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "AUTextureModel":
        """The shipped model (``assets/au_texture.npz``), or one saved at ``path``."""
        if path is None:
            return _shipped()
        with np.load(path, allow_pickle=False) as z:
            return cls(z["basis"])

    def save(self, path: str | os.PathLike) -> None:
        np.savez_compressed(path, basis=self.basis.astype(np.float16))

    def change(self, delta: np.ndarray, strength: float = STRENGTH) -> np.ndarray:
        """``(HEIGHT, WIDTH)`` float32 relative-luminance change of an AU change ``delta`` ``(17,)`` (target - current).

        A decrease of a smile AU counts :data:`ganimation.motion.au_model.RELEASE_GAIN` times, as
        in the motion model: the linear basis under-states how much of a broad smile's shading
        (raised, lit cheeks; creased lower lids) must go when it is released.
        """
        d = np.asarray(delta, np.float32)
        if d.shape != (len(self.basis),) or not np.all(np.isfinite(d)):
            raise ValueError(f"AU vectors must be finite ({len(self.basis)},)")
        d = np.where(d < 0, d * _release_gain(), d).astype(np.float32)
        out = np.tensordot(d * np.float32(strength), self.basis, axes=1) * _feather()
        return np.clip(out, -MAX_DARKEN, MAX_BRIGHTEN).astype(np.float32)


@lru_cache(maxsize=1)
def _shipped() -> AUTextureModel:
    from importlib import resources

    with resources.files("ganimation.assets").joinpath("au_texture.npz").open("rb") as fh:
        with np.load(fh, allow_pickle=False) as z:
            return AUTextureModel(z["basis"])


def _mouth_mask(landmarks: np.ndarray, roi: tuple[int, int, int, int], shape: tuple[int, int], iod: float) -> np.ndarray:
    """``(h, w)`` float32: 1 except inside the inner lips (feathered), where the mouth shading rules."""
    from ganimation.faces import models
    from ganimation.motion.regions import INNER_LIPS
    from ganimation.warp.dense import polygon_mask

    cv2 = models.require("cv2", "the texture stage")
    m = polygon_mask(shape, np.asarray(landmarks, np.float64)[list(INNER_LIPS), :2], roi[:2])
    m = cv2.GaussianBlur(m, (0, 0), sigmaX=max(0.5, 0.02 * iod))
    return 1.0 - np.clip(m * 1.5, 0.0, 1.0)


def _eyes_mask(landmarks: np.ndarray, roi: tuple[int, int, int, int], shape: tuple[int, int]) -> np.ndarray:
    """``(h, w)`` float32: 1 inside the eye openings of ``landmarks`` ``(478, 2+)`` pixels (anti-aliased), 0 elsewhere."""
    from ganimation.warp.dense import polygon_mask
    from ganimation.warp.eyes import EYE_CONTOURS

    lm = np.asarray(landmarks, np.float64)[:, :2]
    return np.clip(sum(polygon_mask(shape, lm[list(c)], roi[:2]) for c in EYE_CONTOURS), 0.0, 1.0)


def highlights(region: np.ndarray, face: np.ndarray) -> np.ndarray:
    """``(h, w)`` float32 in [0, 1]: how far each pixel of ``region`` ``(h, w, 3)`` (0-255) is a highlight,
    whiter than the skin of the ``face`` pixels (``(h, w)`` bool) by :data:`HIGHLIGHT_FROM` to
    :data:`HIGHLIGHT_FROM` + :data:`HIGHLIGHT_RANGE` of its smallest-over-largest channel ratio
    (0 everywhere on a grey photo, whose ratio is 1 throughout)."""
    r, g, b = region[..., 0], region[..., 1], region[..., 2]
    top = np.maximum(np.maximum(r, g), b)     # channel by channel: a reduction over the last axis is slow
    ratio = np.minimum(np.minimum(r, g), b) / np.maximum(top, 1.0)
    if not face.any():
        return np.zeros(ratio.shape, np.float32)
    skin = float(np.median(ratio[face]))
    whiter = np.clip((ratio - skin - HIGHLIGHT_FROM) / HIGHLIGHT_RANGE, 0.0, 1.0)
    return (whiter * np.clip((top - SHINE_FROM) / SHINE_RANGE, 0.0, 1.0)).astype(np.float32)


def shade_expression(image: np.ndarray, landmarks: np.ndarray, change: np.ndarray, iod: float, *,
                     placement: Placement | None = None, inplace: bool = False) -> np.ndarray:
    """``image`` ``(H, W, 3)`` uint8 with a canvas ``change`` ``(HEIGHT, WIDTH)`` applied as a luminance gain.

    ``landmarks``: ``(478, 2+)`` pixels of the face as it is in ``image``
    (after the warp); ``iod``: its inter-ocular distance in pixels;
    ``placement``: the canvas placed on those landmarks, when the caller has it.
    Returns a new array (``inplace``: ``image``, shaded where it is); pixels outside the face are
    bit-identical.
    """
    h, w = image.shape[:2]
    if iod < PIXELS_PER_IOD:
        # a face smaller than the canvas: low-pass first, or thin folds alias into dotted lines
        from ganimation.faces import models

        cv2 = models.require("cv2", "the texture stage")
        change = cv2.GaussianBlur(np.asarray(change, np.float32), (0, 0), sigmaX=0.6 * PIXELS_PER_IOD / max(iod, 1.0))
    placement = placement or Placement(landmarks, (w, h))
    roi, patch = placement.place(change)
    x0, y0, x1, y1 = roi
    out = image if inplace else np.array(image, copy=True)
    if x1 <= x0 or y1 <= y0:
        return out
    region = image[y0:y1, x0:x1].astype(np.float32)
    patch = patch * _mouth_mask(landmarks, roi, patch.shape, iod)
    shine = highlights(region, placement.weight > 0.5) * (1.0 - _eyes_mask(landmarks, roi, patch.shape))
    patch = np.where(patch < 0, patch * (1.0 - shine), patch)
    region = region * (1.0 + patch)[..., None]
    changed = np.abs(patch) > 1e-4
    out[y0:y1, x0:x1] = np.where(changed[..., None], np.clip(np.rint(region), 0, 255).astype(np.uint8),
                                 image[y0:y1, x0:x1])
    return out
