"""CPU inference speed of the full-size generator (128 px, 64 channels, 6 blocks).

    python benchmarks/bench_cpu_inference.py [--threads 1 2] [--batches 1 24] [--repeats 7]
        [--compile] [--out benchmarks/results/cpu_inference.json]

Random weights (speed does not depend on them). Variants, each timed on the
same inputs; the variants are run in rotation (one call of each per round) so
that load from other processes on the machine hits them alike, and the median
over ``--repeats`` rounds is reported, with min and max:

- ``eager_fp32``: ``G(x, y)`` under ``torch.no_grad()``, NCHW: the baseline.
- ``inference_mode``: the same under ``torch.inference_mode()``.
- ``channels_last``: weights and input in NHWC.
- ``optimize_for_cpu``: :func:`ganimation.nn.optimize.optimize_for_cpu`
  (channels_last + fused InstanceNorm/ReLU in place).
- ``bf16_autocast``: ``optimize_for_cpu`` under ``torch.autocast("cpu", bfloat16)``.
- ``onnxruntime``: the ONNX export (:func:`ganimation.export.export_onnx`) in
  ONNX Runtime with all graph optimisations, same thread count.
- ``compile`` (with ``--compile``): ``torch.compile`` (inductor, C++ codegen,
  weight freezing) of ``optimize_for_cpu(G, fuse_norm=False)``; the compile
  time is reported separately.

Each row also gives the max abs difference of the three outputs from the
eager fp32 ones (outputs in [-1, 1]); a technique is "exact" below 1e-3.
The FLOPs of one forward are counted with ``torch.utils.flop_counter``.
Set ``OMP_WAIT_POLICY=PASSIVE`` in the environment to see PyTorch's threads
sleep instead of spinning at OpenMP barriers (it matters on a busy machine).
Besides wall time, each call's process CPU time is recorded: on a machine
shared with other jobs it is the steadier measure of the work a variant needs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from ganimation.config import ModelConfig
from ganimation.nn import build_generator
from ganimation.nn.optimize import optimize_for_cpu

ROOT = Path(__file__).resolve().parent.parent


def count_flops(G, x, y) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        G(x, y)
    return int(fc.get_total_flops())


def versions() -> dict:
    out = {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__}
    for name in ("onnx", "onnxruntime"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            out[name] = None
    return out


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def build_variants(G, cfg, threads: int, use_compile: bool, onnx_path: Path | None):
    """name -> (setup-free callable (x, y) -> outputs, context manager factory)."""
    variants = {}
    variants["eager_fp32"] = (lambda x, y: G(x, y), torch.no_grad)
    variants["inference_mode"] = (lambda x, y: G(x, y), torch.inference_mode)
    cl = optimize_for_cpu(G, fuse_norm=False)
    variants["channels_last"] = (lambda x, y: cl(x, y), torch.inference_mode)
    fast = optimize_for_cpu(G)
    variants["optimize_for_cpu"] = (lambda x, y: fast(x, y), torch.inference_mode)

    @contextlib.contextmanager
    def bf16():
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            yield

    variants["bf16_autocast"] = (lambda x, y: fast(x, y), bf16)
    if onnx_path is not None:
        from ganimation.export import load_session

        sess = load_session(onnx_path, threads=threads)

        def run_ort(x, y):
            outs = sess.run(None, {"image": x.numpy(), "aus": y.numpy()})
            return [torch.from_numpy(o) for o in outs]

        variants["onnxruntime"] = (run_ort, torch.inference_mode)
    if use_compile:
        import torch._inductor.config as ic

        ic.freezing = True
        compiled = torch.compile(optimize_for_cpu(G, fuse_norm=False), dynamic=False)
        variants["compile"] = (lambda x, y: compiled(x, y), torch.inference_mode)
    return variants


def measure(G, cfg, threads: int, batches: list[int], repeats: int, use_compile: bool, onnx_path) -> list[dict]:
    torch.set_num_threads(threads)
    variants = build_variants(G, cfg, threads, use_compile, onnx_path)
    rows = []
    for b in batches:
        gen = torch.Generator().manual_seed(b)
        x = torch.rand(b, 3, cfg.image_size, cfg.image_size, generator=gen) * 2 - 1
        y = torch.rand(b, cfg.num_aus, generator=gen)
        with torch.no_grad():
            ref = [t.clone() for t in G(x, y)]
        diffs, first_call = {}, {}
        for name, (fn, ctx) in variants.items():
            t0 = time.perf_counter()
            with ctx():
                out = fn(x, y)  # warm-up (and compilation for torch.compile)
            first_call[name] = time.perf_counter() - t0
            diffs[name] = max(float((o.float() - r).abs().max()) for o, r in zip(out, ref))
        times = {name: [] for name in variants}
        cpu_times = {name: [] for name in variants}
        for _ in range(repeats):
            for name, (fn, ctx) in variants.items():
                with ctx():
                    c0, t0 = time.process_time(), time.perf_counter()
                    fn(x, y)
                    times[name].append(time.perf_counter() - t0)
                    cpu_times[name].append(time.process_time() - c0)
        base = statistics.median(times["eager_fp32"])
        cpu_base = statistics.median(cpu_times["eager_fp32"])
        for name, ts in times.items():
            med = statistics.median(ts)
            cpu_med = statistics.median(cpu_times[name])
            rows.append({
                "variant": name, "threads": threads, "batch": b,
                "cpu_ms": round(cpu_med * 1000, 1), "cpu_ms_per_face": round(cpu_med * 1000 / b, 1),
                "cpu_speedup_vs_eager_fp32": round(cpu_base / cpu_med, 2),
                "median_ms": round(med * 1000, 1), "min_ms": round(min(ts) * 1000, 1),
                "max_ms": round(max(ts) * 1000, 1), "ms_per_face": round(med * 1000 / b, 1),
                "faces_per_s": round(b / med, 2), "speedup_vs_eager_fp32": round(base / med, 2),
                "max_abs_diff": diffs[name], "exact": diffs[name] < 1e-3,
                "first_call_s": round(first_call[name], 2),
            })
            print(f"threads {threads} batch {b:3d} {name:18s} cpu {cpu_med * 1000:8.1f} ms (x{cpu_base / cpu_med:4.2f})  "
                  f"wall {med * 1000:8.1f} ms "
                  f"({med * 1000 / b:6.1f} ms/face, x{base / med:4.2f})  diff {diffs[name]:.2g}", flush=True)
    return rows


def write_md(path: Path, result: dict) -> None:
    lines = [
        "# CPU inference: 128-px generator",
        "",
        f"Command: `{result['command']}`",
        "",
        f"Device: {result['cpu']} ({result['cores']} cores visible); versions: {json.dumps(result['versions'])}; "
        f"OMP_WAIT_POLICY={result.get('omp_wait_policy') or 'unset'}.",
        f"Model: {json.dumps(result['model'])}, random weights; {result['params_m']:.2f} M parameters; "
        f"{result['gflops_per_face']:.2f} GFLOP per face (torch.utils.flop_counter, 1 multiply-add = 2 FLOP).",
        f"Median of {result['repeats']} rounds (variants interleaved). Load average before / after: "
        f"{result['load_before']} / {result['load_after']}"
        + (": no other job on the machine (the run itself accounts for a load of about 1)."
           if result['load_before'][0] < 1.5 else
           ": the machine was shared with other jobs, so absolute times are noisy; the ratios within "
           "one table are the more reliable part."),
        "",
        "*CPU ms* is the process CPU time of one call (all threads): with one thread it is close to the",
        "wall time the call takes on an idle core, and it is far less disturbed by other jobs than the",
        "wall time (with 2 threads it also counts time spent waiting in thread barriers).",
        "",
        "| threads | batch | variant | CPU ms/face | speed-up (CPU time) | wall ms median (min) | wall ms/face | "
        "speed-up (wall) | max abs diff | exact (<1e-3) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        lines.append(f"| {r['threads']} | {r['batch']} | {r['variant']} | {r['cpu_ms_per_face']} | "
                     f"{r['cpu_speedup_vs_eager_fp32']} | {r['median_ms']} ({r['min_ms']}) | {r['ms_per_face']} | "
                     f"{r['speedup_vs_eager_fp32']} | {r['max_abs_diff']:.2g} | {'yes' if r['exact'] else 'no'} |")
    if result.get("compile_s") is not None:
        lines += ["", f"torch.compile first call (compilation) took {result['compile_s']} s."]
    path.write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--batches", type=int, nargs="+", default=[1, 24])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--compile", action="store_true", help="also time torch.compile (slow to compile on 2 cores)")
    p.add_argument("--no-onnx", action="store_true")
    p.add_argument("--tiny", action="store_true", help="32 px, 8 channels, 1 block (a quick check of the script)")
    p.add_argument("--out", default=str(ROOT / "benchmarks/results/cpu_inference.json"))
    args = p.parse_args(argv)

    cfg = (ModelConfig(image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3) if args.tiny
           else ModelConfig())
    torch.manual_seed(0)
    G = build_generator(cfg).eval()
    with torch.no_grad():  # non-trivial norm parameters, as in a trained model
        for m in G.modules():
            if isinstance(m, torch.nn.InstanceNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
    x1 = torch.rand(1, 3, cfg.image_size, cfg.image_size) * 2 - 1
    flops = count_flops(G, x1, torch.rand(1, cfg.num_aus))
    load_before = [round(v, 2) for v in os.getloadavg()]

    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = None
        if not args.no_onnx:
            try:
                from ganimation.export import export_onnx

                onnx_path = Path(tmp) / "g.onnx"
                export_onnx(G, onnx_path, model_config=cfg)
            except Exception as exc:  # noqa: BLE001 - the benchmark goes on without ONNX
                print(f"ONNX variant skipped: {exc}", file=sys.stderr)
                onnx_path = None
        rows = []
        for threads in args.threads:
            rows += measure(G, cfg, threads, args.batches, args.repeats, args.compile, onnx_path)
    compile_s = max((r["first_call_s"] for r in rows if r["variant"] == "compile"), default=None)
    result = {
        "command": "python " + " ".join([os.path.relpath(__file__, ROOT)] + (argv if argv is not None else sys.argv[1:])),
        "cpu": cpu_name(), "cores": os.cpu_count(), "versions": versions(),
        "model": cfg.__dict__, "params_m": sum(p.numel() for p in G.parameters()) / 1e6,
        "gflops_per_face": flops / 1e9, "repeats": args.repeats,
        "load_before": load_before, "load_after": [round(v, 2) for v in os.getloadavg()],
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"), "compile_s": compile_s, "rows": rows,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    write_md(out.with_suffix(".md"), result)
    print(f"wrote {out} and {out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
