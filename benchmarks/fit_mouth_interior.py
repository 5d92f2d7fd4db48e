"""Make ``src/ganimation/assets/mouth_interior.npz``: the real open mouths the warp engine draws inside
an opening the photo did not show (:mod:`ganimation.warp.mouth_interior` documents the format).

Each exemplar is one frame of a training clip of ../shared/data/video_dev (never a clip held out
for evaluation: lp_s13, retalking_3, sadtalker_wda_kh, nor sadtalker_wda_aoc), chosen by eye among
the sharpest frontal frames of every training clip with an opening of 0.2-0.6 IOD:

- ``open`` (a dropped jaw, relaxed lips): frame 112 of lp_d10, open by 0.33 IOD, the upper teeth,
  the dark cavity and the tongue; 0.3 of the opening left out at the lower lip (the tongue's
  bright front and lip that the landmarks leave inside the opening);
- ``stretched`` (lips pulled sideways): frame 104 of lp_d13, both rows of teeth bared around a
  dark gap; 0.04 left out (the lower teeth sit against the lower lip).

Both clips are MIT-licensed (``SOURCES.csv``). Each rectified interior is mirrored from its
image-left half (``--half``) so that the mouth is symmetric, and white-balanced so that its
upper teeth (the brightest fifth of the upper third, middle half of the width) take
:data:`ganimation.warp.mouth_interior.TEETH_RGB`. Also writes the preview
``docs/images/mouth_interior.png`` (each frame's mouth and its exemplar).

    python benchmarks/fit_mouth_interior.py [--open lp_d10:112:0.3] [--stretched lp_d13:104:0.04]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT = ("lp_s13", "retalking_3", "sadtalker_wda_kh", "sadtalker_wda_aoc")


def exemplar(videos: Path, spec: str, half: str):
    """``(white-balanced interior (R, C, 3) uint8, opening (C,) IOD, preview (240, W, 3) uint8)`` of
    ``spec`` ``CLIP:FRAME:TRIM``."""
    import cv2
    import imageio.v2 as iio

    from ganimation.faces.pipeline import find_faces
    from ganimation.motion.frame import interocular
    from ganimation.warp import mouth_interior as M

    clip, frame_no, trim = spec.split(":")
    if clip in HELD_OUT:
        raise SystemExit(f"{clip} is held out for evaluation; choose a training clip")
    frame = np.asarray(iio.get_reader(str(videos / f"{clip}.mp4"), format="FFMPEG").get_data(int(frame_no)))
    faces = find_faces(frame, face="largest")
    if not faces:
        raise SystemExit(f"no face in frame {frame_no} of {clip}")
    p = max(faces, key=lambda f: f.area).landmarks[:, :2].astype(np.float64)
    upper, lower = p[list(M.UPPER_CHAIN)], p[list(M.LOWER_CHAIN)]
    iod = interocular(p)
    patch, gap = M.rectify(frame, upper, lower, iod, trim=float(trim))
    if half != "both":   # a symmetric mouth: the chosen half's columns mirrored onto the other
        mid = patch.shape[1] // 2
        if half == "right":
            patch, gap = patch[:, ::-1], gap[::-1]
        patch = np.concatenate([patch[:, :mid], patch[:, :mid][:, ::-1]], 1)
        gap = np.concatenate([gap[:mid], gap[:mid][::-1]])
    rows, cols = patch.shape[:2]
    top = patch[: rows // 3, cols // 4: 3 * cols // 4].reshape(-1, 3).astype(np.float64)
    lum = top.mean(1)
    teeth = top[lum >= np.quantile(lum, 0.8)].mean(0)
    balanced = np.clip(np.rint(patch * (M.TEETH_RGB / teeth)), 0, 255).astype(np.uint8)
    print(f"{spec}: opening {gap.max():.3f} IOD at most, teeth RGB before balance {teeth.round(0)}, IOD {iod:.1f} px")
    # preview: the frame's mouth and the exemplar at its physical aspect
    x0, y0 = np.floor(p[[61, 291, 0, 17, 164]].min(0) - 0.15 * iod).astype(int)
    x1, y1 = np.ceil(p[[61, 291, 0, 17, 200]].max(0) + 0.15 * iod).astype(int)
    crop = frame[max(0, y0):y1, max(0, x0):x1]
    height = 240
    crop = cv2.resize(crop, (round(crop.shape[1] * height / crop.shape[0]), height), interpolation=cv2.INTER_CUBIC)
    length = float(np.linalg.norm(upper[-1] - upper[0])) / iod
    ex_h = round(crop.shape[1] * float(np.median(gap)) / length)
    ex = cv2.resize(balanced, (crop.shape[1], max(8, ex_h)), interpolation=cv2.INTER_CUBIC)
    canvas = np.full((height, crop.shape[1], 3), 255, np.uint8)
    canvas[(height - ex.shape[0]) // 2:(height - ex.shape[0]) // 2 + ex.shape[0]] = ex[:height]
    pad = np.full((height, 8, 3), 255, np.uint8)
    return balanced, gap.astype(np.float32), np.concatenate([crop, pad, canvas], 1)


def main() -> None:
    import cv2

    from ganimation.warp import mouth_interior as M

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--open", default="lp_d10:112:0.3", help="CLIP:FRAME:TRIM of the dropped jaw")
    ap.add_argument("--stretched", default="lp_d13:104:0.04", help="CLIP:FRAME:TRIM of the stretched lips")
    ap.add_argument("--videos", default="/work/shared/data/video_dev")
    ap.add_argument("--half", choices=("left", "right", "both"), default="left",
                    help="mirror this half of each opening onto the other (default left: at lp_d10's right "
                         "corner the landmarks leave lip inside the opening)")
    ap.add_argument("-o", "--out", default=str(M.ASSET))
    args = ap.parse_args()
    arrays, previews, sources = {}, [], []
    for name in M.EXEMPLARS:
        spec = getattr(args, name)
        image, gap, preview = exemplar(Path(args.videos), spec, args.half)
        arrays[f"{name}_image"], arrays[f"{name}_gap"] = image, gap
        previews.append(preview)
        sources.append(f"{name}: {spec} (video_dev, MIT)")
    np.savez_compressed(args.out, **arrays, source=np.array("; ".join(sources)))
    print(args.out)
    width = max(p.shape[1] for p in previews)
    rows = [np.concatenate([p, np.full((p.shape[0], width - p.shape[1], 3), 255, np.uint8)], 1) for p in previews]
    sheet = np.concatenate([rows[0], np.full((8, width, 3), 255, np.uint8), rows[1]], 0)
    out = ROOT / "docs" / "images" / "mouth_interior.png"
    cv2.imwrite(str(out), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(out)


if __name__ == "__main__":
    main()
