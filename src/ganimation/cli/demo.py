"""``ganimation demo``: the main job on an embedded default, no arguments needed.

With the shipped weights and the faces extra: edits the bundled public-domain
astronaut photo (happy, surprise, sad, an AU12 sweep) and writes an animation.
Without shipped weights: renders a small synthetic dataset, trains a tiny model
for a few minutes on the CPU, and edits a held-out synthetic face.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ganimation.cli import common, types

log = logging.getLogger("ganimation.demo")


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="run the main job on the bundled sample (no arguments needed)",
                       description=__doc__)
    p.add_argument("--out", "-o", default="out/demo", help="output folder (default out/demo)")
    p.add_argument("--weights", "-w", default=None, help="weights to use instead of the shipped ones")
    p.add_argument("--photo", default=None, help="a photo to edit instead of the bundled astronaut")
    p.add_argument("--device", default=None)
    p.add_argument("--synthetic", action="store_true", help="force the train-from-scratch synthetic demo")
    p.add_argument("--steps", type=types.steps, default=300, help="training steps of the synthetic demo")
    p.set_defaults(func=run)


def run(args) -> int:
    from ganimation.edit import DEFAULT_WEIGHTS

    from ganimation.video import validate_output_dir

    out = validate_output_dir(args.out, inputs=[args.photo] if args.photo else (), what="output folder")
    if args.photo:
        from ganimation.images import load_rgb

        load_rgb(args.photo)  # a bad photo is an error before the folder is made
    out.mkdir(parents=True, exist_ok=True)
    have_weights = args.weights is not None or DEFAULT_WEIGHTS.is_file()
    if have_weights and common.faces_available() and not args.synthetic:
        return _photo_demo(args, out)
    if have_weights and not args.synthetic:
        print("the faces extra is not installed: running the synthetic demo instead")
    return _synthetic_demo(args, out)


def _photo_demo(args, out: Path) -> int:
    from ganimation.animate import write_animation
    from ganimation.edit import ASSETS, Editor
    from ganimation.faces.pipeline import edit_photo
    from ganimation.images import load_rgb, save_image

    editor = Editor.from_pretrained(args.weights, device=args.device)
    photo_path = Path(args.photo) if args.photo else ASSETS / "astronaut.png"
    photo = load_rgb(photo_path)
    written = []
    for name in ("happy", "surprise", "sad", "anger"):
        res = edit_photo(editor, photo, expression=name)
        written.append(save_image(out / f"{photo_path.stem}_{name}.jpg", res.image))
    frames = []
    for alpha in np.linspace(0, 1, 16):
        frames.append(edit_photo(editor, photo, expression="happy", intensity=float(alpha)).image)
    frames += frames[-2:0:-1]
    written.append(write_animation(out / f"{photo_path.stem}_happy.gif", _shrink(frames, 384), fps=12))
    written.append(write_animation(out / f"{photo_path.stem}_happy.mp4", frames, fps=12))
    for p in written:
        print(f"wrote {p}")
    return 0


def _shrink(frames, side: int):
    from ganimation.edit import resize

    h, w = frames[0].shape[:2]
    if max(h, w) <= side:
        return np.stack(frames)
    scale = side / max(h, w)
    wh = (max(2, int(w * scale) // 2 * 2), max(2, int(h * scale) // 2 * 2))
    return np.stack([resize(f, wh) for f in frames])


def _synthetic_demo(args, out: Path) -> int:
    from ganimation.animate import render, trajectory, write_animation
    from ganimation.aus import preset_vector
    from ganimation.config import Config
    from ganimation.data.prepared import CROPS, read_table
    from ganimation.data.synthetic import synthesize_dataset
    from ganimation.edit import Editor
    from ganimation.images import load_rgb, save_image
    from ganimation.train import train

    data = out / "synthetic_data"
    print(f"rendering 400 synthetic faces at 64 px into {data} ...")
    synthesize_dataset(data, count=400, size=64, seed=0, test_fraction=0.1)
    cfg = Config.from_dict({
        "model": {"image_size": 64, "g_channels": 16, "g_res_blocks": 2, "d_channels": 16, "d_layers": 4},
        "data": {"path": str(data)},
        "train": {"batch_size": 16, "steps": args.steps, "n_critic": 2, "lr_g": 3e-4, "lr_d": 3e-4,
                  "log_every": 25, "sample_every": 100, "save_every": 100, "device": args.device or "auto"},
    })
    run_dir = out / "run"
    resume = (run_dir / "state.pt").is_file()
    print(f"training a tiny model for {args.steps} steps (a few minutes on a CPU) -> {run_dir}")
    result = train(cfg, run_dir, resume=resume)
    editor = Editor.from_pretrained(result.weights, device=args.device)
    test = [r for r in read_table(data) if r.split == "test"][:4]
    crops = np.stack([load_rgb(data / CROPS / r.file) for r in test])
    own = np.stack([r.aus for r in test])
    rows = [crops]
    for name in ("happy", "surprise", "sad"):
        rows.append(editor.edit_crops(crops, np.repeat(preset_vector(name)[None], len(crops), 0)).images)
    grid = np.concatenate([np.concatenate(list(r), axis=0) for r in rows], axis=1)
    written = [save_image(out / "synthetic_edits.png", grid)]
    frames = render(editor, crops[0], trajectory(own[0], preset_vector("happy"), 16, pingpong=True))
    written.append(write_animation(out / "synthetic_happy.gif", frames, fps=12))
    for p in written:
        print(f"wrote {p}  (columns: input, happy, surprise, sad)" if p.suffix == ".png" else f"wrote {p}")
    return 0
