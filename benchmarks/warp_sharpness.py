"""How much of a photo's fine detail the warp keeps, by how it reads between pixels.

Every pixel the warp moves is read from the photo at a fractional position. Bilinear reading
averages the neighbours there and softens fine texture (pores, stubble, film grain); wider kernels
keep more of it. For the largest face of each photo, the lower face is moved down by a smooth bump of
``PEAK`` px at its centre (a Gaussian of 0.6 IOD around the mouth: the kind of sub-pixel to
few-pixel motion an edit gives the skin), with ``ganimation.warp.face.warp_face`` and each
``ganimation.warp.dense.INTERPOLATION``. Detail = variance of the Laplacian of the luminance over the
moved pixels (all of them, and those moved at least :data:`FAR` px); the table gives it as a share
of the photo's own over the same pixels (1 = all kept), and the warp's time.

    .venv/bin/python benchmarks/warp_sharpness.py            # wild_dev and 30 held-out UTKFace chips, ~1 min

Writes benchmarks/results/warp_sharpness.md and .json.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SETS = {"wild_dev": Path("/work/shared/data/wild_dev"), "UTKFace held-out (30)": ROOT / "data/utkface_engines120"}
FLAGS = ("INTER_LINEAR", "INTER_CUBIC", "INTER_LANCZOS4")
PEAKS = (0.5, 1.3)
#: the second measure counts only pixels moved at least this far (px)
FAR = 0.25


def photos(folder: Path, limit: int | None = None) -> list[Path]:
    found = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    return found[:limit] if limit else found


def main() -> None:
    import cv2

    from ganimation.faces.detect import get_detector
    from ganimation.images import load_rgb, luminance
    from ganimation.motion.frame import interocular
    from ganimation.warp import dense
    from ganimation.warp.face import warp_face

    det = get_detector()
    rows, raw = [], {}
    for name, folder in SETS.items():
        if not folder.is_dir():
            print(f"{folder}: missing, skipped")
            continue
        kept = {(f, p): [] for f in FLAGS for p in PEAKS}
        kept_far = {(f, p): [] for f in FLAGS for p in PEAKS}
        ms = {f: [] for f in FLAGS}
        for path in photos(folder, 30 if "UTK" in name else None):
            img = load_rgb(path)
            faces = det.detect(img, largest=True)
            if not faces:
                continue
            lm = faces[0].landmarks
            iod = interocular(lm)
            centre = lm[[61, 291, 0, 17], :2].mean(0)
            bump = np.exp(-((lm[:, 0] - centre[0]) ** 2 + (lm[:, 1] - centre[1]) ** 2) / (2 * (0.6 * iod) ** 2))
            lum0 = cv2.Laplacian(luminance(img.astype(np.float32)), cv2.CV_32F)
            for peak in PEAKS:
                target = lm[:, :2].copy()
                target[:, 1] += peak * bump
                for flag in FLAGS:
                    dense.INTERPOLATION = flag
                    t0 = time.perf_counter()
                    fw = warp_face(img, lm, target)
                    ms[flag].append((time.perf_counter() - t0) * 1e3)
                    x0, y0, x1, y1 = fw.warp.roi
                    moved = fw.warp.moved
                    lum1 = cv2.Laplacian(luminance(fw.image.astype(np.float32)), cv2.CV_32F)
                    far = moved & (np.hypot(*np.moveaxis(fw.warp.displacement(), -1, 0)) >= FAR)
                    for mask, into in ((moved, kept), (far, kept_far)):
                        a, b = lum0[y0:y1, x0:x1][mask], lum1[y0:y1, x0:x1][mask]
                        if a.size > 100 and a.var() > 1e-6:
                            into[(flag, peak)].append(float(b.var() / a.var()))
        dense.INTERPOLATION = "INTER_LANCZOS4"
        n = len(kept[(FLAGS[0], PEAKS[0])])
        raw[name] = {"faces": n, "kept": {f"{f} {p}": v for (f, p), v in kept.items()},
                     "kept_moved_0.25px": {f"{f} {p}": v for (f, p), v in kept_far.items()},
                     "ms": {f: float(np.median(v)) for f, v in ms.items()}}
        def cell(values: list[float]) -> str:
            return f"{np.median(values):.2f} ({np.min(values):.2f}-{np.max(values):.2f})" if values else "-"

        for flag in FLAGS:
            rows.append(f"| {name} ({n} faces) | {flag[6:].lower()} | "
                        + " | ".join(cell(kept[(flag, p)]) for p in PEAKS) + " | "
                        + " | ".join(cell(kept_far[(flag, p)]) for p in PEAKS)
                        + f" | {np.median(ms[flag]):.1f} |")
        print(*rows[-3:], sep="\n", flush=True)
    out = ROOT / "benchmarks/results"
    md = ["# Fine detail the warp keeps, by its interpolation", "",
          ("`.venv/bin/python benchmarks/warp_sharpness.py` (method in its docstring). Share of the photo's "
           "fine detail (variance of the Laplacian of luminance) kept over the moved pixels, median "
           "(range) over faces; warp time per face (median, `warp_face`, 2 CPU cores)."), "",
          ("| photos | interpolation | bump 0.5 px, moved pixels | bump 1.3 px, moved pixels "
           f"| bump 0.5 px, moved >= {FAR} px | bump 1.3 px, moved >= {FAR} px | ms per warp |"),
          "|---|---|---|---|---|---|---|",
          *rows, ""]
    (out / "warp_sharpness.md").write_text("\n".join(md))
    (out / "warp_sharpness.json").write_text(json.dumps(raw, indent=1))
    print(f"wrote {out / 'warp_sharpness.md'}")


if __name__ == "__main__":
    main()
