"""The canonical face canvas: a face's pixels in the frame of the mean face, and back.

A small image (:data:`WIDTH` x :data:`HEIGHT`, :data:`PIXELS_PER_IOD` pixels
per inter-ocular distance) in which every face's landmarks sit where the
canonical mean face's do (:func:`ganimation.motion.frame.mean_shape`, frontal,
neutral). Canvas pixel ``(i, j)`` (column, row) is frame point
``x = (i + 0.5 - WIDTH / 2) / PIXELS_PER_IOD``, ``y = (j + 0.5) / PIXELS_PER_IOD + TOP``;
the canvas is mirror-symmetric about its middle column, as the mean face is.

:func:`to_canvas` samples a photo's face into the canvas (piecewise-affine over
the warp mesh's face triangles); :func:`from_canvas` does the reverse for a map
defined on the canvas (for example a shading change), onto a face's landmarks
in a photo. Both use the warp of :mod:`ganimation.warp.dense`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ganimation.warp.dense import backward_map, sample
from ganimation.warp.mesh import landmark_triangles, signed_areas

WIDTH, HEIGHT = 112, 128
PIXELS_PER_IOD = 48.0
#: frame y of the canvas's top edge (the mean face's forehead landmarks are at about -0.77)
TOP = -0.84


def _cv2():
    from ganimation.faces import models

    return models.require("cv2", "the canonical face canvas")


@lru_cache(maxsize=1)
def canvas_points() -> np.ndarray:
    """``(478, 2)`` canvas pixel coordinates of the mean face's landmarks (read-only)."""
    from ganimation.motion.frame import mean_shape

    m = mean_shape()[:, :2]
    pts = np.stack([m[:, 0] * PIXELS_PER_IOD + WIDTH / 2, (m[:, 1] - TOP) * PIXELS_PER_IOD], 1)
    pts.setflags(write=False)
    return pts


