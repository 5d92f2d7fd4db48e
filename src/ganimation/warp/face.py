"""Warping a face in a photo to new landmark positions, at the photo's own resolution.

This is the one warp of the project, used three ways: portrait animation by
a driving video (:mod:`ganimation.reenact`), ``edit --like REF`` (one
reference photo), and geometry-first AU editing (landmarks predicted from
AUs). :func:`warp_face` moves the 478 landmarks from where they are to where
they should be, carries the motion out to the peripheral rings of
:mod:`ganimation.warp.mesh`, builds one dense backward map and remaps the
region once; everything beyond the outer ring is bit-identical to the input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganimation.motion.frame import FacePose, fit_pose, interocular
from ganimation.warp import mesh as meshes
from ganimation.warp.dense import DenseWarp, apply_map, backward_map


@dataclass
class FaceWarp:
    """The warped photo and what the later stages (refinement, mouth) need.

    - ``image``: ``(H, W, 3)`` uint8, the warped photo.
    - ``warp``: the :class:`~ganimation.warp.dense.DenseWarp` (ROI and backward map).
    - ``source``, ``target``: ``(478, 2)`` landmark pixels before and after.
    - ``iod``: the source face's inter-ocular distance in pixels.
    """

    image: np.ndarray
    warp: DenseWarp
    source: np.ndarray
    target: np.ndarray
    iod: float

    def displacement_map(self) -> np.ndarray:
        """``(h, w, 2)`` float32 forward motion over ``warp.roi`` in IOD units (the refinement stage's input)."""
        return self.warp.displacement() / np.float32(self.iod)


def warp_face(image: np.ndarray, source: np.ndarray, target: np.ndarray, *, pose: FacePose | None = None,
              mesh: meshes.WarpMesh | None = None, interpolation: str | None = None) -> FaceWarp:
    """Move a face's landmarks from ``source`` to ``target``.

    - ``image``: ``(H, W, 3)`` uint8 photo.
    - ``source``: ``(478, 3)`` landmarks (pixels; z orders overlapping triangles).
    - ``target``: ``(478, 2|3)`` where they should go (pixels).
    - ``pose``: the source's :class:`FacePose` (fitted when omitted).
    - ``interpolation``: how the photo is read between pixels (:func:`ganimation.warp.dense.sample`;
      None: :data:`ganimation.warp.dense.INTERPOLATION`, ``dense.SMOOTH`` for video frames).
    """
    mesh = mesh or meshes.face_mesh()
    src = np.asarray(source, np.float64)
    dst = np.asarray(target, np.float64)[:, :2]
    if src.shape != (478, 3) or dst.shape != (478, 2):
        raise ValueError(f"source must be (478, 3) and target (478, 2|3); got {src.shape}, {dst.shape}")
    if not (np.all(np.isfinite(src)) and np.all(np.isfinite(dst))):
        raise ValueError("landmarks must be finite")
    pose = pose or fit_pose(src)
    ctrl_src = meshes.control_points(src, pose, mesh)
    move = dst - src[:, :2]
    ring = meshes.ring_motion(ctrl_src, move, mesh)
    ctrl_dst = ctrl_src + np.concatenate([move, ring])
    z = np.concatenate([src[:, 2], np.full(len(ctrl_src) - len(src), src[:, 2].max())])
    h, w = image.shape[:2]
    dense = backward_map(ctrl_src, ctrl_dst, mesh.triangles, (w, h), order=meshes.draw_order(z, mesh))
    return FaceWarp(image=apply_map(image, dense, interpolation), warp=dense, source=src[:, :2], target=dst,
                    iod=max(interocular(src), 1e-6))
