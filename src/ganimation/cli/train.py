"""``ganimation train``: train a model on a dataset (any supported layout)."""

from __future__ import annotations

from ganimation.cli import types
from ganimation.config import ARCHS


def add_arguments(p) -> None:
    p.add_argument("--data", "-d", required=True, help="dataset folder (prepared, official GANimation or OpenFace layout)")
    p.add_argument("--out", "-o", required=True, help="run folder for checkpoints, logs and samples")
    p.add_argument("--config", "-c", default=None, help="YAML file with sections model/loss/data/train")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set train.batch_size=8 (repeatable)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its state.pt")
    p.add_argument("--arch", choices=(*ARCHS, "wggan"), default=None,
                   help="model architecture (wggan: the wg-GAN refinement and mouth networks on a video "
                        "dataset, docs/wggan.md)")
    p.add_argument("--until-step", type=types.steps, default=None, help="stop at this step (the schedule spans the full run)")


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a model", description=__doc__)
    add_arguments(p)
    p.set_defaults(func=run)


def config_from_args(args):
    from ganimation.config import load_config

    overrides = list(args.overrides)
    if args.arch:
        overrides.insert(0, f"model.arch={args.arch}")
    overrides.insert(0, f"data.path={args.data}")
    return load_config(args.config, overrides)


def run(args) -> int:
    from ganimation.train import train
    from ganimation.video import validate_output_dir

    if args.arch == "wggan" or (args.arch is None and args.config and _is_wggan(args.config)):
        return _run_wggan(args)
    config = config_from_args(args)
    validate_output_dir(args.out, inputs=[args.data], what="run folder")
    result = train(config, args.out, resume=args.resume, until_step=args.until_step)
    print(f"trained {result.step}/{result.total_steps} steps in {result.seconds:.0f} s; weights: {result.weights}")
    for step, state, mean in result.attention_events:
        print(f"warning: attention {state} at step {step} (mean {mean:.3f})")
    return 0


def _is_wggan(path) -> bool:
    from pathlib import Path

    from ganimation.train.wggan import is_wggan_config

    return Path(path).is_file() and is_wggan_config(path)


def _run_wggan(args) -> int:
    from ganimation.train.wggan import load_wggan_config, train_wggan
    from ganimation.video import validate_output_dir

    config = load_wggan_config(args.config, args.overrides, data=args.data)
    validate_output_dir(args.out, inputs=[args.data], what="run folder")
    result = train_wggan(config, args.out, resume=args.resume, until_step=args.until_step)
    print(f"trained {result['step']}/{result['total_steps']} steps in {result['seconds']:.0f} s; weights: "
          + ", ".join(str(w) for w in result["weights"]))
    return 0
