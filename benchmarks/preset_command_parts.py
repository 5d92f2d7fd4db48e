"""Which AUs make up the warp engine's commanded change of each preset's defining measures.

For the largest face of each photo and each preset, the motion the warp
engine commands (:func:`ganimation.aus.motion_start` -> the preset target,
through the AU motion model, applied to the face's own frame coordinates)
changes the preset's defining measures (:data:`ganimation.metrics.geometry.PRESET_CRITERIA`,
in inter-ocular distances, signed so that + is the way the preset asks).
The change is split by AU: each AU moved alone from the start to its target,
the others held at the start (the model is linear in each AU's change, so
the parts add up to about the whole). The table gives the mean part of every
AU that contributes at least 0.005 IOD on average, separately for photos
whose smile the estimate reads at ``--smile`` (default 0.5) or more and for
the rest: a released smile can take back motion a preset asks for.

``--realised EDITS.csv`` (the ``edits.csv`` of ``ganimation evaluate --engine
warp`` on the same photos) adds the change MediaPipe measured on the warp
engine's edits, for commanded against realised motion. ``--bare`` also
measures the warp alone (``geometry_edit.edit_face_geometry`` with the mouth
drawing and the texture stage off; MediaPipe on the warped photo), and the
change of each measure at the landmarks the warp moved the photo's own to
(``warp.target``), which is what the warp did before any landmarker reads it.

    .venv/bin/python benchmarks/preset_command_parts.py /work/shared/data/wild_dev -o preset_command_parts_wild_dev \
        --realised benchmarks/results/engines/wild_dev/edits.csv --bare

Writes benchmarks/results/engines/<out>.md and .json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks/results/engines"
PRESETS = ("happy", "sad", "surprise", "anger", "disgust", "fear")


def parts_of(model, p0: np.ndarray, start: np.ndarray, target: np.ndarray, measure: str, sign: int):
    """``(total, {AU code: part})`` of the commanded change of ``measure`` (IOD, signed)."""
    from ganimation.aus import AU_CODES
    from ganimation.metrics.geometry import measures_from_frame

    m0 = measures_from_frame(p0)[measure]
    total = sign * (measures_from_frame(p0 + model.motion(start, target))[measure] - m0)
    parts = {}
    for k, code in enumerate(AU_CODES):
        if abs(float(target[k] - start[k])) < 1e-6:
            continue
        moved = start.copy()
        moved[k] = target[k]
        parts[code] = sign * (measures_from_frame(p0 + model.motion(start, moved))[measure] - m0)
    return total, parts


def main() -> None:
    from ganimation.aus import AU_CODES, motion_start, resolve_target
    from ganimation.evaluation.engines import find_face_near, list_photos
    from ganimation.faces.detect import get_detector
    from ganimation.faces.estimate import estimate_aus
    from ganimation.faces.pipeline import find_faces
    from ganimation.geometry_edit import edit_face_geometry
    from ganimation.images import load_rgb
    from ganimation.metrics.geometry import (
        PRESET_CRITERIA,
        expression_measures,
        frame_points,
    )
    from ganimation.motion.au_model import AUMotionModel

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", help="a folder of photos or a dataset")
    ap.add_argument("--smile", type=float, default=0.5, help="AU12 estimate from which a photo counts as smiling")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--bare", action="store_true", help="also measure the warp alone (no mouth drawing, no texture)")
    ap.add_argument("--realised", default=None, help="edits.csv of `ganimation evaluate --engine warp` on the same photos")
    ap.add_argument("-o", "--out", default="preset_command_parts")
    args = ap.parse_args()

    model = AUMotionModel.load()
    near = get_detector(search="whole")
    measured = {}
    if args.realised:
        import csv

        with open(args.realised, newline="") as fh:
            measured = {(r["photo"], r["preset"]): r for r in csv.DictReader(fh) if r["engine"] == "warp"}
    rows = []
    for path in list_photos(args.data, limit=args.limit):
        image = load_rgb(path)
        faces = find_faces(image, "largest")
        if not faces:
            continue
        est = estimate_aus(faces[0])
        p0 = frame_points(faces[0].landmarks)
        smiling = bool(est[AU_CODES.index("AU12")] >= args.smile)
        for name in PRESETS:
            target = resolve_target(current=est, expression=name, intensity=1.0)
            start = motion_start(est, expression=name, intensity=1.0, target=target)
            bare = None
            if args.bare:
                edit = edit_face_geometry(image, faces[0].landmarks, start, target, model=model, mouth=False, texture=0)
                found = find_face_near(edit.image, faces[0].box, near)
                moved = np.array(faces[0].landmarks, np.float64)
                moved[:, :2] = edit.warp.target
                m_in = expression_measures(faces[0].landmarks)
                bare = (expression_measures(moved), expression_measures(found.landmarks) if found else None)
            for measure, sign in PRESET_CRITERIA[name]:
                total, parts = parts_of(model, p0, start, target, measure, sign)
                seen = measured.get((path.name, name))
                rows.append({"photo": path.name, "smiling": smiling, "preset": name, "measure": measure,
                             "total": total, "parts": parts,
                             "realised": sign * float(seen[f"d_{measure}"]) if seen else None,
                             "bare_moved": sign * (bare[0][measure] - m_in[measure]) if bare else None,
                             "bare_measured": sign * (bare[1][measure] - m_in[measure]) if bare and bare[1] else None})
    photos = sorted({r["photo"] for r in rows})
    n_smiling = len({r["photo"] for r in rows if r["smiling"]})
    lines = [f"# What makes up each preset's commanded defining motion: {args.data}", "",
             f"`.venv/bin/python benchmarks/preset_command_parts.py {args.data} -o {args.out}` (method in its docstring).",
             "", f"{len(photos)} photos (largest face), {n_smiling} of them smiling (AU12 estimate >= {args.smile}).",
             "Signed so that + is the way the preset asks; IOD. `< 0.03`: share of the edits whose whole",
             "command is below the geometry criterion's 0.03 IOD.", "",
             "`realised`: the change MediaPipe measured on the edits (`--realised`), mean. `bare warp`: the warp",
             "alone (`--bare`), the change at the landmarks it moved / as MediaPipe measured it on the warped photo.", "",
             ("| preset: measure | photos | command, mean | < 0.03 | realised, mean | bare warp: moved / measured "
              "| parts (mean, IOD) |"),
             "|---|---|---|---|---|---|---|"]
    summary = {}
    for name in PRESETS:
        for measure, _ in PRESET_CRITERIA[name]:
            for group, keep in (("smiling", True), ("not smiling", False)):
                sel = [r for r in rows if r["preset"] == name and r["measure"] == measure and r["smiling"] == keep]
                if not sel:
                    continue
                codes = sorted({c for r in sel for c in r["parts"]}, key=AU_CODES.index)
                means = {c: float(np.mean([r["parts"].get(c, 0.0) for r in sel])) for c in codes}
                shown = ", ".join(f"{c} {v:+.3f}" for c, v in means.items() if abs(v) >= 0.005)
                tot = np.array([r["total"] for r in sel])
                real = [r["realised"] for r in sel if r["realised"] is not None]
                real_mean = float(np.mean(real)) if real else None
                bm = [r["bare_moved"] for r in sel if r["bare_moved"] is not None]
                bs = [r["bare_measured"] for r in sel if r["bare_measured"] is not None]
                bare_txt = f"{np.mean(bm):+.3f} / {np.mean(bs):+.3f}" if bm and bs else ""
                summary[f"{name}: {measure}: {group}"] = {"n": len(sel), "command_mean": float(tot.mean()),
                                                         "below_0.03": float((tot < 0.03).mean()),
                                                         "realised_mean": real_mean,
                                                         "bare_moved_mean": float(np.mean(bm)) if bm else None,
                                                         "bare_measured_mean": float(np.mean(bs)) if bs else None,
                                                         "parts": means}
                lines.append(f"| {name}: {measure} ({group}) | {len(sel)} | {tot.mean():+.3f} | "
                             f"{100 * (tot < 0.03).mean():.0f} % | "
                             f"{'' if real_mean is None else f'{real_mean:+.3f}'} | {bare_txt} | {shown} |")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{args.out}.md").write_text("\n".join(lines) + "\n")
    (OUT / f"{args.out}.json").write_text(json.dumps({"summary": summary, "rows": rows}, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
