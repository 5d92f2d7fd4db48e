"""Pipeline check on in-the-wild photos: faces found and PSNR after detect/align/crop/paste-back.

Two stand-in editors (no trained model involved):
- identity: returns the input crop with attention 1 (the model keeps everything);
- repaste: returns the input crop with attention 0, so the crop is resampled
  and pasted back through the full mask (worst case for the resampling path),
  once with paste mode "residual" (default) and once with "replace".

Usage: python benchmarks/faces_wild_dev.py [../shared/data/wild_dev] [-o benchmarks/results/faces_wild_dev.md]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from ganimation.edit import CropEdit


class StandInEditor:
    """Editor stand-in: returns the input crops; ``attention`` fixed (1 = keep input)."""

    def __init__(self, image_size: int = 128, attention: float = 1.0):
        self.image_size = image_size
        self.att = attention

    def edit_crops(self, crops, targets):
        crops = np.asarray(crops, np.uint8)
        n, s = crops.shape[:2]
        return CropEdit(images=crops.copy(), attention=np.full((n, s, s), self.att, np.float32), color=crops.copy(),
                        targets=targets)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default="../shared/data/wild_dev")
    ap.add_argument("-o", "--output", default="benchmarks/results/faces_wild_dev.md")
    args = ap.parse_args(argv)
    from ganimation.errors import GanimationError
    from ganimation.faces.models import versions
    from ganimation.faces.pipeline import edit_photo
    from ganimation.images import load_rgb

    files = sorted(p for p in Path(args.folder).iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    rows = []
    for p in files:
        row = {"image": p.name}
        try:
            img = load_rgb(p)
            row["size"] = f"{img.shape[1]}x{img.shape[0]}"
            t = time.perf_counter()
            r_id = edit_photo(StandInEditor(128, 1.0), img, expression="happy")
            row["seconds"] = round(time.perf_counter() - t, 3)
            row["faces"] = len(r_id.faces)
            row["psnr_identity"] = psnr(img, r_id.image)
            row["identical_identity"] = bool(np.array_equal(img, r_id.image))
            r_res = edit_photo(StandInEditor(128, 0.0), img, expression="happy", paste="residual")
            row["psnr_repaste_residual"] = psnr(img, r_res.image)
            r_rep = edit_photo(StandInEditor(128, 0.0), img, expression="happy", paste="replace")
            row["psnr_repaste_replace"] = psnr(img, r_rep.image)
            row["boxes"] = [[int(v) for v in f.box] for f in r_id.faces]
        except GanimationError as exc:
            row["error"] = str(exc)
            row["faces"] = 0
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
    fmt = lambda v: "inf (identical)" if v == float("inf") else f"{v:.2f}"  # noqa: E731
    lines = [
        "# Faces pipeline on wild_dev",
        "",
        f"Command: `.venv/bin/python benchmarks/faces_wild_dev.py {args.folder}` (2 CPU cores).",
        f"Versions: {json.dumps(versions())}",
        "",
        "Editors are stand-ins (no trained model): *identity* returns the input crop with attention 1;",
        "*repaste* returns the input crop with attention 0 (the whole feathered face mask is pasted back",
        "through the inverse warp), with paste mode `residual` (default: the warped change is added) or",
        "`replace` (the warped 128 px crop replaces the face: the resampling loss shows).",
        "PSNR is over the whole image against the input. Detection with `search=\"proposals\"` (the default of `edit`). "
        f"Load average at the end: {[round(x, 2) for x in os.getloadavg()]} (s/image depends on other jobs).",
        "",
        "| image | size | faces found | s/image (detect+edit) | PSNR identity | PSNR repaste residual | PSNR repaste replace |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['image']} | {r.get('size', '')} | 0 | | error: {r['error']} | | |")
        else:
            lines.append(f"| {r['image']} | {r['size']} | {r['faces']} | {r['seconds']:.2f} | {fmt(r['psnr_identity'])} | "
                         f"{fmt(r['psnr_repaste_residual'])} | {fmt(r['psnr_repaste_replace'])} |")
    ok = [r for r in rows if "error" not in r]
    lines += ["", f"Images: {len(rows)}; with faces: {len(ok)}; faces found in total: {sum(r['faces'] for r in rows)}.",
              f"Min PSNR (replace): {min(r['psnr_repaste_replace'] for r in ok):.2f} dB." if ok else ""]
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text("\n".join(lines) + "\n")
    Path(args.output).with_suffix(".json").write_text(json.dumps(rows, indent=1, default=str))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
