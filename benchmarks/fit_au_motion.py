"""Fit ``src/ganimation/assets/au_motion.npz``: the AU -> landmark motion model.

Stages (the first one is cached, so refitting takes seconds):

1. **track**: MediaPipe landmarks + the project's AU estimate on every frame
   (every 2nd of clips over 300 frames) of ../shared/data/video_dev and
   driving_dev, and on ``--utk`` UTKFace crops; frame coordinates
   (:func:`ganimation.motion.frame.to_frame`) cached in ``--cache`` (.npz).
2. **fit**: per-AU basis ``W`` (17, 478*3) by ridge regression toward a FACS
   prior template, restricted to each AU's region (docs/au_motion.md):

       argmin_W  sum_pairs |dX - dA W|^2 + sum_pairs-of-people (UTKFace, with a
       low-rank identity nuisance) + lam_k |W_k - P_k|^2

   within each clip, pairs are (frame - clip median) for both the frame
   coordinates and the AUs, so identity cancels.
3. **evaluate** on the held-out clips (lp_s13, retalking_3, sadtalker_wda_kh)
   and held-out UTKFace faces; write benchmarks/results/au_motion.{json,md}.

    python benchmarks/fit_au_motion.py              # track (cached), fit, evaluate, save
    python benchmarks/fit_au_motion.py --track-only
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT = ("lp_s13.mp4", "retalking_3.mp4", "sadtalker_wda_kh.mp4")


# -- 1. tracking ----------------------------------------------------------------
def _face_record(faces):
    from ganimation.faces.estimate import estimate_aus
    from ganimation.motion.frame import to_frame

    if not faces:
        return None
    face = faces[0]
    lm = np.asarray(face.landmarks, np.float64)
    if not np.all(np.isfinite(lm)):
        return None
    fc, pose = to_frame(lm)
    return fc.astype(np.float32), estimate_aus(face).astype(np.float32), np.array(pose.angles(), np.float32)


def track_clip(path: str, max_frames_full: int = 300) -> dict:
    """Largest face per frame: one landmarker pass on a crop around the last face
    (small faces in tall frames), falling back to a proposal search of the whole frame."""
    import imageio.v2 as iio

    from ganimation.faces.detect import get_detector

    whole = get_detector(search="whole")
    search = get_detector(search="proposals")
    reader = iio.get_reader(path, format="FFMPEG")
    n = reader.count_frames()
    step = 1 if n <= max_frames_full else 2
    X, A, P, idx = [], [], [], []
    box = None
    for i, frame in enumerate(reader):
        if i % step:
            continue
        frame = np.ascontiguousarray(frame[..., :3])
        h, w = frame.shape[:2]
        faces = []
        if box is not None:
            cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            half = 1.3 * max(box[2] - box[0], box[3] - box[1])
            x0, y0 = int(max(0, cx - half)), int(max(0, cy - half))
            x1, y1 = int(min(w, cx + half)), int(min(h, cy + half))
            faces = whole.detect(np.ascontiguousarray(frame[y0:y1, x0:x1]))
            for f in faces:
                f.landmarks = f.landmarks + np.array([x0, y0, 0], np.float32)
                f.box = f.box + np.array([x0, y0, x0, y0], np.float32)
        if not faces:
            faces = search.detect(frame)
        rec = _face_record(faces)
        if rec is None:
            box = None
            continue
        box = faces[0].box
        X.append(rec[0]); A.append(rec[1]); P.append(rec[2]); idx.append(i)
    reader.close()
    if not X:
        raise RuntimeError(f"{path}: no face found")
    return {"X": np.stack(X), "A": np.stack(A), "pose": np.stack(P), "index": np.array(idx)}


def track_utk(folder: str, count: int) -> dict:
    from ganimation.errors import ImageError
    from ganimation.faces.detect import get_detector
    from ganimation.images import load_rgb

    files = sorted(glob.glob(os.path.join(folder, "*.jpg")))
    step = max(1, len(files) // count)
    files = files[::step][:count]
    det = get_detector(search="whole")
    X, A, P, names = [], [], [], []
    for f in files:
        try:
            rgb = load_rgb(f)
        except (ImageError, OSError) as exc:
            print(f"skipped {f}: {exc}", flush=True)
            continue
        rec = _face_record(det.detect(np.asarray(rgb, np.uint8)))
        if rec is None:
            continue
        X.append(rec[0]); A.append(rec[1]); P.append(rec[2]); names.append(os.path.basename(f))
    return {"X": np.stack(X), "A": np.stack(A), "pose": np.stack(P), "names": np.array(names)}


def track_all(args) -> None:
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    clips = sorted(glob.glob(os.path.join(args.video_dev, "*.mp4")) + glob.glob(os.path.join(args.driving_dev, "*.mp4")))
    for path in clips:
        out = cache / (Path(path).stem + ".npz")
        if out.exists():
            continue
        t0 = time.time()
        rec = track_clip(path)
        np.savez(out, **rec)
        print(f"tracked {Path(path).name}: {len(rec['X'])} frames in {time.time() - t0:.0f} s", flush=True)
    out = cache / f"utkface_{args.utk}.npz"
    if not out.exists():
        t0 = time.time()
        rec = track_utk(args.utkface, args.utk)
        np.savez(out, **rec)
        print(f"tracked UTKFace: {len(rec['X'])} faces in {time.time() - t0:.0f} s", flush=True)


# -- 2. FACS prior templates and regions --------------------------------------------
_R_UPPER = (33, 246, 161, 160, 159, 158, 157, 173, 133)
_R_LOWER = (33, 7, 163, 144, 145, 153, 154, 155, 133)
_L_UPPER = (263, 466, 388, 387, 386, 385, 384, 398, 362)
_L_LOWER = (263, 249, 390, 373, 374, 380, 381, 382, 362)
LOWER_LIP = (14, 17, 84, 87, 88, 91, 95, 146, 178, 181, 314, 317, 318, 321, 324, 375, 402, 405)
UPPER_LIP = (0, 13, 37, 39, 40, 80, 81, 82, 185, 191, 267, 269, 270, 310, 311, 312, 409, 415)
CORNERS = (61, 291, 78, 308)


def _soft(v, lo, hi, w):
    """1 inside [lo, hi], smooth (cosine) fall-off to 0 over ``w`` outside."""
    v = np.asarray(v, np.float64)
    out = np.ones_like(v)
    for edge, side in ((lo, -1), (hi, 1)):
        d = (v - edge) * side  # > 0 outside
        f = np.where(d <= 0, 1.0, np.where(d >= w, 0.0, 0.5 * (1 + np.cos(np.pi * np.clip(d, 0, w) / w))))
        out = out * f
    return out


def _gauss(v, c, s):
    return np.exp(-0.5 * ((np.asarray(v) - c) / s) ** 2)


def _lid_field(m: np.ndarray, upper_amount, lower_amount, crease_decay=0.08) -> np.ndarray:
    """Vertical eyelid motion (478,): ``upper_amount(x, gap)`` moves the upper lid (gap = lid
    aperture at x), ``lower_amount`` the lower lid; points between the lids interpolate,
    points above the upper lid / below the lower lid follow with a decay."""
    dy = np.zeros(len(m))
    x, y = m[:, 0], m[:, 1]
    for up, lo in ((_R_UPPER, _R_LOWER), (_L_UPPER, _L_LOWER)):
        ux, uy = m[list(up), 0], m[list(up), 1]
        lx, ly = m[list(lo), 0], m[list(lo), 1]
        ou, ol = np.argsort(ux), np.argsort(lx)
        xmin, xmax = min(ux.min(), lx.min()), max(ux.max(), lx.max())
        near = (x > xmin - 0.12) & (x < xmax + 0.12) & (y > -0.3) & (y < 0.3)
        xc = np.clip(x, xmin, xmax)
        yu = np.interp(xc, ux[ou], uy[ou])
        yl = np.interp(xc, lx[ol], ly[ol])
        gap = np.maximum(yl - yu, 0.0)
        du, dl = upper_amount(gap), lower_amount(gap)
        edge = _soft(x, xmin, xmax, 0.12)
        t = np.clip((y - yu) / np.maximum(gap, 1e-6), 0, 1)
        between = (1 - t) * du + t * dl
        above = du * np.exp(-0.5 * (np.maximum(yu - y, 0) / crease_decay) ** 2)
        below = dl * np.exp(-0.5 * (np.maximum(y - yl, 0) / crease_decay) ** 2)
        val = np.where(y < yu, above, np.where(y > yl, below, between)) * edge
        dy = np.where(near, val, dy)
    return dy


def prior_templates() -> tuple[np.ndarray, np.ndarray]:
    """FACS prior ``P`` (17, 478, 3) (motion in IOD at AU = 1) and soft regions ``M`` (17, 478).

    Every prior moves only its AU's own region; magnitudes are those of a strong
    real expression (jaw drop ~0.45 IOD at the chin, lip corners ~0.15 IOD).
    """
    from ganimation.aus import AU_CODES
    from ganimation.motion.frame import mean_shape

    m = mean_shape()
    x, y = m[:, 0], m[:, 1]
    ax, sx = np.abs(x), np.sign(x)
    n = len(m)
    lower = np.zeros(n); lower[list(LOWER_LIP)] = 1.0
    upper = np.zeros(n); upper[list(UPPER_LIP)] = 1.0
    corner = np.zeros(n); corner[list(CORNERS)] = 1.0
    lips = np.maximum(np.maximum(lower, upper), corner)
    # below the mouth line: the lower lip set, and other points by height
    below_mouth = np.where(lips > 0, lower + 0.5 * corner, _soft(y, 1.04, 9, 0.08))
    P = {c: np.zeros((n, 3)) for c in AU_CODES}
    M = {}
    brow_band = _soft(y, -0.5, -0.2, 0.14) * _soft(ax, 0, 0.95, 0.15)
    brow_reg = _soft(y, -9, -0.12, 0.08) * _soft(ax, 0, 1.0, 0.1)
    eye_reg = _gauss(ax, 0.49, 0.2) * _soft(y, -0.22, 0.2, 0.08) * _soft(ax, 0.12, 9, 0.06)
    mouth_reg = _soft(y, 0.55, 9, 0.15) * _soft(ax, 0, 0.95, 0.15)

    # brows: AU01 inner up, AU02 outer up, AU04 down and together
    P["AU01"][:, 1] = -0.13 * _gauss(ax, 0.25, 0.22) * brow_band
    P["AU02"][:, 1] = -0.12 * _gauss(ax, 0.8, 0.22) * brow_band
    P["AU02"][:, 1] += -0.03 * _gauss(ax, 0.25, 0.2) * brow_band
    P["AU04"][:, 1] = 0.14 * _gauss(ax, 0.35, 0.3) * brow_band    # apex brow lowering (FACS: AU04 E)
    P["AU04"][:, 0] = -0.08 * sx * _gauss(ax, 0.3, 0.25) * brow_band
    for c in ("AU01", "AU02", "AU04"):
        M[c] = brow_reg
    # eyes: AU05 upper lid up, AU07 lids tighten, AU45 lids closed
    P["AU05"][:, 1] = _lid_field(m, lambda g: -0.5 * g, lambda g: 0.05 * g)
    P["AU07"][:, 1] = _lid_field(m, lambda g: 0.15 * g, lambda g: -0.3 * g)
    P["AU07"][:, 0] = 0.0
    P["AU45"][:, 1] = _lid_field(m, lambda g: 0.85 * g, lambda g: -0.08 * g, crease_decay=0.07)
    for c in ("AU05", "AU07", "AU45"):
        M[c] = eye_reg
    # AU06 cheeks up, lower lids up (crow's feet)
    cheek = _gauss(ax, 0.62, 0.2) * _gauss(y, 0.42, 0.2)
    P["AU06"][:, 1] = -0.07 * cheek + _lid_field(m, lambda g: 0.05 * g, lambda g: -0.25 * g)
    M["AU06"] = _soft(y, -0.2, 0.8, 0.15) * _soft(ax, 0.2, 1.1, 0.15)
    # AU09 nose wrinkle: nose sides and wings up, upper lip up a little, inner brows down
    nose = _soft(ax, 0, 0.3, 0.12) * _soft(y, 0.15, 0.8, 0.15)
    P["AU09"][:, 1] = -0.08 * nose * _gauss(y, 0.6, 0.2) - 0.06 * upper * _soft(ax, 0, 0.3, 0.15)
    P["AU09"][:, 1] += 0.04 * _gauss(ax, 0.2, 0.15) * _soft(y, -0.45, -0.15, 0.12)
    P["AU09"][:, 0] = -0.015 * sx * nose
    M["AU09"] = np.maximum(_soft(ax, 0, 0.5, 0.12) * _soft(y, -0.5, 1.0, 0.1), 0)
    # AU10 upper lip up (centre most), nasolabial fold up a little
    ul_zone = _soft(y, 0.55, 1.0, 0.08) * (1 - below_mouth) * _soft(ax, 0, 0.55, 0.15)
    P["AU10"][:, 1] = -0.13 * ul_zone * _gauss(ax, 0, 0.3) * _soft(y, 0.8, 9, 0.25)
    P["AU10"][:, 2] = -0.02 * ul_zone * _gauss(ax, 0, 0.3)
    M["AU10"] = _soft(y, 0.45, 1.0, 0.1) * (1 - 0.7 * below_mouth) * _soft(ax, 0, 0.7, 0.15)
    # mouth corners: AU12 up and out, AU14 in and back, AU15 down, AU20 sideways
    cz = _gauss(ax, 0.43, 0.18) * _gauss(y, 0.99, 0.18)
    P["AU12"][:, 0] = 0.08 * sx * cz
    P["AU12"][:, 1] = -0.12 * cz - 0.03 * _gauss(ax, 0.55, 0.2) * _gauss(y, 0.6, 0.2)
    P["AU14"][:, 0] = -0.05 * sx * cz
    P["AU14"][:, 1] = -0.015 * cz
    P["AU14"][:, 2] = 0.03 * cz
    P["AU15"][:, 1] = 0.08 * cz + 0.02 * lower * _soft(ax, 0, 0.4, 0.1)
    P["AU15"][:, 0] = -0.01 * sx * cz
    P["AU20"][:, 0] = 0.1 * sx * cz
    P["AU20"][:, 1] = 0.02 * cz
    for c in ("AU12", "AU14", "AU15", "AU20"):
        M[c] = mouth_reg
    # AU17 chin up, lower lip up and pushed out
    chin = _soft(y, 1.25, 9, 0.15) * _soft(ax, 0, 0.5, 0.25)
    P["AU17"][:, 1] = -0.06 * chin - 0.05 * lower * _soft(ax, 0, 0.35, 0.1)
    P["AU17"][:, 2] = -0.03 * lower
    M["AU17"] = _soft(y, 0.95, 9, 0.1) * _soft(ax, 0, 0.7, 0.2)
    # AU23 lips tightened and narrowed: red lips thinner, corners in
    P["AU23"][:, 1] = 0.03 * upper * (1 - _soft(y, 0.97, 9, 0.01)) - 0.03 * lower * _soft(y, 1.1, 9, 0.05)
    P["AU23"][:, 0] = -0.04 * sx * cz
    M["AU23"] = mouth_reg
    # AU25 lips apart: lower lip down, upper lip up a little, chin a little
    P["AU25"][:, 1] = 0.10 * lower - 0.025 * upper * _soft(y, 0.95, 9, 0.05) \
        + 0.04 * (1 - lips) * _soft(y, 1.1, 9, 0.1) * _soft(ax, 0, 0.5, 0.3)
    M["AU25"] = mouth_reg
    # AU26 jaw drop: everything below the mouth line follows the jaw (rotation about the ear)
    ramp = np.clip((y - 0.95) / (1.7 - 0.95), 0, 1)
    jaw = below_mouth * (0.6 + 0.4 * ramp) * (1 - 0.55 * np.clip(ax / 1.0, 0, 1) ** 2)
    P["AU26"][:, 1] = 0.45 * jaw
    P["AU26"][:, 2] = 0.12 * jaw * ramp
    P["AU26"][:, 1] += 0.12 * corner * 0  # corners carried by below_mouth's 0.5
    # the jaw carries the lower lip and chin; the upper lip only a little (lips stay soft)
    M["AU26"] = _soft(y, 0.85, 9, 0.12) * (1 - 0.7 * upper) * (1 - 0.7 * _soft(y, -9, 0.97, 0.05))
    prior = np.stack([P[c] for c in AU_CODES])
    masks = np.stack([np.clip(M[c], 0, 1) for c in AU_CODES])
    # a prior never reaches outside its region
    prior = prior * (masks > 1e-3)[..., None]
    return prior, masks


# -- 3. data, fit, evaluation --------------------------------------------------------
MAX_YAW, MAX_PITCH = 35.0, 30.0


def load_clips(cache: Path) -> dict[str, dict]:
    """Per clip: ``dX`` (n, 478, 3) and ``dA`` (n, 17) relative to the clip median, and
    ``dP`` (n, 6) pose nuisance (yaw, pitch, roll and their squares, centred)."""
    clips = {}
    for f in sorted(cache.glob("*.npz")):
        if f.stem.startswith("utkface"):
            continue
        d = np.load(f)
        X, A, pose = d["X"].astype(np.float64), d["A"].astype(np.float64), d["pose"].astype(np.float64)
        ok = (np.abs(pose[:, 0]) < MAX_YAW) & (np.abs(pose[:, 1]) < MAX_PITCH)
        if ok.sum() < 10:
            continue
        X, A, pose = X[ok], A[ok], pose[ok]
        pc = pose - np.median(pose, 0)
        dP = np.concatenate([pc, pc ** 2 - (pc ** 2).mean(0)], 1) / np.array([10, 10, 10, 100, 100, 100])
        clips[f.stem + ".mp4"] = {"dX": X - np.median(X, 0), "dA": A - np.median(A, 0), "dP": dP,
                                  "X": X, "A": A}
    return clips


def load_utk(cache: Path, count: int, test_every: int = 5) -> dict:
    d = np.load(cache / f"utkface_{count}.npz")
    X, A, pose = d["X"].astype(np.float64), d["A"].astype(np.float64), d["pose"].astype(np.float64)
    ok = (np.abs(pose[:, 0]) < MAX_YAW) & (np.abs(pose[:, 1]) < MAX_PITCH)
    idx = np.arange(len(X))
    test = ok & (idx % test_every == 0)
    train = ok & ~test
    return {"X": X, "A": A, "train": train, "test": test}


def knn_graph(k: int = 8) -> np.ndarray:
    from ganimation.motion.frame import mean_shape

    m = mean_shape()
    d2 = ((m[:, None] - m[None]) ** 2).sum(2)
    return np.argsort(d2, 1)[:, 1:k + 1]


def ridge_to_prior(dA: np.ndarray, dX: np.ndarray, nuis: np.ndarray | None, prior: np.ndarray,
                   masks: np.ndarray, lam: float, row_w: np.ndarray | None = None,
                   smooth_iters: int = 3, nbrs: np.ndarray | None = None) -> np.ndarray:
    """Per landmark: ``argmin |dX_j - sum_k dA_k m_kj v_kj - nuis b|^2 + lam sum_k |v_kj - v0_kj|^2``
    over the AUs whose region holds the landmark; ``W_kj = m_kj v_kj``. The correction
    ``v - v0`` is then smoothed over neighbouring landmarks (``smooth_iters`` averaging passes)."""
    K, J = masks.shape
    n = len(dA)
    w = np.ones(n) if row_w is None else row_w
    nuis = np.zeros((n, 0)) if nuis is None else nuis
    q = nuis.shape[1]
    corr = np.zeros((K, J, 3))
    for j in range(J):
        act = np.nonzero(masks[:, j] > 1e-3)[0]
        if len(act) == 0:
            continue
        Z = np.concatenate([dA[:, act] * masks[act, j], nuis], 1)
        Zw = Z * w[:, None]
        G = Zw.T @ Z
        v0 = np.zeros((len(act) + q, 3))
        v0[:len(act)] = prior[act, j] / masks[act, j][:, None]
        reg = np.concatenate([np.broadcast_to(lam, (K,))[act], np.full(q, 1e-3)])
        b = Zw.T @ dX[:, j] + reg[:, None] * v0
        v = np.linalg.solve(G + np.diag(reg), b)
        corr[act, j] = v[:len(act)] - v0[:len(act)]
    if nbrs is not None and smooth_iters:
        support = (masks > 1e-3)[..., None]
        for _ in range(smooth_iters):
            corr = support * (0.5 * corr + 0.5 * corr[:, nbrs].mean(2))
    return symmetrise(prior + masks[..., None] * corr)


@lru_cache(maxsize=1)
def mirror_index() -> np.ndarray:
    """Landmark ``j``'s left-right twin on the mean face (an involution; twins lie within 0.007 IOD)."""
    from ganimation.motion.frame import mean_shape

    m = mean_shape()
    d = ((m[:, None] - (m * np.array([-1.0, 1.0, 1.0]))[None]) ** 2).sum(2)
    return d.argmin(1)


