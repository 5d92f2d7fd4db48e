"""Evaluate an editor on a dataset, on synthetic pairs or on photos in the wild.

:func:`evaluate` loads the faces (:func:`load_eval_data`), builds target AUs
(:func:`make_targets`), edits in batches and composes the metric modules of
:mod:`ganimation.metrics`, one small function per metric family:

- :func:`au_control_metrics`: AU error of the edits (and of the unedited
  input as the baseline) measured by an AU estimator;
- :func:`reconstruction_metrics`: edit to the face's own AUs, and the cycle
  (to the target and back);
- :func:`identity_metrics`: dlib 128-D embedding distance input vs edit;
- :func:`locality_metrics` and attention statistics;
- :func:`realism_metrics`: Fréchet distance / KID in a feature space;
- :func:`emotion_metrics`: preset edits judged by an emotion classifier;
- :func:`pair_metrics`: synthetic pairs against the true target render.

It returns a JSON-ready dict (see docs/evaluation.md) and, with ``out_dir``,
writes ``metrics.json``, ``per_image.npz``, ``samples.npz`` and the Markdown
report (:mod:`ganimation.report`). Library code logs; it never prints.

The editor contract is the one of :class:`ganimation.edit.Editor`:
``editor.image_size`` and ``editor.edit_crops(crops (N,S,S,3) uint8,
targets (N,17)) -> result`` with ``images`` and ``attention``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ganimation.aus import AU_CODES, AU_REGIONS, NUM_AUS, PRESETS, preset_vector
from ganimation.errors import AUParseError, DatasetError, GanimationError, MissingDependencyError

log = logging.getLogger(__name__)

TARGET_MODES = ("shuffled", "presets")
KINDS = ("auto", "dataset", "pairs", "photos")
#: An AU counts as changed by a target when it moves by more than this.
CHANGED_TOL = 0.05
#: dlib's same-person rule.
SAME_PERSON = 0.6

#: Face regions of an aligned crop (fractions ``x0, y0, x1, y1`` of the side),
#: from the crop template of :mod:`ganimation.faces.align` (eyes at 37 %,
#: mouth corners at 68 % of the height). Used for real crops, where the
#: renderer's exact masks do not exist.
TEMPLATE_REGIONS: dict[str, tuple[float, float, float, float]] = {
    "brows": (0.16, 0.14, 0.84, 0.36),
    "eyes": (0.18, 0.28, 0.82, 0.46),
    "cheeks and nose": (0.18, 0.38, 0.82, 0.66),
    "mouth": (0.26, 0.56, 0.74, 0.82),
    "jaw": (0.16, 0.56, 0.84, 0.98),
}
_AU_GROUP = {code: group for group, codes in AU_REGIONS.items() for code in codes}


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------


@dataclass
class EvalData:
    """Faces to evaluate, all at the editor's size ``S``.

    ``crops`` ``(N, S, S, 3)`` uint8; ``own_aus`` ``(N, 17)`` on 0-1 (from the
    annotations, the pairs table or the estimator); ``names`` N ids.
    ``face_masks`` ``(N, S, S)`` bool (True on the face) or None (an ellipse
    is used); ``regions`` per face a dict AU -> ``(S, S)`` bool or None
    (template boxes are used); ``true_targets`` ``(N, S, S, 3)`` and
    ``pair_targets`` ``(N, 17)`` for synthetic pairs.
    """

    kind: str
    root: str
    crops: np.ndarray
    own_aus: np.ndarray
    names: list[str]
    own_source: str = "annotations"
    synthetic: bool = False
    face_masks: np.ndarray | None = None
    face_mask_source: str = "ellipse"
    regions: list[dict[str, np.ndarray] | None] | None = None
    true_targets: np.ndarray | None = None
    pair_targets: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.crops)


def _resize(img: np.ndarray, size: int) -> np.ndarray:
    if img.shape[:2] == (size, size):
        return img
    from ganimation.edit import resize

    return resize(img, size)


def _resize_mask(mask: np.ndarray, size: int) -> np.ndarray:
    if mask.shape == (size, size):
        return mask
    from PIL import Image

    return np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize((size, size), Image.NEAREST)) > 127


def detect_kind(root: Path) -> str:
    """``pairs``, ``dataset`` or ``photos`` for the folder ``root``."""
    from ganimation.data.sources import IMAGE_SUFFIXES, detect_layout
    from ganimation.data.synthetic import PAIRS_TABLE

    if not root.is_dir():
        raise DatasetError(f"{root}: no such folder; pass a dataset, a synthetic pairs folder or a folder of photos")
    if (root / PAIRS_TABLE).is_file():
        return "pairs"
    try:
        detect_layout(root)
        return "dataset"
    except DatasetError:
        pass
    if any(p.suffix.lower() in IMAGE_SUFFIXES for p in root.iterdir()):
        return "photos"
    raise DatasetError(
        f"{root}: neither a dataset (annotations.csv, aus_openface.pkl or OpenFace CSVs), "
        "synthetic pairs (pairs.csv) nor a folder of photos"
    )


_SYNTH_ID = re.compile(r"^synth(\d+)_(\d+)$")
_PAIR_ID = re.compile(r"^pair(\d+)_(\d+)$")


def _synthetic_identity(identity: str):
    """The renderer's :class:`~ganimation.data.synthetic.Identity` for a synthetic id, or None."""
    from ganimation.data import synthetic

    m = _SYNTH_ID.match(identity or "")
    if m:
        return synthetic.identity_for(int(m.group(1)), int(m.group(2)))
    m = _PAIR_ID.match(identity or "")
    if m:  # as synthetic._render_pair draws it
        return synthetic.sample_identity(np.random.default_rng([int(m.group(1)), int(m.group(2)), 3]))
    return None


