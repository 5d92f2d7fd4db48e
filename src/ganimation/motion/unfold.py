"""Keeping the warp's triangles around the eyes and the mouth from folding over.

A piecewise-affine warp paints a triangle that the motion turns over mirrored,
on top of its neighbours: hard-edged wedges, doubled texture and dark specks.
Two places fold:

- **Eyes.** A brow lowered onto a heavy upper lid (anger: AU04 with AU07)
  moves the crease landmarks above the eye down past the lid line, and the
  top of the iris (hidden under the lid, but a landmark of the mesh) stays
  where it was: the warp painted iris pixels above the lid as a dark block.
  :func:`unfold_eyes` smooths the motion of just the landmarks of such
  triangles toward their mesh neighbours': the brows still come down, and
  the crease and iris top go along with the lid instead of crossing it.
- **Mouth.** The AU motion model moves the lips' inner and outer contours
  further than the two rings of landmarks between them and the skin around
  them (an opening mouth's inner lower lip passes the ring below it; a
  lowered lip corner passes the skin beside it). Before this repair nearly
  every non-happy preset edit turned over 17-32 triangles of the mouth
  region on average (benchmarks/results/engines/mouth_folds.md).
  :func:`unfold_mouth` smooths only the landmarks *between and around* the
  lip contours; the 40 contour landmarks (:data:`ganimation.motion.regions.LIPS`)
  keep their motion, so the opening, the corners and a smile's release are
  as the model asks (damping the contours themselves undid a smile's
  release: ``benchmarks/results/engines/preset_variants.md``), and
  :func:`ganimation.warp.mouth.close_mouth` repairs what a closing mouth
  folds between the contours.

Both run the same relaxation (:func:`_unfold`): each round, every movable
landmark of a folded triangle (turned over, or squeezed below
:data:`MIN_AREA_RATIO` of its area) takes the mean of its own motion and its
mesh neighbours', until none is left or :data:`MAX_ROUNDS` have run.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

#: smallest area a triangle may keep, as a share of its area before the motion
MIN_AREA_RATIO = 0.1
#: rounds of neighbour smoothing at most (each round halves a vertex's own share of its motion)
MAX_ROUNDS = 30
#: landmarks this close (IOD, on the mean face) to an eye, iris, brow or mouth landmark may be corrected
REACH_IOD = 0.1


@lru_cache(maxsize=1)
def _neighbours() -> tuple[np.ndarray, ...]:
    """Mesh neighbours of every landmark, each a sorted ``(k,)`` index array."""
    from ganimation.warp.mesh import NUM_LANDMARKS, landmark_triangles

    found: list[set[int]] = [set() for _ in range(NUM_LANDMARKS)]
    for a, b, c in landmark_triangles():
        found[a] |= {b, c}
        found[b] |= {a, c}
        found[c] |= {a, b}
    return tuple(np.array(sorted(n), dtype=np.int64) for n in found)


@lru_cache(maxsize=2)
def _area_mesh(area: str) -> tuple[np.ndarray, np.ndarray]:
    """``(triangles (T, 3) with a movable landmark, movable (478,) bool)`` of ``"eyes"`` or ``"mouth"``."""
    from ganimation.motion.regions import LIPS, region_weights
    from ganimation.warp.mesh import landmark_triangles

    tri = landmark_triangles()
    if area == "eyes":
        movable = np.maximum(region_weights("eyes", REACH_IOD), region_weights("brows", REACH_IOD)) > 0.5
    elif area == "mouth":
        movable = region_weights("mouth", REACH_IOD) > 0.5
        movable[list(LIPS) + list(_ring_points())] = False   # the lips follow their contours (follow_lips)
    else:
        raise ValueError(f"area {area!r}; choose 'eyes' or 'mouth'")
    movable.setflags(write=False)
    tri = tri[movable[tri].any(1)]
    return tri, movable


def _folded(tri: np.ndarray, points: np.ndarray, before: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """Triangles of ``tri`` (areas ``before`` over ``points`` ``(478, 2)``) that ``motion`` turns over or
    squeezes below :data:`MIN_AREA_RATIO`."""
    from ganimation.warp.mesh import signed_areas

    after = signed_areas(points + np.asarray(motion, np.float64)[:, :2], tri)
    ratio = after / np.where(np.abs(before) < 1e-12, 1e-12, before)
    return tri[ratio < MIN_AREA_RATIO]


def folded_triangles(area: str, frame_points: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """``(K, 3)`` landmark triangles of ``area`` (``"eyes"`` or ``"mouth"``: those with a landmark the
    repair may move) that ``motion`` turns over or squeezes below :data:`MIN_AREA_RATIO` of their area
    (``frame_points`` and ``motion`` ``(478, 2|3)``, frame units)."""
    from ganimation.warp.mesh import signed_areas

    tri, _ = _area_mesh(area)
    p = np.asarray(frame_points, np.float64)[:, :2]
    return _folded(tri, p, signed_areas(p, tri), motion)


def folded_eye_triangles(frame_points: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """:func:`folded_triangles` of the eye and brow region."""
    return folded_triangles("eyes", frame_points, motion)


def _unfold(area: str, frame_points: np.ndarray, motion: np.ndarray) -> np.ndarray:
    from ganimation.warp.mesh import signed_areas

    tri, movable = _area_mesh(area)
    neighbours = _neighbours()
    p = np.asarray(frame_points, np.float64)[:, :2]
    before = signed_areas(p, tri)           # the source's areas: once, not every round
    m = np.array(motion, np.float64, copy=True)
    for _ in range(MAX_ROUNDS):
        bad = _folded(tri, p, before, m)
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


def unfold_eyes(frame_points: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """``motion`` ``(478, 3)`` with the eye region's folded triangles undone.

    ``frame_points``: ``(478, 3)`` frame coordinates before the motion. Eye,
    iris and brow landmarks (and those within :data:`REACH_IOD`) of folded
    triangles are smoothed toward their neighbours (x and y; depth is kept);
    a motion that folds nothing is returned unchanged.
    """
    return _unfold("eyes", frame_points, motion)


@lru_cache(maxsize=1)
def _ring_points() -> tuple[int, ...]:
    """The landmarks of the two rings inside the lips (between the inner and outer contours)."""
    from ganimation.motion.regions import LOWER_LIP_RINGS, UPPER_LIP_RINGS

    return tuple(sorted({v for rings in (UPPER_LIP_RINGS, LOWER_LIP_RINGS) for ring in rings[1:3] for v in ring}))


def follow_lips(frame_points: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """``motion`` ``(478, 3)`` with the two rings inside each lip carried by its contours.

    Across each lip (11 columns of :data:`ganimation.motion.regions.UPPER_LIP_RINGS` and
    ``LOWER_LIP_RINGS``) a ring landmark sits at a share ``t`` of the way from the inner to the outer
    contour, plus a small offset; after the motion it sits at the same share of the way between the
    moved contours, with the same offset (x and y; the model's depth motion is kept). A lip that
    opens, rounds or stretches then keeps its layers in order: the fitted motion of the rings alone
    let the inner contour pass them (an opening mouth's lips turned over).
    """
    from ganimation.motion.regions import LOWER_LIP_RINGS, UPPER_LIP_RINGS

    p = np.asarray(frame_points, np.float64)[:, :2]
    m = np.array(motion, np.float64, copy=True)
    q = p + m[:, :2]
    for inner, *rings, outer in (UPPER_LIP_RINGS, LOWER_LIP_RINGS):
        i, o = np.array(inner), np.array(outer)
        span, span_q = p[o] - p[i], q[o] - q[i]                      # (11, 2)
        length2 = np.maximum((span ** 2).sum(1), 1e-12)
        for ring in rings:
            r = np.array(ring)
            t = ((p[r] - p[i]) * span).sum(1) / length2
            offset = p[r] - (p[i] + t[:, None] * span)
            m[r, :2] = q[i] + t[:, None] * span_q + offset - p[r]
    return m


def unfold_mouth(frame_points: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """``motion`` ``(478, 3)`` with the mouth region's folds between and around the lip contours undone.

    ``frame_points``: ``(478, 3)`` frame coordinates before the motion. Only
    landmarks of the mouth region (lips and chin, within :data:`REACH_IOD`)
    that are not on a lip contour move; a triangle whose landmarks are all on
    the contours (the inner lips of a closing mouth) is left to
    :func:`ganimation.warp.mouth.close_mouth`. A motion that folds nothing is
    returned unchanged.
    """
    return _unfold("mouth", frame_points, follow_lips(frame_points, motion))
