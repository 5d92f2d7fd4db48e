"""Fit ``src/ganimation/assets/face_identity.npz`` and measure what it does for ``edit --like`` between people.

**Fit.** The UTKFace faces that fit the AU motion model (``benchmarks/fit_au_motion.py``'s cache:
frame coordinates and estimated AUs of every 2nd of the first 3,000 files, its training share, turned
less than 35 degrees / 30 degrees): for each, the x and y of the expression landmarks
(:data:`ganimation.motion.regions.REGIONS`) less their mean over the faces, less the AU motion of its
estimated AUs' deviation from their mean; the principal components of that residual, one photo per
person, are how faces differ between people beyond what the AUs explain
(:mod:`ganimation.motion.identity`).

**Measure.** On the talking-face clips of ../shared/data/video_dev and driving_dev (the same cache):
a clip's "neutral" is its median frame; 12 frames per clip are references (the 6 farthest from the
median AUs and 6 at random, seed 0). The AU changes a reference's own person needs, from their own
neutral (``reference_motion(neutral_B, frame_B)`` fitted with the AUs alone: identity cancels within a
person), are the truth; the AU changes ``reference_motion`` gives another person's neutral face
(``reference_motion(neutral_A, frame_B)``) are scored against it, mean absolute AU error over the 17
AUs, every ordered pair of different clips. "Same person" is how far the identity term moves a
person's own fit (``reference_motion(neutral_B, frame_B)`` with it against without): what it takes
from a reference photo of the same person. The rank and prior weight are chosen on the 20 training
clips of the AU motion model; the three clips it holds out (lp_s13, retalking_3, sadtalker_wda_kh) are
reported after.

    .venv/bin/python benchmarks/fit_au_motion.py --track-only     # the cache, if missing (about 5 min)
    .venv/bin/python benchmarks/fit_face_identity.py               # fit, measure, save the asset

Writes src/ganimation/assets/face_identity.npz and benchmarks/results/like_identity.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

HELD_OUT = ("lp_s13.mp4", "retalking_3.mp4", "sadtalker_wda_kh.mp4")
RANKS = (4, 8, 16, 32)
PRIORS = (0.001, 0.003, 0.01)
FRAMES_PER_CLIP = 6


def fit_basis(cache: Path, rank: int):
    """``(IdentityBasis of rank ``rank``, number of faces, (R,) share of the residual variance the first
    1..R components span)``."""
    from fit_au_motion import load_utk

    from ganimation.motion.au_model import AUMotionModel
    from ganimation.motion.identity import NUM_LANDMARKS, IdentityBasis
    from ganimation.motion.regions import REGIONS

    utk = load_utk(cache, 3000)
    idx = sorted(set().union(*REGIONS.values()))
    full = np.asarray(AUMotionModel.load().basis, np.float64)
    basis = full[:, idx, :2].reshape(len(full), -1)                       # (17, K*2)
    x = utk["X"][utk["train"]][:, idx, :2].reshape(int(utk["train"].sum()), -1).astype(np.float64)
    a = utk["A"][utk["train"]].astype(np.float64)
    residual = (x - x.mean(0)) - (a - a.mean(0)) @ basis
    _, s, vt = np.linalg.svd(residual, full_matrices=False)
    comps = np.zeros((rank, NUM_LANDMARKS, 2))
    comps[:, idx, :] = vt[:rank].reshape(rank, len(idx), 2)
    return (IdentityBasis(components=comps, std=s[:rank] / np.sqrt(len(residual))), len(residual),
            np.cumsum(s ** 2) / (s ** 2).sum())


def clip_frames(cache: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per clip: ``(neutral (478, 3), reference frames (F, 478, 3))`` in frame coordinates."""
    from fit_au_motion import load_clips

    rng = np.random.default_rng(0)
    out = {}
    for name, c in load_clips(cache).items():
        x, a = c["X"], c["A"]
        far = np.argsort(-np.abs(a - np.median(a, 0)).max(1))[:FRAMES_PER_CLIP]
        pick = np.unique(np.concatenate([far, rng.choice(len(x), FRAMES_PER_CLIP, replace=False)]))
        out[name] = (np.median(x, 0), x[pick])
    return out


