"""wg-GAN stages on held-out clips: warp vs warp+refine vs warp+refine+mouth (self-reenactment).

Protocol of benchmarks/reenact_self.py (part 1): the first frame of each held-out
clip is the source, the clip drives it (``driving_ref="first"``, pose transfer
on), every output frame is compared with the true frame:

- face PSNR / SSIM over the convex hull of the TRUE frame's face-oval landmarks;
- landmark distance (MediaPipe on the output vs the true frame, IOD units);
- identity: dlib distance of the output's face to the source's;
- inner-mouth error: mean absolute error (0-255) and PSNR inside the TRUE frame's
  inner-lip polygon, on the frames whose mouth opens wider than the source's
  (inner-lip gap more than 0.02 IOD above the source's);
- realism, no reference: Fréchet distance between the dlib embeddings of the
  outputs and of the real frames (all clips pooled), and the face region's
  sharpness (variance of the Laplacian) relative to the real frames.

Also the speed of the networks (ms per crop, 2 threads) and of reenact per stage set.

    .venv/bin/python benchmarks/wggan_eval.py
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reenact_common as rc

CLIPS = ("lp_s13", "retalking_3", "sadtalker_wda_kh")
STAGE_SETS = {"warp": "warp", "warp+refine": "warp,refine", "warp+refine+mouth": "warp,refine,mouth"}
OPENS_IOD = 0.02


def mouth_mask(landmarks, shape):
    from ganimation.motion.regions import INNER_LIPS

    m = np.zeros(shape[:2], np.uint8)
    pts = np.asarray(landmarks, np.float64)[list(INNER_LIPS), :2]
    cv2.fillPoly(m, [np.round(pts).astype(np.int32)], 1)
    return m.astype(bool)


def sharpness(image, mask):
    g = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(cv2.Laplacian(g, cv2.CV_32F)[mask].var())


def frechet(a, b):
    from scipy import linalg

    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean, _ = linalg.sqrtm(s1 @ s2, disp=False)
    covmean = covmean.real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


def load_clip(name, args):
    frames, fps = rc.read_clip(rc.SHARED / "video_dev" / f"{name}.mp4", args.frames, args.step)
    window = None
    if rc.detect(frames[0]) is None:   # lp_s13: a small face in a full-body shot (as reenact_self.py)
        from ganimation.faces.detect import get_detector

        b = get_detector(search="proposals").detect(frames[0])[0].box
        half = round(args.window * (b[2] - b[0]) / 2)
        h, w = frames[0].shape[:2]
        x0 = int(np.clip(round((b[0] + b[2]) / 2) - half, 0, max(0, w - 2 * half)))
        y0 = int(np.clip(round((b[1] + b[3]) / 2) - half, 0, max(0, h - 2 * half)))
        window = [x0, y0, min(w, x0 + 2 * half), min(h, y0 + 2 * half)]
        frames = [np.ascontiguousarray(f[window[1]:window[3], window[0]:window[2]]) for f in frames]
    return frames, fps, window


def evaluate_clip(name, args, emb):
    from ganimation.data.video_pairs import mouth_open
    from ganimation.reenact import Reenactor

    frames, fps, window = load_clip(name, args)
    true_faces = rc.detect_cached(frames, f"self_{name}")
    source = frames[0]
    src_emb = rc.embed_face(source, true_faces[0])
    src_open = mouth_open(true_faces[0].landmarks)
    opens = [f is not None and mouth_open(f.landmarks) > src_open + OPENS_IOD for f in true_faces]
    widest = int(np.argmax([mouth_open(f.landmarks) if f is not None else -1 for f in true_faces]))
    strip_idx = [len(frames) // 2, widest]
    per = {}
    crops = {"driving": [rc.face_crop(frames[i], true_faces[i].landmarks, args.crop) for i in strip_idx]}
    emb.setdefault("real", [])
    real_ids = []
    for i, f in enumerate(true_faces[1:], 1):
        if f is not None:
            emb["real"].append(rc.embed_face(frames[i], f))
            real_ids.append(float(np.linalg.norm(emb["real"][-1] - src_emb)))
    for label, stages in STAGE_SETS.items():
        t0 = time.perf_counter()
        r = Reenactor(source, driving_ref="first", pose=True, stages=stages,
                      refiner_weights=args.refiner_weights, mouth_weights=args.mouth_weights)
        rows = []
        emb.setdefault(label, [])
        for i, out in enumerate(r.run(iter(frames), fps)):
            if i in strip_idx:
                crops.setdefault(label, {})[i] = rc.face_crop(out.image, true_faces[i].landmarks, args.crop)
            tf = true_faces[i]
            if i == 0 or tf is None:
                continue
            mask = rc.oval_mask(tf.landmarks, out.image.shape)
            rec = {"psnr": rc.masked_psnr(out.image, frames[i], mask), "ssim": rc.masked_ssim(out.image, frames[i], mask),
                   "sharp_ratio": sharpness(out.image, mask) / max(sharpness(frames[i], mask), 1e-6),
                   "mouth_mae": None, "mouth_psnr": None}
            if opens[i]:
                mm = mouth_mask(tf.landmarks, out.image.shape)
                if mm.sum() >= 4:
                    d = out.image[mm].astype(np.float64) - frames[i][mm].astype(np.float64)
                    rec["mouth_mae"] = float(np.abs(d).mean())
                    rec["mouth_psnr"] = float(min(100.0, 10 * np.log10(255.0 ** 2 / max((d ** 2).mean(), 1e-10))))
            of = rc.detect(out.image)
            if of is None:
                rec.update(lmk=None, identity=None)
            else:
                rec["lmk"] = rc.landmark_distance(of.landmarks, tf.landmarks)
                e = rc.embed_face(out.image, of)
                rec["identity"] = float(np.linalg.norm(e - src_emb))
                emb[label].append(e)
            rows.append(rec)
        crops[label] = [crops[label][i] for i in strip_idx]
        per[label] = {"summary": summarise(rows), "seconds": time.perf_counter() - t0}
        s = per[label]["summary"]
        print(f"{name:18s} {label:18s} PSNR {s['psnr']:.2f} SSIM {s['ssim']:.3f} lmk {s['lmk']:.4f} id {s['identity']:.3f} "
              f"mouth MAE {s['mouth_mae']:.1f} ({s['mouth_frames']} fr) sharp {s['sharp_ratio']:.2f}", flush=True)
    info = {"frames_used": len(frames), "window": window, "open_frames": int(sum(opens)), "strip_frames": strip_idx,
            "real_frames_identity": float(np.mean(real_ids))}
    print(f"{name:18s} real frames' identity distance to frame 0: {info['real_frames_identity']:.3f}", flush=True)
    return info, per, crops


def summarise(rows):
    out = {}
    for k in ("psnr", "ssim", "lmk", "identity", "mouth_mae", "mouth_psnr", "sharp_ratio"):
        v = np.array([r[k] for r in rows if r[k] is not None], np.float64)
        out[k] = float(v.mean()) if len(v) else float("nan")
    out["frames"] = len(rows)
    out["mouth_frames"] = int(sum(r["mouth_mae"] is not None for r in rows))
    return out


def speed(reps=20):
    import torch

    from ganimation.nn.mouth import MouthConfig, MouthInpainter
    from ganimation.nn.refiner import Refiner, RefinerConfig
    from ganimation.refine import Refinement

    out = {}
    loaded = Refinement.load()
    nets = {"refiner (shipped, 128 crop)": (loaded.refiner, (1, 6, 128, 128)),
            "mouth (shipped, 64 patch)": (loaded.mouth, ((1, 3, 64, 64), (1, 1, 64, 64))),
            "refiner, shipped widths, 256 crop": (Refiner(loaded.refiner_cfg).eval(), (1, 6, 256, 256)),
            "refiner, configs/wggan.yaml widths, 256 crop": (Refiner(RefinerConfig(256, 32, 2)).eval(), (1, 6, 256, 256)),
            "mouth, configs/wggan.yaml widths, 128 patch": (MouthInpainter(MouthConfig(128, 32, 2)).eval(),
                                                          ((1, 3, 128, 128), (1, 1, 128, 128)))}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for name, (net, shape) in nets.items():
            args = [torch.rand(*s) for s in shape] if isinstance(shape[0], tuple) else [torch.rand(*shape)]
            with torch.inference_mode():
                for _ in range(3):
                    net(*args)
                t, c = time.perf_counter(), os.times()
                for _ in range(reps):
                    net(*args)
                c2 = os.times()
            out[f"{name}, {threads} thread(s)"] = {
                "wall_ms": (time.perf_counter() - t) / reps * 1000, "user_cpu_ms": (c2.user - c.user) / reps * 1000,
                "parameters": sum(p.numel() for p in net.parameters()), "loadavg": os.getloadavg()[0]}
            print(name, threads, out[f"{name}, {threads} thread(s)"], flush=True)
    torch.set_num_threads(2)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clips", nargs="+", default=list(CLIPS))
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--step", type=int, default=2)
    ap.add_argument("--window", type=float, default=5.0)
    ap.add_argument("--crop", type=int, default=160)
    ap.add_argument("--out", default="benchmarks/results/wggan/wggan_eval")
    ap.add_argument("--strip", default="docs/images/wggan_stages.png")
    ap.add_argument("--refiner-weights", default=None, help="refiner weights (default: the shipped file)")
    ap.add_argument("--mouth-weights", default=None, help="mouth weights (default: the shipped file)")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(2)
    cmd = rc.command_line()
    meta = rc.machine()
    t0 = time.perf_counter()
    results, rows, emb = {}, [], {}
    for name in args.clips:
        info, per, crops = evaluate_clip(name, args, emb)
        results[name] = {"clip": info, "stages": per}
        for j in range(len(crops["driving"])):
            rows.append(np.concatenate([rc.label(crops[k][j], f"{name} {k}" if k == "driving" else k)
                                        for k in ("driving", *STAGE_SETS)], axis=1))
    overall = {}
    for label in STAGE_SETS:
        s = {k: float(np.nanmean([results[c]["stages"][label]["summary"][k] for c in args.clips]))
             for k in ("psnr", "ssim", "lmk", "identity", "mouth_mae", "mouth_psnr", "sharp_ratio")}
        s["embedding_frechet_to_real"] = frechet(np.stack(emb[label]), np.stack(emb["real"]))
        overall[label] = s
    from ganimation.refine import MOUTH_WEIGHTS, REFINER_WEIGHTS

    weights = [str(args.refiner_weights or os.path.relpath(REFINER_WEIGHTS, rc.ROOT)),
               str(args.mouth_weights or os.path.relpath(MOUTH_WEIGHTS, rc.ROOT))]
    data = {"command": cmd, "machine": meta, "weights": weights, "seconds": time.perf_counter() - t0, "overall_mean_of_clips": overall,
            "clips": results, "speed": speed()}
    rc.write_json(args.out + ".json", data)
    rc.save_png(args.strip, np.concatenate(rows, axis=0))
    write_md(args.out + ".md", data, args)
    print(f"wrote {args.out}.json/.md and {args.strip} in {data['seconds']:.0f} s")


def write_md(path, data, args):
    L = ["# wg-GAN stages on the held-out clips (self-reenactment, pose on)", "", "```", data["command"], "```", "",
         (f"Clips {', '.join(args.clips)} (never trained or tuned on), first {args.frames} frames, step {args.step}; "
         "frame 0 is the source. Mouth error: inside the true frame's inner-lip polygon, on frames whose mouth opens "
         f"more than {OPENS_IOD} IOD beyond the source's. Fréchet: dlib embeddings of the outputs vs the real frames "
         "(all clips pooled). Sharpness: variance of the Laplacian in the face region, output / real (1 = as sharp as "
         f"the real frames). Machine: {data['machine']['nproc']} CPUs, {data['machine']['cpu_model']}, shared with "
         f"other jobs; {data['seconds']:.0f} s."), "",
         ("Identity of the real frames (dlib distance of each true frame to frame 0, the source): "
          + ", ".join(f"{c} {r['clip']['real_frames_identity']:.3f}" for c, r in data["clips"].items())
          + f"; mean {np.mean([r['clip']['real_frames_identity'] for r in data['clips'].values()]):.3f}. A "
          "perfect reenactment would sit there, not at 0."), "",
         f"Weights: refiner {data['weights'][0]}, mouth {data['weights'][1]}.", "",
         "| clip | stages | PSNR face (dB) | SSIM face | lmk (IOD) | identity | mouth MAE (0-255) | mouth PSNR (dB) | mouth frames | sharpness |",
         "|---|---|---|---|---|---|---|---|---|---|"]
    for c, r in data["clips"].items():
        for label, v in r["stages"].items():
            s = v["summary"]
            L.append(f"| {c} | {label} | {s['psnr']:.2f} | {s['ssim']:.3f} | {s['lmk']:.4f} | {s['identity']:.3f} | "
                     f"{s['mouth_mae']:.1f} | {s['mouth_psnr']:.2f} | {s['mouth_frames']} | {s['sharp_ratio']:.2f} |")
    L += ["", "Mean of the three clips:", "",
          "| stages | PSNR face (dB) | SSIM face | lmk (IOD) | identity | mouth MAE | mouth PSNR (dB) | Fréchet (dlib) | sharpness |",
          "|---|---|---|---|---|---|---|---|---|"]
    for label, s in data["overall_mean_of_clips"].items():
        L.append(f"| {label} | {s['psnr']:.2f} | {s['ssim']:.3f} | {s['lmk']:.4f} | {s['identity']:.3f} | "
                 f"{s['mouth_mae']:.1f} | {s['mouth_psnr']:.2f} | {s['embedding_frechet_to_real']:.4f} | {s['sharp_ratio']:.2f} |")
    L += ["", ("Speed (batch 1; wall and user CPU time per call; the machine was shared with other jobs, load average "
               "in the last column: with more runnable threads than cores, 2-thread wall times are dominated by waiting):"), "",
          "| network | parameters | wall ms | user CPU ms (all threads) | load average |", "|---|---|---|---|---|"]
    for name, s in data["speed"].items():
        L.append(f"| {name} | {s['parameters'] / 1e6:.2f} M | {s['wall_ms']:.1f} | {s['user_cpu_ms']:.1f} | {s['loadavg']:.1f} |")
    Path(path).write_text("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