def symmetrise(W: np.ndarray) -> np.ndarray:
    """Average each AU's motion with its mirror image (the 17 AUs are bilateral)."""
    flip = W[:, mirror_index()] * np.array([-1.0, 1.0, 1.0])
    return 0.5 * (W + flip)


RARE_COUNT = 100      # frames with |AU change| > 0.3 below which an AU counts as rare
RARE_LAMBDA = 30.0    # its ridge strength: data and prior weigh about equally


def per_au_lambda(clips, names, lam: float) -> np.ndarray:
    dA = np.concatenate([clips[c]["dA"] for c in names])
    count = (np.abs(dA) > 0.3).sum(0)
    return np.where(count < RARE_COUNT, max(lam, RARE_LAMBDA), lam)


def stack_clips(clips: dict, names) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dA = np.concatenate([clips[c]["dA"] for c in names])
    dX = np.concatenate([clips[c]["dX"] for c in names])
    dP = np.concatenate([clips[c]["dP"] for c in names])
    return dA, dX, dP


def fit(clips, names, prior, masks, lam, nbrs, utk=None, utk_weight=0.0, rank=8, iters=3, smooth_iters=3):
    dA, dX, dP = stack_clips(clips, names)
    lam = per_au_lambda(clips, names, lam) if np.ndim(lam) == 0 else lam
    W = ridge_to_prior(dA, dX, dP, prior, masks, lam, smooth_iters=smooth_iters, nbrs=nbrs)
    if utk is None or utk_weight <= 0:
        return W
    tr = utk["train"]
    Xu, Au = utk["X"][tr], utk["A"][tr]
    dXu, dAu = Xu - Xu.mean(0), Au - Au.mean(0)
    n_u = len(dXu)
    for _ in range(iters):
        # identity nuisance: top-`rank` components of the residual across people
        R = (dXu - np.tensordot(dAu, W, axes=(1, 0))).reshape(n_u, -1)
        u, sv, vt = np.linalg.svd(R - R.mean(0), full_matrices=False)
        ident = (u[:, :rank] * sv[:rank]) @ vt[:rank]
        dXc = dXu - ident.reshape(dXu.shape)
        allA = np.concatenate([dA, dAu])
        allX = np.concatenate([dX, dXc])
        allP = np.concatenate([dP, np.zeros((n_u, dP.shape[1]))])
        wts = np.concatenate([np.ones(len(dA)), np.full(n_u, utk_weight)])
        W = ridge_to_prior(allA, allX, allP, prior, masks, lam, row_w=wts, smooth_iters=smooth_iters, nbrs=nbrs)
    return W


