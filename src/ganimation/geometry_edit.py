"""Geometry-first expression editing: AUs -> landmark motion -> the triangulated warp.

For one face in a photo (its 478 landmarks), the change from its estimated
AUs to the target AUs becomes a landmark motion through the AU motion model
(:class:`ganimation.motion.au_model.AUMotionModel`, pose-normalised, in IOD; a lid droop
scaled to the eye's own opening, :func:`ganimation.motion.lids.droop_to_scale`),
which is placed in the face's own pose (lips and lids kept from crossing,
the eye region's and the mouth region's triangles from folding:
:func:`ganimation.motion.unfold.unfold_eyes`, :func:`ganimation.motion.unfold.unfold_mouth`)
and applied with the project's one warp (:func:`ganimation.warp.face.warp_face`) at the photo's resolution; an
eye that opens wider is redrawn with its iris unstretched and the white it uncovers, one that closes
with its eyeball where it was under the lowered lid (:func:`ganimation.warp.eyes.redraw_eyes`), a
mouth that opens wider keeps the teeth the photo showed under the upper lip and shows the
inside of a real mouth below them, a dropped jaw's or, as the target's AU20 stretches the lips,
both rows of teeth (:func:`ganimation.warp.mouth.shade_mouth` with the photo),
and the texture stage (:mod:`ganimation.texture.au_texture`) darkens and
lightens the skin where the AU change makes folds and wrinkles (a learned
linear shading model, luminance only); a smile it releases has the photo's own nasolabial folds
lightened toward the skin beside them (:mod:`ganimation.texture.folds`). Nothing but the face region changes,
no colour is added, and no network runs.

:func:`reference_motion` gives the motion for ``edit --like REF``: the
difference between the reference face's and the source face's frame
coordinates, fitted by the AU motion model together with a basis of how
faces differ between people (:mod:`ganimation.motion.identity`), so that
differences of face shape (identity) are not transferred.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganimation.aus import AU_CODES
from ganimation.motion.frame import FacePose, fit_pose
from ganimation.motion.regions import REGIONS
from ganimation.warp.eyes import redraw_eyes
from ganimation.warp.face import FaceWarp, warp_face
from ganimation.warp.mouth import shade_mouth

#: ridge weight of the --like projection (per landmark coordinate, in IOD^2 units)
PROJECTION_RIDGE = 0.02
#: weight of the face-shape prior of the --like fit: the identity basis's coefficient ``k`` costs this over
#: its spread squared (:mod:`ganimation.motion.identity`; chosen by benchmarks/fit_face_identity.py)
IDENTITY_PRIOR = 0.003


@dataclass
class GeometryEdit:
    """``image`` ``(H, W, 3)`` uint8 after the warp (and mouth shading); ``warp`` the :class:`FaceWarp`;
    ``motion`` ``(478, 3)`` the frame-coordinate landmark motion applied."""

    image: np.ndarray
    warp: FaceWarp
    motion: np.ndarray


def apply_motion(image: np.ndarray, landmarks: np.ndarray, motion: np.ndarray, *, pose: FacePose | None = None,
                 mouth: bool = True, aus_change: np.ndarray | None = None, texture: float | None = None,
                 lip_stretch: float = 0.0, interpolation: str | None = None) -> GeometryEdit:
    """Warp the face with ``landmarks`` ``(478, 3)`` pixels in ``image`` by a frame-coordinate ``motion`` ``(478, 3)``.

    ``aus_change`` ``(17,)`` (target - current AUs), when given, adds the texture stage's shading
    (:mod:`ganimation.texture.au_texture`) at strength ``texture`` (None: its default; 0: none), and a
    released smile's own folds are lightened (:mod:`ganimation.texture.folds`; not at texture 0).
    ``lip_stretch`` (0-1, the target's AU20) picks the inside drawn in a mouth that opens
    (:func:`ganimation.warp.mouth.shade_mouth`). ``interpolation``: how the warp reads the photo
    (:func:`ganimation.warp.face.warp_face`; None: the sharp default, ``warp.dense.SMOOTH`` for video).
    """
    from ganimation.motion.lids import keep_closed
    from ganimation.motion.opening import round_opening
    from ganimation.motion.regions import uncross
    from ganimation.motion.unfold import unfold_eyes, unfold_mouth

    lm = np.asarray(landmarks, np.float64)
    pose = pose or fit_pose(lm)
    frame = pose.to_frame(lm)
    motion = keep_closed(frame, motion)     # no eyeball in the photo to open a closed eye onto
    motion = round_opening(frame, motion, stretch=lip_stretch)
    motion = unfold_mouth(frame, unfold_eyes(frame, uncross(frame, motion)))
    target = lm[:, :2] + pose.motion_to_image(motion)
    fw = warp_face(image, lm, target, pose=pose, interpolation=interpolation)
    # the stages draw into the warped photo, a copy of the warp's own (one copy of a 12 MP photo is
    # about 7 ms; made at every stage, they were a third of such an edit)
    out = redraw_eyes(fw.image.copy(), image, fw.source, fw.target, fw.iod, inplace=True)
    out = shade_mouth(out, fw.source, fw.target, fw.iod, photo=image, stretch=lip_stretch,
                      inplace=True) if mouth else out
    if aus_change is not None and texture != 0:
        from ganimation.texture.au_texture import (
            AUTextureModel,
            shade_expression,
            strength,
        )
        from ganimation.texture.canonical import Placement
        from ganimation.texture.folds import release_folds, smile_release

        change = AUTextureModel.load().change(aus_change, strength(texture))
        placed = Placement(fw.target, (out.shape[1], out.shape[0]))          # the canvas on the warped face
        out = shade_expression(out, fw.target, change, fw.iod, placement=placed, inplace=True)
        out = release_folds(out, fw.target, smile_release(aus_change), fw.iod, placement=placed, inplace=True)
    return GeometryEdit(image=out, warp=fw, motion=np.asarray(motion, np.float64))


def lip_stretch(aus: np.ndarray) -> float:
    """The lip stretcher AU20 of ``aus`` ``(17,)``, clipped to 0-1: :func:`apply_motion`'s ``lip_stretch``."""
    return float(np.clip(np.asarray(aus)[AU_CODES.index("AU20")], 0.0, 1.0))


def edit_face_geometry(image: np.ndarray, landmarks: np.ndarray, current: np.ndarray, target: np.ndarray, *,
                       model=None, mouth: bool = True, texture: float | None = None,
                       interpolation: str | None = None) -> GeometryEdit:
    """Move one face from its ``current`` AUs ``(17,)`` to ``target`` ``(17,)`` (0-1) by warping ``image``.

    ``texture``: strength of the texture stage's shading (None: the default
    :data:`ganimation.texture.au_texture.STRENGTH`; 0: the warp and mouth only).
    """
    from ganimation.motion.au_model import AUMotionModel
    from ganimation.motion.lids import closed_stay_closed, droop_to_scale

    model = model or AUMotionModel.load()
    change = np.clip(target, 0, 1) - np.clip(current, 0, 1)
    lm = np.asarray(landmarks, np.float64)
    pose = fit_pose(lm)
    frame = pose.to_frame(lm)
    motion = droop_to_scale(frame, model.motion(current, target), change, model.basis, target)
    motion = closed_stay_closed(frame, motion, change, model.basis)
    return apply_motion(image, lm, motion, pose=pose, mouth=mouth, aus_change=change, texture=texture,
                        lip_stretch=lip_stretch(target), interpolation=interpolation)


def reference_motion(source_landmarks: np.ndarray, reference_landmarks: np.ndarray, *, model=None,
                     ridge: float = PROJECTION_RIDGE, identity=None,
                     identity_prior: float = IDENTITY_PRIOR) -> tuple[np.ndarray, np.ndarray]:
    """The motion that gives the source face the reference face's expression.

    Returns ``(motion (478, 3), coefficients (17,))``: the frame-coordinate
    difference (reference - source) on the expression landmarks (lips, eyes,
    brows, chin) is fitted by the AU motion model's basis (ridge penalty
    ``ridge``) together with the face-shape basis of
    :mod:`ganimation.motion.identity` (coefficient ``k`` penalised by
    ``identity_prior / std_k**2``), which takes the part of the difference
    that is two people's face shapes; only the AU changes are kept, clipped
    to [-1, 1], and their motion returned. ``identity``: an
    :class:`~ganimation.motion.identity.IdentityBasis`, None for the shipped
    one, or False to fit the AUs alone.
    """
    from ganimation.motion.au_model import AUMotionModel
    from ganimation.motion.frame import to_frame
    from ganimation.motion.identity import IdentityBasis

    model = model or AUMotionModel.load()
    src, _ = to_frame(np.asarray(source_landmarks, np.float64))
    ref, _ = to_frame(np.asarray(reference_landmarks, np.float64))
    idx = sorted(set().union(*REGIONS.values()))
    basis = np.asarray(model.basis, np.float64)                  # (17, 478, 3)
    a = basis[:, idx, :2].reshape(len(basis), -1).T               # (K*2, 17)
    penalty = np.full(a.shape[1], float(ridge))
    if identity is not False:
        shape, spread = (identity or IdentityBasis.load()).design(idx)
        a = np.concatenate([a, shape], 1)
        penalty = np.concatenate([penalty, float(identity_prior) / spread ** 2])
    d = (ref - src)[idx, :2].reshape(-1)
    coef = np.linalg.solve(a.T @ a + np.diag(penalty), a.T @ d)[: len(basis)]
    coef = np.clip(coef, -1.0, 1.0)
    return np.tensordot(coef, basis, axes=1), coef
