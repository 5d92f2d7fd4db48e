"""Building a prepared dataset from a folder of photos (``ganimation prepare``).

Each photo: detect faces, keep the largest (or all), align and crop at the
dataset size, annotate AUs with the project's estimator (or take them from
OpenFace CSVs), append crop and row through :class:`PreparedWriter`. Unusable
photos are listed with the reason in ``DATASET/skipped.csv``. Re-running on
the same output resumes: sources already in the table or in skipped.csv are
not processed again. Work is spread over worker processes; rows are written
by the parent in input order, so the result does not depend on ``workers``.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ganimation.aus import AU_CODES
from ganimation.errors import DatasetError, GanimationError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".avif", ".heic", ".heif"}
SKIPPED = "skipped.csv"


@dataclass
class PrepareOptions:
    size: int = 128
    keep: str = "largest"          # "largest" | "all"
    min_face: float = 32.0         # minimum box width in source pixels
    min_confidence: float = 0.5
    face_model: str | None = None
    calibration: str | None = None
    openface: dict | None = None   # stem -> (17,) 0-1 AUs
    search: str = "whole"          # detector search mode; "proposals" finds small faces (group photos)


@dataclass
class PrepareSummary:
    total: int = 0
    already_done: int = 0
    processed: int = 0
    images_kept: int = 0
    faces_kept: int = 0
    skipped: Counter = field(default_factory=Counter)

    def to_json(self) -> dict:
        return {"total": self.total, "already_done": self.already_done, "processed": self.processed,
                "images_kept": self.images_kept, "faces_kept": self.faces_kept,
                "skipped": dict(self.skipped)}


def list_images(root: Path) -> list[Path]:
    """Image files under ``root`` (recursive, by suffix, sorted; hidden files ignored)."""
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise DatasetError(f"{root}: no such folder")
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not any(part.startswith(".") for part in p.relative_to(root).parts))


def split_of(source: str, seed: int, test_fraction: float) -> str:
    """Deterministic split from a hash of (seed, source)."""
    h = hashlib.sha256(f"{seed}:{source}".encode()).digest()
    u = int.from_bytes(h[:8], "big") / 2.0 ** 64
    return "test" if u < test_fraction else "train"


def crop_name(source: str, k: int) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", source.rsplit(".", 1)[0] if "." in source else source)
    return f"{stem}_f{k}.png"


def read_openface_dir(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """``stem -> (17,)`` 0-1 AUs from OpenFace CSVs in a folder (or one CSV).

    One CSV per image named ``<stem>.csv`` (FaceLandmarkImg): the row with the
    highest ``confidence`` is used. A single CSV with a path column maps each
    row's file stem.
    """
    from ganimation.faces.estimate import read_openface_csv

    path = Path(path)
    files = [path] if path.is_file() else sorted(path.glob("*.csv"))
    if not files:
        raise DatasetError(f"{path}: no OpenFace CSV files found")
    out: dict[str, np.ndarray] = {}
    for f in files:
        rows = read_openface_csv(f)
        if not rows:
            continue
        key = next((c for c in ("path", "file", "image", "filename", "input") if rows[0].get(c)), None)
        if key is not None and len(files) == 1:
            for r in rows:
                out[Path(r[key]).stem] = r["aus"]
        else:
            best = max(rows, key=lambda r: float(r.get("confidence") or 0) if _isnum(r.get("confidence")) else 0.0)
            out[f.stem] = best["aus"]
    return out


def _isnum(v) -> bool:
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


# -- worker side ---------------------------------------------------------------
_OPTS: PrepareOptions | None = None
_CALIB = None


def _init_worker(opts: PrepareOptions) -> None:
    global _OPTS, _CALIB
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("GANIMATION_FACE_WORKERS", "1")   # the processes share the cores already
    _OPTS = opts
    if opts.calibration:
        from ganimation.faces.estimate import Calibration

        _CALIB = Calibration.load(opts.calibration)
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:
        pass


def process_one(item: tuple[str, str]) -> dict:
    """Work for one photo: ``(abs_path, source_key)`` -> result dict (picklable)."""
    from ganimation.faces.align import align_face
    from ganimation.faces.detect import get_detector
    from ganimation.faces.estimate import estimate_aus
    from ganimation.images import load_rgb

    path, source = item
    opts = _OPTS
    try:
        image = load_rgb(path)
        det = get_detector(opts.face_model, min_confidence=opts.min_confidence, search=opts.search)
        faces = det.detect(image)
    except GanimationError as exc:
        return {"source": source, "skip": _reason(exc)}
    except Exception as exc:  # noqa: BLE001 - a bad photo must not stop a long run
        return {"source": source, "skip": f"error: {type(exc).__name__}: {exc}"}
    if not faces:
        return {"source": source, "skip": "no face found"}
    faces = [f for f in faces if (f.box[2] - f.box[0]) >= opts.min_face]
    if not faces:
        return {"source": source, "skip": f"face too small (< {opts.min_face:g} px wide)"}
    if opts.keep == "largest":
        faces = [max(faces, key=lambda f: f.area * (0.5 + f.confidence))]
    aus_of = None
    if opts.openface is not None:
        aus_of = opts.openface.get(Path(source).stem)
        if aus_of is None:
            return {"source": source, "skip": "no OpenFace CSV for this image"}
    out = []
    for k, face in enumerate(faces):
        al = align_face(image, face, opts.size)
        aus = aus_of if aus_of is not None else estimate_aus(face, _CALIB)
        out.append({"crop": al.crop, "transform": al.transform.astype(np.float32), "aus": np.asarray(aus, np.float32),
                    "confidence": float(face.confidence), "k": k})
    return {"source": source, "faces": out}


def _reason(exc: Exception) -> str:
    msg = str(exc)
    for key, reason in (("too large", "image too large"), ("too small", "image too small"),
                        ("not a readable image", "not an image"), ("damaged or truncated", "truncated or damaged image")):
        if key in msg:
            return f"{reason}: {msg.split(': ', 1)[-1]}"
    return msg


# -- parent side ---------------------------------------------------------------
def prepare(photos: str | os.PathLike, out: str | os.PathLike, *, size: int = 128, workers: int = 1,
            test_fraction: float = 0.1, seed: int = 0, keep: str = "largest", openface_csv=None,
            face_model=None, calibration=None, min_face: float = 32.0, search: str = "whole",
            retry_skipped: bool = False, progress: bool = True, limit: int | None = None) -> PrepareSummary:
    """Build (or resume) a prepared dataset at ``out`` from the photos under ``photos``."""
    from ganimation.data.prepared import PreparedWriter, Record

    if keep not in ("largest", "all"):
        raise DatasetError(f"keep={keep!r}; use 'largest' or 'all'")
    if not 0.0 <= test_fraction < 1.0:
        raise DatasetError(f"test fraction {test_fraction} must lie in [0, 1)")
    if size < 16:
        raise DatasetError(f"crop size {size} is too small (min 16)")
    photos, out = Path(photos), Path(out)
    files = list_images(photos)
    base = photos if photos.is_dir() else photos.parent
    if int(workers) < 1:
        raise DatasetError(f"workers={workers}; give 1 or more")
    # everything the workers would fail on is checked here, before the dataset folder is made:
    # the face model loads (a garbage --face-model is one error, not a skip per photo) and
    # the calibration file reads
    from ganimation.faces.detect import get_detector

    get_detector(face_model, min_confidence=PrepareOptions.min_confidence, search=search)
    if calibration:
        from ganimation.faces.estimate import Calibration

        Calibration.load(calibration)
    openface = read_openface_dir(openface_csv) if openface_csv else None
    opts = PrepareOptions(size=size, keep=keep, min_face=min_face, face_model=str(face_model) if face_model else None,
                          calibration=str(calibration) if calibration else None, openface=openface, search=search)
    summary = PrepareSummary(total=len(files))
    meta = {"source_dir": str(photos), "au_source": "openface" if openface is not None else "ganimation.faces.estimate",
            "alignment": "ganimation.faces.align template v1 (similarity, 5 points)", "keep": keep,
            "test_fraction": test_fraction, "seed": seed}
    with PreparedWriter(out, size, extra_meta=meta) as writer:
        done = writer.done_sources()
        skipped_path = out / SKIPPED
        prev_skipped = set()
        if skipped_path.is_file() and not retry_skipped:
            with open(skipped_path, newline="") as fh:
                prev_skipped = {r["source"] for r in csv.DictReader(fh) if r.get("source")}
        todo = []
        for p in files:
            src = p.relative_to(base).as_posix()
            if src in done or src in prev_skipped:
                summary.already_done += 1
            else:
                todo.append((str(p), src))
        if limit is not None:
            todo = todo[:limit]
        new_skip_file = not skipped_path.is_file() or skipped_path.stat().st_size == 0
        with open(skipped_path, "a", newline="") as sfh:
            sw = csv.writer(sfh)
            if new_skip_file:
                sw.writerow(["source", "reason"])
            results = _run(todo, opts, workers)
            if progress:
                from tqdm import tqdm

                results = tqdm(results, total=len(todo), desc="prepare", unit="img", dynamic_ncols=True)
            for res in results:
                summary.processed += 1
                src = res["source"]
                if "skip" in res:
                    summary.skipped[res["skip"].split(":", 1)[0]] += 1
                    sw.writerow([src, res["skip"]])
                    sfh.flush()
                    continue
                split = split_of(src, seed, test_fraction)
                for f in res["faces"]:
                    writer.add(f["crop"], Record(file=crop_name(src, f["k"]), aus=f["aus"], split=split,
                                                 confidence=f["confidence"], source=src, transform=f["transform"]))
                    summary.faces_kept += 1
                summary.images_kept += 1
    return summary


def _run(todo, opts: PrepareOptions, workers: int):
    if workers <= 1 or len(todo) < 2:
        _init_worker(opts)
        for item in todo:
            yield process_one(item)
        return
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # MediaPipe is not fork-safe
    with ctx.Pool(workers, initializer=_init_worker, initargs=(opts,)) as pool:
        yield from pool.imap(process_one, todo, chunksize=8)
