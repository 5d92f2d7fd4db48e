"""Generator inference throughput (faces/s) on a GPU; the goal is >= 10,000 faces/s at 128 px on an H100.

    python benchmarks/bench_gpu_inference.py --out benchmarks/results/gpu_inference_h100.json
    python benchmarks/bench_gpu_inference.py --tiny --device cpu      # check the script on a CPU

For each batch size (default 1, 8, 64, 256) and variant:

- ``fp32_eager``: ``G(x, y)`` under ``torch.inference_mode()`` (TF32 off), NCHW;
- ``bf16_channels_last``: bf16 autocast, weights and input in ``channels_last``;
- ``bf16_channels_last_compile``: the same through ``torch.compile`` (``--compile-mode``);
- ``uint8_pipeline``: the compiled bf16 variant fed uint8 ``(N, S, S, 3)`` crops
  already on the device and returning uint8 results, i.e. what
  :meth:`ganimation.edit.Editor.edit_crops` does per batch minus the host copies.

Timing: CUDA-synchronised wall time over ``--iters`` calls after ``--warmup``
calls (so compilation and cuDNN autotuning are excluded); the max abs
difference of each variant's ``result`` from fp32 eager is recorded.
Random weights: speed does not depend on them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

from ganimation.config import ModelConfig
from ganimation.nn import build_generator

ROOT = Path(__file__).resolve().parent.parent
TINY = ModelConfig(image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3)


def sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device, warmup: int, iters: int) -> float:
    for _ in range(warmup):
        fn()
    sync(device)
    t0 = time.perf_counter()
    for _ in range(iters):
        fn()
    sync(device)
    return (time.perf_counter() - t0) / iters


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="auto")
    p.add_argument("--batches", type=int, nargs="+", default=[1, 8, 64, 256])
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--iters", type=int, default=30)
    p.add_argument("--no-compile", action="store_true")
    p.add_argument("--compile-mode", default="max-autotune-no-cudagraphs",
                   help="torch.compile mode (default, reduce-overhead, max-autotune, max-autotune-no-cudagraphs)")
    p.add_argument("--tiny", action="store_true", help="32 px, 8 channels: a quick check of the script")
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)

    device = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    cfg = TINY if args.tiny else ModelConfig()
    torch.manual_seed(0)
    G = build_generator(cfg).to(device).eval().requires_grad_(False)
    G_cl = build_generator(cfg).to(device).eval().requires_grad_(False)
    G_cl.load_state_dict(G.state_dict())
    G_cl = G_cl.to(memory_format=torch.channels_last)
    amp = (lambda: torch.autocast(device.type, dtype=torch.bfloat16))

    def bf16_cl(x, y):
        with amp():
            return G_cl(x.contiguous(memory_format=torch.channels_last), y)

    variants = {"fp32_eager": lambda x, y: G(x, y), "bf16_channels_last": bf16_cl}
    compiled = None
    if not args.no_compile:
        compiled = torch.compile(bf16_cl, mode=None if args.compile_mode == "default" else args.compile_mode)
        variants["bf16_channels_last_compile"] = compiled
    run_net = compiled or bf16_cl

    def uint8_pipeline(crops_u8, y):
        x = crops_u8.permute(0, 3, 1, 2).float().mul_(2.0 / 255.0).sub_(1.0)
        result = run_net(x, y)[0]
        return ((result.float().clamp(-1, 1) + 1.0) * 127.5 + 0.5).to(torch.uint8).permute(0, 2, 3, 1)

    rows = []
    with torch.inference_mode():
        for b in args.batches:
            gen = torch.Generator().manual_seed(b)
            x = (torch.rand(b, 3, cfg.image_size, cfg.image_size, generator=gen) * 2 - 1).to(device)
            y = torch.rand(b, cfg.num_aus, generator=gen).to(device)
            crops = ((x.permute(0, 2, 3, 1) + 1) * 127.5).round().to(torch.uint8).contiguous()
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
            ref = G(x, y)[0].float()
            calls = {name: (lambda fn=fn: fn(x, y)) for name, fn in variants.items()}
            calls["uint8_pipeline"] = lambda: uint8_pipeline(crops, y)
            for name, call in calls.items():
                row = {"variant": name, "batch": b}
                try:
                    if name != "uint8_pipeline":
                        out = call()[0].float()
                        row["max_abs_diff"] = float((out - ref).abs().max())
                    sec = timed(call, device, args.warmup, args.iters)
                    row.update({"ms_per_batch": round(sec * 1000, 3), "faces_per_s": round(b / sec, 1)})
                    print(f"batch {b:4d} {name:28s} {sec * 1000:9.3f} ms  {b / sec:10.1f} faces/s"
                          + (f"  diff {row['max_abs_diff']:.2g}" if "max_abs_diff" in row else ""), flush=True)
                except Exception as exc:  # noqa: BLE001 - a failing variant is recorded, the rest still run
                    row["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
                    print(f"batch {b:4d} {name:28s} FAILED {row['error']}", flush=True)
                rows.append(row)
    result = {
        "command": "python " + " ".join([os.path.relpath(__file__, ROOT)] + (argv if argv is not None else sys.argv[1:])),
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({os.cpu_count()} cores)",
        "torch": torch.__version__, "python": platform.python_version(), "model": cfg.__dict__,
        "compile_mode": None if args.no_compile else args.compile_mode, "rows": rows,
    }
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1))
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
