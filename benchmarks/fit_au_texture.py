"""Fit ``src/ganimation/assets/au_texture.npz``: the AU -> shading model of the texture stage.

Stages (the first one is cached, so refitting takes seconds):

1. **gather**: for every 3rd frame (at most ``--per-clip``) of the training clips of
   ../shared/data/video_dev and driving_dev, and for ``--utk`` UTKFace photos (every 2nd
   of the first 3,000 sorted files, as the AU motion model), the largest face's
   luminance resampled into the canonical canvas (:mod:`ganimation.texture.canonical`)
   divided by its mean over the face, and its estimated AUs; cached in ``--cache``.
2. **fit**: per-pixel ridge regression of that relative luminance on the 17 AUs,
   with one intercept per clip (within-person changes) and one for all UTKFace
   faces, mirror-symmetrised (``ganimation.texture.au_texture`` documents the model).
3. **evaluate** on the held-out clips (lp_s13, retalking_3, sadtalker_wda_kh; the
   same person's sadtalker_wda_aoc is not used either): how much of each frame's
   shading change from its clip's mean the AU change predicts; results in
   benchmarks/results/au_texture.{json,md} and the basis image
   docs/images/au_texture_basis.png.

    python benchmarks/fit_au_texture.py
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT = ("lp_s13", "retalking_3", "sadtalker_wda_kh")
NOT_USED = ("sadtalker_wda_aoc",)  # the same person as retalking_3


def face_record(rgb: np.ndarray):
    """``(relative luminance canvas (HEIGHT, WIDTH) float16, AUs (17,) float32)`` of the largest face, or None."""
    from ganimation.faces.estimate import estimate_aus
    from ganimation.faces.pipeline import find_faces
    from ganimation.texture.au_texture import relative_luminance
    from ganimation.texture.canonical import to_canvas

    faces = find_faces(rgb, face="largest")
    if not faces:
        return None
    face = max(faces, key=lambda f: f.area)
    if not np.all(np.isfinite(face.landmarks)):
        return None
    rel = relative_luminance(to_canvas(rgb, face.landmarks))
    if rel is None:
        return None
    return rel.astype(np.float16), estimate_aus(face).astype(np.float32)


def gather_clip(path: str, per_clip: int) -> dict:
    import imageio.v2 as iio

    reader = iio.get_reader(path, format="FFMPEG")
    L, A = [], []
    for i, frame in enumerate(reader):
        if i % 3:
            continue
        rec = face_record(np.ascontiguousarray(frame[..., :3]))
        if rec is not None:
            L.append(rec[0]); A.append(rec[1])
        if len(L) >= per_clip:
            break
    reader.close()
    return {"L": np.stack(L), "A": np.stack(A)}


def gather_utk(folder: str, count: int) -> dict:
    from ganimation.errors import ImageError
    from ganimation.images import load_rgb

    files = sorted(glob.glob(os.path.join(folder, "*.jpg")))[:3000:2][:count]
    L, A = [], []
    for f in files:
        try:
            rgb = np.asarray(load_rgb(f), np.uint8)
        except (ImageError, OSError):
            continue
        rec = face_record(rgb)
        if rec is not None:
            L.append(rec[0]); A.append(rec[1])
    return {"L": np.stack(L), "A": np.stack(A)}


def gather(args) -> dict[str, dict]:
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    out = {}
    clips = sorted(glob.glob(os.path.join(args.video_dev, "*.mp4")) + glob.glob(os.path.join(args.driving_dev, "*.mp4")))
    for path in clips:
        name = Path(path).stem
        if name in NOT_USED:
            continue
        f = cache / f"{name}.npz"
        if not f.exists():
            t0 = time.time()
            np.savez(f, **gather_clip(path, args.per_clip))
            print(f"{name}: {time.time() - t0:.0f} s", flush=True)
        out[name] = dict(np.load(f))
    f = cache / f"utkface_{args.utk}.npz"
    if not f.exists():
        t0 = time.time()
        np.savez(f, **gather_utk(args.utkface, args.utk))
        print(f"UTKFace: {time.time() - t0:.0f} s", flush=True)
    out["utkface"] = dict(np.load(f))
    return out


def demeaned(data: dict[str, dict], names) -> tuple[np.ndarray, np.ndarray]:
    """``(dA (N, 17), dL (N, P))``: AUs and relative luminance minus their group's mean."""
    from ganimation.texture.canonical import canvas_mask

    inside = canvas_mask().reshape(-1) > 0.5
    xs, ys = [], []
    for n in names:
        a = data[n]["A"].astype(np.float64)
        y = data[n]["L"].reshape(len(a), -1)[:, inside].astype(np.float64)
        xs.append(a - a.mean(0)); ys.append(y - y.mean(0))
    return np.concatenate(xs), np.concatenate(ys)


