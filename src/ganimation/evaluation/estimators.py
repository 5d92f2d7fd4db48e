"""AU estimators and the identity embedder used by the evaluation (each None when unavailable)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ganimation.aus import NUM_AUS
from ganimation.errors import GanimationError, MissingDependencyError

log = logging.getLogger("ganimation.evaluate")



@dataclass
class AUEstimator:
    """``predict(images (N,S,S,3) uint8) -> (N, 17)``, NaN rows where no face was found."""

    name: str
    predict: Callable[[np.ndarray], np.ndarray]


def faces_estimator() -> AUEstimator | None:
    """The project's estimator (MediaPipe blendshapes + geometry), or None without the faces extra."""
    try:
        from ganimation.faces.detect import get_detector
        from ganimation.faces.pipeline import estimate_crop_aus

        get_detector(search="whole")
    except (ImportError, MissingDependencyError) as exc:
        log.info("faces estimator unavailable: %s", exc)
        return None
    from ganimation.errors import FaceNotFoundError

    def predict(images: np.ndarray) -> np.ndarray:
        out = np.full((len(images), NUM_AUS), np.nan, np.float32)
        for i, img in enumerate(images):
            try:
                out[i] = estimate_crop_aus(img)
            except FaceNotFoundError:
                pass
        return out

    return AUEstimator("ganimation.faces estimator (MediaPipe blendshapes + landmark geometry)", predict)


def judge_estimator(device=None) -> AUEstimator | None:
    """The synthetic benchmark's AU judge, or None when its weights are missing."""
    from ganimation.errors import CheckpointError
    from ganimation.metrics.au_judge import AUJudge

    try:
        judge = AUJudge.load(device=device or "cpu")
    except CheckpointError as exc:
        log.info("AU judge unavailable: %s", exc)
        return None
    return AUEstimator("AU judge (CNN trained on synthetic renders only)", judge.predict)


def identity_embedder(device=None) -> Callable[[np.ndarray], np.ndarray] | None:
    """Batched dlib ResNet 128-D embeddings of whole aligned crops, or None without the faces extra.

    Uses the PyTorch port of dlib's network (:mod:`ganimation.faces.identity_torch`,
    same weights) on the crop resized to 150 px, so a batch is one forward pass.
    """
    try:
        import torch

        from ganimation.faces.identity_torch import cached_embedder

        net = cached_embedder(device or "cpu")
    except (ImportError, MissingDependencyError, GanimationError) as exc:
        log.info("identity embedding unavailable: %s", exc)
        return None
    dev = next(net.parameters()).device

    def embed(images: np.ndarray, batch: int = 64) -> np.ndarray:
        out = []
        with torch.inference_mode():
            for i in range(0, len(images), batch):
                x = torch.from_numpy(np.ascontiguousarray(images[i:i + batch])).to(dev)
                x = x.permute(0, 3, 1, 2).float() / 127.5 - 1.0
                out.append(net.embed(x).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, 128), np.float32)

    return embed
