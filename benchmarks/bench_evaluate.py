"""Speed of ``ganimation evaluate`` on 800 real faces at 128 px on the CPU.

Faces: the first N UTKFace crops of ../shared/data/utkface (200 px, resized to
128 px). No trained 128-px model is available to this benchmark, so it uses a
randomly initialised full-size GANimation generator (8.47 M parameters, the
paper's architecture): the cost of a forward pass does not depend on the
weights. The faces' "own" AUs are random values in [0, 0.5] standing in for
annotations (the dataset case); shuffled targets; the faces extra's estimator
and the dlib embedding are used when installed (as in a real run).

    python benchmarks/bench_evaluate.py [--n 800] [--recon-limit 200] [--threads 2]

Writes benchmarks/results/evaluate_speed.json (and the report it produced
under benchmarks/results/evaluate_speed_report/ is deleted unless --keep).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
UTK = HERE.parent.parent / "shared" / "data" / "utkface"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=800)
    ap.add_argument("--recon-limit", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default=str(UTK))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    torch.set_num_threads(args.threads)

    from PIL import Image

    from ganimation.config import ModelConfig
    from ganimation.edit import Editor
    from ganimation.evaluate import EvalData, evaluate
    from ganimation.nn import build_generator

    t0 = time.perf_counter()
    files = sorted(p for p in Path(args.data).iterdir() if p.suffix.lower() in (".jpg", ".png"))[: args.n]
    crops = np.stack([np.asarray(Image.open(f).convert("RGB").resize((128, 128), Image.LANCZOS)) for f in files])
    load_s = time.perf_counter() - t0
    own = (np.random.default_rng(0).random((len(crops), 17)) * 0.5).astype(np.float32)
    data = EvalData("dataset", str(args.data), crops, own, [f.name for f in files])

    torch.manual_seed(0)
    cfg = ModelConfig(image_size=128)
    editor = Editor(build_generator(cfg), cfg, device="cpu", batch_size=32)
    out = HERE / "results" / "evaluate_speed_report"
    t1 = time.perf_counter()
    c1 = time.process_time()
    m = evaluate(editor, data, targets="shuffled", recon_limit=args.recon_limit, out_dir=out)
    total = time.perf_counter() - t1
    cpu = time.process_time() - c1  # CPU seconds of all this process's threads
    result = {
        "n_faces": len(crops), "image_size": 128, "recon_limit": args.recon_limit, "torch_threads": args.threads,
        "generator": "random-weight full-size GANimation generator (8.47 M parameters; no trained 128-px model available)",
        "generator_passes": len(crops) + 2 * min(len(crops), args.recon_limit),
        "decode_s": round(load_s, 2), "evaluate_s": round(total, 2), "under_10_min": total + load_s < 600,
        "evaluate_cpu_s": round(cpu, 1),
        "unloaded_wall_estimate_s": round(cpu / args.threads, 1),
        "stages_s": m["timing_s"], "computed": [k for k in m if k not in ("meta", "notes", "timing_s")],
        "notes": m["notes"], "cpu_count": os.cpu_count(), "load_average_at_end": os.getloadavg(),
        "torch": torch.__version__, "python": platform.python_version(),
        "machine_note": "see load_average_at_end: about 1-2 means the 2 cores were otherwise idle",
    }
    (HERE / "results" / "evaluate_speed.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
