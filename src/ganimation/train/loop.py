"""The training loop: data, models, schedule, logging, checkpoints, resume, DDP.

A run folder holds::

    config.yaml             the full configuration of the run
    state.pt                resumable state (written every train.save_every steps)
    generator.safetensors   release weights (EMA generator when train.ema > 0)
    metrics.jsonl           one line per log point
    tb/                     TensorBoard scalars and sample images
    samples/step_*.png      input | attention | colour | result | cycle grids
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import math
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from ganimation.aus import PRESETS, preset_vector
from ganimation.checkpoint import load_state, save_release, save_state
from ganimation.config import Config, save_config
from ganimation.data.dataset import (FaceDataset, StepBatchSampler, batch_indices, load_into_memory,
                                     steps_per_epoch)
from ganimation.data.sources import load_samples
from ganimation.errors import CheckpointError, ConfigError
from ganimation.images import save_image
from ganimation.nn import build_critic, build_generator
from ganimation.train import distributed as dist_util
from ganimation.train.batch import make_batch, to_unit_range
from ganimation.train.monitor import AttentionMonitor
from ganimation.train.report import Reporter
from ganimation.train.samples import sample_grid
from ganimation.train.optim import adam
from ganimation.train.schedule import is_generator_step, lr_factor, step_generator
from ganimation.train.steps import _raw, critic_step, generator_step, update_ema
from ganimation.train.warmup import warm_up_critic

log = logging.getLogger("ganimation.train")

STATE_FILE = "state.pt"
RELEASE_FILE = "generator.safetensors"
#: Temporary files this project writes in a run folder (``checkpoint.atomic_write`` and
#: ``images.save_image``: ``.NAME.RANDOM.tmp``; older versions of save_image: ``.NAME.tmp``).
#: A run killed in the middle of a save leaves one behind; :func:`remove_stale_temporaries` clears them.
TEMP_PATTERNS = (f".{STATE_FILE}.*.tmp", f".{RELEASE_FILE}.*.tmp", ".metrics.jsonl.*.tmp",
                 "samples/.step_*.png.tmp", "samples/.step_*.png.*.tmp")


def remove_stale_temporaries(run_dir: str | Path) -> list[Path]:
    """Delete the temporary files a killed run left in ``run_dir``; return their paths.

    Only the project's own patterns (:data:`TEMP_PATTERNS`) are touched, never
    any other file. Call it before the run writes anything.
    """
    run_dir = Path(run_dir)
    removed = []
    for pattern in TEMP_PATTERNS:
        for path in sorted(run_dir.glob(pattern)):
            if path.is_file() and not path.is_symlink():
                try:
                    path.unlink()
                except FileNotFoundError:
                    continue
                removed.append(path)
    if removed:
        log.info("removed %d temporary file(s) left by an interrupted save in %s", len(removed), run_dir)
    return removed


def release_step(path: str | Path) -> int | None:
    """The training step stored in a release file's metadata, or None (missing, unreadable, no step)."""
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as fh:
            return int((fh.metadata() or {}).get("ganimation.step"))
    except Exception:  # noqa: BLE001 - any damage means "rewrite it"
        return None


def sync_release(path: Path, generator: torch.nn.Module, model_config, step: int, loss_preset: str) -> bool:
    """On resume: make the release weights match the resumed state (step ``step``); True if rewritten.

    A run killed between writing the weights and the state (or while writing
    the weights) leaves them at another step than ``state.pt``, or missing.
    """
    if release_step(path) == step:
        return False
    log.info("%s does not match the state at step %d; writing it again from the state", path, step)
    save_release(path, generator, model_config, extra={"step": str(step), "loss_preset": loss_preset})
    return True


@dataclass
class TrainResult:
    run_dir: Path
    step: int
    total_steps: int
    weights: Path
    last_metrics: dict[str, float] = field(default_factory=dict)
    attention_events: list = field(default_factory=list)
    seconds: float = 0.0


