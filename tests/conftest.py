"""Shared fixtures: tiny configs and tiny datasets written by the tests themselves."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganimation.aus import NUM_AUS
from ganimation.config import Config
from ganimation.data.prepared import PreparedWriter, Record

torch.set_num_threads(2)


def toy_face(aus: np.ndarray, size: int = 32, rng: np.random.Generator | None = None) -> np.ndarray:
    """A toy conditional image: AU12 sets a mouth bar's width, AU01 a brow patch's brightness."""
    rng = rng or np.random.default_rng(0)
    img = np.full((size, size, 3), 90, np.uint8)
    img += rng.integers(0, 20, size=(size, size, 1), dtype=np.uint8)
    yy, xx = np.mgrid[:size, :size]
    face = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 < (size * 0.42) ** 2
    img[face] = (200, 160, 130)
    half = int(2 + aus[8] * size * 0.3)
    m0 = size // 2
    img[int(size * 0.7):int(size * 0.7) + 3, m0 - half:m0 + half] = (120, 30, 40)
    b = int(60 + aus[0] * 190)
    img[int(size * 0.25):int(size * 0.25) + 3, m0 - 6:m0 + 6] = (b, b // 2, 20)
    return img


def write_toy_dataset(root, n: int = 24, size: int = 32, seed: int = 0, test: int = 4):
    rng = np.random.default_rng(seed)
    with PreparedWriter(root, size) as w:
        for i in range(n):
            aus = np.zeros(NUM_AUS, np.float32)
            aus[0], aus[8] = rng.random(), rng.random()
            w.add(toy_face(aus, size, rng), Record(file=f"f{i:03d}.png", aus=aus,
                                                   split="test" if i < test else "train", identity=str(i % 5)))
    return root


@pytest.fixture
def toy_dataset(tmp_path):
    return write_toy_dataset(tmp_path / "toy")


def tiny_config(data: str = "", **train) -> Config:
    base = {
        "model": {"image_size": 32, "g_channels": 8, "g_res_blocks": 1, "d_channels": 8, "d_layers": 3},
        "data": {"path": str(data)},
        "train": {"batch_size": 4, "steps": 4, "n_critic": 2, "log_every": 1, "sample_every": 1000,
                  "save_every": 1000, "progress": False, **train},
    }
    return Config.from_dict(base)


@pytest.fixture
def tiny():
    return tiny_config


@pytest.fixture(scope="module")
def obama():
    """wild_dev's 40_obama.jpg (a broad smile, eyes narrowed by it) and its detected face:
    ``(photo (H, W, 3) uint8, face)``; skipped where ../shared/data/wild_dev is not beside the repository."""
    from pathlib import Path

    pytest.importorskip("mediapipe")
    from ganimation.faces.detect import get_detector
    from ganimation.images import load_rgb

    path = Path(__file__).resolve().parents[2] / "shared/data/wild_dev/40_obama.jpg"
    if not path.exists():
        pytest.skip("../shared/data/wild_dev is not beside the repository")
    photo = load_rgb(path)
    return photo, get_detector().detect(photo)[0]
