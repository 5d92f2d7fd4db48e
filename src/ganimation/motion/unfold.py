"""Keeping the warp's triangles around the eyes from folding over.

A brow lowered onto a heavy upper lid (anger: AU04 with AU07) moves the
crease landmarks above the eye down past the lid line, and the top of the
iris (hidden under the lid, but a landmark of the mesh) stays where it was:
the triangles between them turn over, and the warp paints iris pixels above
the lid as a hard-edged dark block. :func:`unfold_eyes` smooths the motion of
just the landmarks of such triangles toward their mesh neighbours' until no
triangle of the eye and brow region is turned over or squeezed below
:data:`MIN_AREA_RATIO` of its area: the brows still come down, and the
crease and iris top go along with the lid instead of crossing it.

The lips are left alone on purpose: a smile's release folds thin lip
triangles, and damping that motion undoes the release
(``benchmarks/results/engines/preset_variants.md``); :func:`ganimation.warp.mouth.close_mouth`
repairs the mouth instead.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

#: smallest area a triangle of the eye region may keep, as a share of its area before the motion
MIN_AREA_RATIO = 0.1
#: rounds of neighbour smoothing at most (each round halves a vertex's own share of its motion)
MAX_ROUNDS = 30
#: landmarks this close (IOD, on the mean face) to an eye, iris or brow landmark may be corrected
REACH_IOD = 0.1


@lru_cache(maxsize=1)
def _eye_mesh() -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """``(triangles (T, 3) of landmarks touching the region, movable (478,) bool, neighbours per landmark)``."""
    from ganimation.motion.regions import region_weights
    from ganimation.warp.mesh import NUM_LANDMARKS, landmark_triangles

    tri = landmark_triangles()
    movable = np.maximum(region_weights("eyes", REACH_IOD), region_weights("brows", REACH_IOD)) > 0.5
    neighbours: list[set[int]] = [set() for _ in range(NUM_LANDMARKS)]
    for a, b, c in tri:
        neighbours[a] |= {b, c}
        neighbours[b] |= {a, c}
        neighbours[c] |= {a, b}
    tri = tri[movable[tri].any(1)]
    movable.setflags(write=False)
    return tri, movable, tuple(np.array(sorted(n), dtype=np.int64) for n in neighbours)


def folded_eye_triangles(frame_points: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """``(K, 3)`` landmark triangles of the eye region that ``motion`` turns over or squeezes below
    :data:`MIN_AREA_RATIO` of their area (``frame_points`` and ``motion`` ``(478, 2|3)``, frame units)."""
    from ganimation.warp.mesh import signed_areas

    tri, _, _ = _eye_mesh()
    p = np.asarray(frame_points, np.float64)[:, :2]
    return _folded(p, signed_areas(p, tri), motion)


def _folded(points: np.ndarray, before: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """:func:`folded_eye_triangles` of ``points`` ``(478, 2)`` whose eye triangles have the areas ``before``."""
    from ganimation.warp.mesh import signed_areas

    tri, _, _ = _eye_mesh()
    after = signed_areas(points + np.asarray(motion, np.float64)[:, :2], tri)
    ratio = after / np.where(np.abs(before) < 1e-12, 1e-12, before)
    return tri[ratio < MIN_AREA_RATIO]


def unfold_eyes(frame_points: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """``motion`` ``(478, 3)`` with the eye region's folded triangles undone.

    ``frame_points``: ``(478, 3)`` frame coordinates before the motion. Each
    round, every eye or brow landmark of a folded triangle takes the mean of
    its own motion and its mesh neighbours' (x and y; depth is kept); a motion
    that folds nothing is returned unchanged.
    """
    from ganimation.warp.mesh import signed_areas

    tri, movable, neighbours = _eye_mesh()
    p = np.asarray(frame_points, np.float64)[:, :2]
    before = signed_areas(p, tri)           # the source's areas: once, not every round
    m = np.array(motion, np.float64, copy=True)
    for _ in range(MAX_ROUNDS):
        bad = _folded(p, before, m)
        if len(bad) == 0:
            break
        fix = [v for v in np.unique(bad) if movable[v]]
        if not fix:
            break
        new = m.copy()
        for v in fix:
            new[v, :2] = 0.5 * m[v, :2] + 0.5 * m[neighbours[v], :2].mean(0)
        m = new
    return m
