"""Readers for the dataset layouts ``ganimation train`` accepts.

Each reader returns a list of :class:`Sample` (image path + 17 AUs on 0-1) for
one split, after checking every annotation; problems raise
:class:`ganimation.errors.DatasetError` naming the file and the fix.

Layouts:

- ``prepared``: the project's format (:mod:`ganimation.data.prepared`).
- ``official``: GANimation's release layout: ``imgs/*.jpg``, ``aus_openface.pkl``
  (dict stem -> 17 OpenFace 0-5 intensities, a Python 2 pickle, read by the
  restricted unpickler :mod:`ganimation.safe_pickle`: plain data only, never code),
  ``train_ids.csv`` / ``test_ids.csv`` (one image name per line).
- ``openface``: a folder of images, each with an OpenFace CSV of the same stem
  (``FaceLandmarkImg`` output: columns ``AU01_r`` .. ``AU45_r``, header names
  may start with a space; the most confident face row is used). Optional
  ``train_ids.csv`` / ``test_ids.csv`` select the split; otherwise every image
  is in ``train``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganimation.aus import AU_CODES, NUM_AUS, OPENFACE_SCALE
from ganimation.errors import DatasetError, one_line

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


@dataclass(frozen=True)
class Sample:
    path: Path
    aus: np.ndarray  # (17,) float32 in [0, 1]


def detect_layout(root: str | Path) -> str:
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"dataset folder {root} not found")
    if (root / "annotations.csv").is_file() or (root / "dataset.json").is_file():
        return "prepared"
    if (root / "aus_openface.pkl").is_file():
        return "official"
    if any(p.suffix.lower() == ".csv" and p.stem not in ("train_ids", "test_ids") for p in root.iterdir()):
        return "openface"
    raise DatasetError(
        f"cannot tell the layout of {root}: expected annotations.csv (prepared), "
        "aus_openface.pkl + imgs/ (official GANimation) or images with OpenFace CSVs"
    )


def load_samples(root: str | Path, split: str = "train", layout: str | None = None) -> list[Sample]:
    """Checked samples of ``split`` (``train``, ``test`` or ``all``) from any layout."""
    root = Path(root)
    layout = layout or detect_layout(root)
    readers = {"prepared": _prepared, "official": _official, "openface": _openface}
    if layout not in readers:
        raise DatasetError(f"unknown dataset layout {layout!r}; choose {', '.join(readers)}")
    samples = readers[layout](root, split)
    if not samples:
        raise DatasetError(f"{root}: no samples in split {split!r}")
    return samples


def _check_aus(values, where: str, scale: float) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError, OverflowError):
        raise DatasetError(f"{where}: AU values {one_line(repr(values), 60)} are not numbers; "
                           f"expected {NUM_AUS} numbers ({AU_CODES[0]}..{AU_CODES[-1]})") from None
    if arr.shape != (NUM_AUS,):
        raise DatasetError(f"{where}: {arr.size} AU values, expected {NUM_AUS} ({', '.join(AU_CODES)})")
    if not np.all(np.isfinite(arr)):
        raise DatasetError(f"{where}: NaN or infinite AU value; fix or drop this image")
    if arr.min() < -1e-6 or arr.max() > scale + 1e-6:
        raise DatasetError(
            f"{where}: AU values {arr.min():.3g}..{arr.max():.3g} are outside [0, {scale:g}]"
        )
    return np.clip(arr / scale, 0.0, 1.0).astype(np.float32)


def _prepared(root: Path, split: str) -> list[Sample]:
    from ganimation.data.prepared import CROPS, read_meta, read_table

    read_meta(root)
    out = []
    for rec in read_table(root):
        if split != "all" and rec.split != split:
            continue
        path = root / CROPS / rec.file
        if not path.is_file():
            raise DatasetError(f"{path} is listed in annotations.csv but missing; restore it or remove its row")
        out.append(Sample(path, rec.aus))
    return out


def _read_ids(path: Path) -> list[str]:
    names = []
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                if row and row[0].strip():
                    names.append(row[0].strip())
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{path}: cannot read the id list ({type(exc).__name__}); "
                           "write one image name per line (UTF-8 text)") from None
    return names


def _find_image(folder: Path, name: str) -> Path | None:
    p = folder / name
    if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file():
        return p
    for suffix in IMAGE_SUFFIXES:
        q = folder / (Path(name).stem + suffix)
        if q.is_file():
            return q
    return None


def _official(root: Path, split: str) -> list[Sample]:
    pkl = root / "aus_openface.pkl"
    imgs = root / "imgs"
    if not imgs.is_dir():
        raise DatasetError(f"{imgs} is missing; the official layout keeps the face crops in imgs/")
    from ganimation import safe_pickle

    table = safe_pickle.load(pkl, encoding="latin1")  # plain data only: a pickle cannot run code here
    if not isinstance(table, dict):
        raise DatasetError(f"{pkl}: expected a dict from image name to 17 AU values")
    splits = ["train", "test"] if split == "all" else [split]
    names: list[str] = []
    for s in splits:
        ids = root / f"{s}_ids.csv"
        if not ids.is_file():
            raise DatasetError(f"{ids} is missing; list the {s} images one per line")
        names += _read_ids(ids)
    out = []
    for name in names:
        stem = Path(name).stem
        if stem not in table:
            raise DatasetError(f"{pkl}: no AUs for {name} listed in {split}_ids.csv; annotate it or remove it from the list")
        path = _find_image(imgs, name)
        if path is None:
            raise DatasetError(f"{imgs / name} is missing; restore it or remove it from the id list")
        out.append(Sample(path, _check_aus(table[stem], f"{pkl} [{stem}]", OPENFACE_SCALE)))
    return out


def read_openface_csv(path: Path) -> np.ndarray:
    """17 AUs (0-1) from an OpenFace CSV: the row with the highest confidence."""
    try:
        with open(path, newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader)]
            rows = [r for r in reader if r and "".join(r).strip()]
    except (OSError, StopIteration, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{path}: cannot read the OpenFace CSV ({type(exc).__name__})") from None
    cols = [f"{code}_r" for code in AU_CODES]
    missing = [c for c in cols if c not in header]
    if missing:
        raise DatasetError(f"{path}: missing OpenFace columns {', '.join(missing)}; run FeatureExtraction with -aus")
    if not rows:
        raise DatasetError(f"{path}: no face rows")
    best = rows[0]
    if "confidence" in header:
        ci = header.index("confidence")
        try:
            best = max(rows, key=lambda r: float(r[ci]))
        except ValueError:
            raise DatasetError(f"{path}: non-numeric confidence column") from None
    try:
        values = [float(best[header.index(c)]) for c in cols]
    except (ValueError, IndexError):
        raise DatasetError(f"{path}: non-numeric or missing AU values") from None
    return _check_aus(values, str(path), OPENFACE_SCALE)


def _openface(root: Path, split: str) -> list[Sample]:
    ids_file = root / f"{split}_ids.csv"
    if split != "all" and ids_file.is_file():
        wanted = {Path(n).stem for n in _read_ids(ids_file)}
    elif split in ("train", "all"):
        wanted = None
    else:
        raise DatasetError(f"{root}: no {split}_ids.csv to select the {split!r} split")
    images = {p.stem: p for p in sorted(root.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES}
    out = []
    for csv_path in sorted(root.glob("*.csv")):
        if csv_path.stem in ("train_ids", "test_ids"):
            continue
        stem = csv_path.stem
        if wanted is not None and stem not in wanted:
            continue
        if stem not in images:
            raise DatasetError(f"{csv_path} has no image {stem}.jpg/.png beside it")
        out.append(Sample(images[stem], read_openface_csv(csv_path)))
    return out
