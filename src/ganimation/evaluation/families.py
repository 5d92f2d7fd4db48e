"""Metric families of the evaluation: small functions of arrays that compose :mod:`ganimation.metrics`.

Each returns a JSON-ready summary dict (and, where useful, per-face arrays).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ganimation.aus import AU_CODES, AU_REGIONS
from ganimation.evaluation.data import _resize_mask

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
    out = {"n": len(inputs), "psnr": p.mean, "psnr_median": float(np.median(p.per_image)),
           "ssim": ssim(inputs, recon).mean, "l1": l1(inputs, recon).mean}
    per = {"recon_psnr": p.per_image}
    if cycle is not None:
        cp = psnr(inputs, cycle)
        out["cycle"] = {"n": len(inputs), "l1": l1(inputs, cycle).mean, "psnr": cp.mean,
                        "psnr_median": float(np.median(cp.per_image))}
        per["cycle_psnr"] = cp.per_image
    return out, per


def identity_metrics(emb_input: np.ndarray, emb_edit: np.ndarray) -> tuple[dict, np.ndarray]:
    """Mean embedding distance input vs edit and the share under dlib's 0.6 (same person)."""
    d = np.linalg.norm(np.asarray(emb_input, np.float64) - np.asarray(emb_edit, np.float64), axis=1)
    return {"n": len(d), "mean_distance": float(d.mean()), "median_distance": float(np.median(d)),
            "share_same_person": float((d < SAME_PERSON).mean()), "threshold": SAME_PERSON}, d


def ellipse_mask(size: int) -> np.ndarray:
    """``(S, S)`` bool ellipse covering the central face of an aligned crop (as faces.align's fallback)."""
    yy, xx = np.mgrid[:size, :size].astype(np.float64) + 0.5
    return ((xx - 0.5 * size) / (0.36 * size)) ** 2 + ((yy - 0.56 * size) / (0.46 * size)) ** 2 <= 1.0


def template_region_mask(codes: Sequence[str], size: int) -> np.ndarray:
    """Union of the template boxes of the face regions the AUs ``codes`` concern."""
    m = np.zeros((size, size), bool)
    for group in {_AU_GROUP[c] for c in codes}:
        x0, y0, x1, y1 = (round(v * size) for v in TEMPLATE_REGIONS[group])
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
    out = {"n": len(inputs), "background_rmse": bg.mean,
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
    return {"features": features, "n_real": len(real), "n_fake": len(fake),
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

    out = {"n": len(inputs), "changed_fraction": float(changed.mean()),
           "edit": {"psnr": pe.mean, "psnr_pooled": pooled(edits),
                    "ssim": ssim(true_targets, edits).mean, "l1": l1(true_targets, edits).mean,
                    "changed_psnr": float(ce[finite].mean()) if finite.any() else float("nan")},
           "baseline": {"psnr": pb.mean, "psnr_pooled": pooled(inputs),
                        "ssim": ssim(true_targets, inputs).mean, "l1": l1(true_targets, inputs).mean,
                        "changed_psnr": float(cb[finite].mean()) if finite.any() else float("nan")}}
    return out, {"pair_psnr": pe.per_image, "pair_psnr_baseline": pb.per_image}
