"""Make ``src/ganimation/assets/mouth_interior.npz``: the real open mouth the warp engine draws inside
an opening the photo did not show (:mod:`ganimation.warp.mouth_interior` documents the format).

The exemplar is one frame of a training clip of ../shared/data/video_dev (never a clip held out
for evaluation: lp_s13, retalking_3, sadtalker_wda_kh, nor sadtalker_wda_aoc): by default frame 112
of lp_d10 (MIT licence, ``SOURCES.csv``), a frontal face with the mouth open by 0.33 IOD showing
the upper teeth, the dark cavity and the tongue. It was chosen by eye among the sharpest frontal
frames of every training clip with an opening of 0.3-0.6 IOD. The rectified interior is
mirrored from one half (``--half``) so that the mouth is symmetric, and
white-balanced so that its upper teeth (the brightest fifth of the upper third, middle half of the
width) take :data:`ganimation.warp.mouth_interior.TEETH_RGB`. Also writes the preview
``docs/images/mouth_interior.png`` (the exemplar, and the frame's mouth).

    python benchmarks/fit_mouth_interior.py [--clip lp_d10] [--frame 112]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT = ("lp_s13", "retalking_3", "sadtalker_wda_kh", "sadtalker_wda_aoc")


def main() -> None:
    import cv2
    import imageio.v2 as iio

    from ganimation.faces.pipeline import find_faces
    from ganimation.motion.frame import interocular
    from ganimation.motion.regions import INNER_LIPS, LIP_PAIRS
    from ganimation.warp import mouth_interior as M

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", default="lp_d10")
    ap.add_argument("--frame", type=int, default=112)
    ap.add_argument("--videos", default="/work/shared/data/video_dev")
    ap.add_argument("--half", choices=("left", "right", "both"), default="left",
                    help="mirror this half of the opening onto the other (default left: at this frame's "
                         "right corner the landmarks leave lip inside the opening)")
    ap.add_argument("-o", "--out", default=str(M.ASSET))
    args = ap.parse_args()
    if args.clip in HELD_OUT:
        raise SystemExit(f"{args.clip} is held out for evaluation; choose a training clip")
    frame = np.asarray(iio.get_reader(str(Path(args.videos) / f"{args.clip}.mp4"), format="FFMPEG").get_data(args.frame))
    faces = find_faces(frame, face="largest")
    if not faces:
        raise SystemExit(f"no face in frame {args.frame} of {args.clip}")
    face = max(faces, key=lambda f: f.area)
    p = face.landmarks[:, :2].astype(np.float64)
    upper = p[[INNER_LIPS[0], *(u for u, _ in LIP_PAIRS), INNER_LIPS[10]]]
    lower = p[[INNER_LIPS[0], *(lo for _, lo in LIP_PAIRS), INNER_LIPS[10]]]
    iod = interocular(p)
    patch, gap = M.rectify(frame, upper, lower, iod)
    if args.half != "both":   # a symmetric mouth; the chosen half's columns mirrored onto the other
        half = patch.shape[1] // 2
        if args.half == "right":
            patch, gap = patch[:, ::-1], gap[::-1]
        patch = np.concatenate([patch[:, :half], patch[:, :half][:, ::-1]], 1)
        gap = np.concatenate([gap[:half], gap[:half][::-1]])
    rows, cols = patch.shape[:2]
    top = patch[: rows // 3, cols // 4: 3 * cols // 4].reshape(-1, 3).astype(np.float64)
    lum = top.mean(1)
    teeth = top[lum >= np.quantile(lum, 0.8)].mean(0)
    balanced = np.clip(np.rint(patch * (M.TEETH_RGB / teeth)), 0, 255).astype(np.uint8)
    np.savez_compressed(args.out, image=balanced, gap=gap.astype(np.float32),
                        source=np.array(f"{args.clip}.mp4 frame {args.frame} (video_dev, MIT)"))
    print(f"{args.out}: {balanced.shape}, opening {gap.max():.3f} IOD at most, teeth RGB before balance "
          f"{teeth.round(0)}, IOD {iod:.1f} px")
    # preview: the frame's mouth and the exemplar at its physical aspect
    x0, y0 = np.floor(p[[61, 291, 0, 17, 164]].min(0) - 0.15 * iod).astype(int)
    x1, y1 = np.ceil(p[[61, 291, 0, 17, 200]].max(0) + 0.15 * iod).astype(int)
    crop = frame[max(0, y0):y1, max(0, x0):x1]
    height = 240
    crop = cv2.resize(crop, (round(crop.shape[1] * height / crop.shape[0]), height), interpolation=cv2.INTER_CUBIC)
    length = float(np.linalg.norm(upper[-1] - upper[0])) / iod
    ex_h = round(crop.shape[1] * float(np.median(gap)) / length)
    ex = cv2.resize(balanced, (crop.shape[1], max(8, ex_h)), interpolation=cv2.INTER_CUBIC)
    pad = np.full((height, 8, 3), 255, np.uint8)
    canvas = np.full((height, crop.shape[1], 3), 255, np.uint8)
    canvas[(height - ex.shape[0]) // 2:(height - ex.shape[0]) // 2 + ex.shape[0]] = ex[:height]
    out = ROOT / "docs" / "images" / "mouth_interior.png"
    cv2.imwrite(str(out), cv2.cvtColor(np.concatenate([crop, pad, canvas], 1), cv2.COLOR_RGB2BGR))
    print(out)


if __name__ == "__main__":
    main()
