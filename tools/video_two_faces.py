"""The README's two-people video image: two real talking clips side by side, every face edited.

    python tools/video_two_faces.py [--edit surprise] [-o docs/images/video_two_faces.jpg]

The clips of ``benchmarks/video_edit_flicker.py``'s two-people row (``PAIR``: video_dev/retalking_3.mp4,
Apache-2.0, and driving_dev/d9.mp4, MIT), side by side at the first one's height, edited by
``ganimation.video_edit.edit_video`` with ``face="all"``; the image shows three frames spread over
the first 60, input above, edit below, each downscaled to 360 px high.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edit", default="surprise", help="preset applied to every frame")
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("-o", "--out", type=Path, default=ROOT / "docs/images/video_two_faces.jpg")
    args = ap.parse_args(argv)
    from PIL import Image

    from ganimation.video import open_frames
    from ganimation.video_edit import edit_video

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from video_edit_flicker import PAIR, side_by_side

    clips = []
    for name in PAIR:
        with open_frames(SHARED / name, max_frames=args.frames) as src:
            clips.append((list(src), src.fps))
    frames = side_by_side(clips[0][0], clips[1][0])
    edited = list(edit_video(frames, clips[0][1], expression=args.edit, face="all"))
    picks = np.linspace(5, len(frames) - 1, 3).astype(int)

    def small(img: np.ndarray) -> np.ndarray:
        h = 360
        return np.asarray(Image.fromarray(img).resize((round(img.shape[1] * h / img.shape[0]), h), Image.LANCZOS))

    gap = 6
    rows = [np.concatenate([np.pad(small(seq[i]), ((0, 0), (0, gap), (0, 0)), constant_values=255) for i in picks], 1)
            for seq in (frames, edited)]
    sheet = np.concatenate([rows[0], np.full((gap, rows[0].shape[1], 3), 255, np.uint8), rows[1]], 0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(sheet).save(args.out, quality=88, optimize=True)
    print(f"wrote {args.out} ({sheet.shape[1]}x{sheet.shape[0]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
