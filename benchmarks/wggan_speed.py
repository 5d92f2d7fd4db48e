"""Frames/s of ``reenact`` per stage set on a held-out clip (driving landmarks included), 2 threads.

    .venv/bin/python benchmarks/wggan_speed.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reenact_common as rc


def main():
    import torch

    from ganimation.reenact import Reenactor

    torch.set_num_threads(2)
    frames, fps = rc.read_clip(rc.SHARED / "video_dev" / "retalking_3.mp4", 100, 1)
    out = {"clip": "retalking_3", "frames": len(frames), "size": list(frames[0].shape[1::-1]), "machine": rc.machine()}
    for stages in ("warp", "warp,refine", "warp,refine,mouth"):
        r = Reenactor(frames[0], driving_ref="first", pose=True, stages=stages)
        t, c = time.perf_counter(), os.times()
        n = sum(1 for _ in r.run(iter(frames), fps))
        wall, user = time.perf_counter() - t, os.times().user - c.user
        out[stages] = {"frames_per_s": n / wall, "user_cpu_ms_per_frame": 1000 * user / n, "loadavg": os.getloadavg()[0]}
        print(stages, out[stages], flush=True)
    rc.write_json("benchmarks/results/wggan/reenact_speed.json", out)


if __name__ == "__main__":
    main()
