"""Faces to evaluate: a dataset (any layout), synthetic pairs or a folder of photos, at the editor's size.

:func:`load_eval_data` returns an :class:`EvalData` (aligned crops, their own
AUs, face masks and AU regions where known).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ganimation.aus import AU_CODES
from ganimation.errors import (
    DatasetError,
    GanimationError,
    ImageError,
    MissingDependencyError,
)

log = logging.getLogger("ganimation.evaluate")

KINDS = ("auto", "dataset", "pairs", "photos")



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


def read_photos(paths: Sequence[Path], unreadable: list[Path]):
    """Yield ``(path, (H, W, 3) uint8 image)`` for each readable photo; unreadable ones are logged and
    appended to ``unreadable``."""
    from ganimation.images import load_rgb

    for path in paths:
        try:
            image = load_rgb(path)
        except ImageError as exc:
            log.warning("skipping %s: %s", path.name, exc)
            unreadable.append(path)
            continue
        yield path, image


def _load_photos(root: Path, limit: int | None, size: int) -> EvalData:
    from ganimation.data.sources import IMAGE_SUFFIXES

    try:
        from ganimation.faces.align import align_face, face_mask
        from ganimation.faces.detect import get_detector
        from ganimation.faces.estimate import estimate_aus

        detector = get_detector()
    except (ImportError, MissingDependencyError) as exc:
        raise MissingDependencyError(
            f"evaluating photos in the wild needs the faces extra to find and align faces ({exc}); "
            "pip install 'ganimation[faces]'") from None
    crops, aus, names, masks = [], [], [], []
    skipped: list[Path] = []
    for path, image in read_photos(sorted(p for p in root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES),
                                   skipped):
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
        data.notes.append(f"{len(skipped)} unreadable photo(s) skipped")
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
