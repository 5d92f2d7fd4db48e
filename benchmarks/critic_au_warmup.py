"""How fast the critic's AU head learns on its own (``train.au_warmup``).

    python benchmarks/critic_au_warmup.py [--data data/synth64] [--steps 2000] [--threads 1]

Runs the warm-up of ``ganimation.train.warmup`` on a config's critic (default
``configs/cpu_small_64.yaml`` with learning rate 3e-4), holding out the last
800 faces of the dataset, and records the held-out AU mean squared error every
250 steps with the elapsed time. Writes ``benchmarks/results/critic_au_warmup.json``
and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from ganimation.config import load_config
from ganimation.losses import au_regression
from ganimation.data.dataset import FaceDataset, load_into_memory
from ganimation.data.sources import load_samples
from ganimation.nn import build_critic
from ganimation.train.batch import to_unit_range
from ganimation.train.warmup import warm_up_critic


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="data/synth64")
    p.add_argument("--config", default="configs/cpu_small_64.yaml")
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--held-out", type=int, default=800)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/critic_au_warmup"))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    cfg = load_config(a.config, [f"data.path={a.data}", f"train.lr_d={a.lr}", f"train.au_warmup={a.steps}"])
    ds = FaceDataset(load_samples(a.data), cfg.model.image_size)
    images, aus = load_into_memory(ds), ds.aus
    n = len(ds) - a.held_out
    val_x, val_y = to_unit_range(images[n:]), aus[n:]
    torch.manual_seed(cfg.train.seed)
    D = build_critic(cfg.model)
    rows, t0 = [], time.perf_counter()

    def held_out_mse() -> float:
        with torch.no_grad():
            return float(au_regression(D(val_x)[1], val_y, "mse_mean"))

    def on_step(done: int, loss: float) -> None:
        if done % 250 == 0 or done == a.steps:
            elapsed = time.perf_counter() - t0          # includes the held-out passes
            rows.append({"step": done, "seconds": round(elapsed, 1), "held_out_mse": round(held_out_mse(), 4)})
            print(rows[-1], flush=True)

    rows.append({"step": 0, "seconds": 0.0, "held_out_mse": round(held_out_mse(), 4)})
    warm_up_critic(D, lambda idx: (images[idx], aus[idx]), n, cfg, on_step=on_step)
    result = {"data": a.data, "config": a.config, "lr_d": a.lr, "batch_size": cfg.train.batch_size,
              "train_faces": n, "held_out_faces": a.held_out, "threads": a.threads, "rows": rows}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [f"# Critic AU warm-up\n",
             f"`python benchmarks/critic_au_warmup.py --steps {a.steps} --threads {a.threads}`: critic of "
             f"`{a.config}` (batch {cfg.train.batch_size}, lr {a.lr:g}), {n} training faces of `{a.data}`, "
             f"held-out mean squared AU error on the last {a.held_out}; seconds include the held-out passes.\n",
             "| step | seconds | held-out AU MSE |", "|---|---|---|"]
    lines += [f"| {r['step']} | {r['seconds']:.0f} | {r['held_out_mse']:.4f} |" for r in rows]
    a.out.with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
