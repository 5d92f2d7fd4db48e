"""Distances between feature distributions: Fréchet distance (FID) and KID.

These functions take features already extracted (e.g. the 2048-D Inception
pool features from :mod:`ganimation.metrics.inception`); they know nothing
about images or networks. Features are ``(N, D)`` arrays; all arithmetic is
float64.
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)


def _features(f, name: str, min_rows: int = 2) -> np.ndarray:
    if hasattr(f, "detach"):
        f = f.detach().cpu().numpy()
    f = np.asarray(f, dtype=np.float64)
    if f.ndim != 2:
        raise ValueError(f"{name} has shape {f.shape}; expected (N, D) features")
    if f.shape[0] < min_rows:
        raise ValueError(f"{name} has {f.shape[0]} rows; need at least {min_rows} samples")
    if not np.all(np.isfinite(f)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return f


def feature_stats(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(D,)`` and unbiased covariance ``(D, D)`` (ddof 1) of ``(N, D)`` features, N >= 2."""
    f = _features(features, "features")
    mu = f.mean(axis=0)
    sigma = np.cov(f, rowvar=False)
    return mu, np.atleast_2d(sigma)


def _sqrtm_trace_eigh(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """``tr(sqrt(sigma1 sigma2))`` for symmetric PSD matrices, without complex numbers.

    ``sigma1 sigma2`` is similar to ``S = sqrt(sigma1) sigma2 sqrt(sigma1)``,
    which is symmetric PSD, so the trace is the sum of the square roots of
    S's eigenvalues (tiny negative ones from rounding are clipped to 0).
    """
    w, v = np.linalg.eigh((sigma1 + sigma1.T) / 2)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    s = root1 @ sigma2 @ root1
    ev = np.linalg.eigvalsh((s + s.T) / 2)
    return float(np.sqrt(np.clip(ev, 0, None)).sum())


def _sqrtm_trace_scipy(sigma1: np.ndarray, sigma2: np.ndarray, eps: float) -> float:
    """``tr(sqrtm(sigma1 sigma2))`` via scipy, the way the reference FID code does it."""
    import warnings

    from scipy import linalg

    with warnings.catch_warnings():  # singular products (few samples) are handled below
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(sigma1 @ sigma2)
    if not np.all(np.isfinite(covmean)):
        log.warning("singular product of covariances; adding %g to the diagonals", eps)
        offset = np.eye(sigma1.shape[0]) * eps
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", linalg.LinAlgWarning)
            covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        # Rounding gives small imaginary parts; large ones mean a real problem.
        max_imag = float(np.max(np.abs(np.diagonal(covmean).imag)))
        if max_imag > 1e-3:
            log.warning("sqrtm has imaginary parts up to %.3g; using the eigen route instead", max_imag)
            return _sqrtm_trace_eigh(sigma1, sigma2)
        covmean = covmean.real
    return float(np.trace(covmean))


def frechet_distance(mu1, sigma1, mu2, sigma2, *, method: str = "auto", eps: float = 1e-6) -> float:
    """Fréchet (2-Wasserstein) distance between N(mu1, sigma1) and N(mu2, sigma2).

    ``d^2 = ||mu1 - mu2||^2 + tr(sigma1 + sigma2 - 2 sqrt(sigma1 sigma2))``.
    mu: ``(D,)``; sigma: ``(D, D)`` symmetric PSD. ``method``: ``"scipy"``
    (``scipy.linalg.sqrtm`` as in the reference FID code), ``"eigh"`` (an
    exact real eigen-decomposition route, no scipy needed) or ``"auto"``
    (scipy when installed, else eigh). Returns a float >= 0 (up to rounding);
    lower means closer distributions.
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,):
        raise ValueError(f"means have shapes {mu1.shape} and {mu2.shape}; expected both ({d},)")
    if sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(f"covariances have shapes {sigma1.shape} and {sigma2.shape}; expected ({d}, {d})")
    for name, arr in (("mu1", mu1), ("mu2", mu2), ("sigma1", sigma1), ("sigma2", sigma2)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values")
    if method not in ("auto", "scipy", "eigh"):
        raise ValueError(f"method must be 'auto', 'scipy' or 'eigh', got {method!r}")
    if method == "auto":
        try:
            import scipy.linalg  # noqa: F401
            method = "scipy"
        except ImportError:
            method = "eigh"
    tr_covmean = _sqrtm_trace_scipy(sigma1, sigma2, eps) if method == "scipy" else _sqrtm_trace_eigh(sigma1, sigma2)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_covmean)


def fid_from_features(f1, f2, *, method: str = "auto") -> float:
    """FID between two sets of features ``(N1, D)`` and ``(N2, D)`` (each N >= 2).

    Lower is better; 0 for identical statistics. FID is biased upward for
    small N: compare values computed with the same N and the same network.
    """
    f1 = _features(f1, "f1")
    f2 = _features(f2, "f2")
    if f1.shape[1] != f2.shape[1]:
        raise ValueError(f"feature sizes differ: {f1.shape[1]} vs {f2.shape[1]}")
    mu1, s1 = feature_stats(f1)
    mu2, s2 = feature_stats(f2)
    return frechet_distance(mu1, s1, mu2, s2, method=method)


def polynomial_kernel(x: np.ndarray, y: np.ndarray, degree: int = 3, gamma: float | None = None,
                      coef0: float = 1.0) -> np.ndarray:
    """``(gamma x.y + coef0)^degree`` for rows of ``x (n, D)`` and ``y (m, D)``; gamma defaults to 1/D."""
    if gamma is None:
        gamma = 1.0 / x.shape[1]
    return (gamma * (x @ y.T) + coef0) ** degree


def mmd2_unbiased(x, y, *, degree: int = 3, gamma: float | None = None, coef0: float = 1.0) -> float:
    """Unbiased MMD^2 between samples ``x (m, D)`` and ``y (n, D)`` with the polynomial kernel.

    ``sum_{i != j} k(x_i, x_j) / (m (m-1)) + sum_{i != j} k(y_i, y_j) / (n (n-1))
    - 2 sum_{i, j} k(x_i, y_j) / (m n)``. Can be slightly negative when the
    two distributions are equal.
    """
    x = _features(x, "x")
    y = _features(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"feature sizes differ: {x.shape[1]} vs {y.shape[1]}")
    m, n = x.shape[0], y.shape[0]
    kxx = polynomial_kernel(x, x, degree, gamma, coef0)
    kyy = polynomial_kernel(y, y, degree, gamma, coef0)
    kxy = polynomial_kernel(x, y, degree, gamma, coef0)
    term_xx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    term_yy = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(term_xx + term_yy - 2.0 * kxy.mean())


def kid(f1, f2, subsets: int = 100, subset_size: int = 1000, degree: int = 3, *,
        gamma: float | None = None, coef0: float = 1.0, seed: int = 0) -> tuple[float, float]:
    """Kernel Inception Distance (Binkowski et al. 2018): mean and std of unbiased MMD^2.

    f1 ``(N1, D)``, f2 ``(N2, D)``. Draws ``subsets`` pairs of subsets of
    ``min(subset_size, N1, N2)`` rows each (without replacement inside a
    subset, seeded by ``seed``) and computes :func:`mmd2_unbiased` with the
    kernel ``(x.y / D + 1)^3``. Returns ``(mean, std)`` over the subsets
    (std with ddof 0). About 0 (possibly slightly negative) for samples of
    the same distribution; lower is better. Reported values are often x1000.
    """
    f1 = _features(f1, "f1")
    f2 = _features(f2, "f2")
    if f1.shape[1] != f2.shape[1]:
        raise ValueError(f"feature sizes differ: {f1.shape[1]} vs {f2.shape[1]}")
    if subsets < 1 or subset_size < 2:
        raise ValueError("kid needs subsets >= 1 and subset_size >= 2")
    m = min(subset_size, f1.shape[0], f2.shape[0])
    rng = np.random.default_rng(seed)
    values = np.empty(subsets, np.float64)
    for i in range(subsets):
        x = f1[rng.choice(f1.shape[0], m, replace=False)]
        y = f2[rng.choice(f2.shape[0], m, replace=False)]
        values[i] = mmd2_unbiased(x, y, degree=degree, gamma=gamma, coef0=coef0)
    return float(values.mean()), float(values.std())