#: where each AU's shading may change: (y from, y to, |x| up to) in frame coordinates (IOD; eyes at y = 0,
#: nose tip 0.57, inner lips 0.98, chin 1.71); what the regression finds elsewhere is photo-to-photo noise
#: (glasses, hair, lighting) that would only blur a face's identity
REGIONS = {
    "AU01": (-0.9, 0.05, 9), "AU02": (-0.9, 0.05, 9), "AU04": (-0.9, 0.25, 0.9), "AU05": (-0.4, 0.2, 9),
    "AU06": (-0.35, 0.9, 9), "AU07": (-0.3, 0.25, 9), "AU09": (-0.35, 1.0, 0.7), "AU10": (0.3, 1.2, 9),
    "AU12": (0.1, 1.5, 9), "AU14": (0.4, 1.4, 9), "AU15": (0.6, 1.8, 9), "AU17": (0.8, 1.8, 9),
    "AU20": (0.5, 1.6, 9), "AU23": (0.7, 1.3, 9), "AU25": (0.7, 1.4, 9), "AU26": (0.7, 1.8, 9),
    "AU45": (-0.35, 0.2, 9),
}
EDGE = 0.12


def region_masks() -> np.ndarray:
    """``(17, HEIGHT, WIDTH)`` float32 soft masks of :data:`REGIONS` on the canvas."""
    from ganimation.aus import AU_CODES
    from ganimation.texture.canonical import HEIGHT, PIXELS_PER_IOD, TOP, WIDTH

    x = (np.arange(WIDTH) + 0.5 - WIDTH / 2) / PIXELS_PER_IOD
    y = (np.arange(HEIGHT) + 0.5) / PIXELS_PER_IOD + TOP
    ramp = lambda d: np.clip(0.5 + d / EDGE, 0.0, 1.0)            # noqa: E731 - 0 outside, 1 inside, linear edge
    out = []
    for code in AU_CODES:
        y0, y1, xmax = REGIONS[code]
        my = ramp(y - y0) * ramp(y1 - y)
        mx = ramp(xmax - np.abs(x))
        out.append(my[:, None] * mx[None, :])
    return np.asarray(out, np.float32)


def high_pass(basis: np.ndarray, sigma: float) -> np.ndarray:
    """``basis`` less its Gaussian blur (``sigma`` canvas px, normalised inside the canvas mask): the broad
    brightness changes that come with a photo's lighting more than with an expression are dropped."""
    import cv2

    from ganimation.texture.canonical import canvas_mask

    if sigma <= 0:
        return basis
    m = canvas_mask()
    norm = cv2.GaussianBlur(m, (0, 0), sigmaX=sigma)
    low = np.stack([cv2.GaussianBlur((b * m).astype(np.float32), (0, 0), sigmaX=sigma) for b in basis])
    return ((basis - low / np.maximum(norm, 1e-3)) * m).astype(np.float32)


def fit(data, names, lam: float, sigma: float) -> np.ndarray:
    """``(17, HEIGHT, WIDTH)`` float32 basis, mirror-symmetrised, high-passed, zero outside the canvas mask."""
    from ganimation.texture.canonical import HEIGHT, WIDTH, canvas_mask

    dA, dL = demeaned(data, names)
    coef = np.linalg.solve(dA.T @ dA + lam * len(dA) * np.eye(dA.shape[1]), dA.T @ dL)   # (17, P)
    inside = canvas_mask().reshape(-1) > 0.5
    basis = np.zeros((len(coef), HEIGHT * WIDTH))
    basis[:, inside] = coef
    basis = basis.reshape(-1, HEIGHT, WIDTH)
    basis = high_pass((0.5 * (basis + basis[:, :, ::-1]) * canvas_mask()).astype(np.float32), sigma)
    return basis * region_masks()


