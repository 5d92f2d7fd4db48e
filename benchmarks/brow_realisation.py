"""How much of a warped brow motion MediaPipe sees, against how it follows real brows.

Issue 28's geometry goal is measured with MediaPipe landmarks found on the
edited photo. Anger's brows and fear's inner brows are its misses. This
script separates the two possible causes:

1. **Warped photos**: on development faces (``data/utkface_dev60``), each of
   AU01, AU02 and AU04 alone (its AU motion model basis at 1) is applied by
   the warp engine's ``apply_motion`` with the texture stage off, at its
   default strength and at 2; the *commanded* change of the brow measure
   (``ganimation.metrics.geometry``) is compared with the *realised* one
   (MediaPipe on the warped photo minus MediaPipe on the photo).
2. **Real video**: on held-out clips, MediaPipe's vertical motion of brow and
   lip landmarks between frame 0 and later frames (after a similarity fitted
   on the stable landmarks removes the head's motion) is regressed on the
   optical flow (OpenCV DIS) at the same points: a slope near 1 means
   MediaPipe follows real brows. The last row does the same for the
   mouth's width (the horizontal motion of the two lip corners, outward
   positive, summed).

    .venv/bin/python benchmarks/brow_realisation.py          # about 20 s on 2 cores

Writes benchmarks/results/engines/brow_realisation.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CLIPS = ("video_dev/lp_s13.mp4", "video_dev/retalking_1.mp4", "video_dev/sadtalker_wda_kh.mp4", "driving_dev/d0.mp4")
POINTS = {"brows": (105, 334, 107, 336, 66, 296, 70, 300), "inner brows": (107, 336, 55, 285),
          "upper lip": (0, 37, 267), "lip corners": (61, 291), "lower lip": (17, 14)}
WIDTH = "mouth width (horizontal)"
TESTS = (("AU04", "brow_height"), ("AU01", "brow_inner_height"), ("AU02", "brow_height"))


def warped(folder: Path, limit: int) -> list[str]:
    from ganimation.aus import AU_CODES
    from ganimation.evaluation.engines import find_face_near, list_photos
    from ganimation.faces.detect import get_detector
    from ganimation.geometry_edit import apply_motion
    from ganimation.images import load_rgb
    from ganimation.metrics.geometry import expression_measures, measures_from_frame
    from ganimation.motion.au_model import AUMotionModel
    from ganimation.motion.frame import to_frame

    model, det = AUMotionModel.load(), get_detector(search="whole")
    lines = ["| AU | measure | texture | commanded (IOD) | realised (IOD) | realised / commanded |", "|---|---|---|---|---|---|"]
    rows: dict[tuple, list] = {}
    faces = 0
    for path in list_photos(folder, limit=limit):
        img = load_rgb(path)
        found = det.detect(img)
        if not found:
            continue
        faces += 1
        f = found[0]
        lm = np.asarray(f.landmarks, np.float64)
        frame, pose = to_frame(lm)
        before, seen = measures_from_frame(frame), expression_measures(lm)
        for au, measure in TESTS:
            k = AU_CODES.index(au)
            motion = model.basis[k].astype(np.float64)
            change = np.zeros(len(AU_CODES))
            change[k] = 1.0
            for texture in (0.0, 0.5, 2.0):
                out = apply_motion(img, lm, motion, pose=pose, aus_change=change, texture=texture).image
                g = find_face_near(out, f.box, det)
                if g is None:
                    continue
                rows.setdefault((au, measure, texture), []).append(
                    (measures_from_frame(frame + motion)[measure] - before[measure],
                     expression_measures(np.asarray(g.landmarks))[measure] - seen[measure]))
    for (au, measure, texture), v in rows.items():
        v = np.array(v)
        lines.append(f"| {au} | {measure} | {texture:g} | {v[:, 0].mean():+.3f} | {v[:, 1].mean():+.3f} | "
                     f"{v[:, 1].mean() / v[:, 0].mean():.2f} |")
    return [f"Warped photos: {faces} faces of `{folder}`.", ""] + lines


def real_video(shared: Path) -> list[str]:
    import cv2

    from ganimation.faces.detect import get_detector
    from ganimation.motion.frame import STABLE
    from ganimation.video import open_frames

    det = get_detector(search="whole")
    pairs: dict[str, list] = {k: [] for k in (*POINTS, WIDTH)}
    for clip in CLIPS:
        with open_frames(shared / clip, max_frames=200) as src:
            frames = list(src)
        marks = {}
        for i in range(0, len(frames), max(1, len(frames) // 40)):
            found = det.detect(frames[i])
            if found:
                marks[i] = np.asarray(found[0].landmarks, np.float64)
        if 0 not in marks:
            continue
        ref = marks[0]
        g0 = cv2.cvtColor(frames[0], cv2.COLOR_RGB2GRAY)
        dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        for i, lm in marks.items():
            if i == 0:
                continue
            m, _ = cv2.estimateAffinePartial2D(lm[list(STABLE), :2].astype(np.float32), ref[list(STABLE), :2].astype(np.float32))
            gi = cv2.warpAffine(cv2.cvtColor(frames[i], cv2.COLOR_RGB2GRAY), m, (g0.shape[1], g0.shape[0]))
            moved = lm[:, :2] @ m[:, :2].T + m[:, 2]
            flow = dis.calc(g0, gi, None)
            for name, pts in POINTS.items():
                for p in pts:
                    x, y = np.round(ref[p, :2]).astype(int)
                    pairs[name].append((moved[p, 1] - ref[p, 1], flow[y, x, 1]))
            width = np.zeros(2)
            for p, outward in ((61, -1.0), (291, 1.0)):
                x, y = np.round(ref[p, :2]).astype(int)
                width += outward * np.array([moved[p, 0] - ref[p, 0], flow[y, x, 0]])
            pairs[WIDTH].append(tuple(width))
    lines = ["| points | n | MediaPipe / flow (slope) | correlation | mean abs MediaPipe (px) | mean abs flow (px) |",
             "|---|---|---|---|---|---|"]
    for name, v in pairs.items():
        v = np.array(v)
        slope = float(v[:, 0] @ v[:, 1] / (v[:, 1] @ v[:, 1]))
        lines.append(f"| {name} | {len(v)} | {slope:.2f} | {np.corrcoef(v[:, 0], v[:, 1])[0, 1]:.2f} | "
                     f"{np.abs(v[:, 0]).mean():.2f} | {np.abs(v[:, 1]).mean():.2f} |")
    head = (f"Real video: {', '.join(CLIPS)} (up to 200 frames, about 40 each compared with frame 0); "
            "vertical motion (the last row: horizontal) after the head's similarity is removed.")
    return [head, ""] + lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data/utkface_dev60")
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared/data")
    ap.add_argument("-o", "--out", type=Path, default=ROOT / "benchmarks/results/engines/brow_realisation.md")
    args = ap.parse_args()
    lines = ["# How much of a warped brow motion MediaPipe sees", "",
             "`.venv/bin/python benchmarks/brow_realisation.py` (method in its docstring).", "",
             *warped(args.data, args.limit), "", *real_video(args.shared), ""]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
