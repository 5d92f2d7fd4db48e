"""Speed of the reenact pipeline on the CPU: frames/s and where the time goes.

Whole pipeline = ``Reenactor(source, driving_ref="first").run(frames)``: driving
landmark tracking (MediaPipe + One-Euro), motion transfer, triangulated warp
and mouth shading, per frame; the driving video is decoded into memory first
and nothing is written (decoding is timed separately). The first WARMUP frames
are not timed. Sources: src/ganimation/assets/astronaut.png (512x512) and a
1920x1080 frame made from a wild_dev photo (resized so the face is ~300 px
across, reflect-padded). Split: tracker.update, MotionTransfer.target,
warp_face, shade_mouth (ms/frame), and a cProfile of the 512 px run.

    .venv/bin/python benchmarks/bench_reenact.py
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reenact_common as rc

HD_PHOTO = "46_single_face.jpg"


def make_hd_source(face_px: float = 300.0) -> np.ndarray:
    """1920x1080: a wild_dev photo resized so its face box is ``face_px`` wide, centred, reflect-padded."""
    from ganimation.faces.detect import get_detector
    from ganimation.images import as_rgb_array

    img = as_rgb_array(rc.SHARED / "wild_dev" / HD_PHOTO)
    b = get_detector().detect(img)[0].box
    s = face_px / float(b[2] - b[0])
    img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC if s > 1 else cv2.INTER_AREA)
    cx, cy = (b[0] + b[2]) / 2 * s, (b[1] + b[3]) / 2 * s
    pad = 1200
    big = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_REFLECT)
    x0 = int(round(cx + pad - 960))
    y0 = int(round(cy + pad - 540))
    return np.ascontiguousarray(big[y0:y0 + 1080, x0:x0 + 1920])


def time_pipeline(source, frames, fps, warmup):
    from ganimation.reenact import Reenactor

    t0 = time.perf_counter()
    r = Reenactor(source, driving_ref="first")
    setup = time.perf_counter() - t0
    times = []
    it = r.run(iter(frames), fps)
    t = time.perf_counter()
    for _ in it:
        now = time.perf_counter()
        times.append(now - t)
        t = now
    timed = np.array(times[warmup:])
    return {"setup_s": setup, "frames_timed": len(timed), "fps": float(len(timed) / timed.sum()),
            "ms_per_frame_mean": float(timed.mean() * 1e3), "ms_per_frame_median": float(np.median(timed) * 1e3),
            "ms_per_frame_p90": float(np.percentile(timed, 90) * 1e3), "tracker_lost": int(r.lost)}


def time_split(source, frames, fps, warmup):
    """The pipeline's stages timed one by one (same work as Reenactor.render)."""
    from ganimation.motion.tracking import LandmarkTracker
    from ganimation.reenact import Reenactor
    from ganimation.warp.face import warp_face
    from ganimation.warp.mouth import shade_mouth

    r = Reenactor(source, driving_ref="first")
    tracker = LandmarkTracker(fps)
    transfer = None
    rec = {"track": [], "detect_only": [], "target": [], "warp_face": [], "shade_mouth": []}
    for i, f in enumerate(frames):
        t0 = time.perf_counter()
        tr = tracker.update(f)
        t1 = time.perf_counter()
        if transfer is None:
            transfer = r._transfer(tr.landmarks)
        t2 = time.perf_counter()
        target = transfer.target(tr.landmarks)
        t3 = time.perf_counter()
        fw = warp_face(r.source, transfer.source_landmarks, target, pose=transfer.source_pose)
        t4 = time.perf_counter()
        shade_mouth(fw.image, fw.source, fw.target, fw.iod)
        t5 = time.perf_counter()
        tracker.detector.detect(f)
        t6 = time.perf_counter()
        if i >= warmup:
            rec["track"].append(t1 - t0)
            rec["target"].append(t3 - t2)
            rec["warp_face"].append(t4 - t3)
            rec["shade_mouth"].append(t5 - t4)
            rec["detect_only"].append(t6 - t5)
    out = {k + "_ms": float(np.mean(v) * 1e3) for k, v in rec.items()}
    out["roi_wh_last"] = [int(fw.warp.roi[2] - fw.warp.roi[0]), int(fw.warp.roi[3] - fw.warp.roi[1])]
    return out


