"""Piecewise-affine warps: a dense backward map from moved triangle vertices, applied with one remap.

Given control points before (``src``) and after (``dst``) a motion and a
fixed triangulation, every output pixel inside a ``dst`` triangle samples the
input at the same barycentric position in the ``src`` triangle. The map is
built only over the region the triangles cover (:attr:`DenseWarp.roi`);
pixels that do not move (outside every triangle, or with a motion below
1/1000 px) are copied, so they are bit-identical to the input. A pixel
samples within the bounding box of its source triangle (grown by
:data:`BOX_MARGIN` px): the rasteriser also gives a triangle the pixels its
edges touch, and for a thin triangle the affine map extrapolates those far
away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: cv2.remap takes coordinates as 16-bit integers internally; the input it
#: samples from is cropped to the region around the moving pixels so that
#: photos with a side of 32,767 px or more never reach it whole.
_REMAP_LIMIT = 32000


def _cv2():
    from ganimation.faces import models

    return models.require("cv2", "the triangulated warp")


@dataclass
class DenseWarp:
    """A backward map over ``roi``.

    - ``roi``: ``(x0, y0, x1, y1)`` ints, the output pixels the map covers.
    - ``map``: ``(h, w, 2)`` float32, input x, y sampled by each ROI pixel.
    - ``moved``: ``(h, w)`` bool, pixels whose source differs from themselves.
    """

    roi: tuple[int, int, int, int]
    map: np.ndarray
    moved: np.ndarray

    def displacement(self) -> np.ndarray:
        """``(h, w, 2)`` float32 forward motion in pixels: where each output pixel's content came from, reversed."""
        x0, y0, x1, y1 = self.roi
        gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        return np.stack([gx - self.map[..., 0], gy - self.map[..., 1]], -1)

    def carry(self, points: np.ndarray, steps: int = 3) -> np.ndarray:
        """``(N, 2)`` float64: where ``points`` ``(N, 2+)`` (input pixels) lie in the warped image, the
        inverse of the backward map (``map(q) = p``) by ``steps`` fixed-point steps ``q = p + D(q)`` on
        the :meth:`displacement` ``D``; points outside :attr:`roi` stay where they are. What another face
        in the photo needs before its own edit: its landmarks, moved by the warp of a face beside it."""
        pts = np.asarray(points, np.float64)[:, :2]
        x0, y0, x1, y1 = self.roi
        if x1 <= x0 or y1 <= y0 or len(pts) == 0:
            return pts.copy()
        cv2 = _cv2()
        d = self.displacement()
        q = pts.copy()
        for _ in range(steps):
            at = cv2.remap(d, (q[:, 0] - x0).astype(np.float32)[None], (q[:, 1] - y0).astype(np.float32)[None],
                           interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            q = pts + at[0].astype(np.float64)
        return q

    def carry_all(self, faces: list[np.ndarray]) -> None:
        """Move the landmarks ``(N, 2+)`` float64 of each face in ``faces`` (x, y; in place) to where this
        warp puts them (:meth:`carry`), in one pass for all: the faces a photo's or frame's later edits
        warp next, each where the warps before it moved it."""
        if not faces:
            return
        carried = self.carry(np.concatenate(faces))
        start = 0
        for face in faces:
            face[:, :2] = carried[start:start + len(face)]
            start += len(face)


def triangle_affines(src: np.ndarray, dst: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """``(T, 3, 2)`` affine maps ``[x, y, 1] @ A[t] = source point`` for output points in ``dst`` triangle ``t``.

    ``src``, ``dst``: ``(P, 2)``; ``triangles``: ``(T, 3)`` indices. Degenerate
    ``dst`` triangles get the pure translation of their first vertex.
    """
    d = np.asarray(dst, np.float64)[triangles]          # (T, 3, 2)
    s = np.asarray(src, np.float64)[triangles]          # (T, 3, 2)
    m = np.concatenate([d, np.ones(d.shape[:2] + (1,))], -1)  # (T, 3, 3)
    det = np.linalg.det(m)
    ok = np.abs(det) > 1e-9
    out = np.zeros((len(triangles), 3, 2))
    if ok.any():
        out[ok] = np.linalg.solve(m[ok], s[ok])
    # degenerate: translate by the first vertex's motion
    out[~ok, 0, 0] = 1.0
    out[~ok, 1, 1] = 1.0
    out[~ok, 2] = s[~ok, 0] - d[~ok, 0]
    return out


#: target triangles thinner than this (px, their smallest altitude) are not drawn: their pixels stay
#: with the neighbours on either side
MIN_ALTITUDE = 0.5
#: pixels a sample may lie outside its source triangle's box (the rasteriser's edge pixels sample just
#: beyond their triangle, as its neighbour would)
BOX_MARGIN = 2.0


#: pixels of the map computed at a time (a band of rows): a large face's whole region at once made a
#: table of 10 floats per pixel and temporaries that left the cache (a 1281 x 1131 region: 41 -> 20 ms;
#: regions under this size are one band, as before)
BAND_PIXELS = 1 << 16
#: ... for regions larger than this (pixels); a smaller region is one band: in bands, the wild_dev
#: portraits' regions (about 0.25 MP) took longer
BAND_FROM = 1 << 20


def _source_boxes(src: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """``(T, 4)`` float32 ``(x0, y0, x1, y1)`` of each triangle's ``src`` corners (``(P, 2)`` pixels), grown by
    :data:`BOX_MARGIN`."""
    corners = np.asarray(src, np.float64)[triangles]          # (T, 3, 2)
    return np.concatenate([corners.min(1) - BOX_MARGIN, corners.max(1) + BOX_MARGIN], 1).astype(np.float32)


def roi_around(points: np.ndarray, width: int, height: int, pad: float = 0.0) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` pixel box around ``points`` ``(N, 2)`` grown by ``pad`` px (and one more pixel
    each side for bilinear sampling), clipped to a ``width`` x ``height`` image (may be empty)."""
    lo = np.floor(points.min(0) - pad).astype(int) - 1
    hi = np.ceil(points.max(0) + pad).astype(int) + 2
    return (int(max(0, lo[0])), int(max(0, lo[1])), int(min(width, hi[0])), int(min(height, hi[1])))


def polygon_mask(shape: tuple[int, int], polygon: np.ndarray, origin=(0, 0)) -> np.ndarray:
    """``shape`` ``(h, w)`` float32 anti-aliased mask (1 inside) of ``polygon`` ``(N, 2)`` pixels, for a
    window whose top-left pixel is ``origin`` ``(x0, y0)`` of the image (1/16-pixel precision)."""
    cv2 = _cv2()
    m = np.zeros(shape, np.float32)
    pts = np.round((np.asarray(polygon, np.float64)[:, :2] - np.asarray(origin, np.float64)) * 16).astype(np.int32)
    cv2.fillPoly(m, [pts], 1.0, lineType=cv2.LINE_AA, shift=4)
    return m


def backward_map(src: np.ndarray, dst: np.ndarray, triangles: np.ndarray, size: tuple[int, int], *,
                 order: np.ndarray | None = None) -> DenseWarp:
    """The dense backward map of a piecewise-affine motion ``src -> dst``.

    - ``src``, ``dst``: ``(P, 2)`` control points in pixels (before / after).
    - ``triangles``: ``(T, 3)`` int indices into the points.
    - ``size``: ``(W, H)`` of the output image.
    - ``order``: drawing order of the triangles (where moved triangles
      overlap the last drawn wins; pass far-to-near for self-occlusion).
    """
    cv2 = _cv2()
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    tri = np.asarray(triangles, np.int64)
    w, h = int(size[0]), int(size[1])
    moving = np.abs(dst - src).max(1) > 1e-3
    # only triangles with a moving vertex need drawing; the others are the identity
    active = np.flatnonzero(moving[tri].any(1))
    roi = roi_around(dst[np.unique(tri[active])], w, h) if len(active) else (0, 0, 0, 0)
    x0, y0, x1, y1 = roi
    if x1 <= x0 or y1 <= y0:
        return DenseWarp(roi=(0, 0, 0, 0), map=np.zeros((0, 0, 2), np.float32), moved=np.zeros((0, 0), bool))
    if order is not None:
        rank = np.empty(len(tri), np.int64)
        rank[np.asarray(order)] = np.arange(len(tri))
        active = active[np.argsort(rank[active], kind="stable")]
    # a triangle squeezed thinner than MIN_ALTITUDE px (the inner lips of a closed mouth: the gap between
    # them was and stays a line) owns no pixels: rasterised, its edge pixels painted a jagged seam of
    # samples from that line over the lips its neighbours map properly
    from ganimation.warp.mesh import signed_areas

    corners = dst[tri[active]]                                              # (A, 3, 2)
    edges = np.linalg.norm(corners - np.roll(corners, 1, axis=1), axis=2).max(1)
    area2 = 2.0 * np.abs(signed_areas(dst, tri[active]))                   # altitude = area2 / longest edge
    active = active[area2 >= MIN_ALTITUDE * np.maximum(edges, 1e-9)]
    ids = np.full((y1 - y0, x1 - x0), -1, np.int32)
    pts = np.round((dst[tri[active]] - [x0, y0]) * 16).astype(np.int32)  # 4 fractional bits
    for k, poly in zip(active, pts):
        cv2.fillConvexPoly(ids, poly, int(k), lineType=cv2.LINE_8, shift=4)
    # per triangle its affine map and, as a pixel the rasteriser gives to a thin triangle may lie just
    # outside it where the map extrapolates far away (specks sampled from the forehead at an opened
    # mouth's corners), the box its samples are kept in; id -1 -> the identity row appended last
    table = np.concatenate([np.concatenate([triangle_affines(src, dst, tri).astype(np.float32).reshape(-1, 6),
                                            _source_boxes(src, tri)], 1),
                            np.array([[1, 0, 0, 1, 0, 0, -np.inf, -np.inf, np.inf, np.inf]], np.float32)])
    h = y1 - y0
    out = np.empty((h, x1 - x0, 2), np.float32)
    moved = np.empty((h, x1 - x0), bool)
    gx = np.arange(x0, x1, dtype=np.float32)[None, :]
    rows = h if h * (x1 - x0) <= BAND_FROM else max(8, BAND_PIXELS // (x1 - x0))
    for r0 in range(0, h, rows):              # a band of rows at a time: its table stays in the cache
        r1 = min(h, r0 + rows)
        coef = np.take(table, ids[r0:r1], axis=0, mode="wrap")              # (rows, w, 10)
        gy = np.arange(y0 + r0, y0 + r1, dtype=np.float32)[:, None]
        mx = np.clip(gx * coef[..., 0] + gy * coef[..., 2] + coef[..., 4], coef[..., 6], coef[..., 8])
        my = np.clip(gx * coef[..., 1] + gy * coef[..., 3] + coef[..., 5], coef[..., 7], coef[..., 9])
        out[r0:r1, :, 0], out[r0:r1, :, 1] = mx, my
        moved[r0:r1] = (np.abs(mx - gx) > 1e-3) | (np.abs(my - gy) > 1e-3)
    return DenseWarp(roi=roi, map=out, moved=moved)


#: how :func:`sample` reads a photo between its pixels (an OpenCV interpolation flag's name): Lanczos
#: over 8 x 8 pixels. Bilinear reading averages neighbours wherever the warp moves a pixel by a fraction:
#: on the wild_dev portraits' skin moved by 0.25 px or more it kept 59-66 % of the fine detail's variance
#: (pores, stubble, film grain), bicubic 84-89 %, Lanczos 92-94 % (benchmarks/results/warp_sharpness.md).
#: Lanczos costs about 0.07 ms more per thousand warped pixels than bilinear (4 ms on the median wild_dev
#: face, 20 ms on one 250 px between the eyes), bicubic about a third of that; on the development faces
#: bicubic lost 3 and 7 edits' recognition, Lanczos 0 and 3 (docs/au_motion.md, "A warp that keeps the
#: photo's detail").
INTERPOLATION = "INTER_LANCZOS4"
#: bilinear reading, for the warps where detail must not swim: a video's edited frames (each frame's
#: own grain, read at sub-pixel offsets that change from frame to frame, flickered: the face region's
#: frame-to-frame change rose to 1.12 of the input's on a still talking clip, the goal being 1.10) and
#: reenactment, whose learned stages were trained on bilinearly warped frames
SMOOTH = "INTER_LINEAR"


#: how :func:`sample` reads beyond the photo's edges (an OpenCV border flag's name): mirrored about the
#: edge pixel. With the edge row repeated (``BORDER_REPLICATE``), a chin at the bottom edge of a tight
#: crop (UTKFace's chips) that an edit raised was continued by vertical streaks of that row.
BORDER = "BORDER_REFLECT_101"


def sample(image: np.ndarray, mx: np.ndarray, my: np.ndarray, dtype=None, *,
           interpolation: str | None = None) -> np.ndarray:
    """``image`` ``(H, W[, C])`` read at the float32 coordinates ``mx``, ``my`` ``(h, w)`` (by
    ``interpolation``, an OpenCV flag's name, default :data:`INTERPOLATION`). Beyond the photo's edges
    it reads the photo mirrored (:data:`BORDER`). Only the window the coordinates
    cover is read (and converted to ``dtype`` when given): remap's 16-bit coordinate limit, and no copy
    of a whole large photo."""
    cv2 = _cv2()
    h, w = image.shape[:2]
    # the window reaches 4 px past the coordinates: bicubic reads 4 x 4 pixels around each, Lanczos 8 x 8
    sx0, sy0 = int(max(0, np.floor(mx.min()) - 4)), int(max(0, np.floor(my.min()) - 4))
    sx1, sy1 = int(min(w, np.ceil(mx.max()) + 5)), int(min(h, np.ceil(my.max()) + 5))
    if sx1 - sx0 >= _REMAP_LIMIT or sy1 - sy0 >= _REMAP_LIMIT:
        from ganimation.errors import ImageError

        raise ImageError(f"the warped region is {sx1 - sx0}x{sy1 - sy0} px; "
                         f"the warp handles faces up to {_REMAP_LIMIT} px across: downscale the photo")
    window = np.ascontiguousarray(image[sy0:sy1, sx0:sx1], dtype=dtype)
    return cv2.remap(window, mx - np.float32(sx0), my - np.float32(sy0),
                     interpolation=getattr(cv2, interpolation or INTERPOLATION), borderMode=getattr(cv2, BORDER))


def apply_map(image: np.ndarray, warp: DenseWarp, interpolation: str | None = None) -> np.ndarray:
    """``image`` ``(H, W, C)`` resampled by ``warp`` (a new array; unmoved pixels bit-identical), read as
    :func:`sample` reads (``interpolation``: its default :data:`INTERPOLATION` when None)."""
    out = np.array(image, copy=True)
    x0, y0, x1, y1 = warp.roi
    if x1 <= x0 or y1 <= y0 or not warp.moved.any():
        return out
    res = sample(image, warp.map[..., 0], warp.map[..., 1], interpolation=interpolation)
    if res.ndim == 2 and image.ndim == 3:
        res = res[..., None]
    region = out[y0:y1, x0:x1]
    np.copyto(region, res, where=warp.moved[..., None] if region.ndim == 3 else warp.moved)
    return out
