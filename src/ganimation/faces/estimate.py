"""The 17-AU estimator: MediaPipe blendshapes combined with landmark geometry.

For every AU the raw estimate (0-1) is a weighted combination of

- the mean (left/right) of the ARKit-style blendshapes that describe the same
  movement (browInnerUp -> AU01, mouthSmile -> AU12, ...), and
- a landmark-geometry term: a distance measured in inter-ocular distances
  (IOD) on eye-levelled landmarks, mapped to 0-1 by ``(g - neutral) / span``
  and clipped. ``neutral`` is the median over 298 UTKFace faces (every 30th
  file of ../shared/data/utkface) and ``span`` the distance from that
  median to its 97th (or 3rd, for decreasing measures) percentile.

Some blendshapes barely move on real faces (cheekSquint, noseSneer), which is
why geometry is mixed in. The mapping per AU is :data:`MAPPING` and is
documented in docs/faces.md. A :class:`Calibration` (per-AU scale and offset
fitted against OpenFace values by :func:`calibrate`) can be applied on top.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from ganimation.aus import AU_CODES, NUM_AUS, OPENFACE_SCALE
from ganimation.errors import DatasetError
from ganimation.faces.detect import LEFT_EYE, RIGHT_EYE

# -- landmark geometry -------------------------------------------------------

#: geometric measures: name -> (neutral median, span); span < 0 means the AU
#: grows as the measure decreases. Filled from UTKFace statistics (see module doc).
GEOMETRY: dict[str, tuple[float, float]] = {
    "brow_inner": (0.319, 0.115),    # eye line - inner brow (107/336) height
    "brow_outer": (0.232, 0.080),    # eye line - outer brow (70/300) height
    "brow_gap": (0.484, -0.040),     # horizontal distance between inner brows
    "brow_low": (0.364, -0.091),     # eye line - mid brow (105/334) height
    "eye_open": (0.337, 0.161),      # eye aspect ratio (159-145 / 33-133)
    "eye_closed": (0.337, -0.280),   # same ratio, closing
    "mouth_open": (0.020, 0.150),    # inner lip gap (13-14); neutral set to closed lips
    "jaw_drop": (1.124, 0.210),      # nose tip (1) to chin (152)
    "corner_up": (0.043, 0.129),     # mouth centre y - lip corner (61/291) y
    "corner_down": (0.043, -0.094),  # same, corners dropping
    "mouth_width": (0.868, 0.275),   # lip corner distance
    "mouth_narrow": (0.868, -0.282),
    "lip_nose": (0.208, -0.060),     # subnasale (2) to upper lip top (0)
    "lip_thin": (0.226, -0.077),     # red lip heights (0-13 + 14-17)
    "chin_up": (0.490, -0.212),      # lower lip bottom (17) to chin (152)
}

#: per AU: ([(blendshape names, weight)], [(geometry name, weight)]); the raw
#: estimate is sum(w * mean(blendshapes)) + sum(w * geometry term), clipped to [0, 1].
MAPPING: dict[str, tuple[list[tuple[tuple[str, ...], float]], list[tuple[str, float]]]] = {
    "AU01": ([(("browInnerUp",), 0.6)], [("brow_inner", 0.4)]),
    "AU02": ([(("browOuterUpLeft", "browOuterUpRight"), 0.6)], [("brow_outer", 0.4)]),
    "AU04": ([(("browDownLeft", "browDownRight"), 0.5)], [("brow_gap", 0.25), ("brow_low", 0.25)]),
    "AU05": ([(("eyeWideLeft", "eyeWideRight"), 0.5)], [("eye_open", 0.5)]),
    "AU06": ([(("cheekSquintLeft", "cheekSquintRight"), 0.3), (("eyeSquintLeft", "eyeSquintRight"), 0.2),
              (("mouthSmileLeft", "mouthSmileRight"), 0.3)], [("corner_up", 0.2)]),
    "AU07": ([(("eyeSquintLeft", "eyeSquintRight"), 0.6)], [("eye_closed", 0.4)]),
    "AU09": ([(("noseSneerLeft", "noseSneerRight"), 0.6)], [("lip_nose", 0.4)]),
    "AU10": ([(("mouthUpperUpLeft", "mouthUpperUpRight"), 0.6)], [("lip_nose", 0.4)]),
    "AU12": ([(("mouthSmileLeft", "mouthSmileRight"), 0.6)], [("corner_up", 0.4)]),
    "AU14": ([(("mouthDimpleLeft", "mouthDimpleRight"), 0.7)], [("mouth_width", 0.3)]),
    "AU15": ([(("mouthFrownLeft", "mouthFrownRight"), 0.6)], [("corner_down", 0.4)]),
    "AU17": ([(("mouthShrugLower",), 0.6), (("mouthRollLower",), 0.2)], [("chin_up", 0.2)]),
    "AU20": ([(("mouthStretchLeft", "mouthStretchRight"), 0.6)], [("mouth_width", 0.4)]),
    "AU23": ([(("mouthPressLeft", "mouthPressRight"), 0.4), (("mouthPucker",), 0.2)], [("lip_thin", 0.4)]),
    "AU25": ([(("jawOpen",), 0.3)], [("mouth_open", 0.7)]),
    "AU26": ([(("jawOpen",), 0.6)], [("jaw_drop", 0.4)]),
    "AU45": ([(("eyeBlinkLeft", "eyeBlinkRight"), 0.6)], [("eye_closed", 0.4)]),
}


def geometry_measures(landmarks: np.ndarray) -> dict[str, float]:
    """Raw geometric measures (in IOD units) from ``(478, 2|3)`` landmarks."""
    lm = np.asarray(landmarks, np.float64)[:, :2]
    er, el = lm[list(RIGHT_EYE)].mean(0), lm[list(LEFT_EYE)].mean(0)
    d = el - er
    iod = float(np.hypot(*d))
    if iod < 1e-6:
        raise ValueError("degenerate landmarks (eyes coincide)")
    c, s = d / iod
    rot = np.array([[c, s], [-s, c]])  # level the eyes
    p = (lm - (er + el) / 2) @ rot.T / iod
    y = p[:, 1]
    ey = 0.0  # eye centre line after levelling
    mouth_c = (p[13] + p[14]) / 2
    corners = (p[61] + p[291]) / 2
    ear = (abs(y[145] - y[159]) / max(abs(p[133, 0] - p[33, 0]), 1e-6)
           + abs(y[374] - y[386]) / max(abs(p[362, 0] - p[263, 0]), 1e-6)) / 2
    return {
        "brow_inner": float(ey - (y[107] + y[336]) / 2),
        "brow_outer": float(ey - (y[70] + y[300]) / 2),
        "brow_gap": float(abs(p[336, 0] - p[107, 0])),
        "brow_low": float(ey - (y[105] + y[334]) / 2),
        "eye_open": float(ear),
        "eye_closed": float(ear),
        "mouth_open": float(abs(y[14] - y[13])),
        "jaw_drop": float(y[152] - y[1]),
        "corner_up": float(mouth_c[1] - corners[1]),
        "corner_down": float(mouth_c[1] - corners[1]),
        "mouth_width": float(abs(p[291, 0] - p[61, 0])),
        "mouth_narrow": float(abs(p[291, 0] - p[61, 0])),
        "lip_nose": float(y[0] - y[2]),
        "lip_thin": float((y[13] - y[0]) + (y[17] - y[14])),
        "chin_up": float(y[152] - y[17]),
    }


#: blendshapes with a high resting value on real faces (UTKFace medians):
#: ``b -> clip((b - base) / (1 - base), 0, 1)``.
BLEND_BASE: dict[str, float] = {
    "eyeSquintLeft": 0.35, "eyeSquintRight": 0.35, "mouthPucker": 0.3,
    "mouthUpperUpLeft": 0.2, "mouthUpperUpRight": 0.2, "browOuterUpLeft": 0.1, "browOuterUpRight": 0.1,
    "mouthSmileLeft": 0.1, "mouthSmileRight": 0.1, "mouthPressLeft": 0.1, "mouthPressRight": 0.1,
}


def _blend(bs: np.ndarray, names: Sequence[str]) -> float:
    from ganimation.faces.detect import BS

    vals = []
    for n in names:
        base = BLEND_BASE.get(n, 0.0)
        vals.append(np.clip((bs[BS[n]] - base) / (1.0 - base), 0.0, 1.0))
    return float(np.mean(vals))


def raw_features(face) -> dict[str, float]:
    """Every blendshape and geometric term, for inspection and calibration."""
    from ganimation.faces.detect import BLENDSHAPE_NAMES

    out = {f"bs:{n}": float(v) for n, v in zip(BLENDSHAPE_NAMES, face.blendshapes)}
    g = geometry_measures(face.landmarks)
    for k, v in g.items():
        out[f"geo:{k}"] = v
        neutral, span = GEOMETRY[k]
        out[f"term:{k}"] = float(np.clip((v - neutral) / span, 0.0, 1.0))
    return out


def estimate_raw(face) -> np.ndarray:
    """``(17,)`` float32 raw AU estimates in [0, 1] for a detected face (no calibration)."""
    g = geometry_measures(face.landmarks)
    terms = {k: float(np.clip((v - GEOMETRY[k][0]) / GEOMETRY[k][1], 0.0, 1.0)) for k, v in g.items()}
    out = np.zeros(NUM_AUS, np.float32)
    for i, code in enumerate(AU_CODES):
        blends, geoms = MAPPING[code]
        val = sum(w * _blend(face.blendshapes, names) for names, w in blends)
        val += sum(w * terms[name] for name, w in geoms)
        out[i] = val
    return np.clip(out, 0.0, 1.0)


@dataclass
class Calibration:
    """Per-AU linear correction ``clip(scale * raw + offset, 0, 1)``."""

    scale: np.ndarray = field(default_factory=lambda: np.ones(NUM_AUS, np.float32))
    offset: np.ndarray = field(default_factory=lambda: np.zeros(NUM_AUS, np.float32))
    n: int = 0
    info: dict = field(default_factory=dict)

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(raw, np.float32) * self.scale + self.offset, 0.0, 1.0).astype(np.float32)

    def to_json(self) -> dict:
        return {"format": "ganimation-au-calibration", "au_codes": list(AU_CODES),
                "scale": [float(v) for v in self.scale], "offset": [float(v) for v in self.offset],
                "n": int(self.n), "info": self.info}

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_json(), indent=2))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Calibration":
        from ganimation.errors import one_line

        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:  # JSON and UTF-8 decoding errors are ValueErrors
            raise DatasetError(f"{path}: cannot read the AU calibration ({one_line(exc, 100)})") from None
        if (not isinstance(data, dict) or data.get("format") != "ganimation-au-calibration"
                or not isinstance(data.get("au_codes", []), list) or list(data.get("au_codes", [])) != list(AU_CODES)):
            raise DatasetError(f"{path}: not a ganimation AU calibration for the 17 OpenFace AUs")
        try:
            scale = np.asarray(data["scale"], np.float32)
            offset = np.asarray(data["offset"], np.float32)
        except (KeyError, TypeError, ValueError):
            raise DatasetError(f"{path}: scale and offset must be 17 finite numbers each") from None
        if scale.shape != (NUM_AUS,) or offset.shape != (NUM_AUS,) or not (np.isfinite(scale).all() and np.isfinite(offset).all()):
            raise DatasetError(f"{path}: scale and offset must be 17 finite numbers each")
        n = data.get("n", 0)
        return cls(scale=scale, offset=offset, n=n if isinstance(n, int) else 0, info=data.get("info", {}))


def estimate_aus(face, calibration: Calibration | str | os.PathLike | None = None) -> np.ndarray:
    """``(17,)`` float32 AU intensities in [0, 1] for a detected face."""
    raw = estimate_raw(face)
    if calibration is None:
        return raw
    if not isinstance(calibration, Calibration):
        calibration = Calibration.load(calibration)
    return calibration.apply(raw)


# -- OpenFace CSVs and calibration -----------------------------------------------
def read_openface_csv(path: str | os.PathLike) -> list[dict]:
    """Rows of an OpenFace CSV (or any CSV with ``AU01_r``..``AU45_r`` columns).

    Headers may carry leading spaces. Returns dicts with the stripped headers;
    ``aus`` holds the ``(17,)`` float32 values divided by 5 (0-1 scale).
    """
    path = Path(path)
    try:
        fh = open(path, newline="")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot open ({exc})") from None
    rows = []
    with fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        cols = {h: i for i, h in enumerate(header)}
        missing = [f"{c}_r" for c in AU_CODES if f"{c}_r" not in cols]
        if missing:
            raise DatasetError(f"{path}: missing OpenFace intensity columns {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            if not row or not "".join(row).strip():
                continue
            try:
                vals = np.array([float(row[cols[f"{c}_r"]]) for c in AU_CODES], np.float32)
            except (ValueError, IndexError):
                raise DatasetError(f"{path}:{line}: unreadable AU value; fix or remove the row") from None
            d = {h: (row[i].strip() if i < len(row) else "") for h, i in cols.items()}
            d["aus"] = np.clip(vals / OPENFACE_SCALE, 0.0, 1.0)
            rows.append(d)
    return rows


_PATH_COLUMNS = ("path", "file", "image", "filename", "input", "face_id")


def calibrate(csv_path_or_rows: str | os.PathLike | Iterable[Mapping], *, root: str | os.PathLike | None = None,
              face_model=None, min_rows: int = 3, ridge: float = 1e-3) -> Calibration:
    """Fit per-AU ``scale``/``offset`` (least squares) from raw estimates to OpenFace values.

    ``csv_path_or_rows``: a CSV with an image path column (``path``, ``file``,
    ``image`` or ``filename``; relative to ``root`` or to the CSV's folder) and
    ``AU01_r``..``AU45_r`` (0-5), or rows (mappings) holding either ``path``
    and ``aus`` (0-1 ``(17,)``) or ``raw`` (the estimator's raw ``(17,)``) and ``aus``.
    A small ridge keeps the scale near 1 when an AU hardly varies.
    """
    from ganimation.faces.detect import detect_faces
    from ganimation.images import load_rgb

    if isinstance(csv_path_or_rows, (str, os.PathLike)):
        csv_path = Path(csv_path_or_rows)
        rows = read_openface_csv(csv_path)
        base = Path(root) if root is not None else csv_path.parent
        for r in rows:
            key = next((c for c in _PATH_COLUMNS if r.get(c)), None)
            if key is None:
                raise DatasetError(f"{csv_path}: needs an image path column ({', '.join(_PATH_COLUMNS[:4])})")
            p = Path(r[key])
            r["path"] = p if p.is_absolute() else base / p
    else:
        rows = [dict(r) for r in csv_path_or_rows]
    raws, targets = [], []
    for r in rows:
        target = np.asarray(r["aus"], np.float32)
        if "raw" in r:
            raw = np.asarray(r["raw"], np.float32)
        else:
            faces = detect_faces(load_rgb(r["path"]), face_model=face_model)
            if not faces:
                continue
            raw = estimate_raw(faces[0])
        raws.append(raw)
        targets.append(target)
    if len(raws) < min_rows:
        raise DatasetError(f"calibration needs at least {min_rows} faces with OpenFace values; got {len(raws)}")
    x, y = np.stack(raws), np.stack(targets)
    scale = np.ones(NUM_AUS, np.float32)
    offset = np.zeros(NUM_AUS, np.float32)
    for j in range(NUM_AUS):
        if np.ptp(x[:, j]) < 1e-6:  # the estimator gives a constant here: shift only
            scale[j], offset[j] = 1.0, float(np.mean(y[:, j] - x[:, j]))
            continue
        a = np.stack([x[:, j], np.ones(len(x))], 1)
        # ridge toward scale 1, offset 0: minimise |a p - y|^2 + ridge*n |p - (1, 0)|^2
        r = np.sqrt(ridge * len(x))
        a_aug = np.vstack([a, r * np.eye(2)])
        y_aug = np.concatenate([y[:, j], r * np.array([1.0, 0.0])])
        p = np.linalg.lstsq(a_aug, y_aug, rcond=None)[0]
        scale[j], offset[j] = p
    mae_before = np.abs(np.clip(x, 0, 1) - y).mean(0)
    mae_after = np.abs(np.clip(x * scale + offset, 0, 1) - y).mean(0)
    return Calibration(scale=scale, offset=offset, n=len(x),
                       info={"mae_before": [round(float(v), 4) for v in mae_before],
                             "mae_after": [round(float(v), 4) for v in mae_after]})
