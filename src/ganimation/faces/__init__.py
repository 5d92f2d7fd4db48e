"""Faces in real photos: detection, alignment, AU estimation, identity, editing.

Nothing heavy is imported here; the submodules import MediaPipe, OpenCV and
dlib only when a function that needs them is called. All of them need the
``faces`` extra (``pip install 'ganimation[faces]'``); a missing part raises
:class:`ganimation.errors.MissingDependencyError` saying what to install.

- :mod:`ganimation.faces.models`: locating and checking model files.
- :mod:`ganimation.faces.detect`: MediaPipe FaceLandmarker (boxes, 478
  landmarks, 52 blendshapes, confidence) -> :class:`Face`.
- :mod:`ganimation.faces.align`: the canonical crop template, similarity
  alignment, crop and feathered paste-back.
- :mod:`ganimation.faces.estimate`: the 17-AU estimator and its calibration.
- :mod:`ganimation.faces.identity`: dlib ResNet 128-D identity embedding.
- :mod:`ganimation.faces.pipeline`: editing photos in the wild.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "Face": "detect",
    "detect_faces": "detect",
    "FaceDetector": "detect",
    "align_face": "align",
    "crop_face": "align",
    "paste_back": "align",
    "template_points": "align",
    "estimate_aus": "estimate",
    "estimate_crop_aus": "pipeline",
    "Calibration": "estimate",
    "calibrate": "estimate",
    "embed": "identity",
    "identity_distance": "identity",
    "edit_photo": "pipeline",
    "edit_photo_file": "pipeline",
    "PhotoEdit": "pipeline",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(f"ganimation.faces.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'ganimation.faces' has no attribute {name!r}")
