"""DefGAN vs GANimation side by side: same synthetic data, same budget, small CPU scale.

    python benchmarks/compare_defgan.py [--steps 400] [--batch 8] [--count 600] [--pairs 32] [--work DIR]

Renders a 64 px synthetic dataset (:mod:`ganimation.data.synthetic`) with
evaluation pairs (the same identity rendered with a source and a target
expression, i.e. the ground-truth edit), trains both architectures with the
same networks widths, steps, batch, critic ratio, learning rates and seed,
then edits every pair's source toward its target AUs and measures:

- ``gt_l1``: mean |edit - ground-truth target render| (0-255), whole image and
  inside the region where source and target differ;
- ``identity``: dlib ResNet distance (the PyTorch port, equal to dlib's own
  descriptors) between the input and the edit (< 0.6 = same person for real
  photos; the synthetic faces are cartoons, so compare the two models, not the
  absolute value), with the ground truth's own distance as a reference;
- ``au_error``: mean |AU(edit) - target| by the independent AU judge when its
  weights are installed, else by *both* trained critics' AU heads (each
  model's critic judges both models' edits, to limit home advantage);
- locality: RMSE outside the ground-truth change region (``background_rmse``)
  and the share of the change energy inside it (``edit_concentration``);
- DefGAN's offsets (mean / max pixels) and both models' attention mean.

Writes ``benchmarks/results/defgan_compare.{json,md,png}``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def build_configs(args, data: Path):
    from ganimation.config import Config

    base = {
        "model": {"image_size": args.size, "g_channels": args.width, "g_res_blocks": 2, "d_channels": args.width,
                  "d_layers": 5, "def_channels": args.width, "def_res_blocks": 2},
        "data": {"path": str(data)},
        "train": {"batch_size": args.batch, "steps": args.steps, "n_critic": args.n_critic, "lr_g": 2e-4,
                  "lr_d": 2e-4, "epochs": 3, "decay_epochs": 1, "log_every": 25, "sample_every": args.steps,
                  "save_every": 10 ** 9, "progress": False, "seed": 0},
    }
    gan = Config.from_dict(base)
    dg = Config.from_dict({**base, "model": {**base["model"], "arch": "defgan"}})
    return {"ganimation": gan, "defgan": dg}


def train_or_reuse(cfg, out: Path) -> dict:
    from ganimation.train import train

    summary = out / "summary.json"
    if summary.is_file():
        s = json.loads(summary.read_text())
        if s.get("step") == cfg.train.steps:
            return s
        raise SystemExit(f"{out} holds a different run; delete it or pass another --work")
    t0 = time.time()
    train(cfg, out)
    s = json.loads(summary.read_text())
    s["wall_seconds"] = round(time.time() - t0, 1)
    summary.write_text(json.dumps(s, indent=2))
    return s


def dilate(mask: np.ndarray, r: int) -> np.ndarray:
    t = torch.from_numpy(mask.astype(np.float32))[:, None]
    return (torch.nn.functional.max_pool2d(t, 2 * r + 1, 1, r)[:, 0] > 0).numpy()


@torch.no_grad()
def evaluate(runs: dict[str, Path], pairs, size: int) -> tuple[dict, dict]:
    from ganimation.checkpoint import load_generator, load_state
    from ganimation.config import Config
    from ganimation.metrics.locality import background_rmse, edit_concentration
    from ganimation.nn import build_critic

    src = np.stack([np.asarray(p.load()[0]) for p in pairs])
    tgt = np.stack([np.asarray(p.load()[1]) for p in pairs])
    if src.shape[1] != size:
        raise SystemExit(f"pairs are {src.shape[1]} px, models {size} px")
    y = torch.from_numpy(np.stack([p.target_aus for p in pairs]))
    x = torch.from_numpy(src).permute(0, 3, 1, 2).float() / 127.5 - 1
    x_tgt = torch.from_numpy(tgt).permute(0, 3, 1, 2).float() / 127.5 - 1
    change = np.abs(src.astype(np.float32) - tgt.astype(np.float32)).max(axis=-1) > 12
    region = dilate(change, 2)

    outputs, critics = {}, {}
    for name, run in runs.items():
        G, mc, _ = load_generator(run / "generator.safetensors", "cpu")
        out = G(x, y)
        outputs[name] = [t.clone() for t in out]
        st = load_state(run / "state.pt")
        D = build_critic(Config.from_json(st["config"]).model)
        D.load_state_dict(st["critic"])
        critics[name] = D.eval()

    judge = None
    try:
        from ganimation.metrics.au_judge import AUJudge

        judge = AUJudge.load()
    except Exception as exc:  # weights not installed yet: fall back to the critics
        print(f"AU judge unavailable ({type(exc).__name__}); using the trained critics' AU heads", file=sys.stderr)

    embed = None
    try:
        from ganimation.faces.identity_torch import load_dlib_resnet

        embed = load_dlib_resnet().embed
    except Exception as exc:
        print(f"identity embedding unavailable ({exc})", file=sys.stderr)

    def u8(t):
        return ((t.clamp(-1, 1) + 1) * 127.5 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy()

    metrics: dict[str, dict] = {}
    e_src = embed(x) if embed else None
    ref = {"gt_l1_all": 0.0}
    if embed:
        ref["identity_gt_target"] = float((embed(x_tgt) - e_src).norm(dim=1).mean())
    ref["input_vs_target_l1_all"] = float(np.abs(src.astype(np.float32) - tgt).mean())
    ref["input_vs_target_l1_region"] = float(np.abs(src.astype(np.float32) - tgt)[region].mean())
    ref["region_fraction"] = float(region.mean())
    if judge is not None:
        ref["au_error_judge_on_target_render"] = float(np.abs(judge.predict(tgt) - y.numpy()).mean())
    for name, out in outputs.items():
        edit = u8(out[0])
        m = {
            "gt_l1_all": float(np.abs(edit.astype(np.float32) - tgt).mean()),
            "gt_l1_region": float(np.abs(edit.astype(np.float32) - tgt)[region].mean()),
            "gt_l1_outside": float(np.abs(edit.astype(np.float32) - tgt)[~region].mean()),
            "background_rmse": background_rmse(src, edit, region).mean,
            "edit_concentration": edit_concentration(src, edit, region).mean,
            "attention_mean": float(out[2].mean()),
        }
        if embed:
            m["identity_input_vs_edit"] = float((embed(out[0]) - e_src).norm(dim=1).mean())
        if judge is not None:
            m["au_error_judge"] = float(np.abs(judge.predict(edit) - y.numpy()).mean())
        for cname, D in critics.items():
            m[f"au_error_critic_{cname}"] = float((D(out[0])[1] - y).abs().mean())
        if len(out) > 3:
            off = out[4]
            m["offset_mean_px"] = float(off.norm(dim=1).mean())
            m["offset_max_px"] = float(off.abs().max())
            m["warped_gt_l1_region"] = float(np.abs(u8(out[3]).astype(np.float32) - tgt)[region].mean())
            if embed:
                m["identity_input_vs_warped"] = float((embed(out[3]) - e_src).norm(dim=1).mean())
        metrics[name] = m
    for cname, D in critics.items():
        ref[f"au_error_critic_{cname}_on_target_render"] = float((D(x_tgt)[1] - y).abs().mean())
    return {"models": metrics, "reference": ref}, {"src": src, "tgt": tgt, "outputs": outputs}


def grid(vis: dict, n: int, scale: int = 2) -> np.ndarray:
    from ganimation.nn.warp import flow_to_color

    def u8(t):
        return ((t.clamp(-1, 1) + 1) * 127.5 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy()

    g, d = vis["outputs"]["ganimation"], vis["outputs"]["defgan"]
    att = lambda a: np.repeat((a[:, 0].clamp(0, 1) * 255 + 0.5).to(torch.uint8).numpy()[..., None], 3, -1)  # noqa: E731
    cols = [vis["src"], vis["tgt"], u8(g[0]), att(g[2]), u8(flow_to_color(d[4])), u8(d[3]), att(d[2]), u8(d[0])]
    rows = [np.concatenate([c[i] for c in cols], axis=1) for i in range(min(n, len(vis["src"])))]
    img = np.concatenate(rows, axis=0)
    return img.repeat(scale, 0).repeat(scale, 1)


def write_md(path: Path, result: dict) -> None:
    mg, md = result["metrics"]["models"]["ganimation"], result["metrics"]["models"]["defgan"]
    lower_better = {"gt_l1_all", "gt_l1_region", "gt_l1_outside", "background_rmse", "identity_input_vs_edit",
                    "au_error_judge", "au_error_critic_ganimation", "au_error_critic_defgan"}
    lines = [
        "# DefGAN vs GANimation (small CPU budget)", "",
        f"Data: {result['data']['train_images']} synthetic training faces at {result['setup']['size']} px, "
        f"{result['data']['pairs']} held-out evaluation pairs (same identity, source and target expression).",
        f"Budget, identical for both: {result['setup']['steps']} critic steps, batch {result['setup']['batch']}, "
        f"n_critic {result['setup']['n_critic']} (so {result['setup']['steps'] // result['setup']['n_critic']} "
        f"generator steps), width {result['setup']['width']}, lr 2e-4, seed 0, CPU.",
        f"Training time: GANimation {result['train']['ganimation'].get('seconds')} s, "
        f"DefGAN {result['train']['defgan'].get('seconds')} s (shared 2-core machine).", "",
        "| metric | GANimation | DefGAN | better |", "|---|---|---|---|",
    ]
    for key in mg:
        if key in md:
            a, b = mg[key], md[key]
            better = ""
            if key in lower_better:
                better = "DefGAN" if b < a else "GANimation" if a < b else "tie"
            elif key == "edit_concentration":
                better = "DefGAN" if b > a else "GANimation" if a > b else "tie"
            lines.append(f"| {key} | {a:.4g} | {b:.4g} | {better} |")
    lines += ["", "DefGAN only: " + ", ".join(f"{k} {v:.4g}" for k, v in md.items() if k not in mg), "",
              "Reference: " + ", ".join(f"{k} {v:.4g}" for k, v in result["metrics"]["reference"].items()), "",
              "Grid (`defgan_compare.png`), per pair: input | ground-truth target | GANimation edit | "
              "GANimation attention | DefGAN offsets (hue = direction, brightness = magnitude, normalised to the largest offset shown) | "
              "DefGAN warped | DefGAN attention | DefGAN edit.", "",
              "This is a tiny budget: both models are far from converged, so read it as a smoke-level "
              "comparison of behaviour, not of final quality."]
    path.write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--n-critic", type=int, default=3)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--count", type=int, default=600)
    ap.add_argument("--pairs", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default="/tmp/ganimation_defgan_compare")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    from ganimation.data.synthetic import read_pairs, synthesize_dataset

    work = Path(args.work)
    t0 = time.time()
    data = synthesize_dataset(work / "data", args.count, size=args.size, seed=0, pairs=args.pairs)
    t_data = time.time() - t0
    cfgs = build_configs(args, work / "data")
    summaries = {name: train_or_reuse(cfg, work / name) for name, cfg in cfgs.items()}
    pairs = read_pairs(work / "data")
    metrics, vis = evaluate({name: work / name for name in cfgs}, pairs, args.size)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from ganimation.images import save_image

    save_image(out / "defgan_compare.png", grid(vis, 8))
    result = {
        "setup": {"steps": args.steps, "batch": args.batch, "n_critic": args.n_critic, "width": args.width,
                  "size": args.size, "res_blocks": 2, "critic_layers": 5,
                  "defgan_loss": {k: v for k, v in cfgs["defgan"].loss.__dict__.items() if k.startswith("def_")},
                  "torch": torch.__version__, "threads": args.threads, "python": platform.python_version(),
                  "machine": platform.machine()},
        "data": {"train_images": data["train_images"], "pairs": len(pairs), "render_seconds": round(t_data, 1)},
        "train": {name: {"seconds": s.get("seconds"), "last_metrics": s.get("last_metrics")}
                  for name, s in summaries.items()},
        "metrics": metrics,
    }
    (out / "defgan_compare.json").write_text(json.dumps(result, indent=2))
    write_md(out / "defgan_compare.md", result)
    print((out / "defgan_compare.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
