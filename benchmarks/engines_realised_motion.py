"""Commanded vs realised landmark motion of the warp engine's preset edits.

For each face and preset: the *commanded* change of the preset's defining
measures (the AU motion model's motion from the face's estimated AUs to the
preset target, applied to the face's own frame coordinates) and the
*realised* change (MediaPipe landmarks found on the warped photo), both in
IOD (ganimation.metrics.geometry). Tells whether a preset fails because the
model asks for too little (commanded < 0.03 IOD) or because the warp /
re-detection loses motion (realised / commanded < 1).

    .venv/bin/python benchmarks/engines_realised_motion.py data/utkface_engines120 --limit 60 \
        -o benchmarks/results/engines/realised_motion.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def main() -> None:
    from ganimation.aus import resolve_target
    from ganimation.evaluation.engines import (
        ENGINE_PRESETS,
        find_face_near,
        list_photos,
    )
    from ganimation.faces.detect import get_detector
    from ganimation.faces.estimate import estimate_aus
    from ganimation.faces.pipeline import edit_photo
    from ganimation.images import load_rgb
    from ganimation.metrics.geometry import (
        PASS_IOD,
        PRESET_CRITERIA,
        expression_measures,
        frame_points,
        measures_from_frame,
    )
    from ganimation.motion.au_model import AUMotionModel

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data")
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("-o", "--out", default=None)
    args = ap.parse_args()

    model = AUMotionModel.load()
    finder, near = get_detector(search="proposals"), get_detector(search="whole")
    rows = {p: [] for p in ENGINE_PRESETS}
    for path in list_photos(args.data, limit=args.limit):
        img = load_rgb(path)
        faces = finder.detect(img)
        if not faces:
            continue
        f = faces[0]
        est = estimate_aus(f)
        g0 = find_face_near(img, f.box, near) or f
        p0 = frame_points(g0.landmarks)
        m0 = measures_from_frame(p0)
        for preset in ENGINE_PRESETS:
            tgt = resolve_target(current=est, expression=preset, intensity=1.0)
            cmd = measures_from_frame(p0 + model.motion(est, tgt))
            out = edit_photo(None, img, expression=preset, engine="warp", face="largest").image
            g = find_face_near(out, f.box, near)
            if g is None:
                continue
            real = expression_measures(g.landmarks)
            for meas, sign in PRESET_CRITERIA[preset]:
                rows[preset].append((meas, sign * (cmd[meas] - m0[meas]), sign * (real[meas] - m0[meas])))
    res = {}
    for preset, r in rows.items():
        for meas in dict.fromkeys(m for m, _, _ in r):
            c = np.array([x[1] for x in r if x[0] == meas])
            z = np.array([x[2] for x in r if x[0] == meas])
            res[f"{preset}: {meas}"] = {
                "n": len(c), "commanded_mean": float(c.mean()), "realised_mean": float(z.mean()),
                "realised_over_commanded": float(z.mean() / c.mean()) if abs(c.mean()) > 1e-9 else None,
                "share_commanded_below_pass": float((c < PASS_IOD).mean()),
                "share_realised_pass": float((z >= PASS_IOD).mean()),
                "share_realised_pass_when_commanded": float((z[c >= PASS_IOD] >= PASS_IOD).mean())
                if (c >= PASS_IOD).any() else None}
    print("| preset: measure (signed toward the preset) | commanded mean | realised mean | realised/commanded "
          "| commanded < 0.03 | realised >= 0.03 | realised >= 0.03 where commanded >= 0.03 |")
    print("|---|---|---|---|---|---|---|")
    for k, v in res.items():
        roc = "–" if v["realised_over_commanded"] is None else f"{v['realised_over_commanded']:.2f}"
        rw = "–" if v["share_realised_pass_when_commanded"] is None else f"{100 * v['share_realised_pass_when_commanded']:.0f} %"
        print(f"| {k} | {v['commanded_mean']:+.3f} | {v['realised_mean']:+.3f} | {roc} | "
              f"{100 * v['share_commanded_below_pass']:.0f} % | {100 * v['share_realised_pass']:.0f} % | {rw} |")
    if args.out:
        Path(args.out).write_text(json.dumps({"data": args.data, "limit": args.limit, "rows": res}, indent=2))


if __name__ == "__main__":
    main()
