"""Writing evaluation results: strict JSON, rounding, stage timers."""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from pathlib import Path

import numpy as np


def rounded(x, nd: int = 6):
    """Floats to ``nd`` significant digits (JSON-friendly), recursively."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: rounded(v, nd) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [rounded(v, nd) for v in x]
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if not math.isfinite(x) else float(f"{x:.{nd}g}")
    if isinstance(x, np.integer):
        return int(x)
    return x


class Timer:
    """Wall-clock seconds per stage: ``with timer("edit"): ...``; totals in ``timer.times``."""

    def __init__(self):
        self.times: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - t0


def json_safe(x):
    if isinstance(x, dict):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.ndarray):
        return json_safe(x.tolist())
    return x


def write_metrics(metrics: dict, path: str | os.PathLike) -> Path:
    """``metrics.json`` (strict JSON: infinities as the strings ``"inf"``/``"-inf"``, NaN as null)."""
    from ganimation.atomic import write_text

    return write_text(path, json.dumps(json_safe(metrics), indent=2, allow_nan=False))
