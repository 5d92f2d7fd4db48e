"""Synthetic face rendering speed: images/s at 64 and 128 px.

    python benchmarks/bench_synth_render.py [--n 400] [--out benchmarks/results/synth_render.json]

Measures ``render`` in one process (a new identity per image, and the same
identity for every image, where the identity layers are cached), and
``synthesize_dataset`` (render + PNG + table, 4 faces per identity) with 1 and
2 worker processes. Records the load average, since other work on the
machine slows every number.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import PIL

from ganimation.data.synthetic import render, sample_aus, sample_identity, synthesize_dataset

ROOT = Path(__file__).resolve().parent.parent


def bench_render(size: int, n: int, same_identity: bool) -> float:
    rng = np.random.default_rng(0)
    ids = [sample_identity(rng) for _ in range(n)]
    aus = [sample_aus(rng) for _ in range(n)]
    if same_identity:
        ids = [ids[0]] * n
    render(ids[0], aus[0], size)  # warm-up
    t = time.perf_counter()
    for ident, a in zip(ids, aus):
        render(ident, a, size)
    return n / (time.perf_counter() - t)


def bench_dataset(size: int, n: int, workers: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        synthesize_dataset(Path(tmp) / "ds", n, size, seed=1, workers=workers)
        return n / (time.perf_counter() - t)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=400)
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "synth_render.json"))
    args = p.parse_args()
    results = {}
    load_before = os.getloadavg()
    for size in (64, 128):
        r = {
            "render_new_identity_1proc": bench_render(size, args.n, False),
            "render_same_identity_1proc": bench_render(size, args.n, True),
            "synthesize_dataset_1worker": bench_dataset(size, args.n, 1),
            "synthesize_dataset_2workers": bench_dataset(size, args.n, 2),
        }
        results[f"{size}px"] = {k: round(v, 1) for k, v in r.items()}
        print(size, results[f"{size}px"], flush=True)
    out = {
        "command": "python " + " ".join(sys.argv),
        "unit": "images per second",
        "images_per_measurement": args.n,
        "results": results,
        "bar": ">= 100 images/s at 128 px on 2 cores",
        "bar_met": max(results["128px"].values()) >= 100,
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "machine": {"cpu_count": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "platform": platform.platform(), "python": platform.python_version(),
                    "numpy": np.__version__, "pillow": PIL.__version__},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
