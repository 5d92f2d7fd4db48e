"""The canonical crop template, similarity alignment, crop and paste-back.

Template (coordinates as fractions of the crop side ``S``; the subject's
eyes are level, the face centred, brows to chin inside the crop)::

    eye centres      (0.340, 0.370)  (0.660, 0.370)
    nose tip         (0.500, 0.566)
    mouth corners    (0.360, 0.681)  (0.640, 0.681)

Inter-ocular distance is 0.32 S (41 px at 128). The proportions are the
median MediaPipe 5 points of 298 UTKFace faces (every 30th file) after
levelling the eyes; the scale puts the face oval (forehead top to chin) at
about y 0.13..0.92 and x 0.13..0.87 of the crop: a fairly tight crop, like
GANimation's, because the UTKFace chips used for training hold only ~2.6
inter-ocular distances of context (the rest of a crop is filled by edge
replication). A 4-parameter similarity (rotation, uniform
scale, translation) is fitted by weighted least squares (Umeyama) from the
five points; the nose tip has half weight because it moves most with head yaw.

Paste-back warps the *change* of the crop (edited minus input) back with the
inverse transform and adds it under a mask, so the photo keeps its own
resolution where the edit changes nothing; pixels outside the mask are
bit-identical to the input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganimation.faces import models

TEMPLATE = np.array([
    [0.340, 0.370],
    [0.660, 0.370],
    [0.500, 0.566],
    [0.360, 0.681],
    [0.640, 0.681],
], np.float64)
TEMPLATE_WEIGHTS = np.array([1.0, 1.0, 0.5, 1.0, 1.0])


def _cv2():
    return models.require("cv2", "face alignment")


def template_points(size: int) -> np.ndarray:
    """``(5, 2)`` template points in pixels of a ``size`` x ``size`` crop."""
    return (TEMPLATE * size).astype(np.float32)


def similarity_transform(src: np.ndarray, dst: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """``(2, 3)`` similarity ``M`` minimising ``sum w |M [src; 1] - dst|^2`` (Umeyama)."""
    from ganimation.motion.frame import umeyama

    scale, r, t = umeyama(np.asarray(src, np.float64)[:, :2], np.asarray(dst, np.float64)[:, :2], weights)
    return np.hstack([scale * r, t[:, None]]).astype(np.float64)


def invert(m: np.ndarray) -> np.ndarray:
    """Inverse of a ``(2, 3)`` affine transform."""
    a = np.vstack([np.asarray(m, np.float64), [0, 0, 1]])
    return np.linalg.inv(a)[:2]


def apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Apply ``(2, 3)`` ``m`` to ``(N, 2)`` points."""
    pts = np.asarray(pts, np.float64)[:, :2]
    return pts @ np.asarray(m, np.float64)[:, :2].T + np.asarray(m, np.float64)[:, 2]


def align_transform(points5: np.ndarray, size: int) -> np.ndarray:
    """``(2, 3)`` transform from source pixels to a ``size`` crop (from :meth:`Face.points5`)."""
    return similarity_transform(points5, template_points(size), TEMPLATE_WEIGHTS)


def warp(image: np.ndarray, m: np.ndarray, size: int | tuple[int, int], *, border: str = "replicate") -> np.ndarray:
    """Resample ``image`` by ``m`` (source -> output pixels) into ``size``.

    Downscaling first reduces the image by area averaging so small crops of
    large faces do not alias. ``size`` is ``S`` or ``(W, H)``.
    """
    cv2 = _cv2()
    w_out, h_out = (size, size) if np.isscalar(size) else size
    m = np.asarray(m, np.float64)
    scale = float(np.sqrt(abs(np.linalg.det(m[:, :2]))))
    img = image
    if scale < 0.5:
        f = 1.0 / int(np.floor(1.0 / scale))  # integer reduction, then the remaining factor by warp
        img = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        # pixel-centre convention: x_small = (x + 0.5) * f - 0.5
        pre = np.array([[f, 0, 0.5 * f - 0.5], [0, f, 0.5 * f - 0.5]])
        m = m @ np.vstack([invert(pre), [0, 0, 1]])
    mode = {"reflect": cv2.BORDER_REFLECT_101, "replicate": cv2.BORDER_REPLICATE, "constant": cv2.BORDER_CONSTANT}[border]
    return cv2.warpAffine(img, m, (int(w_out), int(h_out)), flags=cv2.INTER_LINEAR, borderMode=mode)


@dataclass
class Aligned:
    """An aligned crop: ``crop`` ``(S, S, 3)`` uint8 and ``transform`` ``(2, 3)`` source -> crop."""

    crop: np.ndarray
    transform: np.ndarray
    landmarks: np.ndarray | None = None  # (478, 2) in crop pixels


