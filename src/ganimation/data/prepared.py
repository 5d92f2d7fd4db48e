"""The project's own prepared-dataset format.

A prepared dataset is a folder::

    DATASET/
      dataset.json        {"format": "ganimation-prepared", "version": 1,
                           "image_size": 128, "au_codes": [...17...],
                           "au_scale": "0-1", ...free-form extra keys}
      annotations.csv     one row per crop (columns below)
      crops/              the aligned face crops (PNG or JPEG), square

``annotations.csv`` columns, in this order:

- ``file``: crop file name relative to ``crops/``
- ``split``: ``train`` or ``test``
- ``AU01`` ... ``AU45``: the 17 intensities on the 0-1 scale
- ``confidence``: detection / annotation confidence in [0, 1] (1 for synthetic)
- ``identity``: a person or identity id (may be empty)
- ``source``: the original image the crop came from (may be empty)
- ``t00 t01 t02 t10 t11 t12``: the 2x3 similarity transform that maps source
  pixel coordinates to crop pixel coordinates (empty when not applicable)

Rows are appended and flushed one at a time, so an interrupted writer leaves a
valid table and can resume (see :meth:`PreparedWriter.done_sources`).
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from ganimation.atomic import write_text
from ganimation.aus import AU_CODES, NUM_AUS
from ganimation.errors import DatasetError

FORMAT = "ganimation-prepared"
VERSION = 1
TABLE = "annotations.csv"
META = "dataset.json"
CROPS = "crops"
TRANSFORM_COLUMNS = ("t00", "t01", "t02", "t10", "t11", "t12")
COLUMNS = ("file", "split", *AU_CODES, "confidence", "identity", "source", *TRANSFORM_COLUMNS)


@dataclass
class Record:
    """One annotated crop. ``aus`` is ``(17,)`` float32 in [0, 1]."""

    file: str
    aus: np.ndarray
    split: str = "train"
    confidence: float = 1.0
    identity: str = ""
    source: str = ""
    transform: np.ndarray | None = None  # (2, 3) source -> crop
    extra: dict = field(default_factory=dict)

    def row(self) -> list[str]:
        t = [""] * 6 if self.transform is None else [f"{v:.6f}" for v in np.asarray(self.transform).reshape(6)]
        return [self.file, self.split, *[f"{float(v):.4f}" for v in self.aus],
                f"{float(self.confidence):.4f}", str(self.identity), str(self.source), *t]


def is_prepared(root: str | os.PathLike) -> bool:
    root = Path(root)
    return (root / META).is_file() or (root / TABLE).is_file()


def read_meta(root: str | os.PathLike) -> dict:
    path = Path(root) / META
    if not path.is_file():
        return {"format": FORMAT, "version": VERSION}
    try:
        meta = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read ({exc}); rewrite it or delete it") from exc
    if meta.get("format") != FORMAT:
        raise DatasetError(f"{path}: not a {FORMAT} dataset (format={meta.get('format')!r})")
    codes = meta.get("au_codes", list(AU_CODES))
    if list(codes) != list(AU_CODES):
        raise DatasetError(f"{path}: au_codes differ from the 17 OpenFace AUs this project uses")
    return meta


def _float(value: str, what: str, path: Path, line: int) -> float:
    try:
        return float(value)
    except ValueError:
        raise DatasetError(f"{path}:{line}: {what} is {value!r}, not a number; fix or remove the row") from None


def _csv_rows(fh, path: Path):
    """Rows of an open CSV; a binary or malformed file is a one-line :class:`DatasetError`."""
    try:
        yield from csv.reader(fh)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{path}: not a readable CSV table ({type(exc).__name__}); "
                           "restore it or prepare the dataset again") from None


def read_table(root: str | os.PathLike) -> list[Record]:
    """All records of a prepared dataset, validated (shape, finiteness, range)."""
    root = Path(root)
    path = root / TABLE
    if not path.is_file():
        raise DatasetError(f"{path} is missing; a prepared dataset needs {TABLE} (see docs/data.md)")
    records = []
    with open(path, newline="") as fh:
        reader = _csv_rows(fh, path)
        header = next(reader, None)
        if header is None:
            raise DatasetError(f"{path} is empty")
        header = [h.strip() for h in header]
        missing = [c for c in ("file", *AU_CODES) if c not in header]
        if missing:
            raise DatasetError(
                f"{path}: missing columns {', '.join(missing)}; a prepared table needs "
                f"file and the {NUM_AUS} AU columns {AU_CODES[0]}..{AU_CODES[-1]}"
            )
        col = {name: i for i, name in enumerate(header)}
        for line, row in enumerate(reader, start=2):
            if not row or not "".join(row).strip():
                continue
            if len(row) != len(header):
                raise DatasetError(f"{path}:{line}: {len(row)} fields, expected {len(header)} (truncated write?); remove the line")
            aus = np.array([_float(row[col[c]], c, path, line) for c in AU_CODES], np.float32)
            if not np.all(np.isfinite(aus)):
                raise DatasetError(f"{path}:{line}: NaN or infinite AU value; fix or remove the row")
            if aus.min() < 0 or aus.max() > 1:
                raise DatasetError(
                    f"{path}:{line}: AU values must lie in [0, 1] (found {aus.min():.3g}..{aus.max():.3g}); "
                    "OpenFace's 0-5 intensities must be divided by 5"
                )
            transform = None
            if all(c in col and row[col[c]].strip() for c in TRANSFORM_COLUMNS):
                transform = np.array([_float(row[col[c]], c, path, line) for c in TRANSFORM_COLUMNS], np.float32).reshape(2, 3)
            conf = _float(row[col["confidence"]], "confidence", path, line) if "confidence" in col and row[col["confidence"]].strip() else 1.0
            records.append(Record(
                file=row[col["file"]],
                aus=aus,
                split=row[col["split"]].strip() if "split" in col else "train",
                confidence=conf if math.isfinite(conf) else 0.0,
                identity=row[col["identity"]] if "identity" in col else "",
                source=row[col["source"]] if "source" in col else "",
                transform=transform,
            ))
    return records


class PreparedWriter:
    """Append crops and rows to a prepared dataset, safely and resumably.

    >>> with PreparedWriter(out, image_size=128) as w:
    ...     w.add(crop_uint8_hwc, Record(file="a.png", aus=vec))
    """

    def __init__(self, root: str | os.PathLike, image_size: int, extra_meta: dict | None = None,
                 image_ext: str = ".png"):
        self.root = Path(root)
        self.image_size = int(image_size)
        self.image_ext = image_ext
        (self.root / CROPS).mkdir(parents=True, exist_ok=True)
        meta_path = self.root / META
        if meta_path.is_file():
            meta = read_meta(self.root)
            if int(meta.get("image_size", image_size)) != self.image_size:
                raise DatasetError(
                    f"{self.root} holds {meta.get('image_size')} px crops; write to a new folder for {image_size} px"
                )
        else:
            meta = {"format": FORMAT, "version": VERSION, "image_size": self.image_size,
                    "au_codes": list(AU_CODES), "au_scale": "0-1", **(extra_meta or {})}
            write_text(meta_path, json.dumps(meta, indent=2))
        self.meta = meta
        table = self.root / TABLE
        self._repair_table(table)
        new = not table.is_file() or table.stat().st_size == 0
        self._fh = open(table, "a", newline="")
        self._csv = csv.writer(self._fh)
        if new:
            self._csv.writerow(COLUMNS)
            self._fh.flush()

    @staticmethod
    def _repair_table(table: Path) -> None:
        """Drop a partial last line left by an interrupted writer."""
        if not table.is_file() or table.stat().st_size == 0:
            return
        data = table.read_bytes()
        if not data.endswith(b"\n"):
            cut = data.rfind(b"\n") + 1
            with open(table, "r+b") as fh:
                fh.truncate(cut)

    def done_files(self) -> set[str]:
        """Crop file names already recorded (to skip them when resuming)."""
        try:
            return {r.file for r in read_table(self.root)}
        except DatasetError:
            return set()

    def done_sources(self) -> set[str]:
        """Source paths already recorded (to skip them when resuming)."""
        try:
            return {r.source for r in read_table(self.root)}
        except DatasetError:
            return set()

    def add(self, crop: np.ndarray, record: Record) -> None:
        """Write ``crop`` (``(S, S, 3)`` uint8 RGB) and its row; the row is flushed."""
        from PIL import Image

        crop = np.asarray(crop)
        if crop.dtype != np.uint8 or crop.ndim != 3 or crop.shape[2] != 3:
            raise ValueError(f"crop must be (S, S, 3) uint8, got {crop.shape} {crop.dtype}")
        if crop.shape[0] != self.image_size or crop.shape[1] != self.image_size:
            raise ValueError(f"crop is {crop.shape[:2]}, dataset is {self.image_size} px")
        aus = np.asarray(record.aus, np.float32)
        if aus.shape != (NUM_AUS,) or not np.all(np.isfinite(aus)):
            raise ValueError(f"record {record.file}: AUs must be 17 finite values")
        record.aus = np.clip(aus, 0.0, 1.0)
        path = self.root / CROPS / record.file
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        Image.fromarray(crop).save(tmp, format="PNG" if path.suffix.lower() == ".png" else "JPEG", quality=95)
        os.replace(tmp, path)
        self._csv.writerow(record.row())
        self._fh.flush()

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write_records(root: str | os.PathLike, image_size: int, items: Iterable[tuple[np.ndarray, Record]],
                  extra_meta: dict | None = None) -> int:
    """Write many ``(crop, record)`` pairs; returns how many were written."""
    n = 0
    with PreparedWriter(root, image_size, extra_meta) as writer:
        for crop, record in items:
            writer.add(crop, record)
            n += 1
    return n
