"""What writing an edited JPEG photo costs the pixels away from the edit: quality 95 against the photo's own
quantization tables and chroma subsampling (``ganimation.images.jpeg_settings``, what ``ganimation edit``
uses for a JPEG written as JPEG).

Each wild_dev JPEG is decoded and encoded again unedited both ways; the mean and largest change of its
pixels and the file's size are reported.

    .venv/bin/python benchmarks/jpeg_reencode.py     # -> benchmarks/results/jpeg_reencode.md
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WILD = Path("/work/shared/data/wild_dev")


def main() -> None:
    from PIL import Image

    from ganimation.images import jpeg_settings

    rows = ["| photo | file KB | quality 95: mean / largest change, KB | own tables: mean / largest change, KB |",
            "|---|---|---|---|"]
    for path in sorted(p for p in WILD.iterdir() if p.suffix.lower() in (".jpg", ".jpeg")):
        src = Image.open(path)
        pixels = np.asarray(src.convert("RGB"))
        cells = []
        for kw in ({"quality": 95}, jpeg_settings(src) or {"quality": 95}):
            buf = io.BytesIO()
            Image.fromarray(pixels).save(buf, "JPEG", **kw)
            size = buf.tell()
            buf.seek(0)
            d = np.abs(np.asarray(Image.open(buf).convert("RGB"), np.int16) - pixels.astype(np.int16))
            cells.append(f"{d.mean():.2f} / {int(d.max())}, {size // 1024}")
        rows.append(f"| {path.name} | {path.stat().st_size // 1024} | {cells[0]} | {cells[1]} |")
    intro = ("`.venv/bin/python benchmarks/jpeg_reencode.py` (method in its docstring). Change in 0-255 levels, "
             "over every pixel and channel.")
    text = "\n".join(["# Re-encoding a JPEG photo: quality 95 against its own tables", "", intro, "", *rows, ""])
    out = ROOT / "benchmarks/results/jpeg_reencode.md"
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
