"""Whole-photo time of the default edit with every face edited (``--face all``, the CLI default).

For each photo of ../shared/data/wild_dev: ``edit_photo(None, photo, expression="surprise")``
(warp engine, texture stage, the default ``proposals`` face search), after one warm-up
call; the median of ``--repeats`` calls per photo. Reports milliseconds per photo and per
edited face (the goal of issue 28: at most 150 ms per face, detection included).

    .venv/bin/python benchmarks/engines_all_faces_time.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WILD = ROOT.parent / "shared/data/wild_dev"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(WILD))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/engines/all_faces_time"))
    args = ap.parse_args()

    import torch

    from ganimation.faces.pipeline import edit_photo
    from ganimation.images import load_rgb

    torch.set_num_threads(2)
    files = sorted(p for p in Path(args.data).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    photos = [(p.name, np.asarray(load_rgb(p))) for p in files]
    edit_photo(None, photos[0][1], expression="surprise")        # warm-up: model loading, caches
    rows = []
    for name, img in photos:
        times, faces = [], 0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            res = edit_photo(None, img, expression="surprise")
            times.append(1000 * (time.perf_counter() - t0))
            faces = len(res.faces)
        rows.append({"photo": name, "size": list(img.shape[:2]), "faces": faces,
                     "ms_photo": round(statistics.median(times), 1)})
    total_ms = sum(r["ms_photo"] for r in rows)
    total_faces = sum(r["faces"] for r in rows)
    summary = {"photos": len(rows), "faces": total_faces, "ms_per_photo": round(total_ms / len(rows), 1),
               "ms_per_face": round(total_ms / total_faces, 1), "repeats": args.repeats,
               "load_average": [round(v, 2) for v in os.getloadavg()], "rows": rows}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(summary, indent=1))
    lines = ["# Whole-photo edit time, every face edited (warp engine, texture stage)", "",
             "`.venv/bin/python benchmarks/engines_all_faces_time.py` on the wild_dev photos: "
             "`edit_photo(None, photo, expression=\"surprise\")` (face search `proposals`, every face), "
             f"median of {args.repeats} calls per photo after a warm-up; torch 2 threads; load average "
             f"at the end {summary['load_average']}.", "",
             "| photo | size (h x w) | faces | ms per photo |", "|---|---|---|---|"]
    lines += [f"| {r['photo']} | {r['size'][0]} x {r['size'][1]} | {r['faces']} | {r['ms_photo']:.0f} |" for r in rows]
    lines += ["", f"**{total_faces} faces in {len(rows)} photos: {summary['ms_per_face']:.0f} ms per face, "
              f"{summary['ms_per_photo']:.0f} ms per photo** (goal: at most 150 ms per face)."]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[-1:]))


if __name__ == "__main__":
    main()