def hull_mask(points: np.ndarray, shape: tuple[int, int], origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """``(h, w)`` float32: 1 inside the convex hull of ``points`` ``(N, 2)`` (pixels, shifted by ``origin``)."""
    cv2 = _cv2()
    mask = np.zeros(shape, np.float32)
    hull = cv2.convexHull(np.round((np.asarray(points, np.float64) - origin) * 16).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1.0, lineType=cv2.LINE_AA, shift=4)
    return mask


@lru_cache(maxsize=1)
def canvas_mask() -> np.ndarray:
    """``(HEIGHT, WIDTH)`` float32: 1 inside the mean face's landmark hull, 0 outside (read-only)."""
    mask = hull_mask(canvas_points(), (HEIGHT, WIDTH))
    mask.setflags(write=False)
    return mask


def to_canvas(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """The face of ``landmarks`` ``(478, 2+)`` pixels in ``image`` ``(H, W[, C])``, resampled into the canvas.

    Returns ``(HEIGHT, WIDTH[, C])`` float32; pixels outside :func:`canvas_mask` are 0.
    """
    src = np.asarray(landmarks, np.float64)[:, :2]
    dense = backward_map(src, canvas_points(), landmark_triangles(), (WIDTH, HEIGHT))
    out = np.zeros((HEIGHT, WIDTH) + image.shape[2:], np.float32)
    x0, y0, x1, y1 = dense.roi
    h, w = image.shape[:2]
    lo, hi = src.min(0), src.max(0)
    if x1 <= x0 or y1 <= y0 or np.any(hi + 3 <= 0) or lo[0] - 2 >= w or lo[1] - 2 >= h:
        return out
    # canvas pixels no triangle covers keep their own coordinates: point them at the face, so the
    # window read from the photo is the face's (they are zeroed below)
    mx = np.where(dense.moved, dense.map[..., 0], np.float32(src[0, 0]))
    my = np.where(dense.moved, dense.map[..., 1], np.float32(src[0, 1]))
    res = sample(image, mx, my, dtype=np.float32, interpolation="INTER_LINEAR")   # a fit's input, as it was
    out[y0:y1, x0:x1] = res * (dense.moved[..., None] if res.ndim == 3 else dense.moved)
    mask = canvas_mask()
    return out * (mask[..., None] if out.ndim == 3 else mask)


def from_canvas(values: np.ndarray, landmarks: np.ndarray, size: tuple[int, int]
                ) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """A canvas map ``values`` ``(HEIGHT, WIDTH)`` placed on the face of ``landmarks`` ``(478, 2+)`` pixels (x, y used).

    ``size``: ``(W, H)`` of the photo. Returns ``(roi, patch)``: ``roi`` =
    ``(x0, y0, x1, y1)`` and ``patch`` ``(y1 - y0, x1 - x0)`` float32, zero
    outside the face's landmark hull (an empty ROI when the face is off the photo).
    :class:`Placement` places several maps on one face for the cost of one.
    """
    return Placement(landmarks, size).place(values)


class Placement:
    """The canvas placed on the face of ``landmarks`` ``(478, 2+)`` pixels in a photo of ``size`` ``(W, H)``:
    the backward map of each ROI pixel into the canvas and its weight (0 outside the landmark hull and
    over folded or squeezed triangles), computed once for every map :meth:`place` puts there."""

    def __init__(self, landmarks: np.ndarray, size: tuple[int, int]):
        dst = np.asarray(landmarks, np.float64)[:, :2]
        tri = landmark_triangles()
        # overlapping triangles need no drawing order: they are folded, and _folded_mask leaves them out
        dense = backward_map(canvas_points(), dst, tri, (int(size[0]), int(size[1])))
        self.roi: tuple[int, int, int, int] = dense.roi
        x0, y0, x1, y1 = dense.roi
        self.weight: np.ndarray | None = None
        if x1 <= x0 or y1 <= y0:
            return
        self.map_x = np.ascontiguousarray(dense.map[..., 0])
        self.map_y = np.ascontiguousarray(dense.map[..., 1])
        # pixels no triangle covers keep the identity map (their own photo coordinates): nothing to place there
        weight = dense.moved * hull_mask(dst, dense.moved.shape, (x0, y0))
        folded = _folded_mask(dst, tri, weight.shape, (x0, y0))
        self.weight = (weight if folded is None else weight * (1.0 - folded)).astype(np.float32)

    def place(self, values: np.ndarray) -> tuple[tuple[int, int, int, int], np.ndarray]:
        """``(roi, patch)`` of a canvas map ``values`` ``(HEIGHT, WIDTH)``, as :func:`from_canvas`."""
        if self.weight is None:
            return self.roi, np.zeros((0, 0), np.float32)
        cv2 = _cv2()
        res = cv2.remap(np.asarray(values, np.float32), self.map_x, self.map_y,
                        interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return self.roi, res * self.weight


@lru_cache(maxsize=1)
def _canvas_areas() -> np.ndarray:
    """``(T,)`` signed areas of :func:`ganimation.warp.mesh.landmark_triangles` on the canvas (read-only)."""
    areas = signed_areas(canvas_points(), landmark_triangles())
    areas.setflags(write=False)
    return areas


def _folded_mask(points: np.ndarray, tri: np.ndarray, shape: tuple[int, int], origin: tuple[int, int],
                 squeeze: float = 0.25) -> np.ndarray | None:
    """``(h, w)`` float32 over the triangles that are folded over (their orientation flipped against the
    canvas) or squeezed to under ``squeeze`` of the face's typical scale, slightly grown; None when
    there are none. A map placed there would land in a sliver, as a line."""
    cv2 = _cv2()
    ref = _canvas_areas()
    ratio = signed_areas(points, tri) / np.where(np.abs(ref) > 1e-9, ref, 1e-9)
    typical = float(np.median(ratio[ratio > 0])) if np.any(ratio > 0) else 0.0
    bad = np.flatnonzero(ratio < squeeze * typical)
    if not len(bad):
        return None
    mask = np.zeros(shape, np.float32)
    for t in bad:
        poly = np.round((points[tri[t]] - origin) * 16).astype(np.int32)
        cv2.fillConvexPoly(mask, poly, 1.0, lineType=cv2.LINE_AA, shift=4)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    return np.clip(cv2.GaussianBlur(mask, (0, 0), sigmaX=1.0) * 1.5, 0.0, 1.0)
