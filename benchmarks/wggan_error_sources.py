"""Where the warp's face error lies on the held-out clips, and what a perfect low-frequency fix would give.

Self-reenactment as in ``wggan_eval.py`` (first frame the source, the clip
drives it, pose on); for each stage set, over the face oval of the true
frame:

- the share of the squared error in the eyes (lid contours grown by 0.15 IOD),
  the lips and chin (the lips' hull grown alike) and the rest of the face;
- the share a per-frame mean colour offset explains;
- oracle PSNRs: the output plus the true difference low-passed by a Gaussian of
  0.05 / 0.15 / 0.4 IOD (what a network correcting only shading of that scale
  could reach at best).

PSNRs here are of the clip's mean squared error (not the mean of per-frame PSNRs).

    .venv/bin/python benchmarks/wggan_error_sources.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reenact_common as rc
import wggan_eval as we

SIGMAS = (0.05, 0.15, 0.4)


def _hull(lm, idx, shape, grow):
    """``rc.hull_mask`` of ``idx`` grown by a ``grow`` x ``grow`` square."""
    m = rc.hull_mask(lm, idx, shape)
    if grow > 1:
        m = cv2.dilate(m.astype(np.uint8), np.ones((grow, grow), np.uint8)).astype(bool)
    return m


def clip_errors(name, stages, args):
    from ganimation.motion.regions import LEFT_EYE, LIPS, RIGHT_EYE
    from ganimation.reenact import Reenactor

    frames, fps, _ = we.load_clip(name, args)
    true = rc.detect_cached(frames, f"self_{name}")
    out = {}
    for st in stages:
        acc = {k: [] for k in ("all", "tone", "eyes", "mouth", "rest", *(f"lp{s}" for s in SIGMAS))}
        for i, res in enumerate(Reenactor(frames[0], driving_ref="first", pose=True, stages=st).run(iter(frames), fps)):
            f = true[i]
            if i == 0 or f is None:
                continue
            mask = rc.oval_mask(f.landmarks, res.image.shape)
            iod = float(np.linalg.norm(f.landmarks[33, :2] - f.landmarks[263, :2]))
            d = frames[i].astype(np.float32) - res.image.astype(np.float32)
            dm = d[mask]
            n = mask.sum() * 3
            acc["all"].append(float((dm ** 2).sum() / n))
            acc["tone"].append(float(((dm - dm.mean(0)) ** 2).sum() / n))
            grow = int(0.15 * iod)
            eyes = (_hull(f.landmarks, RIGHT_EYE, mask.shape, grow) | _hull(f.landmarks, LEFT_EYE, mask.shape, grow)) & mask
            mouth = _hull(f.landmarks, LIPS, mask.shape, grow) & mask & ~eyes
            for k, m in (("eyes", eyes), ("mouth", mouth), ("rest", mask & ~eyes & ~mouth)):
                acc[k].append(float((d[m] ** 2).sum() / n))
            for s in SIGMAS:
                lp = cv2.GaussianBlur(d, (0, 0), s * iod)
                acc[f"lp{s}"].append(float(((d - lp)[mask] ** 2).sum() / n))
        m = {k: float(np.mean(v)) for k, v in acc.items()}
        psnr = lambda e: float(10 * np.log10(255.0 ** 2 / e))
        out[st] = {"psnr": psnr(m["all"]), "share_eyes": m["eyes"] / m["all"], "share_mouth": m["mouth"] / m["all"],
                   "share_rest": m["rest"] / m["all"], "share_tone": 1 - m["tone"] / m["all"],
                   **{f"oracle_psnr_lp{s}": psnr(m[f"lp{s}"]) for s in SIGMAS}}
        print(name, st, {k: round(v, 3) for k, v in out[st].items()}, flush=True)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stages", nargs="+", default=["warp", "warp,refine,mouth"])
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--step", type=int, default=2)
    ap.add_argument("--window", type=float, default=5.0)
    ap.add_argument("--out", default="benchmarks/results/wggan/error_sources")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(2)
    data = {"command": rc.command_line(), "machine": rc.machine(),
            "clips": {c: clip_errors(c, args.stages, args) for c in we.CLIPS}}
    rc.write_json(args.out + ".json", data)
    L = ["# Where the face error of self-reenactment lies (held-out clips)", "", "```", data["command"], "```", "",
         __doc__.split("\n\n")[1].replace("\n", " ").strip(), "",
         "| clip | stages | PSNR (dB) | eyes | lips, chin | rest of face | mean colour offset | "
         + " | ".join(f"oracle, low-pass {s} IOD (dB)" for s in SIGMAS) + " |",
         "|---|---|---|---|---|---|---|" + "---|" * len(SIGMAS)]
    for c, per in data["clips"].items():
        for st, r in per.items():
            L.append(f"| {c} | {st} | {r['psnr']:.2f} | {r['share_eyes']:.0%} | {r['share_mouth']:.0%} | "
                     f"{r['share_rest']:.0%} | {r['share_tone']:.0%} | "
                     + " | ".join(f"{r[f'oracle_psnr_lp{s}']:.2f}" for s in SIGMAS) + " |")
    Path(args.out + ".md").write_text("\n".join(L) + "\n")
    print(f"wrote {args.out}.md/.json")


if __name__ == "__main__":
    main()