def _synthetic_regions(identities: Sequence[str], size: int) -> list[dict[str, np.ndarray] | None]:
    from ganimation.data.synthetic import region_masks

    cache: dict[str, dict | None] = {}
    out = []
    for ident in identities:
        if ident not in cache:
            obj = _synthetic_identity(ident)
            cache[ident] = None if obj is None else region_masks(obj, size)
        out.append(cache[ident])
    return out


def _masks_from_regions(regions) -> np.ndarray | None:
    """Face masks = union of the pixels any AU may change (synthetic renders)."""
    if regions is None or any(r is None for r in regions):
        return None
    return np.stack([np.logical_or.reduce([r[c] for c in AU_CODES]) for r in regions])


def _load_dataset(root: Path, split: str, limit: int | None, size: int) -> EvalData:
    from ganimation.data.dataset import decode_crop
    from ganimation.data.prepared import CROPS, read_meta, read_table
    from ganimation.data.sources import detect_layout, load_samples

    samples = load_samples(root, split)
    if limit:
        samples = samples[:limit]
    crops = np.stack([decode_crop(s.path, size) for s in samples])
    aus = np.stack([s.aus for s in samples]).astype(np.float32)
    names = [s.path.name for s in samples]
    data = EvalData("dataset", str(root), crops, aus, names)
    if detect_layout(root) == "prepared":
        meta = read_meta(root)
        ids = {str((root / CROPS / r.file).resolve()): r.identity for r in read_table(root)}
        identities = [ids.get(str(s.path.resolve()), "") for s in samples]
        if meta.get("generator") == "ganimation.synthetic" or all(_SYNTH_ID.match(i) for i in identities):
            data.synthetic = True
            data.regions = _synthetic_regions(identities, size)
            data.face_masks = _masks_from_regions(data.regions)
            if data.face_masks is not None:
                data.face_mask_source = "renderer (pixels any AU may change)"
    return data


def _load_pairs(root: Path, limit: int | None, size: int) -> EvalData:
    from ganimation.data.synthetic import read_pairs

    pairs = read_pairs(root)
    if not pairs:
        raise DatasetError(f"{root}: pairs.csv lists no pairs; make some with `ganimation synth -o DIR --pairs K`")
    if limit:
        pairs = pairs[:limit]
    src, tgt = [], []
    for p in pairs:
        if not p.source_file.is_file() or not p.target_file.is_file():
            raise DatasetError(f"{p.source_file} or {p.target_file} is missing; regenerate the pairs")
        a, b = p.load()
        src.append(_resize(a, size))
        tgt.append(_resize(b, size))
    data = EvalData("pairs", str(root), np.stack(src), np.stack([p.source_aus for p in pairs]).astype(np.float32),
                    [p.pair_id for p in pairs], own_source="pairs table", synthetic=True,
                    true_targets=np.stack(tgt), pair_targets=np.stack([p.target_aus for p in pairs]).astype(np.float32))
    data.regions = _synthetic_regions([p.identity for p in pairs], size)
    data.face_masks = _masks_from_regions(data.regions)
    if data.face_masks is not None:
        data.face_mask_source = "renderer (pixels any AU may change)"
    return data


