"""How much ``edit --like`` from another person's photo changes who the edited face looks like (dlib).

Every development face of ``data/utkface_dev60`` (``benchmarks/preset_variants.py --make-dev``) is given
the expression of four wild_dev photos' faces (Obama's broad smile, Einstein's open laugh, 44_t1's
grin, Tom Cruise's smile) with ``edit --like``'s motion, fitted by the AU motion model alone (before)
and together with the face-shape basis (:mod:`ganimation.motion.identity`, now); the dlib identity
distance between each edit and its photo (both embedded in the photo's face box) is averaged.

    .venv/bin/python benchmarks/like_identity_distance.py

Writes benchmarks/results/like_identity_distance.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WILD = Path("/work/shared/data/wild_dev")
REFERENCES = ("40_obama.jpg", "48_einstein.jpg", "44_t1.jpg", "38_Tom_Cruise_avp_2014_4.jpg")


def main() -> None:
    import ganimation.geometry_edit as G
    from ganimation.faces.identity import embed, identity_distance
    from ganimation.faces.pipeline import edit_photo, find_faces
    from ganimation.images import load_rgb

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data/utkface_dev60")
    ap.add_argument("-o", "--out", type=Path, default=ROOT / "benchmarks/results/like_identity_distance.md")
    args = ap.parse_args()
    refs = {name: find_faces(load_rgb(WILD / name), "largest")[0].landmarks for name in REFERENCES}
    fitted = G.reference_motion
    dist: dict[str, dict[str, list[float]]] = {way: {name: [] for name in REFERENCES} for way in ("before", "now")}
    faces = 0
    try:
        for path in sorted(args.data.iterdir()):
            img = load_rgb(path)
            found = find_faces(img, "largest")
            if not found:
                continue
            faces += 1
            box = [found[0].box]
            own = embed(img, box)
            for name, ref in refs.items():
                for way, identity in (("before", False), ("now", None)):
                    G.reference_motion = lambda s, r, identity=identity, **k: fitted(s, r, identity=identity, **k)
                    edited = edit_photo(None, img, like=ref, face="largest").image
                    dist[way][name].append(float(identity_distance(own, embed(edited, box))[0]))
    finally:
        G.reference_motion = fitted
    lines = ["# `edit --like` another person's photo: identity distance of the edit to its photo", "",
             (f"`.venv/bin/python benchmarks/like_identity_distance.py` (method in its docstring); {faces} faces of "
              f"`{args.data.relative_to(ROOT) if args.data.is_relative_to(ROOT) else args.data}`, dlib distance "
              "(lower: the same person)."), "",
             "| reference | AUs alone (before) | with the face-shape basis (now) |", "|---|---|---|"]
    for name in REFERENCES:
        lines.append(f"| {name} | {np.mean(dist['before'][name]):.3f} | {np.mean(dist['now'][name]):.3f} |")
    every = {way: np.mean([v for vals in d.values() for v in vals]) for way, d in dist.items()}
    lines += [f"| all | {every['before']:.3f} | {every['now']:.3f} |", ""]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
