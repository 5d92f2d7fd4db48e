"""Turned-over triangles of the mouth region in the warp engine's preset edits, with and without the lip repair.

A triangle of the warp mesh that the landmark motion turns over is painted
mirrored on top of its neighbours (hard wedges, doubled lip texture, specks).
For every face and preset this counts the mouth-region triangles (those
with a landmark of weight > 0.5 in the ``mouth`` region) that the motion
turns over, once for the motion as the AU motion model gives it (after the
lips and lids are kept from crossing and the eye region is unfolded), and
once after :func:`ganimation.motion.unfold.unfold_mouth` (the rings inside
the lips carried by the contours, the skin around smoothed where it folds).
Nothing is warped: it measures the motion only.

    .venv/bin/python benchmarks/mouth_folds.py data/utkface_engines120 data/utkface_dev60

Writes benchmarks/results/engines/mouth_folds.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PRESETS = ("happy", "sad", "surprise", "anger", "disgust", "fear")


def count(folder: Path) -> dict:
    from ganimation.aus import resolve_target
    from ganimation.evaluation.engines import list_photos
    from ganimation.faces.detect import get_detector
    from ganimation.faces.estimate import estimate_aus
    from ganimation.images import load_rgb
    from ganimation.motion.au_model import AUMotionModel
    from ganimation.motion.frame import fit_pose
    from ganimation.motion.regions import region_weights, uncross
    from ganimation.motion.unfold import unfold_eyes, unfold_mouth
    from ganimation.warp.mesh import landmark_triangles, signed_areas

    tri = landmark_triangles()
    tri = tri[(region_weights("mouth") > 0.5)[tri].any(1)]
    model, finder = AUMotionModel.load(), get_detector(search="proposals")
    rows: dict[str, dict[str, list[int]]] = {p: {"before": [], "after": []} for p in PRESETS}
    faces = 0
    for path in list_photos(folder):
        faces_found = finder.detect(load_rgb(path))
        if not faces_found:
            continue
        face = faces_found[0]
        faces += 1
        lm = np.asarray(face.landmarks, np.float64)
        frame = fit_pose(lm).to_frame(lm)
        current = estimate_aus(face)
        area0 = signed_areas(frame[:, :2], tri)
        for preset in PRESETS:
            target = resolve_target(current=current, expression=preset)
            motion = unfold_eyes(frame, uncross(frame, model.motion(current, target)))
            for key, m in (("before", motion), ("after", unfold_mouth(frame, motion))):
                rows[preset][key].append(int((area0 * signed_areas(frame[:, :2] + m[:, :2], tri) < 0).sum()))
    return {"faces": faces, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("-o", "--out", type=Path, default=ROOT / "benchmarks/results/engines/mouth_folds.md")
    args = ap.parse_args()
    lines = ["# Turned-over mouth triangles of preset edits, before and after the lip repair", "",
             "`.venv/bin/python benchmarks/mouth_folds.py " + " ".join(str(f) for f in args.folders) + "` "
             "(method in its docstring). Per preset: mean number of turned-over mouth-region triangles per edit, "
             "and the share of edits with any, without -> with `unfold_mouth`.", ""]
    for folder in args.folders:
        res = count(folder)
        lines += [f"## {folder} ({res['faces']} faces)", "", "| preset | mean turned over | edits with any |",
                  "|---|---|---|"]
        for preset, r in res["rows"].items():
            b, a = np.array(r["before"]), np.array(r["after"])
            lines.append(f"| {preset} | {b.mean():.1f} -> {a.mean():.1f} | {100 * (b > 0).mean():.0f} -> "
                         f"{100 * (a > 0).mean():.0f} % |")
        lines.append("")
        print("\n".join(lines[-9:]), flush=True)
    args.out.write_text("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