def _set_lr(opt: torch.optim.Optimizer, base: float, factor: float) -> None:
    for group in opt.param_groups:
        group["lr"] = base * factor


def _fixed_preview(images, aus, device, n: int = 6):
    """A fixed set of faces and preset targets for the sample grids."""
    n = min(n, images.shape[0])
    names = [p for p in PRESETS if p != "neutral"]
    targets = torch.stack([torch.from_numpy(preset_vector(names[i % len(names)])) for i in range(n)])
    real = to_unit_range(images[:n].to(device))
    return real, aus[:n].to(device), targets.to(device)


def train(config: Config, out_dir: str | Path, *, resume: bool = False, until_step: int | None = None) -> TrainResult:
    """Train GANimation (or DefGAN) as ``config`` says; write everything to ``out_dir``.

    ``resume`` continues from ``out_dir/state.pt``. ``until_step`` stops early
    at that step (the schedule still spans the full run); it must be >= 1.
    """
    if until_step is not None and (isinstance(until_step, bool) or not isinstance(until_step, int) or until_step < 1):
        raise ConfigError(f"--until-step {until_step!r}: give a step number >= 1 (or leave it out to train to the end)")
    info = dist_util.setup(config.train.device)
    finished = False
    try:
        result = _train(config, Path(out_dir), resume, until_step, info)
        finished = True
        return result
    finally:
        dist_util.cleanup(info, finished=finished)


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AVX512-BF16 or AMX); elsewhere bf16 is emulated and slow."""
    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:  # an older torch without the probes
        return False


def cpp_compiler() -> str | None:
    """The C++ compiler ``torch.compile`` would use on a CPU (``$CXX``, g++, clang++ or c++), or None."""
    for name in (os.environ.get("CXX"), "g++", "clang++", "c++"):
        if name and (path := shutil.which(name)):
            return path
    return None


def amp_context(amp: str, device: torch.device) -> Callable[[], contextlib.AbstractContextManager]:
    """A factory of autocast contexts for ``train.amp`` on ``device``.

    ``"bf16"`` autocasts to bfloat16 on a GPU and on a CPU with native bf16
    (about 1.8x faster steps at 64 px on one AVX512-BF16 core, see
    docs/performance.md); on other CPUs it warns and trains in float32.
    Weights, optimiser state and the losses stay float32 either way.
    """
    if amp != "bf16":
        return contextlib.nullcontext
    if device.type == "cpu" and not cpu_has_bf16():
        log.warning("train.amp=bf16: this CPU has no native bf16 (AVX512-BF16/AMX); training in float32")
        return contextlib.nullcontext
    return lambda: torch.autocast(device.type, dtype=torch.bfloat16)


def _train(config: Config, run_dir: Path, resume: bool, until_step: int | None, info) -> TrainResult:
    t0 = time.time()
    tc, mc = config.train, config.model
    if not config.data.path:
        raise ConfigError("no training data: pass --data DIR (or set data.path)")
    device = dist_util.resolve_device(tc.device, info)
    autocast = amp_context(tc.amp, device)
    if tc.compile and device.type == "cpu" and not cpp_compiler():
        raise ConfigError("train.compile=true on a CPU needs a C++ compiler (g++ or clang++, or set CXX); "
                          "install one or drop train.compile")

    # ---- data -------------------------------------------------------------
    samples = load_samples(config.data.path, config.data.split)
    dataset = FaceDataset(samples, mc.image_size)
    n = len(dataset)
    spe = steps_per_epoch(n, tc.batch_size, info.world_size)
    total = tc.steps or tc.epochs * spe
    decay = round(total * tc.decay_epochs / tc.epochs) if tc.epochs else 0
    in_memory = config.data.cache == "memory" or (
        config.data.cache == "auto" and dataset.nbytes() <= config.data.cache_max_gb * 1e9)
    if in_memory:
        images = load_into_memory(dataset, progress=tc.progress and info.is_main)
        if device.type == "cuda":
            images = images.to(device)
        loader_iter = None
    else:
        dataset.check_headers()
        images = None
    all_aus = dataset.aus.to(device)

    # ---- models -----------------------------------------------------------
    torch.manual_seed(tc.seed)
    G = build_generator(mc).to(device)
    D = build_critic(mc).to(device)
    if tc.channels_last:
        G = G.to(memory_format=torch.channels_last)
        D = D.to(memory_format=torch.channels_last)
    opt_g, opt_d = adam(G.parameters(), tc.lr_g, tc), adam(D.parameters(), tc.lr_d, tc)
    ema = copy.deepcopy(G).eval().requires_grad_(False) if tc.ema > 0 else None

    start = 0
    state_path = run_dir / STATE_FILE
    if resume:
        state = load_state(state_path)
        saved = Config.from_json(state["config"])
        if saved.model != mc:
            raise CheckpointError(f"{state_path} was trained with model {saved.model}, not {mc}; "
                                  "use the same model settings to resume")
        G.load_state_dict(state["generator"])
        D.load_state_dict(state["critic"])
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
        if ema is not None and state.get("ema") is not None:
            ema.load_state_dict(state["ema"])
        torch.set_rng_state(state["torch_rng"])
        start = int(state["step"])
        if until_step is not None and until_step < start:
            raise ConfigError(f"--until-step {until_step} is before step {start} saved in {state_path}; "
                              "give a later step")
        log.info("resuming %s at step %d of %d", run_dir, start, total)
    elif state_path.exists():
        raise ConfigError(f"{run_dir} already holds a run; pass --resume to continue it or choose a new --out")

    if info.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(run_dir)
        save_config(config, run_dir / "config.yaml")
        if start > 0:
            sync_release(run_dir / RELEASE_FILE, ema if ema is not None else G, mc, start, config.loss.preset)

    def fetch(idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Crops ``(B, 3, S, S)`` uint8 and AUs ``(B, K)`` of dataset indices ``idx``, on the device."""
        if in_memory:
            return images[idx.to(images.device)], all_aus[idx.to(device)]
        return torch.stack([dataset[int(i)][0] for i in idx]).to(device), all_aus[idx.to(device)]

    if start == 0 and tc.au_warmup > 0:
        # Every rank runs the same warm-up; DDP then starts all ranks from rank 0's critic.
        warm_up_critic(D, fetch, n, config, autocast=autocast)

    G_train, D_train = G, D
    if info.enabled:
        from torch.nn.parallel import DistributedDataParallel as DDP

        ids = [device.index] if device.type == "cuda" else None
        G_train = DDP(G, device_ids=ids, broadcast_buffers=False)
        D_train = DDP(D, device_ids=ids, broadcast_buffers=False)
    if tc.compile:
        G_train = torch.compile(G_train)  # the critic stays eager: its gradient penalty needs double backward

    stop = min(total, until_step) if until_step is not None else total
    if not in_memory:
        loader = torch.utils.data.DataLoader(
            dataset, batch_sampler=StepBatchSampler(n, tc.batch_size, tc.seed, start, stop, info.rank, info.world_size),
            num_workers=config.data.num_workers, pin_memory=device.type == "cuda",
            persistent_workers=config.data.num_workers > 0)
        loader_iter = iter(loader)

    reporter = Reporter(run_dir, enabled=info.is_main, start_step=start)
    monitor = AttentionMonitor()
    preview = _fixed_preview(images if in_memory else torch.stack([dataset[i][0] for i in range(min(6, n))]),
                             dataset.aus, device)
    pbar = None
    if tc.progress and info.is_main:
        from tqdm import tqdm

        pbar = tqdm(total=stop, initial=start, desc="train", unit="step", dynamic_ncols=True)

    acc: dict[str, torch.Tensor] = {}
    counts: dict[str, int] = {}
    last: dict[str, float] = {}
    step = start

    def save(step_now: int) -> None:
        # The release weights first, then the state: a kill between the two leaves the weights one
        # save ahead of state.pt, never behind; a resume then rewrites them from the state (sync_release).
        if not info.is_main:
            return
        save_release(run_dir / RELEASE_FILE, ema if ema is not None else G, mc,
                     extra={"step": str(step_now), "loss_preset": config.loss.preset})
        save_state(state_path, {
            "step": step_now, "config": config.to_json(),
            "generator": G.state_dict(), "critic": D.state_dict(),
            "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(),
            "ema": ema.state_dict() if ema is not None else None,
            "torch_rng": torch.get_rng_state(),
        })

    try:
        for step in range(start, stop):
            if in_memory:
                imgs, aus = fetch(batch_indices(step, n, tc.batch_size, tc.seed, info.rank, info.world_size))
            else:
                imgs, aus = next(loader_iter)
                imgs, aus = imgs.to(device, non_blocking=True), aus.to(device, non_blocking=True)
            gen = step_generator(tc.seed, step, info.rank)
            batch = make_batch(imgs, aus, gen, flip=tc.flip, target_noise=tc.target_noise,
                               clamp_targets=tc.clamp_targets, channels_last=tc.channels_last)
            factor = lr_factor(step, total, decay)
            _set_lr(opt_d, tc.lr_d, factor)
            logs = critic_step(G_train, D_train, opt_d, batch, config.loss, autocast)
            if is_generator_step(step, tc.n_critic):
                _set_lr(opt_g, tc.lr_g, factor)
                logs.update(generator_step(G_train, D_train, opt_g, batch, config.loss, autocast))
                if ema is not None:
                    update_ema(ema, G, tc.ema)
            for key, value in logs.items():
                acc[key] = acc.get(key, 0) + value
                counts[key] = counts.get(key, 0) + 1
            done = step + 1
            if done % tc.log_every == 0 or done == stop:
                means = dist_util.mean_across({k: acc[k] / counts[k] for k in acc}, info)
                last = {k: float(v) for k, v in means.items()}
                last["lr_factor"] = factor
                last["epoch"] = step / spe
                reporter.scalars(done, last)
                if "attention/mean" in last:
                    monitor.update(done, last["attention/mean"], last.get("attention/p01"))
                bad = [k for k, v in last.items() if not math.isfinite(v)]
                if bad:
                    raise FloatingPointError(f"non-finite training metrics at step {done}: {', '.join(bad)}; "
                                             "lower the learning rates or check the data")
                acc.clear()
                counts.clear()
                if pbar is not None:
                    pbar.set_postfix({k.split("/")[-1]: f"{v:.3g}" for k, v in last.items()
                                      if k in ("d/wasserstein", "g/au", "g/cycle", "attention/mean")})
            if info.is_main and (done % tc.sample_every == 0 or done == stop):
                G.eval()
                grid = sample_grid(ema if ema is not None else G, *preview)
                G.train()
                save_image(run_dir / "samples" / f"step_{done:07d}.png", grid)
                reporter.image(done, "samples", grid)
            if done % tc.save_every == 0 and done != stop:
                save(done)
                dist_util.barrier(info)
            if pbar is not None:
                pbar.update(1)
        step = stop
        save(stop)
        dist_util.barrier(info)
    finally:
        if pbar is not None:
            pbar.close()
        reporter.close()

    if info.is_main:
        (run_dir / "summary.json").write_text(json.dumps({
            "step": stop, "total_steps": total, "samples": n, "steps_per_epoch": spe,
            "seconds": round(time.time() - t0, 2), "device": str(device), "world_size": info.world_size,
            "attention_events": monitor.events, "last_metrics": last,
        }, indent=2))
    return TrainResult(run_dir=run_dir, step=stop, total_steps=total, weights=run_dir / RELEASE_FILE,
                       last_metrics=last, attention_events=monitor.events, seconds=time.time() - t0)