def _load_photos(root: Path, limit: int | None, size: int) -> EvalData:
    from ganimation.data.sources import IMAGE_SUFFIXES
    from ganimation.errors import ImageError

    try:
        from ganimation.faces.align import align_face, face_mask
        from ganimation.faces.detect import get_detector
        from ganimation.faces.estimate import estimate_aus

        detector = get_detector()
    except (ImportError, MissingDependencyError) as exc:
        raise MissingDependencyError(
            f"evaluating photos in the wild needs the faces extra to find and align faces ({exc}); "
            "pip install 'ganimation[faces]'") from None
    from ganimation.images import load_rgb

    crops, aus, names, masks = [], [], [], []
    skipped = 0
    for path in sorted(p for p in root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
        try:
            image = load_rgb(path)
        except ImageError as exc:
            log.warning("skipping %s: %s", path.name, exc)
            skipped += 1
            continue
        for k, face in enumerate(detector.detect(image)):
            al = align_face(image, face, size)
            crops.append(al.crop)
            aus.append(estimate_aus(face))
            names.append(f"{path.name}#{k}")
            masks.append(face_mask(size, al.landmarks) > 0.5)
            if limit and len(crops) >= limit:
                break
        if limit and len(crops) >= limit:
            break
    if not crops:
        raise DatasetError(f"{root}: no face found in any photo; use photos with clearly visible faces")
    data = EvalData("photos", str(root), np.stack(crops), np.stack(aus).astype(np.float32), names,
                    own_source="estimator", face_masks=np.stack(masks), face_mask_source="landmarks (face oval)")
    if skipped:
        data.notes.append(f"{skipped} unreadable photo(s) skipped")
    return data


def load_eval_data(data: str | os.PathLike, *, image_size: int, split: str = "test", limit: int | None = None,
                   kind: str = "auto") -> EvalData:
    """Faces to evaluate from a dataset (any layout), synthetic pairs or a folder of photos."""
    root = Path(data)
    if kind not in KINDS:
        raise GanimationError(f"unknown data kind {kind!r}; choose {', '.join(KINDS)}")
    if limit is not None and limit < 1:
        raise GanimationError(f"--limit must be >= 1, got {limit}")
    if kind == "auto":
        kind = detect_kind(root)
    log.info("loading %s from %s", kind, root)
    if kind == "pairs":
        return _load_pairs(root, limit, image_size)
    if kind == "photos":
        return _load_photos(root, limit, image_size)
    return _load_dataset(root, split, limit, image_size)


# ---------------------------------------------------------------------------
# targets
# ---------------------------------------------------------------------------


def read_target_file(path: str | os.PathLike) -> np.ndarray:
    """``(R, 17)`` targets from a CSV: a header naming the AU columns, or rows of 17 numbers (0-1)."""
    path = Path(path)
    try:
        with open(path, newline="") as fh:
            rows = [r for r in csv.reader(fh) if r and "".join(r).strip()]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AUParseError(f"{path}: cannot read the targets CSV ({type(exc).__name__})") from None
    if not rows:
        raise AUParseError(f"{path}: no target rows; write one row of {NUM_AUS} AU values (0-1) per target")
    header = [h.strip().upper() for h in rows[0]]
    cols = None
    if all(c in header for c in AU_CODES):
        cols = [header.index(c) for c in AU_CODES]
        rows = rows[1:]
    out = []
    for line, row in enumerate(rows, start=2 if cols else 1):
        vals = [row[i] for i in cols] if cols else row
        if len(vals) != NUM_AUS:
            raise AUParseError(f"{path}:{line}: {len(vals)} values; a target row needs the {NUM_AUS} AUs "
                               f"{AU_CODES[0]}..{AU_CODES[-1]} (or a header naming them)")
        try:
            vec = np.array([float(v) for v in vals], np.float32)
        except ValueError:
            raise AUParseError(f"{path}:{line}: a value is not a number") from None
        if not np.all(np.isfinite(vec)) or vec.min() < 0 or vec.max() > 1:
            raise AUParseError(f"{path}:{line}: AU values must lie in [0, 1] (OpenFace's 0-5 divided by 5)")
        out.append(vec)
    if not out:
        raise AUParseError(f"{path}: no target rows after the header")
    return np.stack(out)


def make_targets(spec: str, own_aus: np.ndarray, *, seed: int = 0,
                 pair_targets: np.ndarray | None = None) -> tuple[np.ndarray, list[str] | None, str]:
    """Target AUs ``(N, 17)``, per-face preset names (or None) and a description.

    ``spec``: ``shuffled`` (face i gets another face's own AUs: a random
    cyclic derangement), ``presets`` (face i gets preset ``i mod 8`` of
    :data:`ganimation.aus.PRESETS`, in turn), or a CSV path (rows used in
    turn). Synthetic pairs always use their pair's target AUs.
    """
    n = len(own_aus)
    if pair_targets is not None:
        return pair_targets.astype(np.float32), None, "the pair's target expression"
    if spec == "shuffled":
        if n < 2:
            raise GanimationError("--targets shuffled needs at least 2 faces; use presets or a targets file")
        perm = np.random.default_rng(seed).permutation(n)
        tgt = np.empty_like(own_aus)
        tgt[perm] = own_aus[np.roll(perm, -1)]
        return tgt.astype(np.float32), None, "another test face's AUs (shuffled)"
    if spec == "presets":
        names = [list(PRESETS)[i % len(PRESETS)] for i in range(n)]
        return np.stack([preset_vector(p) for p in names]), names, "expression presets in turn"
    if not Path(spec).is_file():
        raise AUParseError(f"--targets {spec!r}: use shuffled, presets, or the path of a CSV of {NUM_AUS}-AU rows")
    rows = read_target_file(spec)
    return rows[np.arange(n) % len(rows)], None, f"rows of {Path(spec).name} in turn"


# ---------------------------------------------------------------------------
# estimators and feature extractors (each None when unavailable, with a note)
# ---------------------------------------------------------------------------


@dataclass
class AUEstimator:
    """``predict(images (N,S,S,3) uint8) -> (N, 17)``, NaN rows where no face was found."""

    name: str
    predict: Callable[[np.ndarray], np.ndarray]


def faces_estimator() -> AUEstimator | None:
    """The project's estimator (MediaPipe blendshapes + geometry), or None without the faces extra."""
    try:
        from ganimation.faces.pipeline import estimate_crop_aus
        from ganimation.faces.detect import get_detector

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


# ---------------------------------------------------------------------------
# metric families (pure functions of arrays)
# ---------------------------------------------------------------------------


def _rounded(x, nd: int = 6):
    """Floats to ``nd`` significant digits (JSON-friendly), recursively."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: _rounded(v, nd) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_rounded(v, nd) for v in x]
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if not math.isfinite(x) else float(f"{x:.{nd}g}")
    if isinstance(x, np.integer):
        return int(x)
    return x


def au_control_metrics(target: np.ndarray, achieved: np.ndarray, baseline: np.ndarray, estimator: str) -> dict:
    """:func:`~ganimation.metrics.aus_control.compare_to_baseline` over the faces the estimator read
    on both the edit and the input (rows with NaN are dropped and counted)."""
    from ganimation.metrics.aus_control import compare_to_baseline

    ok = np.isfinite(achieved).all(axis=1) & np.isfinite(baseline).all(axis=1)
    n_ok = int(ok.sum())
    res: dict = {"estimator": estimator, "n": n_ok, "n_unread": int(len(target) - n_ok)}
    if n_ok == 0:
        res["skipped"] = "the estimator found no face on the inputs or the edits"
        return res
    cmp = compare_to_baseline(target[ok], achieved[ok], baseline[ok], changed_tol=CHANGED_TOL)
    res.update(cmp)
    return res


def reconstruction_metrics(inputs: np.ndarray, recon: np.ndarray, cycle: np.ndarray | None) -> tuple[dict, dict]:
    """Self-reconstruction (PSNR, SSIM, L1 of the edit to the face's own AUs) and cycle error.

    Returns ``(summary, per_image)``.
    """
    from ganimation.metrics.image import l1, psnr, ssim

    p = psnr(inputs, recon)
    out = {"n": int(len(inputs)), "psnr": p.mean, "psnr_median": float(np.median(p.per_image)),
           "ssim": ssim(inputs, recon).mean, "l1": l1(inputs, recon).mean}
    per = {"recon_psnr": p.per_image}
    if cycle is not None:
        cp = psnr(inputs, cycle)
        out["cycle"] = {"n": int(len(inputs)), "l1": l1(inputs, cycle).mean, "psnr": cp.mean,
                        "psnr_median": float(np.median(cp.per_image))}
        per["cycle_psnr"] = cp.per_image
    return out, per


def identity_metrics(emb_input: np.ndarray, emb_edit: np.ndarray) -> tuple[dict, np.ndarray]:
    """Mean embedding distance input vs edit and the share under dlib's 0.6 (same person)."""
    d = np.linalg.norm(np.asarray(emb_input, np.float64) - np.asarray(emb_edit, np.float64), axis=1)
    return {"n": int(len(d)), "mean_distance": float(d.mean()), "median_distance": float(np.median(d)),
            "share_same_person": float((d < SAME_PERSON).mean()), "threshold": SAME_PERSON}, d


def ellipse_mask(size: int) -> np.ndarray:
    """``(S, S)`` bool ellipse covering the central face of an aligned crop (as faces.align's fallback)."""
    yy, xx = np.mgrid[:size, :size].astype(np.float64) + 0.5
    return ((xx - 0.5 * size) / (0.36 * size)) ** 2 + ((yy - 0.56 * size) / (0.46 * size)) ** 2 <= 1.0


def template_region_mask(codes: Sequence[str], size: int) -> np.ndarray:
    """Union of the template boxes of the face regions the AUs ``codes`` concern."""
    m = np.zeros((size, size), bool)
    for group in {_AU_GROUP[c] for c in codes}:
        x0, y0, x1, y1 = (int(round(v * size)) for v in TEMPLATE_REGIONS[group])
        m[y0:y1, x0:x1] = True
    return m


def changed_regions(own: np.ndarray, target: np.ndarray, size: int,
                    regions: list[dict[str, np.ndarray] | None] | None) -> tuple[np.ndarray, np.ndarray]:
    """Per face the mask of the regions of the AUs the target changes, and which faces change any."""
    masks = np.zeros((len(own), size, size), bool)
    any_changed = np.zeros(len(own), bool)
    for i in range(len(own)):
        codes = [c for c, d in zip(AU_CODES, np.abs(target[i] - own[i])) if d > CHANGED_TOL]
        if not codes:
            continue
        any_changed[i] = True
        r = regions[i] if regions is not None else None
        if r is not None:
            masks[i] = np.logical_or.reduce([_resize_mask(r[c], size) for c in codes])
        else:
            masks[i] = template_region_mask(codes, size)
    return masks, any_changed


def locality_metrics(inputs: np.ndarray, edits: np.ndarray, face_masks: np.ndarray, region_masks: np.ndarray,
                     changed: np.ndarray) -> tuple[dict, dict]:
    """Background RMSE outside ``face_masks`` and edit concentration inside ``region_masks``."""
    from ganimation.metrics.locality import background_rmse, edit_concentration

    bg = background_rmse(inputs, edits, face_masks)
    out = {"n": int(len(inputs)), "background_rmse": bg.mean,
           "background_share": float(1.0 - face_masks.mean())}
    per = {"background_rmse": bg.per_image}
    if changed.any():
        ec = edit_concentration(inputs[changed], edits[changed], region_masks[changed])
        out["edit_concentration"] = ec.mean
        out["region_area_share"] = float(region_masks[changed].mean())
        out["n_concentration"] = int(np.isfinite(ec.per_image).sum())
    else:
        out["edit_concentration"] = None
        out["region_area_share"] = None
        out["n_concentration"] = 0
    return out, per


def attention_metrics(attention: np.ndarray) -> dict:
    from ganimation.metrics.locality import attention_stats

    return attention_stats(attention)


def realism_metrics(real: np.ndarray, fake: np.ndarray, features: str, *, seed: int = 0) -> dict:
    """Fréchet distance and KID (mean, std) between two feature sets."""
    from ganimation.metrics.distribution import fid_from_features, kid

    if len(real) < 2 or len(fake) < 2:
        return {"features": features, "skipped": "needs at least 2 images on each side"}
    km, ks = kid(real, fake, subsets=50, subset_size=1000, seed=seed)
    return {"features": features, "n_real": int(len(real)), "n_fake": int(len(fake)),
            "frechet": fid_from_features(real, fake), "kid_mean": km, "kid_std": ks}


def emotion_metrics(classifier, inputs: np.ndarray, edits: np.ndarray, presets: Sequence[str]) -> dict:
    """Share of preset edits the classifier sees as the intended emotion, vs the unedited input."""
    from ganimation.metrics.emotion import preset_agreement

    p_edit = classifier.predict(edits)
    edit = preset_agreement(p_edit, presets)
    base = preset_agreement(classifier.predict(inputs), presets)
    per_preset = {}
    for name in dict.fromkeys(presets):
        idx = [i for i, p in enumerate(presets) if p == name]
        a = preset_agreement(p_edit[idx], [name] * len(idx))
        if a["n"]:
            per_preset[name] = a
    return {"edit": edit, "baseline": base, "per_preset": per_preset}


#: a pixel belongs to the changed region when the true target differs from the input by more than this (0-255)
CHANGED_THRESHOLD = 8


def changed_region(inputs: np.ndarray, true_targets: np.ndarray) -> np.ndarray:
    """``(N, H, W)`` bool: pixels where ``true_targets`` differs from ``inputs`` (both ``(N, H, W, 3)``
    uint8) by more than :data:`CHANGED_THRESHOLD` in some channel."""
    return np.abs(true_targets.astype(np.int16) - inputs.astype(np.int16)).max(axis=-1) > CHANGED_THRESHOLD


def changed_region_psnr(reference: np.ndarray, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``(N,)`` PSNR (dB, 0-255 peak) over the pixels where ``mask`` ``(N, H, W)`` is set; NaN where it is empty."""
    err = (reference.astype(np.float64) - image.astype(np.float64)) ** 2
    count = mask.sum(axis=(1, 2)) * reference.shape[-1]
    mse = (err * mask[..., None]).sum(axis=(1, 2, 3)) / np.maximum(count, 1)
    with np.errstate(divide="ignore"):
        out = 10 * np.log10(255.0 ** 2 / mse)
    return np.where(count > 0, out, np.nan)


def pair_metrics(inputs: np.ndarray, edits: np.ndarray, true_targets: np.ndarray) -> tuple[dict, dict]:
    """PSNR/SSIM/L1 of the edit against the true target render, and of the input (identity baseline).

    ``psnr`` is the mean of per-face PSNRs (infinite as soon as one target
    equals its input); ``psnr_pooled`` is the PSNR of the mean squared error
    over all faces. ``changed_psnr`` is the PSNR over the changed region only: the pixels where
    the true target differs from the input by more than :data:`CHANGED_THRESHOLD`
    (0-255) in some channel; there the baseline is wrong by construction.
    """
    from ganimation.metrics.image import l1, psnr, ssim

    pe, pb = psnr(true_targets, edits), psnr(true_targets, inputs)
    changed = changed_region(inputs, true_targets)
    ce, cb = changed_region_psnr(true_targets, edits, changed), changed_region_psnr(true_targets, inputs, changed)
    finite = ~np.isnan(ce) & ~np.isnan(cb)  # faces whose target changes something (inf = exact)

    def pooled(a: np.ndarray) -> float:  # PSNR of the mean squared error over all faces: finite unless all exact
        mse = float(((true_targets.astype(np.float64) - a.astype(np.float64)) ** 2).mean())
        return float("inf") if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))

    out = {"n": int(len(inputs)), "changed_fraction": float(changed.mean()),
           "edit": {"psnr": pe.mean, "psnr_pooled": pooled(edits),
                    "ssim": ssim(true_targets, edits).mean, "l1": l1(true_targets, edits).mean,
                    "changed_psnr": float(ce[finite].mean()) if finite.any() else float("nan")},
           "baseline": {"psnr": pb.mean, "psnr_pooled": pooled(inputs),
                        "ssim": ssim(true_targets, inputs).mean, "l1": l1(true_targets, inputs).mean,
                        "changed_psnr": float(cb[finite].mean()) if finite.any() else float("nan")}}
    return out, {"pair_psnr": pe.per_image, "pair_psnr_baseline": pb.per_image}


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------


def edit_in_batches(editor, crops: np.ndarray, targets: np.ndarray, what: str = "edits",
                    batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Edit crops ``(N, S, S, 3)`` uint8 toward targets ``(N, K)`` with ``editor.edit_crops``, ``batch`` at a time.

    Returns ``(images (N, S, S, 3) uint8, attention (N, S, S) float32)``; ``what`` names the
    pass in the log.
    """
    imgs, atts = [], []
    t0 = time.time()
    for i in range(0, len(crops), batch):
        res = editor.edit_crops(crops[i:i + batch], targets[i:i + batch])
        imgs.append(np.asarray(res.images, np.uint8))
        atts.append(np.asarray(res.attention, np.float32))
        log.debug("%s: %d/%d edits", what, min(i + batch, len(crops)), len(crops))
    log.info("%s: %d edits in %.1fs", what, len(crops), time.time() - t0)
    return np.concatenate(imgs), np.concatenate(atts)


class _Timer:
    """Wall-clock seconds per stage: ``with timer("edit"): ...``; totals in ``timer.times``."""

    def __init__(self):
        self.times: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - t0


def _json_safe(x):
    if isinstance(x, dict):
        return {str(k): _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.ndarray):
        return _json_safe(x.tolist())
    return x


def write_metrics(metrics: dict, path: str | os.PathLike) -> Path:
    """``metrics.json`` (strict JSON: infinities as the strings ``"inf"``/``"-inf"``, NaN as null)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(_json_safe(metrics), indent=2, allow_nan=False))
    os.replace(tmp, path)
    return path


def evaluate(editor, data: str | os.PathLike | EvalData, *, split: str = "test", targets: str = "shuffled",
             limit: int | None = None, inception: str | os.PathLike | None = None, emotion: bool = False,
             out_dir: str | os.PathLike | None = None, recon_limit: int | None = 200, kind: str = "auto",
             seed: int = 0, samples: int = 8, device=None, report: bool = True,
             weights: str | os.PathLike | None = None) -> dict:
    """Evaluate ``editor`` on ``data``; returns the metrics dict (and writes files under ``out_dir``).

    - ``data``: a dataset folder (prepared, official or OpenFace layout; the
      ``split`` is used), a synthetic pairs folder (``DATASET/pairs``), a
      folder of photos (faces found and aligned with the faces extra), or an
      :class:`EvalData`.
    - ``targets``: ``shuffled``, ``presets`` or a CSV path (see :func:`make_targets`).
    - ``limit``: evaluate the first N faces; ``recon_limit``: self-reconstruction
      and cycle (two more generator passes) on the first M of them (None: all).
    - ``inception``: a TorchScript feature network for standard FID/KID.
    - ``emotion``: classify preset edits (needs ``--targets presets`` and the
      optional classifier).
    - ``weights``: only recorded in the metadata (the weights file's name).

    Metrics that need a missing optional part are skipped with a line in
    ``metrics["notes"]``. Bad arguments raise :class:`GanimationError`.
    """
    t_start = time.perf_counter()
    timer = _Timer()
    size = int(editor.image_size)
    if isinstance(targets, str) and targets not in TARGET_MODES and not Path(targets).is_file():
        raise AUParseError(f"--targets {targets!r}: use shuffled, presets, or the path of a CSV of {NUM_AUS}-AU rows")
    if recon_limit is not None and recon_limit < 0:
        raise GanimationError(f"--recon-limit must be >= 0, got {recon_limit}")
    inception_net = None
    if inception is not None:  # load first: a bad path fails before any work
        from ganimation.metrics.inception import load_inception

        inception_net = load_inception(inception, device=str(device or "cpu"))
    with timer("load"):
        ed = data if isinstance(data, EvalData) else load_eval_data(data, image_size=size, split=split,
                                                                    limit=limit, kind=kind)
    if ed.crops.shape[1:] != (size, size, 3):
        raise GanimationError(f"faces are {ed.crops.shape[1:3]}, the editor works at {size} px")
    n = len(ed)
    notes = list(ed.notes)
    tgt, preset_names, target_desc = make_targets(targets, ed.own_aus, seed=seed, pair_targets=ed.pair_targets)
    if ed.pair_targets is not None and targets != "shuffled":
        notes.append(f"--targets {targets} ignored: synthetic pairs are edited toward their own target AUs")
    log.info("evaluating %d faces (%s) at %d px; targets: %s", n, ed.kind, size, target_desc)

    metrics: dict = {
        "meta": {
            "data": ed.root, "kind": ed.kind, "synthetic": ed.synthetic, "split": split if ed.kind == "dataset" else None,
            "n": n, "image_size": size, "targets": target_desc, "own_aus": ed.own_source, "seed": seed,
            "weights": str(weights) if weights is not None else "the shipped default model",
            "arch": getattr(editor, "arch", None), "face_mask": ed.face_mask_source,
            "regions": "renderer masks" if ed.regions is not None and all(r is not None for r in ed.regions)
            else "template boxes",
        },
        "notes": notes,
    }
    per_image: dict[str, np.ndarray] = {}

    # --- edits --------------------------------------------------------------
    with timer("edit"):
        edits, attention = edit_in_batches(editor, ed.crops, tgt, "target edits")
        m = n if recon_limit is None else min(n, recon_limit)
        recon = cycle = None
        if m:
            recon, _ = edit_in_batches(editor, ed.crops[:m], ed.own_aus[:m], "self-reconstruction")
            cycle, _ = edit_in_batches(editor, edits[:m], ed.own_aus[:m], "cycle")
    if m < n:
        notes.append(f"self-reconstruction and cycle on the first {m} of {n} faces (--recon-limit)")

    # --- AU control ---------------------------------------------------------
    with timer("au_control"):
        est = faces_estimator()
        judge = judge_estimator(device) if ed.synthetic else None
        if est is not None:
            on_inputs = est.predict(ed.crops)
            metrics["au_control"] = au_control_metrics(tgt, est.predict(edits), on_inputs, est.name)
            ok = np.isfinite(on_inputs).all(axis=1)
            if ed.own_source != "estimator" and ok.any():
                # the estimator's own error floor: its reading of the unedited inputs vs their known AUs
                metrics["au_control"]["estimator_vs_own_aus_mae"] = float(np.abs(on_inputs[ok] - ed.own_aus[ok]).mean())
        elif judge is not None:
            notes.append("faces extra missing: AU control measured with the AU judge instead")
        else:
            notes.append("AU control skipped: the faces extra (AU estimator) is not installed"
                         + ("" if not ed.synthetic else " and the AU judge weights are missing"))
        if judge is not None:
            key = "au_control" if est is None else "au_control_judge"
            on_inputs = judge.predict(ed.crops)
            metrics[key] = au_control_metrics(tgt, judge.predict(edits), on_inputs, judge.name)
            if ed.true_targets is not None:  # the judge's error on the true target renders
                metrics[key]["judge_on_true_target"] = au_control_metrics(
                    tgt, judge.predict(ed.true_targets), on_inputs, judge.name)["edit"]
        elif ed.synthetic:
            notes.append("AU judge weights missing (ganimation/assets/au_judge.safetensors): no judge scores")

    # --- reconstruction ------------------------------------------------------
    with timer("reconstruction"):
        if m:
            metrics["self_reconstruction"], per = reconstruction_metrics(ed.crops[:m], recon, cycle)
            metrics["cycle"] = metrics["self_reconstruction"].pop("cycle")
            per_image.update(per)
        else:
            notes.append("self-reconstruction and cycle skipped (--recon-limit 0)")

    # --- identity and embedding realism ----------------------------------------
    with timer("identity"):
        embed = identity_embedder(device)
        if embed is not None:
            e_in, e_ed = embed(ed.crops), embed(edits)
            metrics["identity"], d = identity_metrics(e_in, e_ed)
            metrics["identity"]["backend"] = "dlib ResNet 128-D (PyTorch port of dlib's weights), whole aligned crop"
            per_image["identity_distance"] = d
            real = embed(ed.true_targets) if ed.true_targets is not None else e_in
            metrics.setdefault("realism", {})["embedding"] = realism_metrics(
                real, e_ed, "dlib face embedding (128-D)", seed=seed)
        else:
            notes.append("identity and embedding realism skipped: the faces extra (dlib face embedding) is not installed")

    # --- locality and attention ------------------------------------------------
    with timer("locality"):
        face_masks = ed.face_masks if ed.face_masks is not None else np.broadcast_to(ellipse_mask(size), (n, size, size))
        regions, changed = changed_regions(ed.own_aus, tgt, size, ed.regions)
        metrics["locality"], per = locality_metrics(ed.crops, edits, face_masks, regions, changed)
        per_image.update(per)
        metrics["attention"] = attention_metrics(attention)
        per_image["attention_mean"] = attention.reshape(n, -1).mean(axis=1)

    # --- Inception FID/KID -------------------------------------------------------
    if inception_net is not None:
        with timer("inception"):
            real = ed.true_targets if ed.true_targets is not None else ed.crops
            f_real, f_fake = inception_net.features(real), inception_net.features(edits)
            metrics.setdefault("realism", {})["inception"] = realism_metrics(
                f_real, f_fake, f"Inception features from {Path(str(inception)).name}", seed=seed)
    else:
        notes.append("standard FID/KID skipped: pass --inception PATH (a TorchScript Inception network)")

    # --- emotion -------------------------------------------------------------------
    if emotion:
        with timer("emotion"):
            if preset_names is None:
                notes.append("emotion check skipped: it needs --targets presets")
            else:
                from ganimation.metrics.emotion import EmotionClassifier

                try:
                    clf = EmotionClassifier.load()
                except MissingDependencyError as exc:
                    notes.append(f"emotion check skipped: {exc}")
                else:
                    metrics["emotion"] = emotion_metrics(clf, ed.crops, edits, preset_names)

    # --- synthetic pairs ---------------------------------------------------------
    if ed.true_targets is not None:
        with timer("pairs"):
            metrics["pairs"], per = pair_metrics(ed.crops, edits, ed.true_targets)
            per_image.update(per)

    timer.times["total"] = time.perf_counter() - t_start
    metrics["timing_s"] = {k: round(v, 2) for k, v in timer.times.items()}
    metrics["timing_s"]["per_face"] = round(timer.times["total"] / max(n, 1), 4)
    metrics["meta"]["recon_n"] = m
    metrics = _rounded(metrics)

    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        write_metrics(metrics, out / "metrics.json")
        np.savez_compressed(out / "per_image.npz", names=np.array(ed.names), **per_image)
        k = min(samples, n)
        extra = {}
        if k and recon is not None:
            kk = min(k, m)
            extra.update(recon=recon[:kk], cycle=cycle[:kk])
        if ed.true_targets is not None:
            extra["true_target"] = ed.true_targets[:k]
        np.savez_compressed(out / "samples.npz", input=ed.crops[:k], edit=edits[:k], attention=attention[:k],
                            names=np.array(ed.names[:k]),
                            labels=np.array(preset_names[:k] if preset_names else []), **extra)
        if report:
            from ganimation.report import write_report

            write_report(metrics, out)
    return metrics
