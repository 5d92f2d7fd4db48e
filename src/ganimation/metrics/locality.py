"""Does an edit stay where it should? Background change, edit concentration, attention use.

Images are uint8 (or float) ``(N, H, W, 3)`` or ``(H, W, 3)``, as in
:mod:`ganimation.metrics.image`; masks are bool ``(H, W)`` (shared by the
batch) or ``(N, H, W)``, True inside the region.
"""

from __future__ import annotations

import numpy as np

from ganimation.errors import ImageError
from ganimation.metrics.image import MetricResult, as_image_pair, as_mask_batch


def background_rmse(input, edited, face_mask) -> MetricResult:
    """RMSE (0-255 units for uint8) between input and edit over the pixels *outside* the face.

    The background should not change: 0 is best. ``face_mask`` is True on the
    face. Raises :class:`ImageError` when the mask covers a whole image.
    """
    x, y = as_image_pair(input, edited, ("input", "edited"))
    n, h, w, _ = x.shape
    bg = ~as_mask_batch(face_mask, n, h, w, "face_mask")
    counts = bg.reshape(n, -1).sum(axis=1)
    if np.any(counts == 0):
        raise ImageError("face_mask covers the whole image; there is no background to measure")
    sq = ((x - y) ** 2).mean(axis=-1)
    values = np.sqrt((sq * bg).reshape(n, -1).sum(axis=1) / counts)
    return MetricResult(values, float(values.mean()))


def edit_concentration(input, edited, region_mask) -> MetricResult:
    """Share of the change energy that lies inside ``region_mask``, per image.

    ``sum_region |edited - input|^2 / sum_all |edited - input|^2`` (squared
    differences summed over channels). ``region_mask`` marks the region the
    target AUs concern (e.g. the mouth for AU12). Range [0, 1]; higher means a
    more local edit. An edit spread evenly would score the region's area share
    (compare against ``region_mask.mean()``). An image that did not change at
    all gets NaN, and the mean skips NaNs (NaN if every image is unchanged).
    """
    x, y = as_image_pair(input, edited, ("input", "edited"))
    n, h, w, _ = x.shape
    m = as_mask_batch(region_mask, n, h, w, "region_mask")
    energy = ((x - y) ** 2).sum(axis=-1).reshape(n, -1)
    total = energy.sum(axis=1)
    inside = (energy * m.reshape(n, -1)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(total > 0, inside / np.where(total > 0, total, 1.0), np.nan)
    mean = float(np.nanmean(values)) if np.any(np.isfinite(values)) else float("nan")
    return MetricResult(values, mean)


def attention_stats(attention, low: float = 0.05, high: float = 0.95) -> dict:
    """Summary of GANimation attention masks ``(N, H, W)`` or ``(N, 1, H, W)`` in [0, 1].

    The edit is ``A * input + (1 - A) * colour``: A near 1 keeps the input
    pixel, A near 0 replaces it. Returns floats ``mean`` (mean A),
    ``share_low`` (fraction of pixels with A < ``low``: fully repainted) and
    ``share_high`` (fraction with A > ``high``: untouched). A ``share_high``
    near 1 means the mask saturated (output = input); a ``share_low`` near 1
    means it collapsed (the whole image repainted).
    """
    if hasattr(attention, "detach"):
        attention = attention.detach().cpu().numpy()
    a = np.asarray(attention, dtype=np.float64)
    if a.ndim == 4 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or a.size == 0:
        raise ValueError(f"attention has shape {a.shape}; expected (N, H, W) or (N, 1, H, W)")
    if not np.all(np.isfinite(a)):
        raise ValueError("attention contains NaN or infinite values")
    if a.min() < -1e-6 or a.max() > 1 + 1e-6:
        raise ValueError(f"attention values span [{a.min():.3g}, {a.max():.3g}]; expected [0, 1]")
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(f"need 0 <= low < high <= 1, got low={low}, high={high}")
    return {
        "mean": float(a.mean()),
        "share_low": float((a < low).mean()),
        "share_high": float((a > high).mean()),
    }
