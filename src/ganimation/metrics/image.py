"""Pixel-level image similarity: PSNR, SSIM and L1, per image and averaged.

All functions take two images or two batches of the same shape: ``(H, W, 3)``
or ``(N, H, W, 3)``, uint8 in [0, 255] (the usual case) or floating point in
``[0, data_range]``. A single image is treated as a batch of one. Each returns
a :class:`MetricResult` holding the per-image values ``(N,)`` and their mean.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ganimation.errors import ImageError


class MetricResult(NamedTuple):
    """Per-image values ``(N,)`` (float64) and their mean (a Python float)."""

    per_image: np.ndarray
    mean: float


def _to_numpy(x, name: str) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.dtype == np.uint8:
        return x
    if not np.issubdtype(x.dtype, np.floating):
        raise ImageError(f"{name} has dtype {x.dtype}; expected uint8 (or float in [0, data_range])")
    return x


def as_image_batch(x, name: str = "image") -> np.ndarray:
    """``(H, W, 3)`` or ``(N, H, W, 3)`` uint8/float -> ``(N, H, W, 3)`` float64.

    Raises :class:`ImageError` on another shape or dtype, or on NaN/inf.
    """
    x = _to_numpy(x, name)
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ImageError(f"{name} has shape {x.shape}; expected (H, W, 3) or (N, H, W, 3) RGB")
    if x.shape[0] == 0 or x.shape[1] == 0 or x.shape[2] == 0:
        raise ImageError(f"{name} is empty (shape {x.shape})")
    x = x.astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise ImageError(f"{name} contains NaN or infinite values")
    return x


def as_image_pair(a, b, names: tuple[str, str] = ("a", "b")) -> tuple[np.ndarray, np.ndarray]:
    """Two images or batches of one shape, as ``(N, H, W, 3)`` float64 each."""
    a = as_image_batch(a, names[0])
    b = as_image_batch(b, names[1])
    if a.shape != b.shape:
        raise ImageError(
            f"{names[0]} {a.shape[1:3]} x{a.shape[0]} and {names[1]} {b.shape[1:3]} x{b.shape[0]} "
            "differ in shape; compare images of the same size"
        )
    return a, b


def as_mask_batch(mask, n: int, h: int, w: int, name: str = "mask") -> np.ndarray:
    """A bool mask ``(H, W)`` (shared) or ``(N, H, W)`` -> ``(N, H, W)`` bool."""
    if hasattr(mask, "detach"):
        mask = mask.detach().cpu().numpy()
    mask = np.asarray(mask)
    if mask.dtype != np.bool_:
        raise ImageError(f"{name} has dtype {mask.dtype}; expected a bool array (True = inside)")
    if mask.shape == (h, w):
        mask = np.broadcast_to(mask, (n, h, w))
    if mask.shape != (n, h, w):
        raise ImageError(f"{name} has shape {mask.shape}; expected ({h}, {w}) or ({n}, {h}, {w})")
    return mask


def _result(values: np.ndarray) -> MetricResult:
    values = np.asarray(values, dtype=np.float64)
    return MetricResult(values, float(np.mean(values)))


def mse(a, b, mask=None) -> MetricResult:
    """Mean squared error per image over all channels (and ``mask`` pixels if given)."""
    a, b = as_image_pair(a, b)
    sq = ((a - b) ** 2).mean(axis=-1)  # (N, H, W), mean over channels
    if mask is None:
        return _result(sq.reshape(sq.shape[0], -1).mean(axis=1))
    m = as_mask_batch(mask, *sq.shape)
    counts = m.reshape(m.shape[0], -1).sum(axis=1)
    if np.any(counts == 0):
        raise ImageError("mask selects no pixel in at least one image; PSNR/MSE over an empty region is undefined")
    return _result((sq * m).reshape(sq.shape[0], -1).sum(axis=1) / counts)


def psnr(a, b, data_range: float = 255.0, mask=None) -> MetricResult:
    """Peak signal-to-noise ratio in dB, per image: ``10 log10(data_range^2 / MSE)``.

    a, b: ``(N, H, W, 3)`` or ``(H, W, 3)``, uint8 in [0, 255] or float in
    ``[0, data_range]``. mask: optional bool ``(H, W)`` or ``(N, H, W)``; the
    MSE is then taken over the True pixels only. Range ``(-inf, inf]``; higher
    is better; identical images give ``inf`` (and a mean of ``inf``).
    """
    if not data_range > 0:
        raise ValueError(f"data_range must be positive, got {data_range}")
    err = mse(a, b, mask=mask).per_image
    with np.errstate(divide="ignore"):
        values = np.where(err == 0, np.inf, 10.0 * np.log10(float(data_range) ** 2 / np.maximum(err, 1e-300)))
    return _result(values)


def l1(a, b, mask=None) -> MetricResult:
    """Mean absolute difference per image, in the input's units (0-255 for uint8).

    Optional bool ``mask`` restricts it to the True pixels. Range [0, data_range];
    lower is better.
    """
    a, b = as_image_pair(a, b)
    ad = np.abs(a - b).mean(axis=-1)
    if mask is None:
        return _result(ad.reshape(ad.shape[0], -1).mean(axis=1))
    m = as_mask_batch(mask, *ad.shape)
    counts = m.reshape(m.shape[0], -1).sum(axis=1)
    if np.any(counts == 0):
        raise ImageError("mask selects no pixel in at least one image")
    return _result((ad * m).reshape(ad.shape[0], -1).sum(axis=1) / counts)


def gaussian_window(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    """Normalised 2-D Gaussian window ``(size, size)`` float64 (sums to 1)."""
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-(x ** 2) / (2.0 * sigma ** 2))
    g /= g.sum()
    return np.outer(g, g)


def ssim(a, b, data_range: float = 255.0, *, win_size: int = 11, sigma: float = 1.5,
         k1: float = 0.01, k2: float = 0.03) -> MetricResult:
    """Structural similarity (Wang et al. 2004), per image.

    Each RGB channel gets the standard SSIM map with an 11x11 Gaussian window
    (sigma 1.5), ``C1 = (K1 L)^2``, ``C2 = (K2 L)^2`` (K1 0.01, K2 0.03,
    ``L = data_range``), computed on valid windows only (no padding, as in the
    reference MATLAB code); the image's SSIM is the mean of the map over
    positions and channels. a, b: ``(N, H, W, 3)`` or ``(H, W, 3)``, H and W at
    least ``win_size``. Range [-1, 1]; 1 means identical; higher is better.
    """
    import torch
    import torch.nn.functional as F

    a, b = as_image_pair(a, b)
    n, h, w, _ = a.shape
    if h < win_size or w < win_size:
        raise ImageError(f"SSIM needs images of at least {win_size}x{win_size} pixels, got {h}x{w}")
    if not data_range > 0:
        raise ValueError(f"data_range must be positive, got {data_range}")
    c1 = (k1 * data_range) ** 2
    c2 = (k2 * data_range) ** 2
    # float32 convolutions are ~50x faster than float64 ones on CPU. Centring
    # each image channel on its mean first keeps the E[x^2] - E[x]^2
    # variances accurate (SSIM within ~1e-5 of a float64 computation).
    win = torch.from_numpy(gaussian_window(win_size, sigma).astype(np.float32))
    win = win[None, None].expand(15, 1, win_size, win_size).contiguous()

    out = np.empty(n, np.float64)
    chunk = max(1, (1 << 21) // (h * w))  # bound memory (~0.5 GB at most)
    with torch.no_grad():
        for s in range(0, n, chunk):
            x = torch.from_numpy(a[s:s + chunk]).permute(0, 3, 1, 2)
            y = torch.from_numpy(b[s:s + chunk]).permute(0, 3, 1, 2)
            off_x = x.mean(dim=(2, 3), keepdim=True)
            off_y = y.mean(dim=(2, 3), keepdim=True)
            x = (x - off_x).to(torch.float32)
            y = (y - off_y).to(torch.float32)
            maps = F.conv2d(torch.cat([x, y, x * x, y * y, x * y], dim=1), win, groups=15).double()
            mu_x, mu_y, exx, eyy, exy = maps.split(3, dim=1)
            sxx = exx - mu_x ** 2
            syy = eyy - mu_y ** 2
            sxy = exy - mu_x * mu_y
            mu_x = mu_x + off_x
            mu_y = mu_y + off_y
            num = (2 * mu_x * mu_y + c1) * (2 * sxy + c2)
            den = (mu_x ** 2 + mu_y ** 2 + c1) * (sxx + syy + c2)
            out[s:s + chunk] = (num / den).mean(dim=(1, 2, 3)).numpy()
    return _result(out)
