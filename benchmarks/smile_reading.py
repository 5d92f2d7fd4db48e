"""How high a smiling face's lip corners sit against what its estimated AU12 predicts.

A preset that clears a smile moves the lip corners by the AU12 reading times
the AU motion model's AU12 basis. This measures, on the development faces
(``preset_variants.py --make-dev`` and ``--make-dev-more``), each face's lip
corner lift above its lip centre in the pose-normalised frame (IOD), against
the faces read as not smiling (AU12 < 0.1) and against the lift the reading
predicts (neutral median + AU12 x the basis's lift per unit), in bands of the
reading. Their ratio is what a smile's release has to make up for: the motion
model moves a falling AU12 ``ganimation.motion.au_model.RELEASE_GAIN`` times
its basis vertically (docs/au_motion.md, "Releasing a smile").

    .venv/bin/python benchmarks/smile_reading.py [FOLDER ...]

Writes benchmarks/results/engines/smile_reading.md and .json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks/results/engines"
BANDS = ((0.1, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 1.01))


def corner_lift(p: np.ndarray) -> float:
    """Lip corners above the lip centre of ``(478, 2|3)`` frame points or motion (IOD, + = up): the
    engine evaluation's ``lip_corner_height``."""
    from ganimation.metrics.geometry import measures_from_frame

    return measures_from_frame(p)["lip_corner_height"]


def main() -> None:
    from ganimation.aus import AU_CODES
    from ganimation.faces.estimate import estimate_aus
    from ganimation.faces.pipeline import find_faces
    from ganimation.images import load_rgb
    from ganimation.motion.au_model import AUMotionModel
    from ganimation.motion.frame import fit_pose

    folders = [Path(a) for a in sys.argv[1:]] or [ROOT / "data/utkface_dev60", ROOT / "data/utkface_dev120b"]
    per_unit = corner_lift(np.asarray(AUMotionModel.load().basis)[AU_CODES.index("AU12")])
    rows = []
    for folder in folders:
        for path in sorted(folder.iterdir()):
            faces = find_faces(load_rgb(path), "largest")
            if faces:
                lm = np.asarray(faces[0].landmarks, np.float64)
                rows.append((float(estimate_aus(faces[0])[AU_CODES.index("AU12")]),
                             corner_lift(fit_pose(lm).to_frame(lm))))
    r = np.array(rows)
    neutral = float(np.median(r[r[:, 0] < 0.1, 1]))
    names = ", ".join(f"`{f.relative_to(ROOT) if f.is_relative_to(ROOT) else f}`" for f in folders)
    lines = ["# Smiles against their AU12 reading", "",
             (f"`.venv/bin/python benchmarks/smile_reading.py`: {len(r)} faces of {names}; lip corner lift above "
              f"the lip centre (IOD); the faces read AU12 < 0.1 ({int((r[:, 0] < 0.1).sum())}) have median "
              f"{neutral:+.3f}; the AU motion model lifts the corners {per_unit:.3f} IOD per unit of AU12."),
             "", "| AU12 reading | faces | lift above neutral, measured (median) | predicted by the reading | ratio |",
             "|---|---|---|---|---|"]
    bands = []
    for lo, hi in BANDS:
        s = r[(r[:, 0] >= lo) & (r[:, 0] < hi)]
        measured, predicted = float(np.median(s[:, 1]) - neutral), float(np.median(s[:, 0]) * per_unit)
        bands.append({"band": [lo, hi], "faces": len(s), "measured": measured, "predicted": predicted})
        lines.append(f"| {lo:.1f}-{min(hi, 1.0):.1f} | {len(s)} | {measured:+.3f} | {predicted:+.3f} | "
                     f"{measured / predicted:.2f} |")
    from ganimation.motion.au_model import RELEASE_GAIN

    lines += ["", f"The release of a falling AU12 moves {RELEASE_GAIN['AU12']:g} times the basis vertically."]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "smile_reading.md").write_text("\n".join(lines) + "\n")
    (OUT / "smile_reading.json").write_text(json.dumps({"neutral": neutral, "per_unit": per_unit, "bands": bands},
                                                       indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
