"""Training data: decoded face crops as uint8 tensors, ordered as a function of the step.

- :class:`FaceDataset` decodes and resizes one crop per index
  (``(3, S, S)`` uint8, ``(17,)`` float32).
- :func:`load_into_memory` decodes the whole set once into ``(N, 3, S, S)``
  uint8 (with a bounded size), which is what small and medium sets use; a
  GPU run moves it to the device and flips there.
- :func:`batch_indices` gives the indices of a step's batch: a fresh
  permutation per epoch drawn from ``(seed, epoch)``, so resuming at any step
  reproduces the same order.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from ganimation.data.sources import Sample
from ganimation.errors import DatasetError, ImageError


def decode_crop(path, size: int) -> np.ndarray:
    """``(size, size, 3)`` uint8 RGB of the crop at ``path`` (resized if needed)."""
    from PIL import Image

    from ganimation.images import open_image

    try:
        img, _ = open_image(path, min_side=1)
    except ImageError as exc:
        raise DatasetError(f"{exc}; remove this image from the dataset") from None
    if img.size != (size, size):
        if abs(img.size[0] - img.size[1]) > 1:
            raise DatasetError(f"{path}: crop is {img.size[0]}x{img.size[1]}, not square; re-crop it (ganimation prepare)")
        img = img.resize((size, size), Image.BICUBIC if img.size[0] < size else Image.LANCZOS)
    return np.array(img, dtype=np.uint8)


class FaceDataset(Dataset):
    """Face crops and AUs. ``__getitem__`` -> ``(image (3, S, S) uint8, aus (17,) float32)``."""

    def __init__(self, samples: Sequence[Sample], image_size: int):
        if not samples:
            raise DatasetError("the dataset is empty")
        self.samples = list(samples)
        self.image_size = int(image_size)
        self.aus = torch.from_numpy(np.stack([s.aus for s in self.samples]).astype(np.float32))

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int):
        img = decode_crop(self.samples[i].path, self.image_size)
        return torch.from_numpy(img).permute(2, 0, 1).contiguous(), self.aus[i]

    def check_headers(self) -> None:
        """Open every image header (cheap) so unreadable files fail at start."""
        from PIL import Image, UnidentifiedImageError

        for s in self.samples:
            try:
                with Image.open(s.path) as img:
                    img.size  # noqa: B018
            except (OSError, UnidentifiedImageError):
                raise DatasetError(f"{s.path}: not a readable image; remove it from the dataset") from None

    def nbytes(self) -> int:
        return len(self) * 3 * self.image_size ** 2


def load_into_memory(dataset: FaceDataset, progress: bool = False) -> torch.Tensor:
    """All crops as one ``(N, 3, S, S)`` uint8 tensor (each image checked on the way)."""
    out = torch.empty((len(dataset), 3, dataset.image_size, dataset.image_size), dtype=torch.uint8)
    it = range(len(dataset))
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="decoding", unit="img", leave=False)
    for i in it:
        out[i] = dataset[i][0]
    return out


def steps_per_epoch(n: int, batch_size: int, world_size: int = 1) -> int:
    spe = n // (batch_size * world_size)
    if spe < 1:
        raise DatasetError(
            f"{n} samples are fewer than one batch of {batch_size} x {world_size} process(es); "
            "lower train.batch_size or add data"
        )
    return spe


def batch_indices(step: int, n: int, batch_size: int, seed: int, rank: int = 0, world_size: int = 1) -> torch.Tensor:
    """Indices ``(batch_size,)`` of this rank's batch at ``step`` (drop-last epochs)."""
    spe = steps_per_epoch(n, batch_size, world_size)
    epoch, k = divmod(step, spe)
    g = torch.Generator().manual_seed(int(seed) * 1_000_003 + epoch)
    perm = torch.randperm(n, generator=g)
    start = (k * world_size + rank) * batch_size
    return perm[start:start + batch_size]


class StepBatchSampler(Sampler):
    """Yields :func:`batch_indices` for steps ``start .. stop-1`` (for a DataLoader)."""

    def __init__(self, n: int, batch_size: int, seed: int, start: int, stop: int, rank: int = 0, world_size: int = 1):
        self.args = (n, batch_size, seed)
        self.start, self.stop, self.rank, self.world_size = start, stop, rank, world_size

    def __iter__(self):
        n, bs, seed = self.args
        for step in range(self.start, self.stop):
            yield batch_indices(step, n, bs, seed, self.rank, self.world_size).tolist()

    def __len__(self) -> int:
        return max(0, self.stop - self.start)
