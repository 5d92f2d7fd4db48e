"""Where the warp engine's identity distance comes from: the edit kept in one face region at a time.

The engine evaluation of issue 28 measures identity as the dlib embedding
distance between the input's and the edit's aligned crops (150 px, the
input's alignment). This script runs the warp engine's six preset edits on a
folder of photos (default: the 60 development faces of
``benchmarks/preset_variants.py``), keeps both crops, and measures the
distance again for composites:

- **only R**: the input crop with the edit pasted back in region R alone;
- **all but R**: the edit with the input pasted back in region R.

Regions partition the crop by the nearest MediaPipe landmark of the input
crop (feathered, Gaussian of 3 px): eyes and brows, mouth and chin, the face
oval, forehead, nose, and cheeks (the rest). Distances of composites do not
add up; the table says which regions carry the change the embedding reads.

It also measures how the embedding reads plain image operations on the input
photos (no edit): a shift of 0.5 / 1 px (bilinear) and a Gaussian blur of
0.5 px, for scale.

    .venv/bin/python benchmarks/identity_regions.py                     # data/utkface_dev60
    .venv/bin/python benchmarks/identity_regions.py --data data/utkface_dev120b --out identity_regions_dev120b

Writes benchmarks/results/engines/<out>.md and .json.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from preset_variants import dev_args  # benchmarks/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks/results/engines"
REGIONS = ("eyes and brows", "mouth and chin", "face oval", "forehead", "nose", "cheeks")


def landmark_groups() -> np.ndarray:
    """``(478,)`` region index (:data:`REGIONS`) of every landmark."""
    from ganimation.faces.detect import FACE_OVAL
    from ganimation.motion import regions as R
    from ganimation.motion.frame import mean_shape

    upper = set(R.RIGHT_EYE + R.LEFT_EYE + R.IRISES + R.RIGHT_BROW + R.LEFT_BROW)
    mouth = set(R.LIPS + R.CHIN + R.INNER_LIPS)
    oval = set(FACE_OVAL)
    ms = mean_shape()

    def group(i: int) -> int:
        if i in upper:
            return 0
        if i in mouth:
            return 1
        if i in oval:
            return 2
        x, y = ms[i, 0], ms[i, 1]
        if y < -0.15:
            return 3
        return 4 if abs(x) < 0.35 and y < 0.85 else 5

    return np.array([group(i) for i in range(478)])


def region_masks(crop: np.ndarray, groups: np.ndarray) -> np.ndarray | None:
    """``(S, S, len(REGIONS))`` soft masks of an aligned crop, or None when no face is found in it."""
    from scipy.ndimage import gaussian_filter
    from scipy.spatial import cKDTree

    from ganimation.faces.detect import detect_faces

    s = crop.shape[0]
    canvas = np.full((2 * s, 2 * s, 3), 128, np.uint8)   # context around the tight crop for the detector
    canvas[s // 2:s // 2 + s, s // 2:s // 2 + s] = crop
    faces = detect_faces(canvas)
    if not faces:
        return None
    lm = faces[0].landmarks[:, :2] - s // 2
    yy, xx = np.mgrid[0:s, 0:s]
    _, nearest = cKDTree(lm).query(np.stack([xx.ravel(), yy.ravel()], 1).astype(float))
    g = groups[nearest].reshape(s, s)
    return np.stack([gaussian_filter((g == k).astype(float), 3) for k in range(len(REGIONS))], -1)


def record_edits(paths: list[Path]) -> dict:
    """The warp engine's evaluation of ``paths`` with its identity crops kept: ``in_id`` ``(N, S, S, 3)``,
    ``ed_id`` ``(N * P, S, S, 3)``, ``presets`` ``(N * P,)`` and the summary."""
    import ganimation.evaluation.estimators as ES
    from ganimation.evaluation.engines import evaluate_engines

    batches: list[np.ndarray] = []
    plain = ES.identity_embedder

    def keeping(device=None):
        embed = plain(device)
        return None if embed is None else (lambda images, batch=64: batches.append(np.array(images))
                                           or embed(images, batch))

    ES.identity_embedder = keeping
    try:
        m, _ = evaluate_engines(None, paths, engines=("warp",), samples=0, warmup=False)
    finally:
        ES.identity_embedder = plain
    if len(batches) != 2:
        raise SystemExit("the identity embedding is not available (install the faces extra)")
    presets = np.array([r["preset"] for r in m["edits"]])   # the evaluation's per-edit rows, in edit order
    return {"in_id": batches[0], "ed_id": batches[1], "presets": presets, "summary": m["engines"]["warp"]}


def shifted_inputs(paths: list[Path]) -> dict[str, float]:
    """Mean identity distance of the input crops to the same crops of the photo shifted or blurred."""
    import cv2

    from ganimation.evaluation.engines import view_face
    from ganimation.evaluation.estimators import identity_embedder
    from ganimation.faces.pipeline import find_faces
    from ganimation.images import load_rgb

    embed = identity_embedder()
    ops = {"shift 0.5 px": lambda im, xx, yy: cv2.remap(im, xx + 0.5, yy + 0.5, cv2.INTER_LINEAR,
                                                          borderMode=cv2.BORDER_REFLECT),
           "shift 1 px": lambda im, xx, yy: cv2.remap(im, xx + 1.0, yy + 1.0, cv2.INTER_LINEAR,
                                                        borderMode=cv2.BORDER_REFLECT),
           "blur 0.5 px": lambda im, xx, yy: cv2.GaussianBlur(im, (0, 0), 0.5)}
    base, moved = [], {k: [] for k in ops}
    for p in paths:
        img = load_rgb(p)
        faces = find_faces(img, "largest")
        if not faces:
            continue
        v = view_face(faces[0])
        base.append(v.crops(img)[1])
        yy, xx = np.mgrid[0:img.shape[0], 0:img.shape[1]].astype(np.float32)
        for k, op in ops.items():
            moved[k].append(v.crops(op(img, xx, yy))[1])
    e0 = embed(np.stack(base))
    return {k: float(np.linalg.norm(e0 - embed(np.stack(v)), axis=1).mean()) for k, v in moved.items()}


def main() -> None:
    args = dev_args(__doc__.splitlines()[0], ROOT / "data/utkface_dev60", "identity_regions")
    paths = args.paths

    from ganimation.evaluation.estimators import identity_embedder

    t0 = time.time()
    rec = record_edits(paths)
    in_id, ed_id, presets = rec["in_id"], rec["ed_id"], rec["presets"]
    n_presets = len(ed_id) // len(in_id)
    groups = landmark_groups()
    masks = [region_masks(c, groups) for c in in_id]
    ok = np.repeat(np.array([m is not None for m in masks]), n_presets)
    embed = identity_embedder()
    e_in = np.repeat(embed(in_id), n_presets, axis=0)

    def distances(images: np.ndarray) -> np.ndarray:
        return np.linalg.norm(e_in - embed(images), axis=1)

    rows = {"the edit": distances(ed_id)}
    for k, name in enumerate(REGIONS):
        only, but = [], []
        for i, edited in enumerate(ed_id):
            m = masks[i // n_presets]
            w = m[..., k:k + 1] if m is not None else np.zeros(edited.shape[:2] + (1,))
            a, b = in_id[i // n_presets].astype(np.float64), edited.astype(np.float64)
            only.append(np.clip(np.rint(a + w * (b - a)), 0, 255).astype(np.uint8))
            but.append(np.clip(np.rint(b + w * (a - b)), 0, 255).astype(np.uint8))
        rows[f"only {name}"] = distances(np.stack(only))
        rows[f"all but {name}"] = distances(np.stack(but))
    names = list(dict.fromkeys(presets))
    table = {r: {"mean": float(v[ok].mean()), **{p: float(v[ok & (presets == p)].mean()) for p in names}}
             for r, v in rows.items()}
    plain_ops = shifted_inputs(paths)
    shown = args.shown
    lines = ["# Where the warp engine's identity distance comes from", "",
             (f"`.venv/bin/python benchmarks/identity_regions.py --data {shown}` ({int(ok.sum() // n_presets)} of "
              f"{len(in_id)} faces landmarked in their crops; {time.time() - t0:.0f} s). The warp engine's six "
              "preset edits (defaults); identity = dlib distance of the 150-px aligned crops (the input's "
              "alignment), as in the engine evaluation. \"only R\": the input with the edit in region R alone; "
              "\"all but R\": the edit with the input in R. Regions: nearest landmark of the input crop, "
              "feathered 3 px."), "",
             "| composite | mean | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for r, v in table.items():
        lines.append(f"| {r} | {v['mean']:.3f} | " + " | ".join(f"{v[p]:.3f}" for p in names) + " |")
    lines += ["", "The input photos themselves, no edit (same crops and embedding): " +
              ", ".join(f"{k}: {v:.3f}" for k, v in plain_ops.items()) + "."]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{args.out}.md").write_text("\n".join(lines) + "\n")
    (OUT / f"{args.out}.json").write_text(json.dumps({"data": str(shown), "composites": table,
                                                       "plain_operations": plain_ops,
                                                       "n_faces": len(in_id)}, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
