"""The README's animation: the bundled astronaut photo moved to a preset and back (warp engine).

    python tools/demo_animation.py [--to surprise] [-o docs/images/demo_surprise.gif]

The animation ``ganimation demo`` writes (:func:`ganimation.cli.demo.animation`: the face's own AUs
to the preset and back, 16 frames each way, each frame one warp of the whole photo), cut to the face
window (its box grown by 35 % per side) at 160 px and written as a looping GIF at 12 frames/s.
"""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--to", default="surprise", help="preset the animation goes to")
    ap.add_argument("--side", type=int, default=160, help="frame side in pixels")
    ap.add_argument("-o", "--out", type=Path, default=ROOT / "docs/images/demo_surprise.gif")
    args = ap.parse_args(argv)
    from PIL import Image

    from ganimation.cli.demo import animation
    from ganimation.faces.detect import get_detector
    from ganimation.images import load_rgb
    from ganimation.video import FrameWriter

    photo = load_rgb(resources.files("ganimation") / "assets" / "astronaut.png")
    face = get_detector().detect(photo)[0]
    frames = animation(None, photo, face, engine="warp", preset=args.to)
    x0, y0, x1, y1 = face.box
    grow = 0.35 * max(x1 - x0, y1 - y0)
    c = ((x0 + x1) / 2, (y0 + y1) / 2)
    half = (max(x1 - x0, y1 - y0) + 2 * grow) / 2
    box = tuple(round(float(v)) for v in (max(0, c[0] - half), max(0, c[1] - half),
                                        min(photo.shape[1], c[0] + half), min(photo.shape[0], c[1] + half)))
    with FrameWriter(args.out, 12.0) as w:
        for f in frames:
            w.write(np.asarray(Image.fromarray(f).crop(box).resize((args.side, args.side), Image.LANCZOS)))
    print(f"wrote {w.path} ({args.out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
