"""Video tracking: a face a third to a half of the frame, with and without the detector's refit pass.

Where a face's 2.5x window covers nearly the whole frame (80 % or more), the tracker
(``ganimation.motion.tracking.LandmarkTracker``) runs one landmarker pass over the frame without the
detector's refit (a second pass in a crop of twice the face, for faces under half the frame's shorter
side). This measures what that refit costs and changes on real clips: every 4th of the first
``--frames`` frames, ``detect(frame, refit=True)`` and ``detect(frame, refit=False)`` (the ``whole``
search, one face), alternately; the time per frame (median) and the mean landmark distance between
the two fits, in inter-ocular distances (IOD).

Usage: python benchmarks/tracker_refit.py [--frames 120]
Writes benchmarks/results/tracker_refit.{json,md}.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
CLIPS = ("video_dev/retalking_3.mp4", "video_dev/retalking_1.mp4", "video_dev/lp_s20.mp4",
         "video_dev/sadtalker_wda_kh.mp4", "driving_dev/d9.mp4", "driving_dev/d0.mp4")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("-o", "--output", default="benchmarks/results/tracker_refit")
    args = ap.parse_args(argv)
    from ganimation.faces.detect import get_detector
    from ganimation.motion.frame import interocular
    from ganimation.video import open_frames

    det = get_detector(None, search="whole", max_faces=1)
    rows = []
    for clip in CLIPS:
        with open_frames(SHARED / clip, max_frames=args.frames) as src:
            frames = list(src)[::4]
        h, w = frames[0].shape[:2]
        times = {True: [], False: []}
        diffs, shares = [], []
        for f in frames:
            found = {}
            for refit in (True, False):
                t = time.perf_counter()
                found[refit] = det.detect(f, refit=refit)
                times[refit].append(1000 * (time.perf_counter() - t))
            if found[True] and found[False]:
                a, b = found[True][0].landmarks, found[False][0].landmarks
                diffs.append(float(np.linalg.norm(a[:, :2] - b[:, :2], axis=1).mean() / interocular(a)))
                side = float(np.ptp(a[:, :2], axis=0).max())
                shares.append(side / min(h, w))
        share = float(np.median(shares))
        rows.append({"clip": clip, "size": f"{w}x{h}", "frames": len(frames), "face_share": round(share, 2),
                     "window_share": round(min(1.0, (2.5 * share * min(h, w)) ** 2 / (w * h)), 2),
                     "ms_refit": round(float(np.median(times[True])), 1),
                     "ms_one_pass": round(float(np.median(times[False])), 1),
                     "landmarks_iod_mean": round(float(np.mean(diffs)), 4),
                     "landmarks_iod_max": round(float(np.max(diffs)), 4)})
        print(rows[-1], flush=True)
    res = {"command": "python " + " ".join(sys.argv), "cpus": len(os.sched_getaffinity(0)),
           "load_average": [round(v, 2) for v in os.getloadavg()], "rows": rows}
    out = Path(args.output)
    out.with_suffix(".json").write_text(json.dumps(res, indent=1))
    lines = ["# Video tracking: the detector's refit pass on faces a third to a half of the frame", "",
             (f"`{res['command']}`: every 4th frame, `detect(frame, refit=True / False)` (whole search, one "
              f"face), alternately; {res['cpus']} CPU cores, load average at the end {res['load_average']}. "
              "face: the landmark extent over the frame's shorter side (median); window: the tracker's 2.5x "
              "window over the frame's area (from 0.8 the tracker takes one pass over the frame)."), "",
             "| clip | size | face | window | ms with refit | ms one pass | landmarks moved, mean / max (IOD) |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['clip']} | {r['size']} | {r['face_share']} | {r['window_share']} | {r['ms_refit']:.0f} | "
                     f"{r['ms_one_pass']:.0f} | {r['landmarks_iod_mean']:.4f} / {r['landmarks_iod_max']:.4f} |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
