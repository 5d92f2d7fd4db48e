"""How bright the warp engine draws the lower teeth of fear edits, against the photo's own teeth.

For every photo whose own mouth opening shows teeth (``warp.mouth.teeth_shown`` >= 0.5), the largest
face is edited toward fear (texture stage off) twice: with the drawn interior lit as read from the skin
and lips (before) and with its colour taken from the photo's own teeth (``warp.mouth._teeth_light``,
now). The measure is the 90th luminance percentile of the edit's opening below its middle row (where
the drawn lower teeth are) against the luminance of the photo's teeth (``warp.mouth.photo_teeth``).

    .venv/bin/python benchmarks/drawn_teeth_light.py /work/shared/data/wild_dev data/utkface_dev60 \\
        data/utkface_dev120b

Writes benchmarks/results/engines/drawn_teeth_light.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def measure(folders: list[Path]) -> list[dict]:
    import ganimation.warp.mouth as W
    from ganimation.aus import motion_start, resolve_target
    from ganimation.evaluation.engines import list_photos
    from ganimation.faces.detect import get_detector
    from ganimation.faces.estimate import estimate_aus
    from ganimation.geometry_edit import edit_face_geometry
    from ganimation.images import load_rgb, luminance
    from ganimation.motion.regions import INNER_LIPS
    from ganimation.warp.dense import polygon_mask

    finder, now = get_detector(search="proposals"), W._teeth_light
    ways = {"before": lambda photo, source, brightness, light, weight: (brightness, light), "now": now}
    rows = []
    try:
        for folder in folders:
            for path in list_photos(folder):
                img = load_rgb(path)
                faces = finder.detect(img)
                if not faces:
                    continue
                lm = np.asarray(faces[0].landmarks, np.float64)
                shown = W.teeth_shown(img, lm)
                if shown < 0.5:
                    continue
                cur = estimate_aus(faces[0])
                target = resolve_target(current=cur, expression="fear")
                start = motion_start(cur, expression="fear", target=target)
                row = {"photo": path.name, "teeth_shown": shown,
                       "own": float(luminance(W.photo_teeth(img, lm)[None])[0])}
                for name, fn in ways.items():
                    W._teeth_light = fn
                    ge = edit_face_geometry(img, lm, start, target, texture=0)
                    opening = polygon_mask(img.shape[:2], ge.warp.target[list(INNER_LIPS)]) > 0.5
                    ys = np.nonzero(opening)[0]
                    lower = opening & (np.arange(img.shape[0])[:, None] > np.median(ys))
                    row[name] = float(np.percentile(luminance(ge.image[lower].astype(np.float32)), 90))
                rows.append(row)
    finally:
        W._teeth_light = now
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("-o", "--out", type=Path, default=ROOT / "benchmarks/results/engines/drawn_teeth_light.md")
    args = ap.parse_args()
    rows = measure(args.folders)
    own = np.array([r["own"] for r in rows])
    lines = ["# Drawn lower teeth of fear edits against the photo's own teeth", "",
             "`.venv/bin/python benchmarks/drawn_teeth_light.py " + " ".join(str(f) for f in args.folders) + "` "
             "(method in its docstring). Luminance 0-255; before: lit from the skin and lips; now: in the colour "
             "of the photo's own teeth.", "",
             f"{len(rows)} photos that show their teeth.", "",
             "| | before | now |", "|---|---|---|"]
    for label, fn in (("mean abs(own - drawn)", lambda d: f"{np.abs(d).mean():.1f}"),
                      ("mean (own - drawn)", lambda d: f"{np.mean(d):.1f}"),
                      ("photos drawn darker than their own teeth by over 30", lambda d: str(int((d > 30).sum())))):
        lines.append(f"| {label} | {fn(own - np.array([r['before'] for r in rows]))} "
                     f"| {fn(own - np.array([r['now'] for r in rows]))} |")
    lines += ["", "| photo | teeth shown | own | before | now |", "|---|---|---|---|---|"]
    lines += [f"| {r['photo']} | {r['teeth_shown']:.2f} | {r['own']:.0f} | {r['before']:.0f} | {r['now']:.0f} |"
              for r in rows]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:12]))


if __name__ == "__main__":
    main()