def explained(data, names, basis: np.ndarray) -> dict:
    """Share of the held-out frames' shading change (from the clip mean) the AU change predicts."""
    from ganimation.texture.canonical import canvas_mask

    inside = canvas_mask().reshape(-1) > 0.5
    dA, dL = demeaned(data, names)
    pred = dA @ basis.reshape(len(basis), -1)[:, inside]
    res = float(((dL - pred) ** 2).sum())
    tot = float((dL ** 2).sum())
    return {"frames": int(len(dA)), "r2": 1 - res / tot, "rms_change": float(np.sqrt(tot / dL.size)),
            "rms_residual": float(np.sqrt(res / dL.size))}


def basis_image(basis: np.ndarray, path: Path) -> None:
    import imageio.v2 as iio

    from ganimation.aus import AU_CODES

    tiles = []
    for k, b in enumerate(basis):
        t = np.clip(128 + b * 640, 0, 255).astype(np.uint8)     # +-0.2 relative luminance = full range
        tiles.append(np.pad(t, 2, constant_values=255))
    rows = [np.concatenate(tiles[i:i + 9] + [np.full_like(tiles[0], 255)] * (9 - len(tiles[i:i + 9])), 1)
            for i in range(0, len(tiles), 9)]
    path.parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(path, np.concatenate(rows, 0))
    print(f"wrote {path} (AUs in order: {', '.join(AU_CODES)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--video-dev", default=str(ROOT.parent / "shared/data/video_dev"))
    ap.add_argument("--driving-dev", default=str(ROOT.parent / "shared/data/driving_dev"))
    ap.add_argument("--utkface", default=str(ROOT.parent / "shared/data/utkface"))
    ap.add_argument("--utk", type=int, default=1500)
    ap.add_argument("--per-clip", type=int, default=150)
    ap.add_argument("--cache", default="/tmp/au_texture_cache")
    ap.add_argument("--lam", type=float, default=0.01)
    ap.add_argument("--high-pass", type=float, default=10.0, help="Gaussian sigma (canvas px) removed; 0: none")
    ap.add_argument("--out", default=str(ROOT / "src/ganimation/assets/au_texture.npz"))
    args = ap.parse_args()

    from ganimation.texture.au_texture import AUTextureModel

    data = gather(args)
    train = [n for n in data if n not in HELD_OUT]
    held = [n for n in data if n in HELD_OUT]
    basis = fit(data, train, args.lam, args.high_pass)
    AUTextureModel(basis).save(args.out)
    report = {"train_groups": train, "held_out": held, "lam": args.lam, "high_pass": args.high_pass,
              "faces": {n: int(len(data[n]["A"])) for n in data},
              "held_out_fit": explained(data, held, basis),
              "held_out_zero": explained(data, held, np.zeros_like(basis)),
              "train_fit": explained(data, train, basis)}
    res = ROOT / "benchmarks/results"
    (res / "au_texture.json").write_text(json.dumps(report, indent=1))
    h = report["held_out_fit"]
    (res / "au_texture.md").write_text(
        "# AU shading model (texture stage)\n\n"
        "`python benchmarks/fit_au_texture.py` (fit on the training clips and UTKFace faces; "
        "held-out clips never seen).\n\n"
        "| data | frames | shading change explained (R²) | RMS change | RMS residual |\n|---|---|---|---|---|\n"
        f"| held-out clips ({', '.join(held)}) | {h['frames']} | {h['r2']:.3f} | {h['rms_change']:.4f} | "
        f"{h['rms_residual']:.4f} |\n"
        f"| training groups | {report['train_fit']['frames']} | {report['train_fit']['r2']:.3f} | "
        f"{report['train_fit']['rms_change']:.4f} | {report['train_fit']['rms_residual']:.4f} |\n")
    basis_image(basis, ROOT / "docs/images/au_texture_basis.png")
    print(json.dumps({k: report[k] for k in ("held_out_fit", "train_fit")}, indent=1))


if __name__ == "__main__":
    main()
