"""Training throughput (samples/s) of the full GANimation schedule, with the project's own steps.

    # GPU (H100): the goal is >= 3,300 samples/s at 128 px
    python benchmarks/bench_train_throughput.py --batches 25 256 --amp bf16 --channels-last --fused \\
        --compile --peak-tflops 989 --out benchmarks/results/train_throughput_h100.json
    # CPU check of the script itself
    python benchmarks/bench_train_throughput.py --tiny --out benchmarks/results/train_throughput_cpu_tiny.json

Each step is what :func:`ganimation.train.loop.train` does: a batch from
:func:`ganimation.train.batch.make_batch` (uint8 images resident on the
device, indices drawn on the device), :func:`ganimation.train.steps.critic_step`,
and every ``n_critic``-th step :func:`ganimation.train.steps.generator_step`.
Nothing in the timed loop reads a value back to the host; the device is
synchronised only at the start and end of the timed window. A sample is one
image of one critic step (so samples/s = batch x steps/s, as an epoch counts).

Rows: the plain eager fp32 configuration (always, for comparison) and the
configuration asked for with ``--amp/--channels-last/--compile/--fused``.
FLOPs per sample are counted with ``torch.utils.flop_counter``'s per-operator formulas
over one critic step and one generator step (forward, backward and the
gradient penalty's double backward), amortised as
``(critic + generator / n_critic) / batch``; with ``--peak-tflops`` the
achieved share of that peak is reported too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

from ganimation.config import Config, LossConfig, ModelConfig, load_config
from ganimation.nn import build_critic, build_generator
from ganimation.train.batch import make_batch
from ganimation.train.schedule import is_generator_step, step_generator
from ganimation.train.steps import critic_step, generator_step

ROOT = Path(__file__).resolve().parent.parent
TINY = ModelConfig(image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class Setup:
    """Models, optimisers and a device-resident uint8 dataset for one configuration."""

    def __init__(self, mc: ModelConfig, loss: LossConfig, device: torch.device, batch: int, *, amp: str,
                 channels_last: bool, compile_g: bool, compile_d: bool, fused: bool, n_data: int, seed: int = 0):
        torch.manual_seed(seed)
        self.device, self.batch, self.loss = device, batch, loss
        self.channels_last = channels_last
        G = build_generator(mc).to(device)
        D = build_critic(mc).to(device)
        if channels_last:
            G = G.to(memory_format=torch.channels_last)
            D = D.to(memory_format=torch.channels_last)
        kw = {"betas": (0.5, 0.999), "lr": 1e-4}
        if fused:
            kw["fused"] = True
        self.opt_g = torch.optim.Adam(G.parameters(), **kw)
        self.opt_d = torch.optim.Adam(D.parameters(), **kw)
        self.G_raw, self.D_raw = G, D
        self.G = torch.compile(G) if compile_g else G
        self.D = torch.compile(D) if compile_d else D
        dev_type = device.type
        self.autocast = ((lambda: torch.autocast(dev_type, dtype=torch.bfloat16)) if amp == "bf16"
                         else contextlib.nullcontext)
        g = torch.Generator().manual_seed(seed)
        s = mc.image_size
        self.images = torch.randint(0, 256, (n_data, 3, s, s), dtype=torch.uint8, generator=g).to(device)
        self.aus = torch.rand(n_data, mc.num_aus, generator=g).to(device)
        self.index_gen = torch.Generator(device=device).manual_seed(seed)

    def batch_at(self, step: int):
        idx = torch.randint(0, self.images.shape[0], (self.batch,), device=self.device, generator=self.index_gen)
        return make_batch(self.images[idx], self.aus[idx], step_generator(0, step), flip=True, target_noise=0.1,
                          clamp_targets=True, channels_last=self.channels_last)

    def step(self, step: int, n_critic: int) -> dict:
        b = self.batch_at(step)
        logs = critic_step(self.G, self.D, self.opt_d, b, self.loss, self.autocast)
        if is_generator_step(step, n_critic):
            logs.update(generator_step(self.G, self.D, self.opt_g, b, self.loss, self.autocast))
        return logs


class OpFlops:
    """Counts FLOPs with ``torch.utils.flop_counter``'s formulas through a plain dispatch mode.

    ``FlopCounterMode`` itself tracks modules with backward hooks, which
    ``torch.autograd.grad(create_graph=True)`` (the gradient penalty) rejects;
    this mode uses the same per-operator formulas without the module tracker.
    """

    def __init__(self):
        from torch.utils._python_dispatch import TorchDispatchMode
        from torch.utils.flop_counter import flop_registry

        counter = self

        class _Mode(TorchDispatchMode):
            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                kwargs = kwargs or {}
                out = func(*args, **kwargs)
                packet = func._overloadpacket
                if packet in flop_registry:
                    counter.total += int(flop_registry[packet](*args, **kwargs, out_val=out))
                return out

        self.total = 0
        self._mode = _Mode()

    def __enter__(self):
        self._mode.__enter__()
        return self

    def __exit__(self, *exc):
        return self._mode.__exit__(*exc)


def count_flops(setup: Setup) -> tuple[int, int]:
    """FLOPs of one critic step and of one generator step (eager, uncompiled modules).

    The optimiser steps run too (their elementwise work has no FLOP formula, so
    it is not counted); the models are re-initialised afterwards by the caller.
    """
    b = setup.batch_at(0)
    with OpFlops() as fc:
        critic_step(setup.G_raw, setup.D_raw, setup.opt_d, b, setup.loss, setup.autocast)
    c = fc.total
    with OpFlops() as fc:
        generator_step(setup.G_raw, setup.D_raw, setup.opt_g, b, setup.loss, setup.autocast)
    return int(c), int(fc.total)


def run_config(name: str, mc: ModelConfig, loss: LossConfig, device: torch.device, batch: int, *, amp: str,
               channels_last: bool, compile_g: bool, compile_d: bool, fused: bool, steps: int, warmup: int,
               n_critic: int, peak_tflops: float | None) -> dict:
    row = {"name": name, "batch": batch, "amp": amp, "channels_last": channels_last, "compile_g": compile_g,
           "compile_d": compile_d, "fused": fused, "steps": steps, "warmup": warmup, "n_critic": n_critic}
    try:
        setup = Setup(mc, loss, device, batch, amp=amp, channels_last=channels_last, compile_g=compile_g,
                      compile_d=compile_d, fused=fused, n_data=max(4 * batch, 64))
        c_flops, g_flops = count_flops(setup)
        t0 = time.perf_counter()
        # Warm-up covers whole schedule periods (compilation of both steps happens here).
        for s in range(warmup):
            logs = setup.step(s, n_critic)
        sync(device)
        row["warmup_s"] = round(time.perf_counter() - t0, 2)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        t0 = time.perf_counter()
        for s in range(warmup, warmup + steps):
            logs = setup.step(s, n_critic)
        sync(device)
        dt = time.perf_counter() - t0
    except Exception as exc:  # noqa: BLE001 - a configuration that fails is a result too
        row["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
        print(f"{name:24s} batch {batch:4d}  FAILED {row['error']}", flush=True)
        return row
    flops_per_sample = (c_flops + g_flops / n_critic) / batch
    sps = batch * steps / dt
    row.update({
        "seconds": round(dt, 3), "ms_per_step": round(1000 * dt / steps, 2), "samples_per_s": round(sps, 2),
        "critic_step_gflop": round(c_flops / 1e9, 3), "generator_step_gflop": round(g_flops / 1e9, 3),
        "gflop_per_sample": round(flops_per_sample / 1e9, 3),
        "achieved_tflops": round(sps * flops_per_sample / 1e12, 4),
        "finite": bool(all(torch.isfinite(v).all() for v in logs.values())),
    })
    if peak_tflops:
        row["share_of_peak"] = round(row["achieved_tflops"] / peak_tflops, 4)
    if device.type == "cuda":
        row["max_memory_gib"] = round(torch.cuda.max_memory_allocated(device) / 2**30, 2)
    print(f"{name:24s} batch {batch:4d}  {sps:9.1f} samples/s  {1000 * dt / steps:8.1f} ms/step  "
          f"{flops_per_sample / 1e9:6.2f} GFLOP/sample  {row['achieved_tflops']:.3f} TFLOP/s"
          + (f"  {100 * row['share_of_peak']:.1f}% of peak" if peak_tflops else ""), flush=True)
    return row


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    p.add_argument("--batches", type=int, nargs="+", default=[25, 64])
    p.add_argument("--steps", type=int, default=50, help="timed critic steps (a multiple of n_critic is best)")
    p.add_argument("--warmup", type=int, default=10, help="untimed critic steps first")
    p.add_argument("--n-critic", type=int, default=5)
    p.add_argument("--loss-preset", default="official", choices=["official", "paper"])
    p.add_argument("--amp", default="none", choices=["none", "bf16"])
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--compile", action="store_true", help="torch.compile the generator (as train.compile does)")
    p.add_argument("--compile-critic", action="store_true",
                   help="also torch.compile the critic (its gradient penalty needs double backward; "
                        "a failure is recorded, not raised)")
    p.add_argument("--fused", action="store_true", help="fused Adam (CUDA)")
    p.add_argument("--no-baseline", action="store_true", help="skip the plain eager fp32 row")
    p.add_argument("--peak-tflops", type=float, default=None,
                   help="device peak for the share column (H100 SXM dense bf16: 989; fp32 non-tensor: 67)")
    p.add_argument("--tiny", action="store_true", help="32 px, 8 channels: a quick check of the script on CPU")
    p.add_argument("--config", default=None,
                   help="take the model (and n_critic, loss preset) from a training YAML, e.g. configs/cpu_small_64.yaml")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a --config value, as `ganimation train --set` does")
    p.add_argument("--image-size", type=int, default=None)
    p.add_argument("--threads", type=int, default=None, help="CPU threads (torch.set_num_threads)")
    p.add_argument("--out", default=None, help="JSON results file")
    args = p.parse_args(argv)

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device)
    mc = TINY if args.tiny else ModelConfig()
    loss = LossConfig.from_preset(args.loss_preset)
    if args.config:
        cfg = load_config(args.config, args.overrides)
        mc, loss, args.n_critic = cfg.model, cfg.loss, cfg.train.n_critic
    elif args.overrides:
        p.error("--set needs --config")
    if args.image_size:
        mc = replace(mc, image_size=args.image_size).validate()
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    common = dict(steps=args.steps, warmup=args.warmup, n_critic=args.n_critic, peak_tflops=args.peak_tflops)
    asked = dict(amp=args.amp, channels_last=args.channels_last, compile_g=args.compile,
                 compile_d=False, fused=args.fused)
    if args.compile_critic:
        # AOTAutograd donates saved buffers by default, which create_graph=True (the penalty) rejects.
        import torch._functorch.config as fc

        fc.donated_buffer = False
    plain = dict(amp="none", channels_last=False, compile_g=False, compile_d=False, fused=False)
    rows = []
    for batch in args.batches:
        if not args.no_baseline:
            rows.append(run_config("eager_fp32", mc, loss, device, batch, **plain, **common))
        if asked != plain:
            label = "+".join(k for k, v in [(f"amp_{args.amp}", args.amp != "none"),
                                            ("channels_last", args.channels_last), ("compile_g", args.compile),
                                            ("fused", args.fused)] if v)
            rows.append(run_config(label, mc, loss, device, batch, **asked, **common))
        if args.compile_critic:
            label = "+".join(k for k, v in [(f"amp_{args.amp}", args.amp != "none"),
                                            ("channels_last", args.channels_last), ("compile_g", args.compile),
                                            ("compile_d", True), ("fused", args.fused)] if v)
            rows.append(run_config(label, mc, loss, device, batch, **{**asked, "compile_d": True}, **common))
    result = {
        "command": "python " + " ".join([os.path.relpath(__file__, ROOT)] + (argv if argv is not None else sys.argv[1:])),
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({platform.processor() or 'x86_64'}, "
                  f"{os.cpu_count()} cores, {torch.get_num_threads()} threads)",
        "torch": torch.__version__, "python": platform.python_version(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "model": mc.__dict__, "loss_preset": loss.preset, "n_critic": args.n_critic, "rows": rows,
    }
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1))
        print(f"wrote {out}")
    return 0 if all("error" not in r for r in rows if r["name"] == "eager_fp32") else 1


if __name__ == "__main__":
    sys.exit(main())
