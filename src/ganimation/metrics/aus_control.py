"""How well edits reach their target Action Units.

``target`` is the AU vector asked for and ``achieved`` the AU vector an AU
estimator (OpenFace, the project's estimator or the AU judge) measures on the
edited image; both are ``(N, 17)`` on the 0-1 scale in
:data:`ganimation.aus.AU_CODES` order.
"""

from __future__ import annotations

import numpy as np

from ganimation.aus import AU_CODES, NUM_AUS, check_vector


def _au_matrix(x, name: str) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    x = check_vector(np.asarray(x, dtype=np.float64), name=name).astype(np.float64)
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2:
        raise ValueError(f"{name} has shape {x.shape}; expected (N, {NUM_AUS})")
    return x


def pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson correlation of two 1-D arrays; None if either has no variance or N < 2."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"pearson needs two 1-D arrays of one length, got {x.shape} and {y.shape}")
    if x.size < 2:
        return None
    dx = x - x.mean()
    dy = y - y.mean()
    sx = np.sqrt((dx * dx).sum())
    sy = np.sqrt((dy * dy).sum())
    scale = max(np.abs(x).max(), np.abs(y).max(), 1.0)
    if sx <= 1e-12 * scale or sy <= 1e-12 * scale:
        return None
    return float(np.clip((dx * dy).sum() / (sx * sy), -1.0, 1.0))


def au_errors(target, achieved) -> dict:
    """Errors between target and achieved AUs, both ``(N, 17)`` (or ``(17,)``) on 0-1.

    Returns a dict:

    - ``n``: number of rows;
    - ``mae``: mean absolute error over all rows and AUs (lower is better);
    - ``rmse``: root mean squared error over all entries;
    - ``per_au_mae``: ``{code: MAE}`` per AU;
    - ``per_au_pearson``: ``{code: r or None}``, the correlation between the
      target and achieved column over rows (higher is better); None where a
      column has no variance (e.g. an AU never changed) or N < 2.
    """
    t = _au_matrix(target, "target AUs")
    a = _au_matrix(achieved, "achieved AUs")
    if t.shape != a.shape:
        raise ValueError(f"target {t.shape} and achieved {a.shape} AUs differ in shape")
    err = a - t
    return {
        "n": int(t.shape[0]),
        "mae": float(np.abs(err).mean()),
        "rmse": float(np.sqrt((err ** 2).mean())),
        "per_au_mae": {c: float(v) for c, v in zip(AU_CODES, np.abs(err).mean(axis=0))},
        "per_au_pearson": {c: pearson(t[:, i], a[:, i]) for i, c in enumerate(AU_CODES)},
    }


def compare_to_baseline(target, achieved, baseline, *, changed_tol: float = 0.05) -> dict:
    """AU errors of an edit next to those of doing nothing.

    ``baseline`` ``(N, 17)`` is the AUs measured on the unedited input: an
    editor that returned its input unchanged would "achieve" them. Returns:

    - ``edit``: :func:`au_errors` of ``achieved`` vs ``target``;
    - ``baseline``: :func:`au_errors` of ``baseline`` vs ``target``;
    - ``mae_reduction``: ``baseline MAE - edit MAE`` (positive = the edit
      moved AUs toward the target);
    - ``changed``: the same two MAEs over the entries where the target asks
      for a change (``|target - baseline| > changed_tol``), their count, and
      ``toward_rate``, the share of those entries where the achieved value is
      closer to the target than the baseline was (None where there is none).
    """
    t = _au_matrix(target, "target AUs")
    a = _au_matrix(achieved, "achieved AUs")
    b = _au_matrix(baseline, "baseline AUs")
    if not t.shape == a.shape == b.shape:
        raise ValueError(f"target {t.shape}, achieved {a.shape} and baseline {b.shape} AUs differ in shape")
    edit = au_errors(t, a)
    base = au_errors(t, b)
    changed = np.abs(t - b) > changed_tol
    k = int(changed.sum())
    if k:
        e_edit = np.abs(a - t)[changed]
        e_base = np.abs(b - t)[changed]
        changed_stats = {
            "count": k,
            "edit_mae": float(e_edit.mean()),
            "baseline_mae": float(e_base.mean()),
            "toward_rate": float((e_edit < e_base).mean()),
        }
    else:
        changed_stats = {"count": 0, "edit_mae": None, "baseline_mae": None, "toward_rate": None}
    return {
        "edit": edit,
        "baseline": base,
        "mae_reduction": base["mae"] - edit["mae"],
        "changed": changed_stats,
    }
