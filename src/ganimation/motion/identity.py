"""How faces differ between people: a small landmark basis of face shape, to keep out of an expression.

``edit --like REF`` (:func:`ganimation.geometry_edit.reference_motion`) fits
the difference between a reference face and the photo's face with the AU
motion model. Between two people that difference is expression *and* face
shape, and the 17 AUs can express much of the shape: lower-set brows read as
a frown (AU04), a longer chin as a dropped jaw (AU26). This basis spans the
face-shape differences between people that the AU motion model does not
explain, so that the fit can give them to it instead of to the AUs:

- ``components`` ``(K, 478, 2)``: orthonormal (over the expression landmarks'
  x and y, :data:`ganimation.motion.regions.REGIONS`; zero elsewhere) directions
  of frame-coordinate shape (IOD units, head pose removed), largest first;
- ``std`` ``(K,)``: how far people's faces spread along each (IOD).

Fitted by ``benchmarks/fit_face_identity.py`` on 2,382 UTKFace photos (one
per person; the AU motion model's fitting faces): each face's expression
landmarks less the mean face, less the motion of its estimated AUs
(deviations from the mean AUs times the AU basis), and the principal
components of what remains. Shipped as ``assets/face_identity.npz``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ganimation.errors import CheckpointError

ASSET = Path(__file__).resolve().parents[1] / "assets" / "face_identity.npz"
NUM_LANDMARKS = 478


@dataclass(frozen=True)
class IdentityBasis:
    """``components`` ``(K, 478, 2)`` float64 and ``std`` ``(K,)`` float64 (module docstring)."""

    components: np.ndarray
    std: np.ndarray

    def __post_init__(self):
        c, s = np.asarray(self.components), np.asarray(self.std)
        if c.ndim != 3 or c.shape[1:] != (NUM_LANDMARKS, 2) or s.shape != (c.shape[0],):
            raise CheckpointError(f"identity basis of shape {c.shape} with spreads {s.shape}; expected "
                                  f"(K, {NUM_LANDMARKS}, 2) and (K,)")
        if not (np.all(np.isfinite(c)) and np.all(np.isfinite(s)) and np.all(s > 0)):
            raise CheckpointError("identity basis holds non-finite values or spreads that are not positive")

    @property
    def rank(self) -> int:
        return int(self.components.shape[0])

    def design(self, landmarks: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """``(columns (len(landmarks) * 2, K), std (K,))``: the components over the x, y of ``landmarks``, as
        columns beside the AU basis's in a least-squares fit."""
        return self.components[:, landmarks, :].reshape(self.rank, -1).T, self.std

    def save(self, path: str | os.PathLike, **info: str) -> None:
        np.savez_compressed(path, components=self.components.astype(np.float32), std=self.std.astype(np.float32),
                            **{k: np.array(v) for k, v in info.items()})

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> IdentityBasis:
        """The basis in ``path`` (default: the shipped asset, cached); :class:`CheckpointError` when the file is
        missing or not such a basis."""
        return _load(str(Path(path).resolve()) if path is not None else str(ASSET))


@lru_cache(maxsize=4)
def _load(path: str) -> IdentityBasis:
    try:
        with np.load(path) as z:
            return IdentityBasis(components=z["components"].astype(np.float64), std=z["std"].astype(np.float64))
    except (OSError, KeyError, ValueError) as exc:
        raise CheckpointError(f"{path}: not a readable face identity basis ({exc}); reinstall ganimation") from None
