"""Target AUs for an evaluation: shuffled, expression presets in turn, or rows of a CSV file."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from ganimation.aus import AU_CODES, NUM_AUS, PRESETS, preset_vector
from ganimation.errors import AUParseError, GanimationError

TARGET_MODES = ("shuffled", "presets")



def read_target_file(path: str | os.PathLike) -> np.ndarray:
    """``(R, 17)`` targets from a CSV: a header naming the AU columns, or rows of 17 numbers (0-1)."""
    path = Path(path)
    try:
        with open(path, newline="") as fh:
            rows = [r for r in csv.reader(fh) if r and "".join(r).strip()]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise AUParseError(f"{path}: cannot read the targets CSV ({type(exc).__name__})") from None
    if not rows:
        raise AUParseError(f"{path}: no target rows; write one row of {NUM_AUS} AU values (0-1) per target")
    header = [h.strip().upper() for h in rows[0]]
    cols = None
    if all(c in header for c in AU_CODES):
        cols = [header.index(c) for c in AU_CODES]
        rows = rows[1:]
    out = []
    for line, row in enumerate(rows, start=2 if cols else 1):
        vals = [row[i] for i in cols] if cols else row
        if len(vals) != NUM_AUS:
            raise AUParseError(f"{path}:{line}: {len(vals)} values; a target row needs the {NUM_AUS} AUs "
                               f"{AU_CODES[0]}..{AU_CODES[-1]} (or a header naming them)")
        try:
            vec = np.array([float(v) for v in vals], np.float32)
        except ValueError:
            raise AUParseError(f"{path}:{line}: a value is not a number") from None
        if not np.all(np.isfinite(vec)) or vec.min() < 0 or vec.max() > 1:
            raise AUParseError(f"{path}:{line}: AU values must lie in [0, 1] (OpenFace's 0-5 divided by 5)")
        out.append(vec)
    if not out:
        raise AUParseError(f"{path}: no target rows after the header")
    return np.stack(out)


def make_targets(spec: str, own_aus: np.ndarray, *, seed: int = 0,
                 pair_targets: np.ndarray | None = None) -> tuple[np.ndarray, list[str] | None, str]:
    """Target AUs ``(N, 17)``, per-face preset names (or None) and a description.

    ``spec``: ``shuffled`` (face i gets another face's own AUs: a random
    cyclic derangement), ``presets`` (face i gets preset ``i mod 8`` of
    :data:`ganimation.aus.PRESETS`, in turn), or a CSV path (rows used in
    turn). Synthetic pairs always use their pair's target AUs.
    """
    n = len(own_aus)
    if pair_targets is not None:
        return pair_targets.astype(np.float32), None, "the pair's target expression"
    if spec == "shuffled":
        if n < 2:
            raise GanimationError("--targets shuffled needs at least 2 faces; use presets or a targets file")
        perm = np.random.default_rng(seed).permutation(n)
        tgt = np.empty_like(own_aus)
        tgt[perm] = own_aus[np.roll(perm, -1)]
        return tgt.astype(np.float32), None, "another test face's AUs (shuffled)"
    if spec == "presets":
        names = [list(PRESETS)[i % len(PRESETS)] for i in range(n)]
        return np.stack([preset_vector(p) for p in names]), names, "expression presets in turn"
    if not Path(spec).is_file():
        raise AUParseError(f"--targets {spec!r}: use shuffled, presets, or the path of a CSV of {NUM_AUS}-AU rows")
    rows = read_target_file(spec)
    return rows[np.arange(n) % len(rows)], None, f"rows of {Path(spec).name} in turn"