def region_sets() -> dict[str, list[int]]:
    from ganimation.motion.regions import (
        CHIN,
        LEFT_BROW,
        LEFT_EYE,
        LIPS,
        RIGHT_BROW,
        RIGHT_EYE,
    )

    return {"all": list(range(478)), "mouth": list(LIPS + CHIN), "eyes": list(RIGHT_EYE + LEFT_EYE),
            "brows": list(RIGHT_BROW + LEFT_BROW)}


def _err(pred: np.ndarray, true: np.ndarray, idx) -> float:
    """Mean per-landmark 2D (x, y) distance in IOD."""
    return float(np.linalg.norm((pred - true)[:, idx, :2], axis=2).mean())


def eval_clips(W, clips, names) -> dict:
    regions = region_sets()
    out = {}
    for c in names:
        dA, dX = clips[c]["dA"], clips[c]["dX"]
        pred = np.tensordot(dA, W, axes=(1, 0))
        mag = np.linalg.norm(dX[:, :, :2], axis=2).mean(1)
        expressive = mag >= np.quantile(mag, 0.75)
        r = {"frames": len(dX)}
        for name, idx in regions.items():
            r[f"{name}_model"] = _err(pred, dX, idx)
            r[f"{name}_zero"] = _err(np.zeros_like(dX), dX, idx)
        r["expressive_all_model"] = _err(pred[expressive], dX[expressive], regions["all"])
        r["expressive_all_zero"] = _err(np.zeros_like(dX[expressive]), dX[expressive], regions["all"])
        out[c] = r
    keys = [k for k in next(iter(out.values())) if k != "frames"]
    w = np.array([out[c]["frames"] for c in names], float)
    out["mean over frames"] = {"frames": int(w.sum()),
                               **{k: float(np.average([out[c][k] for c in names], weights=w)) for k in keys}}
    return out


