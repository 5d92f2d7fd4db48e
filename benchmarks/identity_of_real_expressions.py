"""How far a real person's own expression changes move the identity distance.

Issue 28's identity goal (mean dlib distance edit vs input <= 0.30) is
anchored on talking-face video. This script measures, on the real clips of
../shared/data/video_dev, how the distance between a frame and the clip's
first frame grows with the size of the expression change between them,
measured as the engine evaluation measures edits (MediaPipe landmarks in the
pose-normalised frame, IOD: mouth opening, brow height, eye opening, lip
corner lift). Each frame is aligned on its own landmarks (the head moves in
a video), cropped as the engine evaluation crops, and embedded with the same
network (dlib's ResNet). So it says what a real open mouth or raised brows of a
given size cost in that distance, against which the edits' numbers can be read.
Then the same distance for warp-engine edits of the 60 development faces
(``preset_variants.py --make-dev``) that move one group of AUs at a time,
texture stage off, with the landmark change they make.

    .venv/bin/python benchmarks/identity_of_real_expressions.py [--per-clip 60] [--edits data/utkface_dev60]

Writes benchmarks/results/engines/identity_real_expressions.md and .json.
"""

from __future__ import annotations

import argparse
import json
from itertools import pairwise
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CLIPS = Path("/work/shared/data/video_dev")
OUT = ROOT / "benchmarks/results/engines"
#: bins of the mouth opening's change (IOD) and of the brows' rise (IOD)
#: one AU group at a time (absolute targets, as `--aus` sets them)
EDITS = (("eyes wide (AU05 0.8)", "AU05=0.8"), ("brows raised (AU01 0.9, AU02 0.9)", "AU01=0.9,AU02=0.9"),
         ("jaw dropped (AU25 0.8, AU26 0.8)", "AU25=0.8,AU26=0.8"), ("brows lowered (AU04 1.0)", "AU04=1"))
MOUTH_BINS = (-1.0, 0.05, 0.10, 0.20, 0.30, 9.0)
BROW_BINS = (-1.0, 0.02, 0.04, 0.06, 9.0)


