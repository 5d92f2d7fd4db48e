"""``ganimation demo``: the main job on an embedded default, no arguments needed.

With the faces extra: edits the bundled public-domain astronaut photo toward
the six presets (the warp engine; the generator with ``--weights``), writes a
before/after sheet of the face and an animation to surprise and back, and
animates the photo by a rendered talking clip.
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


#: the presets the demo shows, in sheet order
DEMO_PRESETS = ("happy", "surprise", "sad", "anger", "disgust", "fear")
#: the preset of the demo's animation: the photo already smiles, so an animation to happy barely moved;
#: surprise opens the eyes and the mouth
ANIMATED = "surprise"


def _photo_demo(args, out: Path) -> int:
    from ganimation.edit import ASSETS, Editor
    from ganimation.faces.detect import get_detector
    from ganimation.faces.pipeline import edit_photo
    from ganimation.images import load_rgb, save_image
    from ganimation.video import FrameWriter

    engine = "gan" if args.weights else None  # as in `edit`: given weights mean the generator
    editor = Editor.from_pretrained(args.weights, device=args.device) if engine == "gan" else None
    photo_path = Path(args.photo) if args.photo else ASSETS / "astronaut.png"
    photo = load_rgb(photo_path)
    face = get_detector().detect(photo)
    written, views = [], []
    for name in DEMO_PRESETS:
        res = edit_photo(editor, photo, expression=name, engine=engine, face="largest")
        written.append(save_image(out / f"{photo_path.stem}_{name}.jpg", res.image))
        views.append(res.image)
    if face:
        written.append(save_image(out / f"{photo_path.stem}_presets.png", _sheet(photo, views, face[0].box)))
        frames = list(animation(editor, photo, face[0], engine=engine))
        for suffix, clip in ((".gif", _shrink(frames, 384)), (".mp4", frames)):
            with FrameWriter(out / f"{photo_path.stem}_{ANIMATED}{suffix}", 12.0) as w:
                for f in clip:
                    w.write(f)
            written.append(w.path)
        written.append(_reenact_demo(photo, out / f"{photo_path.stem}_reenact.mp4"))
    for p in written:
        print(f"wrote {p}")
    if face:
        print(f"{photo_path.stem}_presets.png: the face before and after {', '.join(DEMO_PRESETS)} "
              f"({'gan' if engine else 'warp'} engine)")
    return 0


def animation(editor, photo: np.ndarray, face, *, engine: str | None = None, preset: str = ANIMATED,
              frames: int = 16):
    """The demo's animation (a generator of ``(H, W, 3)`` uint8 frames): the detected ``face`` of ``photo``
    moved from its own AUs to ``preset`` and back, ``frames`` each way, one edit of the whole photo per
    frame (:func:`ganimation.animate.render_photo`); with the warp engine the motion starts where
    :func:`ganimation.aus.motion_start` lets it, as a photo edit's does."""
    from ganimation.animate import render_photo, trajectory
    from ganimation.aus import motion_start, resolve_target
    from ganimation.faces.estimate import estimate_aus

    current = estimate_aus(face)
    target = resolve_target(current=current, expression=preset)
    start = current if engine == "gan" else motion_start(current, expression=preset, target=target)
    return render_photo(editor, photo, trajectory(start, target, frames, pingpong=True), engine=engine,
                        face="largest", current=start, found=face)


def _sheet(photo: np.ndarray, edits: list, box, side: int = 256) -> np.ndarray:
    """The face window of ``photo`` and of each edit side by side, each ``side`` px high."""
    from ganimation.edit import resize

    h, w = photo.shape[:2]
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    half = 0.8 * max(box[2] - box[0], box[3] - box[1])
    x0, x1 = int(max(0, cx - half)), int(min(w, cx + half))
    y0, y1 = int(max(0, cy - half)), int(min(h, cy + half))
    size = (max(2, round(side * (x1 - x0) / (y1 - y0))), side)
    return np.concatenate([resize(np.ascontiguousarray(im[y0:y1, x0:x1]), size) for im in [photo, *edits]], 1)


def _reenact_demo(photo: np.ndarray, path: Path) -> Path:
    """The photo animated by a driving clip the synthetic renderer makes (talking, a blink, a smile)."""
    from ganimation.aus import AU_CODES
    from ganimation.data.synthetic import render, sample_identity
    from ganimation.reenact import Reenactor
    from ganimation.video import FrameWriter

    ident = sample_identity(np.random.default_rng(7))
    t = np.arange(48) / 24.0
    driving = []
    for k, tk in enumerate(t):
        aus = np.zeros(len(AU_CODES), np.float32)
        talk = 0.5 - 0.5 * np.cos(2 * np.pi * 2.0 * tk)
        aus[AU_CODES.index("AU25")] = aus[AU_CODES.index("AU26")] = 0.45 * talk
        aus[AU_CODES.index("AU12")] = aus[AU_CODES.index("AU06")] = float(np.clip((tk - 1.0) * 2, 0, 0.6))
        aus[AU_CODES.index("AU45")] = 1.0 if k in (20, 21) else 0.0
        driving.append(render(ident, aus, 192))
    with FrameWriter(path, 24.0) as w:
        for frame in Reenactor(photo, driving_ref="first").run(driving, 24.0):
            w.write(frame.image)
    return w.path


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
