"""How much ``edit --like`` from another person's photo changes who the edited face looks like (dlib).

Every development face of ``data/utkface_dev60`` (``benchmarks/preset_variants.py --make-dev``) is given
the expression of four wild_dev photos' faces (Obama's broad smile, Einstein's open laugh, 44_t1's
grin, Tom Cruise's smile) with ``edit --like``'s motion, fitted by the AU motion model alone (before)
and together with the face-shape basis (:mod:`ganimation.motion.identity`, now); the dlib identity
distance between each edit and its photo (both embedded in the photo's face box) is averaged.

It also measures the rule by which ``edit --like`` takes a reference for the edited face's own person
(:data:`ganimation.faces.identity.SAME_PERSON_FOR_LIKE`): the dlib distances between the development
faces and the four references (different people), and between frames of the 19 talking clips of
../shared/data/video_dev (every 25th of the first 200) and each clip's first frame (the same person).

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


def same_person_rule(data: Path, references: dict) -> tuple[np.ndarray, np.ndarray, float]:
    """``(distances between different people, distances within a clip, ms per descriptor)``."""
    import time

    from ganimation.faces.identity import embed, identity_distance
    from ganimation.faces.pipeline import find_faces
    from ganimation.images import load_rgb
    from ganimation.video import open_frames

    refs = [embed(img, [find_faces(img, "largest")[0].box])[0] for img in references.values()]
    cross, same, took = [], [], []
    for path in sorted(data.iterdir()):
        img = load_rgb(path)
        found = find_faces(img, "largest")
        if found:
            t0 = time.perf_counter()
            own = embed(img, [found[0].box])[0]
            took.append(time.perf_counter() - t0)
            cross += [float(identity_distance(own, r)) for r in refs]
    for clip in sorted((Path("/work/shared/data/video_dev")).glob("*.mp4")):
        with open_frames(clip, max_frames=200) as frames:
            shots = [f for k, f in enumerate(frames) if k % 25 == 0]
        own = [embed(f, [found[0].box])[0] for f in shots if (found := find_faces(f, "largest"))]
        same += [float(identity_distance(own[0], e)) for e in own[1:]]
    return np.array(cross), np.array(same), 1000 * float(np.median(took))


def main() -> None:
    from ganimation.faces.identity import SAME_PERSON_FOR_LIKE, embed, identity_distance
    from ganimation.faces.pipeline import edit_photo, find_faces
    from ganimation.images import load_rgb

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data/utkface_dev60")
    ap.add_argument("-o", "--out", type=Path, default=ROOT / "benchmarks/results/like_identity_distance.md")
    args = ap.parse_args()
    refs = {name: find_faces(load_rgb(WILD / name), "largest")[0].landmarks for name in REFERENCES}
    dist: dict[str, dict[str, list[float]]] = {way: {name: [] for name in REFERENCES} for way in ("before", "now")}
    faces = 0
    for path in sorted(args.data.iterdir()):
        img = load_rgb(path)
        found = find_faces(img, "largest")
        if not found:
            continue
        faces += 1
        box = [found[0].box]
        own = embed(img, box)
        for name, ref in refs.items():
            for way, alone in (("before", True), ("now", False)):      # like_same: the AUs fitted alone
                edited = edit_photo(None, img, like=ref, face="largest", like_same=[alone]).image
                dist[way][name].append(float(identity_distance(own, embed(edited, box))[0]))
    lines = ["# `edit --like` another person's photo: identity distance of the edit to its photo", "",
             (f"`.venv/bin/python benchmarks/like_identity_distance.py` (method in its docstring); {faces} faces of "
              f"`{args.data.relative_to(ROOT) if args.data.is_relative_to(ROOT) else args.data}`, dlib distance "
              "(lower: the same person)."), "",
             "| reference | AUs alone (before) | with the face-shape basis (now) |", "|---|---|---|"]
    for name in REFERENCES:
        lines.append(f"| {name} | {np.mean(dist['before'][name]):.3f} | {np.mean(dist['now'][name]):.3f} |")
    every = {way: np.mean([v for vals in d.values() for v in vals]) for way, d in dist.items()}
    lines += [f"| all | {every['before']:.3f} | {every['now']:.3f} |", ""]
    cross, same, ms = same_person_rule(args.data, {name: load_rgb(WILD / name) for name in REFERENCES})
    rule = (f"Threshold {SAME_PERSON_FOR_LIKE} (`faces.identity.SAME_PERSON_FOR_LIKE`); dlib descriptor "
            f"{ms:.0f} ms per face on this machine.")
    lines += ["## The same-person rule", "", rule, "",
              "| pairs | n | least | 1st percentile | median | 99th percentile | largest |", "|---|---|---|---|---|---|---|"]
    for label, d in (("different people", cross), ("same person (clip frames)", same)):
        lines.append(f"| {label} | {len(d)} | {d.min():.3f} | {np.percentile(d, 1):.3f} | {np.median(d):.3f} | "
                     f"{np.percentile(d, 99):.3f} | {d.max():.3f} |")
    lines.append("")
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