def clip_frames(path: Path, per_clip: int) -> list[np.ndarray]:
    """About ``per_clip`` frames spread over the clip, RGB uint8."""
    from ganimation.video import open_frames

    frames = list(open_frames(path, max_frames=5000, max_side=720))
    step = max(1, len(frames) // per_clip)
    return frames[::step][:per_clip]


def measure_clip(path: Path, per_clip: int, embed) -> list[dict]:
    """Per frame with a face: identity distance to the clip's first face frame and the measure changes."""
    from ganimation.evaluation.engines import view_face
    from ganimation.faces.pipeline import find_faces
    from ganimation.metrics.geometry import measure_deltas

    rows, views, crops = [], [], []
    for frame in clip_frames(path, per_clip):
        faces = find_faces(frame, "largest")
        if not faces:
            continue
        v = view_face(faces[0])
        views.append(v)
        crops.append(v.crops(frame)[1])
    if len(crops) < 2:
        return rows
    e = embed(np.stack(crops)).astype(np.float64)
    for i in range(1, len(crops)):
        d = measure_deltas(views[0].measures, views[i].measures)
        rows.append({"clip": path.name, "frame": i, "distance": float(np.linalg.norm(e[i] - e[0])), **d})
    return rows


def measure_edits(folder: Path, embed) -> list[tuple[str, int, float, float, float]]:
    """Per :data:`EDITS` group: ``(label, faces, identity distance mean, mouth opening change, brow height change)``."""
    from ganimation.evaluation.engines import view_face
    from ganimation.faces.pipeline import edit_photo, find_faces
    from ganimation.images import load_rgb
    from ganimation.metrics.geometry import expression_measures, measure_deltas

    photos = []
    for path in sorted(folder.iterdir()):
        img = load_rgb(path)
        faces = find_faces(img, "largest")
        if faces:
            photos.append((img, view_face(faces[0])))
    e_in = embed(np.stack([v.crops(img)[1] for img, v in photos])).astype(np.float64)
    out = []
    for label, aus in EDITS:
        crops, mouth, brow = [], [], []
        for img, v in photos:
            edited = edit_photo(None, img, aus=aus, engine="warp", face="largest", texture=0).image
            crops.append(v.crops(edited)[1])
            g = find_faces(edited, "largest")
            if g:
                d = measure_deltas(v.measures, expression_measures(g[0].landmarks))
                mouth.append(d["mouth_open"])
                brow.append(d["brow_height"])
        dist = np.linalg.norm(embed(np.stack(crops)).astype(np.float64) - e_in, axis=1)
        out.append((label, len(photos), float(dist.mean()), float(np.mean(mouth)), float(np.mean(brow))))
        print(f"{label}: identity {dist.mean():.3f}", flush=True)
    return out


def binned(rows: list[dict], key: str, bins: tuple[float, ...]) -> list[tuple[str, int, float | None]]:
    out = []
    for lo, hi in pairwise(bins):
        sel = [r["distance"] for r in rows if lo <= r[key] < hi]
        label = f"< {hi:.2f}" if lo <= -1 else (f">= {lo:.2f}" if hi >= 9 else f"{lo:.2f}-{hi:.2f}")
        out.append((label, len(sel), float(np.mean(sel)) if sel else None))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-clip", type=int, default=60, help="frames sampled per clip")
    ap.add_argument("--edits", type=Path, default=ROOT / "data/utkface_dev60",
                    help="photos for the one-group edits (none: skip them)")
    args = ap.parse_args()
    import torch

    from ganimation.evaluation.estimators import identity_embedder

    torch.set_num_threads(2)
    embed = identity_embedder()
    if embed is None:
        raise SystemExit("the dlib face embedding is not installed (make install)")
    rows: list[dict] = []
    for path in sorted(CLIPS.glob("*.mp4")):
        got = measure_clip(path, args.per_clip, embed)
        print(f"{path.name}: {len(got)} frames, distance mean {np.mean([r['distance'] for r in got]):.3f}", flush=True)
        rows += got
    dist = np.array([r["distance"] for r in rows])
    mouth = np.array([r["mouth_open"] for r in rows])
    brow = np.array([r["brow_height"] for r in rows])
    lines = ["# Identity distance of real expression changes (video_dev)", "",
             (f"`.venv/bin/python benchmarks/identity_of_real_expressions.py --per-clip {args.per_clip}`: "
              f"{len(rows)} frames of {len({r['clip'] for r in rows})} real talking-face clips, each against its "
              "clip's first frame; both aligned on their own landmarks and embedded as the engine evaluation does "
              "(dlib ResNet, Euclidean distance). The change of expression is measured as the engine "
              "evaluation measures an edit (MediaPipe, pose-normalised frame, IOD)."), "",
             (f"All frames: distance mean {dist.mean():.3f}, median {np.median(dist):.3f}; "
              f"correlation with the mouth opening's change {np.corrcoef(mouth, dist)[0, 1]:+.2f}, "
              f"with the brows' change {np.corrcoef(brow, dist)[0, 1]:+.2f}."), "",
             "| mouth opening change (IOD) | frames | distance mean |", "|---|---|---|"]
    lines += [f"| {lab} | {n} | {'–' if m is None else f'{m:.3f}'} |" for lab, n, m in binned(rows, "mouth_open", MOUTH_BINS)]
    lines += ["", "| brow height change (IOD) | frames | distance mean |", "|---|---|---|"]
    lines += [f"| {lab} | {n} | {'–' if m is None else f'{m:.3f}'} |" for lab, n, m in binned(rows, "brow_height", BROW_BINS)]
    lines += ["", "| clip | frames | distance mean | largest mouth opening change (IOD) |", "|---|---|---|---|"]
    for clip in sorted({r["clip"] for r in rows}):
        sel = [r for r in rows if r["clip"] == clip]
        lines.append(f"| {clip} | {len(sel)} | {np.mean([r['distance'] for r in sel]):.3f} | "
                     f"{max(r['mouth_open'] for r in sel):+.3f} |")
    edits = measure_edits(args.edits, embed) if args.edits and args.edits.is_dir() else []
    if edits:
        where = args.edits.relative_to(ROOT) if args.edits.is_relative_to(ROOT) else args.edits
        lines += ["", (f"Warp-engine edits of the {edits[0][1]} faces in `{where}`, one AU group at a time, "
                       "texture stage off, each against its input (no pose change):"), "",
                  "| edit | identity distance mean | mouth opening change (IOD) | brow height change (IOD) |",
                  "|---|---|---|---|"]
        lines += [f"| {lab} | {d:.3f} | {m:+.3f} | {b:+.3f} |" for lab, _, d, m, b in edits]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "identity_real_expressions.md").write_text("\n".join(lines) + "\n")
    (OUT / "identity_real_expressions.json").write_text(json.dumps({"per_clip": args.per_clip, "rows": rows, "edits": edits}, indent=0))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
