"""Which smiling faces' edits keep reading as happy: by how the AU estimate reads their smile.

Runs the warp engine's six preset edits (the engine evaluation of issue 28,
defaults) on a folder of development faces and splits the non-happy edits by
the input: read as happy by the emotion classifier (p >= 0.75) or not, and by
the face's AU12 estimate (bands). Per band: how many faces, the share of
edits the classifier still reads as happy and the share read as the preset,
and the mean mouthSmile blendshape and lip-corner lift (IOD above the lip
centre, ``ganimation.faces.estimate.geometry_measures``) of those faces. A
preset releases as much smile as the estimate reads: grins read low keep
reading as happy.

    .venv/bin/python benchmarks/grins_read_as_happy.py                 # data/utkface_dev120b
    .venv/bin/python benchmarks/grins_read_as_happy.py --data data/utkface_dev60 --out grins_read_as_happy_dev60

Writes benchmarks/results/engines/<out>.md and .json.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from preset_variants import dev_args  # benchmarks/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks/results/engines"
BANDS = ((0.0, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 1.01))
PRESETS = ("sad", "surprise", "anger", "disgust", "fear")


def main() -> None:
    args = dev_args(__doc__.splitlines()[0], ROOT / "data/utkface_dev120b", "grins_read_as_happy")
    paths = args.paths

    import ganimation.evaluation.engines as EE
    from ganimation.aus import AU_CODES
    from ganimation.faces.detect import BS
    from ganimation.faces.estimate import estimate_aus, geometry_measures
    from ganimation.faces.pipeline import find_faces
    from ganimation.images import load_rgb
    from ganimation.metrics.emotion import EMOTION_CLASSES, PRESET_TO_CLASS

    t0 = time.time()
    seen: dict = {}
    plain = EE.emotion_summary

    def keeping(probs, presets, **kw):   # the unedited inputs' probabilities (the no-edit baseline)
        if kw.get("per_input"):
            seen["inputs"] = np.asarray(probs)
        return plain(probs, presets, **kw)

    EE.emotion_summary = keeping
    try:
        m, _ = EE.evaluate_engines(None, paths, engines=("warp",), samples=0, warmup=False)
    finally:
        EE.emotion_summary = plain
    if "inputs" not in seen:
        raise SystemExit("the emotion classifier is not available (pip install fer)")
    in_probs, edits = seen["inputs"], m["edits"]   # edits: evaluation.edit_table rows, photo-major
    happy = EMOTION_CLASSES.index("happy")
    # the faces the evaluation edited (a photo without a face is skipped there too)
    faces = [f[0] for f in (find_faces(load_rgb(p), "largest") for p in paths) if f]
    if len(faces) != len(in_probs):
        raise SystemExit(f"{len(faces)} faces found against {len(in_probs)} evaluated")
    au12 = np.array([estimate_aus(f)[AU_CODES.index("AU12")] for f in faces])
    smile = np.array([(f.blendshapes[BS["mouthSmileLeft"]] + f.blendshapes[BS["mouthSmileRight"]]) / 2 for f in faces])
    lift = np.array([geometry_measures(f.landmarks)["corner_up"] for f in faces])
    face_of = np.repeat(np.arange(len(faces)), len(edits) // len(faces))
    presets = np.array([r["preset"] for r in edits])
    read = np.array([r["read_as"] for r in edits])
    groups = {"not read as happy (p < 0.75)": in_probs[:, happy] < 0.75}
    for lo, hi in BANDS:
        groups[f"read as happy, AU12 {lo:g}-{min(hi, 1):g}"] = ((in_probs[:, happy] >= 0.75) & (au12 >= lo) & (au12 < hi))
    rows = {}
    for name, sel in groups.items():
        e = sel[face_of]
        row = {"faces": int(sel.sum()), "mouthSmile": float(smile[sel].mean()) if sel.any() else None,
               "corner_lift": float(lift[sel].mean()) if sel.any() else None}
        for p in PRESETS:
            its = e & (presets == p)
            row[p] = {"read_happy": float((read[its] == "happy").mean()) if its.any() else None,
                      "right": float((read[its] == PRESET_TO_CLASS[p]).mean()) if its.any() else None}
        rows[name] = row
    shown = args.shown

    def pct(v):
        return "-" if v is None else f"{100 * v:.0f}"

    lines = ["# Smiling faces whose edits keep reading as happy, by their AU12 estimate", "",
             (f"`.venv/bin/python benchmarks/grins_read_as_happy.py --data {shown}` ({len(faces)} faces; "
              f"{time.time() - t0:.0f} s). Warp engine, defaults. Per group of input faces: their number, mean "
              "mouthSmile blendshape and lip-corner lift (IOD), and per preset the % of their edits the "
              "classifier reads as happy / as the preset."), "",
             "| input faces | n | mouthSmile | corner lift | " + " | ".join(f"{p}: happy / right" for p in PRESETS)
             + " |", "|---|---|---|---|" + "---|" * len(PRESETS)]
    for name, r in rows.items():
        ms = "-" if r["mouthSmile"] is None else f"{r['mouthSmile']:.2f}"
        cl = "-" if r["corner_lift"] is None else f"{r['corner_lift']:.3f}"
        lines.append(f"| {name} | {r['faces']} | {ms} | {cl} | "
                     + " | ".join(f"{pct(r[p]['read_happy'])} / {pct(r[p]['right'])}" for p in PRESETS) + " |")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{args.out}.md").write_text("\n".join(lines) + "\n")
    (OUT / f"{args.out}.json").write_text(json.dumps({"data": str(shown), "groups": rows}, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