def eval_utk(W, utk) -> dict:
    from ganimation.motion.frame import mean_shape

    regions = region_sets()
    tr, te = utk["train"], utk["test"]
    mu, amu = utk["X"][tr].mean(0), utk["A"][tr].mean(0)
    Xt, At = utk["X"][te], utk["A"][te]
    pred = mu + np.tensordot(At - amu, W, axes=(1, 0))
    base = np.broadcast_to(mu, Xt.shape)
    r = {"faces_train": int(tr.sum()), "faces_test": int(te.sum())}
    for name, idx in regions.items():
        r[f"{name}_model"] = _err(pred, Xt, idx)
        r[f"{name}_mean_shape"] = _err(base, Xt, idx)
    r["all_canonical_mean_face"] = _err(np.broadcast_to(mean_shape(), Xt.shape), Xt, regions["all"])
    return r


def cv_error(clips, names, prior, masks, lam, nbrs, folds=4) -> float:
    names = list(names)
    errs, cnt = 0.0, 0
    for f in range(folds):
        test = names[f::folds]
        train = [c for c in names if c not in test]
        W = fit(clips, train, prior, masks, lam, nbrs)
        res = eval_clips(W, clips, test)
        n = res["mean over frames"]["frames"]
        errs += res["mean over frames"]["all_model"] * n
        cnt += n
    return errs / cnt


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--video-dev", default=str(ROOT.parent / "shared/data/video_dev"))
    ap.add_argument("--driving-dev", default=str(ROOT.parent / "shared/data/driving_dev"))
    ap.add_argument("--utkface", default=str(ROOT.parent / "shared/data/utkface"))
    ap.add_argument("--utk", type=int, default=3000, help="UTKFace crops to use (evenly spaced)")
    ap.add_argument("--cache", default="/tmp/au_motion_cache")
    ap.add_argument("--track-only", action="store_true")
    ap.add_argument("--lams", default="1,10,30,100,300,1000", help="ridge strengths tried by 4-fold CV over training clips")
    ap.add_argument("--utk-weight", type=float, default=0.3, help="row weight of UTKFace faces in the fit")
    ap.add_argument("--rank", type=int, default=8, help="identity nuisance rank for UTKFace")
    ap.add_argument("--out", default=str(ROOT / "src/ganimation/assets/au_motion.npz"))
    ap.add_argument("--results", default=str(ROOT / "benchmarks/results/au_motion"))
    return ap.parse_args(argv)


