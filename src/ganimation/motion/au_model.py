"""The AU -> landmark motion model: how the 478 face-mesh landmarks move per Action Unit.

A linear basis ``(17, 478, 3)``: row ``k`` is the frame-coordinate motion
(:mod:`ganimation.motion.frame`, IOD units, head pose removed) of every
landmark when AU ``k`` (order :data:`ganimation.aus.AU_CODES`) goes from 0 to
1, the others held. Fitted by ``benchmarks/fit_au_motion.py`` on within-person
expression changes of real video clips, shrunk toward a FACS prior template
per AU and restricted to the AU's own face region (docs/au_motion.md).

    model = AUMotionModel.load()                   # the shipped asset, cached
    d = model.motion(current_aus, target_aus)      # (478, 3) frame-coordinate motion
    pixels = pose.motion_to_image(d)               # (478, 2) pixel motion of that face

AU values are clipped to [0, 1] before use (the per-AU saturation): an AU
asked beyond its range moves no further than at 1. Lowering a smile
(AU06, AU12) moves :data:`RELEASE_GAIN` times its basis vertically (and part of
that more in width, :data:`RELEASE_WIDTH_SHARE`): a linear basis fitted
on talking faces under-states how far a broad smile's corners and cheeks must
come back, and edits of smiling photos toward other expressions kept reading
as smiles (benchmarks/results/engines/summary.md has the numbers). While
AU20 (lip stretcher) rises, it holds the corners out: the horizontal motion of
the release, and of a rising AU15 (lip corner depressor, whose fitted basis
also narrows the mouth), is scaled by one minus that rise, so fear's stretched
lips on a smiling face stay as wide as the smile instead of narrowing, and
its corners go down and out.

A mouth that ends closed (target AU25 and AU26 at 0) narrows by at most
:data:`MAX_CLOSED_NARROWING` IOD, faded out as they reach :data:`OPEN_FROM`: undoing a broad smile and adding
AU15 (whose fitted basis narrows the mouth too) otherwise pinched the lips of
smiling photos edited toward sad into a pout. An opening mouth keeps its full
narrowing (surprise's round opening needs it).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ganimation.aus import AU_CODES, NUM_AUS
from ganimation.errors import CheckpointError

NUM_LANDMARKS = 478
ASSET_NAME = "au_motion.npz"
#: factor on the motion of a *decrease* of these AUs (undoing a smile)
RELEASE_GAIN = {"AU06": 2.0, "AU12": 2.0}
#: share of the release's extra motion applied to the horizontal (mouth width) component
RELEASE_WIDTH_SHARE = 0.5
#: ``(17,)`` :data:`RELEASE_GAIN` per AU in :data:`AU_CODES` order (1 for the others; read-only)
RELEASE_GAINS = np.array([RELEASE_GAIN.get(c, 1.0) for c in AU_CODES])
RELEASE_GAINS.setflags(write=False)
#: how far a rising lip stretcher (AU20) holds the lip corners out while a smile is released or the
#: lip corner depressor (AU15) rises: the horizontal motion of the release and of AU15 is scaled by
#: ``1 - STRETCHER_HOLD * rise of AU20`` (0 turns it off)
STRETCHER_HOLD = 1.0
_STRETCHER = AU_CODES.index("AU20")
#: AUs whose *rising* horizontal motion a rising AU20 holds (AU15: its fitted basis narrows the mouth)
HELD_BY_STRETCHER: tuple[str, ...] = ("AU15",)
#: most a closed mouth narrows (IOD, lip corners 61 and 291), and the AU25/AU26 target below which it is closed
MAX_CLOSED_NARROWING = 0.12
OPEN_FROM = 0.2
_OPENERS = [AU_CODES.index("AU25"), AU_CODES.index("AU26")]
_CORNERS = (61, 291)        # image-left and image-right lip corners (frame x grows to the right)


class AUMotionModel:
    """``basis`` ``(17, 478, 3)`` float32: frame-coordinate motion per unit AU (0-1 scale)."""

    def __init__(self, basis: np.ndarray, info: dict | None = None):
        basis = np.asarray(basis, np.float32)
        if basis.shape != (NUM_AUS, NUM_LANDMARKS, 3) or not np.all(np.isfinite(basis)):
            raise CheckpointError(
                f"AU motion basis must be finite ({NUM_AUS}, {NUM_LANDMARKS}, 3); got {basis.shape}")
        basis = basis.copy()
        basis.setflags(write=False)
        self.basis = basis
        self.info = dict(info or {})

    # -- loading --------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> AUMotionModel:
        """The model in ``path`` (default: the shipped ``assets/au_motion.npz``); cached per path.

        Raises :class:`CheckpointError` when the file is missing, unreadable or
        not an AU motion model for the 17 AUs.
        """
        if path is None:
            return _load_default()
        return _load_path(str(Path(path).resolve()))

    # -- prediction -----------------------------------------------------------
    def motion(self, current: np.ndarray, target: np.ndarray) -> np.ndarray:
        """``(478, 3)`` float64 motion taking AUs ``current`` to ``target`` (each ``(17,)``, 0-1).

        ``(clip(target) - clip(current)) @ basis`` with both clipped to [0, 1]; a decrease of an AU in
        :data:`RELEASE_GAIN` moves by its gain vertically and by ``1 + RELEASE_WIDTH_SHARE * (gain - 1)``
        horizontally (depth as fitted); while AU20 rises by ``r`` that horizontal motion of the release,
        and that of a rising AU15, is scaled by ``1 - STRETCHER_HOLD * r`` (the stretched corners stay
        out: fear's lips on a smiling face, and its corners pulled down and out, not in).
        """
        cur = _aus(current, "current")
        tgt = _aus(target, "target")
        if cur.ndim != 1 or tgt.ndim != 1:
            raise ValueError(f"current and target must be ({NUM_AUS},); got {cur.shape} and {tgt.shape}")
        delta = np.clip(tgt, 0.0, 1.0) - np.clip(cur, 0.0, 1.0)
        basis = self.basis.astype(np.float64)
        out = np.tensordot(delta, basis, axes=(0, 0))
        hold = STRETCHER_HOLD * float(np.clip(delta[_STRETCHER], 0.0, 1.0))
        extra = np.where(delta < 0, delta * (RELEASE_GAINS - 1.0), 0.0)
        if extra.any():   # fully on the vertical motion, in part on the width (more pinches a closed mouth)
            more = np.tensordot(extra, basis[:, :, :2], axes=(0, 0))
            out[:, 0] += RELEASE_WIDTH_SHARE * more[:, 0]
            out[:, 1] += more[:, 1]
            if hold > 0.0:
                released = np.where(extra < 0, delta * (1.0 + RELEASE_WIDTH_SHARE * (RELEASE_GAINS - 1.0)), 0.0)
                out[:, 0] -= hold * np.tensordot(released, basis[:, :, 0], axes=(0, 0))
        for code in HELD_BY_STRETCHER if hold > 0.0 else ():   # the corners go down and stay out, not in
            k = AU_CODES.index(code)
            if delta[k] > 0.0:
                out[:, 0] -= hold * delta[k] * basis[k, :, 0]
        closed = 1.0 - float(np.clip(tgt[_OPENERS], 0.0, 1.0).max()) / OPEN_FROM
        if closed > 0.0:   # faded in as the target closes, so a video's frames do not jump at the threshold
            out = _limit_narrowing(out, closed)
        return out

    def predict(self, aus: np.ndarray) -> np.ndarray:
        """``(N, 17)`` AUs (0-1) -> ``(N, 478, 3)`` float64 motion relative to all AUs at 0."""
        a = _aus(aus, "aus")
        if a.ndim != 2:
            raise ValueError(f"aus must be (N, {NUM_AUS}); got {a.shape}")
        return np.tensordot(np.clip(a, 0.0, 1.0), self.basis.astype(np.float64), axes=(1, 0))

    def __repr__(self) -> str:
        peak = np.linalg.norm(self.basis, axis=2).max(1)
        top = ", ".join(f"{c} {p:.2f}" for c, p in zip(AU_CODES, peak))
        return f"AUMotionModel(peak motion per AU in IOD: {top})"


def _limit_narrowing(motion: np.ndarray, closed: float = 1.0) -> np.ndarray:
    """``motion`` ``(478, 3)`` with the mouth region's horizontal motion scaled down so that the lip corners
    come closer by at most :data:`MAX_CLOSED_NARROWING` IOD (weights of the ``mouth`` region, so the
    brows' own horizontal motion is kept); ``closed`` in (0, 1] blends from no limit to the full one."""
    from ganimation.motion.regions import region_weights

    left, right = _CORNERS
    narrowing = float(motion[left, 0] - motion[right, 0])
    if narrowing <= MAX_CLOSED_NARROWING:
        return motion
    scale = 1.0 - min(float(closed), 1.0) * (1.0 - MAX_CLOSED_NARROWING / narrowing)
    out = motion.copy()
    out[:, 0] *= 1.0 - region_weights("mouth") * (1.0 - scale)
    return out


def _aus(values, name: str) -> np.ndarray:
    a = np.asarray(values, np.float64)
    if a.shape[-1:] != (NUM_AUS,):
        raise ValueError(f"{name} must have {NUM_AUS} AUs in the last axis; got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return a


def _read(fh, where: str) -> AUMotionModel:
    try:
        with np.load(fh, allow_pickle=False) as data:
            if "basis" not in data.files:
                raise CheckpointError(f"{where} has no 'basis' array; not an AU motion model (rebuild it "
                                      "with benchmarks/fit_au_motion.py)")
            basis = data["basis"]
            codes = [str(c) for c in data["au_codes"]] if "au_codes" in data.files else list(AU_CODES)
            info = {k: data[k] for k in data.files if k not in ("basis", "au_codes")}
    except CheckpointError:
        raise
    except (OSError, ValueError, EOFError, KeyError) as exc:
        raise CheckpointError(f"cannot read the AU motion model {where}: {exc}") from None
    if codes != list(AU_CODES):
        raise CheckpointError(f"{where} is for AUs {codes}; expected {list(AU_CODES)}")
    return AUMotionModel(basis, info)


@lru_cache(maxsize=1)
def _load_default() -> AUMotionModel:
    from importlib import resources

    res = resources.files("ganimation.assets").joinpath(ASSET_NAME)
    try:
        with res.open("rb") as fh:
            return _read(fh, f"assets/{ASSET_NAME}")
    except FileNotFoundError:
        raise CheckpointError(f"the shipped assets/{ASSET_NAME} is missing; reinstall ganimation or "
                              "rebuild it with benchmarks/fit_au_motion.py") from None


@lru_cache(maxsize=8)
def _load_path(path: str) -> AUMotionModel:
    if not os.path.isfile(path):
        raise CheckpointError(f"AU motion model {path} does not exist; pass the .npz written by "
                              "benchmarks/fit_au_motion.py, or nothing for the shipped one")
    with open(path, "rb") as fh:
        return _read(fh, path)