def score(frames: dict, refs: list[str], sources: list[str], identity, prior: float) -> dict:
    """Cross-person AU error (all AUs, brows AU01/02/04), per AU, and the same-person change."""
    from ganimation.geometry_edit import reference_motion

    def coef(src, ref, ident):
        return reference_motion(src, ref, identity=ident, identity_prior=prior)[1]

    cross, same = [], []
    for b in refs:
        neutral_b, shots = frames[b]
        truth = [coef(neutral_b, f, False) for f in shots]
        same += [np.abs(coef(neutral_b, f, identity) - t).mean() for f, t in zip(shots, truth)]
        for a in sources:
            if a != b:
                cross += [np.abs(coef(frames[a][0], f, identity) - t) for f, t in zip(shots, truth)]
    cross = np.array(cross)
    return {"cross": float(cross.mean()), "brows": float(cross[:, :3].mean()), "per_au": cross.mean(0).tolist(),
            "same": float(np.mean(same)), "pairs": len(cross)}


def main() -> None:
    from ganimation.aus import AU_CODES
    from ganimation.geometry_edit import IDENTITY_PRIOR
    from ganimation.motion.identity import ASSET, IdentityBasis

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/au_motion_cache"))
    ap.add_argument("--rank", type=int, default=16, help="rank of the shipped basis")
    ap.add_argument("--out", type=Path, default=ASSET)
    ap.add_argument("--results", type=Path, default=ROOT / "benchmarks/results/like_identity")
    args = ap.parse_args()
    if not (args.cache / "utkface_3000.npz").is_file():
        raise SystemExit(f"{args.cache}: no tracking cache; run benchmarks/fit_au_motion.py --track-only first")
    full, n_faces, shares = fit_basis(args.cache, max(RANKS + (args.rank,)))
    frames = clip_frames(args.cache)
    train = [n for n in frames if n not in HELD_OUT]
    held = [n for n in frames if n in HELD_OUT]

    def truncated(k):
        return IdentityBasis(components=full.components[:k], std=full.std[:k])

    grid = {"AUs alone (before)": score(frames, train, train, False, IDENTITY_PRIOR)}
    for k in RANKS:
        for prior in PRIORS:
            grid[f"rank {k}, prior {prior:g}"] = score(frames, train, train, truncated(k), prior)
            print(f"rank {k} prior {prior}: {grid[f'rank {k}, prior {prior:g}']['cross']:.4f}", flush=True)
    chosen = truncated(args.rank)
    held_rows = {label: {"AUs alone (before)": score(frames, refs, sources, False, IDENTITY_PRIOR),
                         "identity basis (now)": score(frames, refs, sources, chosen, IDENTITY_PRIOR)}
                 for label, refs, sources in (("held-out references, held-out faces", held, held),
                                              ("held-out references, training faces", held, train))}
    spanned = float(shares[args.rank - 1])
    chosen.save(args.out, fit_info=f"benchmarks/fit_face_identity.py: {n_faces} UTKFace faces, rank {args.rank}, "
                                   f"{100 * spanned:.1f} % of the residual variance")

    def row(name, r):
        return f"| {name} | {r['cross']:.3f} | {r['brows']:.3f} | {r['same']:.3f} |"

    lines = ["# `edit --like` between people: the AU changes against the reference person's own", "",
             ("`.venv/bin/python benchmarks/fit_face_identity.py` (method in its docstring). Mean absolute "
              "error of the 17 fitted AU changes (0-1 scale) against those the reference's own person needs; "
              "brows: AU01, AU02, AU04; same person: how far the identity term moves a person's own fit."), "",
             (f"Basis: {n_faces} UTKFace faces; rank {args.rank} spans {100 * spanned:.1f} % of the variance "
              f"the AU motion model leaves; shipped prior {IDENTITY_PRIOR:g}."), "",
             (f"## Choice, on the {len(train)} training clips ({grid['AUs alone (before)']['pairs']} "
              "reference-face pairs)"), "",
             "| fit | cross-person error | brows | same person |", "|---|---|---|---|",
             *[row(k, v) for k, v in grid.items()], ""]
    for label, rows in held_rows.items():
        lines += [f"## {label} ({rows['AUs alone (before)']['pairs']} pairs)", "",
                  "| fit | cross-person error | brows | same person |", "|---|---|---|---|",
                  *[row(k, v) for k, v in rows.items()], ""]
    before, now = grid["AUs alone (before)"], grid[f"rank {args.rank}, prior {IDENTITY_PRIOR:g}"]
    lines += ["## Per AU, training clips (before -> now)", "", "| AU | before | now |", "|---|---|---|",
              *[f"| {c} | {b:.3f} | {n:.3f} |" for c, b, n in zip(AU_CODES, before["per_au"], now["per_au"])], ""]
    args.results.with_suffix(".md").write_text("\n".join(lines))
    args.results.with_suffix(".json").write_text(json.dumps({"grid": grid, "held_out": held_rows}, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