def _summary(ev: dict) -> dict:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in ev.items()}


def main(argv=None) -> None:
    from ganimation.aus import AU_CODES

    args = parse_args(argv)
    track_all(args)
    if args.track_only:
        return
    t0 = time.time()
    cache = Path(args.cache)
    clips = load_clips(cache)
    held = [c for c in HELD_OUT if c in clips]
    train = [c for c in clips if c not in HELD_OUT]
    utk = load_utk(cache, args.utk)
    prior, masks = prior_templates()
    nbrs = knn_graph()

    # ridge strength by 4-fold cross-validation over the training clips only
    lams = [float(v) for v in args.lams.split(",")]
    cv = {lam: cv_error(clips, train, prior, masks, lam, nbrs) for lam in lams}
    for lam, e in cv.items():
        print(f"lambda {lam:g}: CV error {e:.4f} IOD", flush=True)
    best = min(cv, key=cv.get)
    # the CV optimum trusts the data as far as it can; lambda is not set below 1
    # (one unit-AU frame-pair equivalent) so rarely seen AUs stay near the prior
    lam = max(best, 1.0)

    variants = {
        "zero motion": np.zeros_like(prior),
        "prior only": prior,
        "data only (region-restricted ridge toward 0, lambda 0.01)": fit(clips, train, np.zeros_like(prior), masks,
                                                                      np.full(len(AU_CODES), 0.01), nbrs),
        f"prior + video, lambda {lam:g}": fit(clips, train, prior, masks, lam, nbrs),
    }
    if args.utk_weight > 0:
        variants[f"prior + video + UTKFace (w {args.utk_weight:g}, identity rank {args.rank}), lambda {lam:g}"] = \
            fit(clips, train, prior, masks, lam, nbrs, utk=utk, utk_weight=args.utk_weight, rank=args.rank)
    chosen = list(variants)[-1]
    results = {"held_out_clips": held, "training_clips": train, "cv_lambda": {str(k): v for k, v in cv.items()},
               "lambda": lam, "chosen": chosen, "variants": {}}
    for name, W in variants.items():
        results["variants"][name] = {"video_held_out": {c: _summary(v) for c, v in eval_clips(W, clips, held).items()},
                                     "utkface_held_out": _summary(eval_utk(W, utk))}
    W = variants[chosen]
    peak = np.linalg.norm(W, axis=2).max(1)
    results["peak_motion_iod"] = {c: round(float(p), 3) for c, p in zip(AU_CODES, peak)}
    lam_k = per_au_lambda(clips, train, lam)
    results["lambda_per_au"] = {c: float(v) for c, v in zip(AU_CODES, lam_k)}
    results["train_pairs"] = int(sum(len(clips[c]["dA"]) for c in train))
    results["seconds"] = round(time.time() - t0, 1)

    info = json.dumps({"lambda": lam, "lambda_per_au": results["lambda_per_au"], "train_clips": len(train), "train_frames": results["train_pairs"],
                       "utk_weight": args.utk_weight, "rank": args.rank, "variant": chosen})
    np.savez_compressed(args.out, basis=W.astype(np.float32), au_codes=np.array(AU_CODES, dtype="<U4"),
                        prior=prior.astype(np.float16), masks=masks.astype(np.float16),
                        fit_info=np.array(info))
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1024:.0f} KB)")
    Path(args.results).parent.mkdir(parents=True, exist_ok=True)
    Path(args.results + ".json").write_text(json.dumps(results, indent=2))
    Path(args.results + ".md").write_text(report_md(results))
    print(Path(args.results + ".md").read_text())


