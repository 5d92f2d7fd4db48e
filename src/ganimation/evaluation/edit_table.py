"""The engine evaluation's per-edit table: one row per engine, photo and preset (``edits.csv``).

The summary of :func:`ganimation.evaluation.engines.evaluate_engines` averages
over edits; the table keeps each edit, so that a user can see which photos an
engine fails on and why (read as which emotion, which measure did not move):

=============== ==============================================================
column          content
=============== ==============================================================
engine, photo,  the edit (photo: file name)
preset
read_as         the emotion classifier's top class (empty without it)
p_<class>       its seven probabilities
geometry_pass   whether the preset's defining measures moved >= 0.03 IOD the
                right way (empty: no face found on the edited photo)
d_<measure>     every measure's change (IOD), :data:`ganimation.metrics.geometry.MEASURES`
identity        dlib embedding distance to the input (empty without the embedding)
colour_ab       a*b* Fréchet distance of the face, edit vs input
ms              wall milliseconds of the ``edit_photo`` call (detection included)
=============== ==============================================================
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ganimation.evaluation.engines import EngineRun


def edit_rows(runs: dict[str, EngineRun]) -> list[dict]:
    """The rows of every run (``engine -> EngineRun``, scored), in edit order."""
    from ganimation.metrics.emotion import EMOTION_CLASSES
    from ganimation.metrics.geometry import MEASURES, preset_pass

    rows = []
    for engine, run in runs.items():
        for i, (photo, preset) in enumerate(zip(run.names, run.presets)):
            row: dict = {"engine": engine, "photo": photo, "preset": preset}
            probs = None if run.probs is None else run.probs[i]
            row["read_as"] = "" if probs is None else EMOTION_CLASSES[int(probs.argmax())]
            for k, c in enumerate(EMOTION_CLASSES):
                row[f"p_{c}"] = "" if probs is None else round(float(probs[k]), 4)
            d = run.deltas[i]
            ok = None if d is None else preset_pass(preset, d)
            row["geometry_pass"] = "" if ok is None else int(ok)
            for m in MEASURES:
                row[f"d_{m}"] = "" if d is None else round(float(d[m]), 4)
            row["identity"] = "" if run.identity is None else round(float(run.identity[i]), 4)
            row["colour_ab"] = round(float(run.colour[i]["frechet_ab"]), 4)
            row["ms"] = round(float(run.ms[i]), 1)
            rows.append(row)
    return rows


def write_edits_csv(rows: list[dict], path: str | os.PathLike) -> Path:
    """``rows`` (:func:`edit_rows`) as a CSV file with a header, written atomically."""
    from ganimation.atomic import atomic_write

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)

    return atomic_write(path, write)
