"""``ganimation animate``: render the interpolation from the current to a target expression."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ganimation.cli import common


def add_parser(sub) -> None:
    p = sub.add_parser("animate", help="animate a face crop toward an expression (GIF/MP4)", description=__doc__)
    p.add_argument("input", help="an aligned face crop")
    p.add_argument("-o", "--output", required=True, help="output .gif or .mp4")
    common.add_weights(p)
    p.add_argument("--to", required=True, help='target: a preset name ("happy") or AUs ("AU12=1,AU06=0.8")')
    p.add_argument("--from", dest="source", default=None,
                   help="the crop's own AUs (default: estimated, or 0 without the faces extra)")
    p.add_argument("--intensity", type=float, default=1.0, help="preset strength in [0, 1]")
    p.add_argument("--frames", type=int, default=24)
    p.add_argument("--fps", type=float, default=12.0)
    p.add_argument("--pingpong", action="store_true", help="go back to the start expression")
    p.add_argument("--linear", action="store_true", help="linear alpha instead of eased")
    p.set_defaults(func=run)


def parse_to(text: str, current: np.ndarray | None, intensity: float) -> np.ndarray:
    from ganimation.aus import PRESETS, PRESET_ALIASES, resolve_target

    key = text.strip().lower()
    if key in PRESETS or key in PRESET_ALIASES:
        return resolve_target(current=current, expression=key, intensity=intensity)
    return resolve_target(current=current, aus=text)


def run(args) -> int:
    from ganimation.animate import render, trajectory, write_animation
    from ganimation.edit import resize
    from ganimation.images import load_rgb

    parse_to(args.to, None, args.intensity)  # validate before loading anything
    editor = common.load_editor(args)
    crop = load_rgb(args.input)
    if crop.shape[:2] != (editor.image_size, editor.image_size):
        crop = resize(crop, editor.image_size)
    current = common.crop_current_aus(crop, args.source)
    source = current if current is not None else np.zeros(17, np.float32)
    target = parse_to(args.to, current, args.intensity)
    seq = trajectory(source, target, args.frames, ease=not args.linear, pingpong=args.pingpong)
    frames = render(editor, crop, seq)
    write_animation(Path(args.output), frames, fps=args.fps)
    print(f"{len(frames)} frames -> {args.output}")
    return 0