def report_md(r: dict) -> str:
    lines = ["# AU -> landmark motion model: held-out error", "",
             ("`python benchmarks/fit_au_motion.py` (docs/au_motion.md). Errors are mean per-landmark 2D "
              "distances in frame coordinates (IOD units, head pose removed)."), "",
             f"Held-out clips (never used in fitting or tuning): {', '.join(r['held_out_clips'])}. "
             f"Training: {len(r['training_clips'])} clips, {r['train_pairs']} frames. "
             f"Ridge strength lambda = {r['lambda']:g}, "
             f"{RARE_LAMBDA:g} for the AUs the training clips rarely show ("
             + ", ".join(c for c, v in r["lambda_per_au"].items() if v > r["lambda"]) + ") (4-fold CV over training clips: "
             + ", ".join(f"{k}: {v:.4f}" for k, v in r["cv_lambda"].items()) + ").", "",
             "## Video: each frame's landmark change (vs the clip median) from its AU change", "",
             "| model | all | mouth | eyes | brows | top-25 % expressive frames |", "|---|---|---|---|---|---|"]
    for name, v in r["variants"].items():
        e = v["video_held_out"]["mean over frames"]
        lines.append(f"| {name} | {e['all_model']:.4f} | {e['mouth_model']:.4f} | {e['eyes_model']:.4f} | "
                     f"{e['brows_model']:.4f} | {e['expressive_all_model']:.4f} |")
    ch = r["variants"][r["chosen"]]["video_held_out"]
    lines += ["", f"Per held-out clip, chosen model ({r['chosen']}) vs zero motion:", "",
              "| clip | frames | all | zero | mouth | zero | eyes | zero | brows | zero |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for c, e in ch.items():
        lines.append(f"| {c} | {e.get('frames', '')} | {e['all_model']:.4f} | {e['all_zero']:.4f} | "
                     f"{e['mouth_model']:.4f} | {e['mouth_zero']:.4f} | {e['eyes_model']:.4f} | {e['eyes_zero']:.4f} | "
                     f"{e['brows_model']:.4f} | {e['brows_zero']:.4f} |")
    lines += ["", "## UTKFace: a held-out face's landmarks from its AUs (across people)", "",
              "Prediction = training mean shape + (AUs - mean AUs) @ basis; baseline = training mean shape.", "",
              "| model | all | mouth | eyes | brows |", "|---|---|---|---|---|"]
    for name, v in r["variants"].items():
        e = v["utkface_held_out"]
        lines.append(f"| {name} | {e['all_model']:.4f} | {e['mouth_model']:.4f} | {e['eyes_model']:.4f} | "
                     f"{e['brows_model']:.4f} |")
    e = r["variants"][r["chosen"]]["utkface_held_out"]
    lines += [(f"| mean-shape baseline | {e['all_mean_shape']:.4f} | {e['mouth_mean_shape']:.4f} | "
               f"{e['eyes_mean_shape']:.4f} | {e['brows_mean_shape']:.4f} |"), "",
              f"{e['faces_test']} held-out faces (every 5th of the tracked ones), {e['faces_train']} for the mean.", "",
              "## Peak landmark motion per AU at 1 (IOD)", "",
              "| " + " | ".join(r["peak_motion_iod"]) + " |", "|" + "---|" * len(r["peak_motion_iod"]),
              "| " + " | ".join(f"{v:.2f}" for v in r["peak_motion_iod"].values()) + " |", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
