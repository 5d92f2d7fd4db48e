"""The warp mesh: 478 face landmarks plus two peripheral rings, and one fixed triangulation.

The triangulation is a Delaunay triangulation of the canonical mean face
(:func:`ganimation.motion.frame.mean_shape`, frontal, lips and eyelids
apart) with two elliptic rings of :data:`RING_POINTS` points around it, made
once and used for every face. A fixed topology matters: on a real face the
inner lips or eyelids may coincide (closed mouth, blink), and a Delaunay of
that face's own points would merge them, so a mouth could never open.

The rings carry the motion out into hair, ears, neck and background: the
inner ring (:data:`RINGS` ``[0]``) follows part of the motion of the nearby
face contour, the outer ring does not move, so everything beyond it is
untouched and the warp fades smoothly in between.

The four points on each iris's rim (:data:`IRIS_RIMS`) are left out of the
triangulation; the iris centres stay in it (a driving face's gaze moves the
eye's interior). The rim points lie on the iris circle, and where a lid
covers the top of the iris (most eyes) the top one sits on the lid, above
the lid line: when the lids opened, the triangles hung from it pulled a
tongue of lid skin down into the middle of the new opening (surprise and
fear on sharp photos showed an upper lid notched above the iris).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ganimation.motion.frame import FacePose, mean_shape
from ganimation.motion.regions import FACE_OVAL

NUM_LANDMARKS = 478
RING_POINTS = 24
#: (radius as a multiple of the canonical face's half extent, share of the contour motion followed)
RINGS = ((1.35, 0.4), (2.0, 0.0))
#: the landmarks on the two irises' rims (MediaPipe 469-472, 474-477): not vertices of the mesh
IRIS_RIMS = tuple(range(469, 473)) + tuple(range(474, 478))


@dataclass(frozen=True)
class WarpMesh:
    """Canonical control points and triangles.

    - ``points``: ``(P, 3)`` frame coordinates; the first 478 are the landmarks, then the rings.
    - ``triangles``: ``(T, 3)`` int32 indices into ``points`` (every point but :data:`IRIS_RIMS`).
    - ``follow``: ``(P,)`` share of the nearby contour motion each ring point takes (0 for landmarks).
    """

    points: np.ndarray
    triangles: np.ndarray
    follow: np.ndarray

    @property
    def ring_slice(self) -> slice:
        return slice(NUM_LANDMARKS, len(self.points))


def _ring_points() -> tuple[np.ndarray, np.ndarray]:
    shape = mean_shape()
    oval = shape[list(FACE_OVAL), :2]
    centre = (oval.max(0) + oval.min(0)) / 2
    half = (oval.max(0) - oval.min(0)) / 2
    t = np.linspace(0, 2 * np.pi, RING_POINTS, endpoint=False)
    pts, follow = [], []
    for k, (radius, share) in enumerate(RINGS):
        phase = 0.5 * (2 * np.pi / RING_POINTS) * k  # stagger the rings for well-shaped triangles
        ring = centre + radius * half * np.stack([np.cos(t + phase), np.sin(t + phase)], 1)
        pts.append(np.concatenate([ring, np.zeros((RING_POINTS, 1))], 1))
        follow.append(np.full(RING_POINTS, share))
    return np.concatenate(pts), np.concatenate(follow)


def signed_areas(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """``(T,)`` signed areas of ``triangles`` ``(T, 3)`` of ``points`` ``(P, 2+)`` (x, y used); the sign
    flips when a triangle is turned over."""
    a, b, c = (np.asarray(points)[triangles[:, k], :2] for k in range(3))
    return 0.5 * ((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0])


def delaunay(points: np.ndarray) -> np.ndarray:
    """``(T, 3)`` int32 Delaunay triangles of distinct ``(P, 2)`` points (OpenCV's Subdiv2D)."""
    from ganimation.faces import models

    cv2 = models.require("cv2", "the triangulated warp")
    pts = np.asarray(points, np.float64)
    lo, hi = pts.min(0) - 1.0, pts.max(0) + 1.0
    scale = 1000.0 / float((hi - lo).max())  # Subdiv2D works in float32: spread the points out
    p = (pts - lo) * scale
    sub = cv2.Subdiv2D((0, 0, int(np.ceil((hi - lo)[0] * scale)) + 1, int(np.ceil((hi - lo)[1] * scale)) + 1))
    for x, y in p:
        sub.insert((float(x), float(y)))
    tris = sub.getTriangleList().reshape(-1, 3, 2)
    # map vertex coordinates back to point indices: Subdiv2D keeps each point as float32 and returns
    # those values, so they are looked up exactly (its virtual outer vertices are not points: dropped)
    index = {xy.tobytes(): k for k, xy in enumerate(p.astype(np.float32))}
    found = [[index.get(v.tobytes(), -1) for v in t] for t in tris.astype(np.float32)]
    tri = np.asarray([t for t in found if min(t) >= 0], np.int32).reshape(-1, 3)
    if len(np.unique(np.sort(tri, 1), axis=0)) != len(tri):
        raise RuntimeError("Delaunay produced duplicate triangles")
    return tri


@lru_cache(maxsize=1)
def face_mesh() -> WarpMesh:
    """The canonical :class:`WarpMesh` (built once per process, about 30 ms)."""
    return build_mesh()


def build_mesh(omit: tuple[int, ...] = IRIS_RIMS) -> WarpMesh:
    """A :class:`WarpMesh` whose triangulation leaves the landmarks ``omit`` out (:func:`face_mesh`'s:
    the iris rims)."""
    shape = mean_shape()
    ring, follow = _ring_points()
    pts = np.concatenate([shape, ring])
    vertices = np.setdiff1d(np.arange(len(pts)), omit)
    tri = vertices[delaunay(pts[vertices, :2])].astype(np.int32)
    used = np.unique(tri)
    if len(used) != len(vertices):
        missing = sorted(set(vertices.tolist()) - set(used.tolist()))
        raise RuntimeError(f"the warp mesh leaves points {missing[:10]} out; the mean shape has duplicates")
    pts.setflags(write=False)
    return WarpMesh(points=pts, triangles=tri, follow=np.concatenate([np.zeros(NUM_LANDMARKS), follow]))


@lru_cache(maxsize=1)
def landmark_triangles() -> np.ndarray:
    """``(T, 3)`` int32: the triangles of :func:`face_mesh` between the 478 landmarks (the face, no rings;
    read-only)."""
    tri = face_mesh().triangles
    tri = tri[(tri < NUM_LANDMARKS).all(1)]
    tri.setflags(write=False)
    return tri


def control_points(landmarks: np.ndarray, pose: FacePose, mesh: WarpMesh | None = None) -> np.ndarray:
    """``(P, 2)`` pixel control points of a face: its landmarks ``(478, 2|3)`` then the rings placed by ``pose``."""
    mesh = mesh or face_mesh()
    ring = pose.from_frame(mesh.points[mesh.ring_slice])[:, :2]
    return np.concatenate([np.asarray(landmarks, np.float64)[:, :2], ring])


def ring_motion(src_points: np.ndarray, landmark_motion: np.ndarray, mesh: WarpMesh | None = None) -> np.ndarray:
    """``(R, 2)`` motion of the ring points: inverse-distance average of the contour motion times ``follow``.

    ``src_points``: ``(P, 2)`` control points; ``landmark_motion``: ``(478, 2)`` pixels.
    """
    mesh = mesh or face_mesh()
    oval = list(FACE_OVAL)
    ring = src_points[mesh.ring_slice]
    d = np.linalg.norm(ring[:, None, :] - src_points[oval][None, :, :], axis=2)  # (R, 36)
    w = 1.0 / np.maximum(d, 1e-6) ** 2
    w /= w.sum(1, keepdims=True)
    return (w @ landmark_motion[oval]) * mesh.follow[mesh.ring_slice, None]


def draw_order(points3d_z: np.ndarray, mesh: WarpMesh | None = None) -> np.ndarray:
    """Triangle order far-to-near by the mean depth of their vertices (``(P,)`` z, larger = farther)."""
    mesh = mesh or face_mesh()
    return np.argsort(-np.asarray(points3d_z)[mesh.triangles].mean(1), kind="stable")
