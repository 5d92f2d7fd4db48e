"""Colour shift of the face region: how far an edit moves the face's chroma (CIELAB a*, b*).

An expression edit should move shapes, not repaint the face: purple lips,
grey smudges or a warm cast all show up as a change of the distribution of
the a* (green-red) and b* (blue-yellow) coordinates over the face.
:func:`colour_shift` fits a 2D Gaussian to the a*b* values of the face
pixels of the input and of the edit and returns the Fréchet distance
between the two (in a*b* units, the square root of the FID-style squared
distance ``|mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^1/2)``): 0 for identical
colour statistics; a uniform tint of (da*, db*) gives ``hypot(da*, db*)``.
Lightness (L*) is left out on purpose: a warp moves shading and a smile
brightens teeth, which are not colour damage.
"""

from __future__ import annotations

import numpy as np

from ganimation.metrics.image import MetricResult

_M_RGB2XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                       [0.2126729, 0.7151522, 0.0721750],
                       [0.0193339, 0.1191920, 0.9503041]])
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def rgb_to_lab(image: np.ndarray) -> np.ndarray:
    """``(..., 3)`` sRGB uint8 (or float 0-255) -> ``(..., 3)`` float64 CIELAB (D65): L* 0-100, a*, b* ~ -128..127."""
    x = np.asarray(image, np.float64) / 255.0
    lin = np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)
    xyz = lin @ _M_RGB2XYZ.T / _WHITE_D65
    eps = (6 / 29) ** 3
    f = np.where(xyz > eps, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def _gauss(ab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mu = ab.mean(0)
    d = ab - mu
    return mu, d.T @ d / max(len(ab) - 1, 1)


def _frechet2(mu1, s1, mu2, s2) -> float:
    """Squared Fréchet distance of two 2D Gaussians (closed form for 2x2 PSD matrices)."""
    # tr((S1 S2)^1/2) = sqrt(tr(S1 S2) + 2 sqrt(det(S1 S2))) for 2x2 with real non-negative eigenvalues
    p = s1 @ s2
    det = max(float(np.linalg.det(p)), 0.0)
    tr_sqrt = np.sqrt(max(float(np.trace(p)) + 2 * np.sqrt(det), 0.0))
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


def ab_stats(image: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(2,)`` and covariance ``(2, 2)`` of a*b* over the ``mask`` pixels of ``(H, W, 3)`` uint8 RGB."""
    ab = rgb_to_lab(image)[..., 1:]
    ab = ab.reshape(-1, 2) if mask is None else ab[np.asarray(mask, bool)]
    if len(ab) < 2:
        raise ValueError("the face mask holds fewer than 2 pixels")
    return _gauss(ab)


def colour_shift_one(inp: np.ndarray, edited: np.ndarray, mask: np.ndarray | None = None) -> dict[str, float]:
    """Colour shift of one ``(H, W, 3)`` uint8 pair over ``mask`` ``(H, W)`` bool (None: whole image).

    Returns ``frechet_ab`` (a*b* units, >= 0, 0 when identical), ``mean_shift_ab``
    (distance of the a*b* means) and ``d_a``, ``d_b`` (mean change of a* and b*;
    positive a* = redder / more magenta, negative b* = bluer).
    """
    if inp.shape != edited.shape:
        raise ValueError(f"input {inp.shape} and edit {edited.shape} differ in shape")
    mu1, s1 = ab_stats(inp, mask)
    mu2, s2 = ab_stats(edited, mask)
    d = mu2 - mu1
    return {"frechet_ab": float(np.sqrt(max(_frechet2(mu1, s1, mu2, s2), 0.0))),
            "mean_shift_ab": float(np.hypot(*d)), "d_a": float(d[0]), "d_b": float(d[1])}


def colour_shift(inputs: np.ndarray, edits: np.ndarray, masks: np.ndarray | None = None) -> MetricResult:
    """Per-image :func:`colour_shift_one` ``frechet_ab`` of ``(N, H, W, 3)`` uint8 pairs over ``(N, H, W)`` masks.

    Returns ``MetricResult(per_image (N,), mean)``; lower is better, 0 for identical images.
    """
    inputs, edits = np.asarray(inputs), np.asarray(edits)
    if inputs.ndim == 3:
        inputs, edits = inputs[None], edits[None]
        masks = None if masks is None else np.asarray(masks)[None]
    per = np.array([colour_shift_one(a, b, None if masks is None else masks[i])["frechet_ab"]
                    for i, (a, b) in enumerate(zip(inputs, edits))])
    return MetricResult(per, float(per.mean()) if len(per) else float("nan"))
