"""Make the README pictures of the synthetic face renderer.

    python benchmarks/make_synth_sheets.py [--out docs/images] [--seed 3]

- ``synth_au_sheet.png``: rows = the 17 AUs (code and name), columns =
  intensity 0, 0.33, 0.66, 1 on one identity, 128 px.
- ``synth_identities.png``: 4 x 8 random identities with random AUs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ganimation.aus import AU_CODES, AU_NAMES, NUM_AUS
from ganimation.data.synthetic import render, sample_aus, sample_identity

LEVELS = (0.0, 0.33, 0.66, 1.0)


def _font(size: int):
    for name in ("DejaVuSans.ttf", "Arial.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def au_sheet(identity, size: int = 128, label_w: int = 200) -> Image.Image:
    head = 22
    sheet = Image.new("RGB", (label_w + size * len(LEVELS), head + size * NUM_AUS), "white")
    d = ImageDraw.Draw(sheet)
    font, small = _font(15), _font(12)
    for j, v in enumerate(LEVELS):
        d.text((label_w + j * size + size // 2 - 12, 4), f"{v:g}", fill="black", font=font)
    for i, code in enumerate(AU_CODES):
        for j, v in enumerate(LEVELS):
            aus = np.zeros(NUM_AUS, np.float32)
            aus[i] = v
            sheet.paste(Image.fromarray(render(identity, aus, size)), (label_w + j * size, head + i * size))
        y = head + i * size + size // 2 - 16
        d.text((8, y), code, fill="black", font=font)
        d.text((8, y + 18), AU_NAMES[code], fill=(70, 70, 70), font=small)
    return sheet


def identity_grid(rng, rows: int = 4, cols: int = 8, size: int = 128) -> Image.Image:
    sheet = Image.new("RGB", (cols * size, rows * size))
    for r in range(rows):
        for c in range(cols):
            sheet.paste(Image.fromarray(render(sample_identity(rng), sample_aus(rng), size)), (c * size, r * size))
    return sheet


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="docs/images")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--sheet-identity-seed", type=int, default=7)
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ident = sample_identity(np.random.default_rng(args.sheet_identity_seed))
    au_sheet(ident).save(out / "synth_au_sheet.png", optimize=True)
    identity_grid(np.random.default_rng(args.seed)).save(out / "synth_identities.png", optimize=True)
    print(f"wrote {out / 'synth_au_sheet.png'} and {out / 'synth_identities.png'}")


if __name__ == "__main__":
    main()