def profile(source, frames, fps, top=25):
    from ganimation.reenact import Reenactor

    r = Reenactor(source, driving_ref="first")
    it = r.run(iter(frames), fps)
    for _ in range(5):
        next(it)
    pr = cProfile.Profile()
    pr.enable()
    n = sum(1 for _ in it)
    pr.disable()
    s = io.StringIO()
    st = pstats.Stats(pr, stream=s)
    st.sort_stats("tottime").print_stats(top)
    rows = []
    for (file, line, fn), (cc, nc, tt, ct, _) in sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:top]:
        rows.append({"function": f"{Path(file).name}:{line}({fn})", "calls": nc,
                     "tottime_ms_per_frame": tt / n * 1e3, "cumtime_ms_per_frame": ct / n * 1e3})
    return {"frames": n, "top_by_tottime": rows}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--driving", default=str(rc.SHARED / "video_dev" / "lp_d10.mp4"))
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--out", default="benchmarks/results/reenact_speed")
    args = ap.parse_args(argv)
    from ganimation.images import as_rgb_array
    from ganimation.video import open_frames

    cmd = rc.command_line()
    meta = rc.machine()
    meta["cv2_threads"] = cv2.getNumThreads()
    t0 = time.perf_counter()
    src = open_frames(args.driving, max_frames=args.frames + args.warmup)
    fps = float(src.fps or 25.0)
    frames = list(src)
    decode_ms = (time.perf_counter() - t0) / len(frames) * 1e3
    sources = {"512x512 astronaut.png": as_rgb_array(rc.ROOT / "src/ganimation/assets/astronaut.png"),
               f"1920x1080 ({HD_PHOTO}, face ~300 px)": make_hd_source()}
    results = {}
    for name, s in sources.items():
        res = {"pipeline": time_pipeline(s, frames, fps, args.warmup), "split": time_split(s, frames, fps, args.warmup)}
        results[name] = res
        p, sp = res["pipeline"], res["split"]
        print(f"{name}: {p['fps']:.1f} frames/s ({p['ms_per_frame_mean']:.1f} ms/frame); track "
              f"{sp['track_ms']:.1f} (detect {sp['detect_only_ms']:.1f}), target {sp['target_ms']:.2f}, warp "
              f"{sp['warp_face_ms']:.1f}, shade {sp['shade_mouth_ms']:.1f} ms", flush=True)
    prof = {name: profile(s, frames[:45], fps) for name, s in sources.items()}
    meta["loadavg_at_end"] = list(__import__("os").getloadavg())
    data = {"command": cmd, "machine": meta, "driving": args.driving, "driving_size": list(frames[0].shape[1::-1]),
            "driving_fps": fps, "frames": args.frames, "warmup": args.warmup, "decode_ms_per_frame": decode_ms,
            "goal_fps_512": 15.0, "results": results, "profile": prof}
    rc.write_json(args.out + ".json", data)
    a = results["512x512 astronaut.png"]["pipeline"]["fps"]
    lines = ["# Reenact speed (CPU)", "", "```", cmd, "```", "",
             f"Machine: nproc {meta['nproc']}, {meta['cpu_model']}; load average at start "
             f"{', '.join(f'{v:.2f}' for v in meta['loadavg_at_start'])} (end "
             f"{', '.join(f'{v:.2f}' for v in meta['loadavg_at_end'])}); the cores are shared with other work. "
             f"Driving: `{Path(args.driving).name}` {frames[0].shape[1]}x{frames[0].shape[0]} @ {fps:g} fps, "
             f"{args.frames} timed frames after {args.warmup} warm-up frames, decoded into memory first "
             f"({decode_ms:.1f} ms/frame to decode, not counted), nothing written.", "",
             "| source | frames/s | ms/frame mean | median | p90 | tracker.update (MediaPipe detect timed alone) | motion target | "
             "warp_face | shade_mouth | warp ROI |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        p, sp = r["pipeline"], r["split"]
        lines.append(f"| {name} | **{p['fps']:.1f}** | {p['ms_per_frame_mean']:.1f} | {p['ms_per_frame_median']:.1f} | "
                     f"{p['ms_per_frame_p90']:.1f} | {sp['track_ms']:.1f} ({sp['detect_only_ms']:.1f}) | "
                     f"{sp['target_ms']:.2f} | {sp['warp_face_ms']:.1f} | {sp['shade_mouth_ms']:.2f} | "
                     f"{sp['roi_wh_last'][0]}x{sp['roi_wh_last'][1]} |")
    lines += ["", f"Goal >= 15 frames/s at 512x512: **{'met' if a >= 15 else 'not met'}** ({a:.1f} frames/s).", ""]
    for name, pr in prof.items():
        lines += [f"cProfile, {name} ({pr['frames']} frames after 5 warm-up; profiling adds overhead; "
                  "`acquire` of a lock = waiting for MediaPipe's native graph), top functions by own time, "
                  "ms per frame:", "", "| function | calls | own ms/frame | cumulative ms/frame |", "|---|---|---|---|"]
        for row in pr["top_by_tottime"][:12]:
            lines.append(f"| `{row['function']}` | {row['calls']} | {row['tottime_ms_per_frame']:.2f} | "
                         f"{row['cumtime_ms_per_frame']:.2f} |")
        lines.append("")
    Path(args.out + ".md").write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}.json/.md")


if __name__ == "__main__":
    main()