def align_face(image: np.ndarray, face, size: int = 128) -> Aligned:
    """Crop ``face`` (a :class:`~ganimation.faces.detect.Face`) from ``image`` at ``size``."""
    m = align_transform(face.points5(), size)
    crop = warp(image, m, size)
    return Aligned(crop=crop, transform=m, landmarks=apply(m, face.landmarks[:, :2]).astype(np.float32))


def crop_face(image: np.ndarray, face, size: int = 128) -> np.ndarray:
    """Just the aligned ``(size, size, 3)`` crop."""
    return align_face(image, face, size).crop


def face_mask(size: int, landmarks: np.ndarray | None = None, *, feather: float = 0.06) -> np.ndarray:
    """``(S, S)`` float32 face-region mask in [0, 1], feathered at its edge.

    The region is the convex hull of the face oval (MediaPipe landmarks in
    crop pixels) grown upward to include the forehead, or, without landmarks,
    an ellipse around the template face. ``feather`` is the blur width as a
    fraction of ``S``; the mask is 0 on the crop border so paste-back has no
    seam at the crop edge.
    """
    cv2 = _cv2()
    mask = np.zeros((size, size), np.uint8)
    if landmarks is not None:
        from ganimation.faces.detect import FACE_OVAL

        pts = np.asarray(landmarks, np.float64)[list(FACE_OVAL), :2]
        c = pts.mean(0)
        pts = c + (pts - c) * 1.05
        pts[:, 1] -= np.clip(c[1] - pts[:, 1], 0, None) * 0.15  # a little more forehead
        hull = cv2.convexHull(np.round(pts * 16).astype(np.int32))
        cv2.fillConvexPoly(mask, hull, 255, lineType=cv2.LINE_AA, shift=4)
    else:
        cv2.ellipse(mask, (size // 2, int(0.56 * size)), (int(0.36 * size), int(0.46 * size)), 0, 0, 360, 255, -1)
    k = max(3, int(round(feather * size)) | 1)
    m = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), sigmaX=k / 2.0)
    # fade to exactly 0 at the crop border so the paste-back has no seam at the crop edge
    margin = max(2.0, feather * size)
    idx = np.arange(size, dtype=np.float32)
    edge = np.minimum(idx, size - 1 - idx)
    ramp = np.clip((edge - 1.0) / margin, 0.0, 1.0)
    m = m * ramp[:, None] * ramp[None, :]
    return np.clip(m, 0, 1).astype(np.float32)


def paste_back(image: np.ndarray, edited: np.ndarray, original_crop: np.ndarray, transform: np.ndarray,
               mask: np.ndarray, *, mode: str = "residual") -> np.ndarray:
    """Put an edited crop back into ``image`` (returns a new array).

    - ``image``: ``(H, W, 3)`` uint8, the photo.
    - ``edited``, ``original_crop``: ``(S, S, 3)`` uint8, the crop after and before the edit.
    - ``transform``: ``(2, 3)`` source -> crop (from :func:`align_face`).
    - ``mask``: ``(S, S)`` float in [0, 1], how much of the edit to use.
    - ``mode``: ``"residual"`` adds the warped change (edited - original) to
      the photo, keeping its full-resolution detail; ``"replace"`` blends the
      warped edited crop itself.

    Pixels where the warped mask is 0 are bit-identical to ``image``.
    """
    cv2 = _cv2()
    h, w = image.shape[:2]
    s = edited.shape[0]
    inv = invert(transform)
    corners = apply(inv, np.array([[0, 0], [s, 0], [0, s], [s, s]], np.float64))
    x0, y0 = np.floor(corners.min(0)).astype(int) - 2
    x1, y1 = np.ceil(corners.max(0)).astype(int) + 2
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    out = image.copy()
    if x1 <= x0 or y1 <= y0:
        return out
    # crop -> region pixels
    shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64)
    m_inv = (shift @ np.vstack([inv, [0, 0, 1]]))[:2]
    size = (x1 - x0, y1 - y0)
    alpha = cv2.warpAffine(np.asarray(mask, np.float32), m_inv, size, flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    region = image[y0:y1, x0:x1].astype(np.float32)
    if mode == "residual":
        delta = edited.astype(np.float32) - original_crop.astype(np.float32)
        wdelta = cv2.warpAffine(delta, m_inv, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        blended = region + alpha[..., None] * wdelta
    elif mode == "replace":
        wedit = cv2.warpAffine(edited.astype(np.float32), m_inv, size, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
        blended = region * (1 - alpha[..., None]) + wedit * alpha[..., None]
    else:
        raise ValueError(f"paste mode {mode!r}; use 'residual' or 'replace'")
    blended = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    keep = (alpha <= 0)[..., None]
    out[y0:y1, x0:x1] = np.where(keep, image[y0:y1, x0:x1], blended)
    return out
