"""Before/after grid: N held-out faces x (input, happy, sad, surprise, anger, an AU sweep).

    python benchmarks/before_after_grid.py --weights W --data data/utkface128 \
        --split test --faces 6 --sweep AU12 -o docs/images/before_after.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ganimation.aus import au_index, preset_vector
from ganimation.data.sources import load_samples
from ganimation.edit import Editor
from ganimation.images import load_rgb, save_image


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default=None)
    ap.add_argument("--data", required=True)
    ap.add_argument("--split", default="test")
    ap.add_argument("--faces", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sweep", default="AU12")
    ap.add_argument("--size", type=int, default=128, help="cell size in the grid")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()

    editor = Editor.from_pretrained(args.weights, device="cpu")
    samples = load_samples(args.data, args.split)
    pick = np.random.default_rng(args.seed).choice(len(samples), size=min(args.faces, len(samples)), replace=False)
    columns = ["input", "happy", "sad", "surprise", "anger"]
    sweep_values = (0.0, 0.5, 1.0)
    columns += [f"{args.sweep}={v:g}" for v in sweep_values]
    rows = []
    for i in pick:
        s = samples[int(i)]
        crop = load_rgb(s.path)
        cells = [crop]
        for name in ("happy", "sad", "surprise", "anger"):
            cells.append(editor.edit(crop, preset_vector(name)).images[0])
        for v in sweep_values:
            t = s.aus.copy()
            t[au_index(args.sweep)] = v
            cells.append(editor.edit(crop, t).images[0])
        rows.append([np.asarray(Image.fromarray(c).resize((args.size, args.size), Image.LANCZOS)) for c in cells])
    header = Image.new("RGB", (args.size * len(columns), 22), "white")
    draw = ImageDraw.Draw(header)
    for j, name in enumerate(columns):
        draw.text((j * args.size + 4, 5), name, fill="black")
    body = np.concatenate([np.concatenate(r, axis=1) for r in rows], axis=0)
    grid = np.concatenate([np.asarray(header), body], axis=0)
    save_image(Path(args.output), grid)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
