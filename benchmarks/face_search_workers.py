"""Face search time with its landmarker passes one by one (1 worker) and side by side (2 workers).

For every wild_dev photo, ``FaceDetector(search="proposals", workers=W).detect(photo, largest=L)`` for
W in (1, 2) and L in (False, True) (``face="all"``, the ``edit`` default, and ``face="largest"``),
timed alternately in ``--rounds`` rounds after a warm-up; the median per photo. The faces found must
be the same to the last bit for both W (the script stops otherwise).

Usage: python benchmarks/face_search_workers.py [--wild ../shared/data/wild_dev] [--rounds 5]
Writes benchmarks/results/face_search_workers.{json,md}.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--wild", default="../shared/data/wild_dev")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("-o", "--output", default="benchmarks/results/face_search_workers")
    args = ap.parse_args(argv)
    from ganimation.faces.detect import FaceDetector
    from ganimation.images import load_rgb

    photos = sorted(p for p in Path(args.wild).iterdir() if p.suffix.lower() in {".jpg", ".png"})
    detectors = {w: FaceDetector(search="proposals", workers=w) for w in (1, 2)}
    rows = []
    for p in photos:
        img = load_rgb(p)
        row = {"photo": p.name, "size": f"{img.shape[0]} x {img.shape[1]}"}
        for largest in (False, True):
            found = {w: d.detect(img, largest=largest) for w, d in detectors.items()}   # warm-up, and the check
            a, b = found[1], found[2]
            if len(a) != len(b) or any(not np.array_equal(f.landmarks, g.landmarks) for f, g in zip(a, b)):
                sys.exit(f"{p.name} (largest={largest}): the faces differ between 1 and 2 workers")
            times = {1: [], 2: []}
            for _ in range(args.rounds):
                for w, d in detectors.items():
                    t = time.perf_counter()
                    d.detect(img, largest=largest)
                    times[w].append(1000 * (time.perf_counter() - t))
            key = "largest" if largest else "all"
            row[f"{key}_faces"] = len(a)
            for w in (1, 2):
                row[f"{key}_ms_{w}"] = round(float(np.median(times[w])), 1)
        rows.append(row)
        print(row, flush=True)
    summary = {k: round(float(np.mean([r[k] for r in rows])), 1)
               for k in ("all_ms_1", "all_ms_2", "largest_ms_1", "largest_ms_2")}
    res = {"command": "python " + " ".join(sys.argv), "cpus": len(os.sched_getaffinity(0)),
           "load_average": [round(v, 2) for v in os.getloadavg()], "rounds": args.rounds,
           "mean": summary, "photos": rows}
    out = Path(args.output)
    out.with_suffix(".json").write_text(json.dumps(res, indent=1))
    lines = [
        "# Face search: landmarker passes one by one (1 worker) and side by side (2 workers)",
        "",
        f"`{res['command']}`: `FaceDetector(search=\"proposals\", workers=W).detect(photo, largest=L)` on the "
        f"wild_dev photos, median of {args.rounds} alternating rounds after a warm-up; {res['cpus']} CPU cores, "
        f"load average at the end {res['load_average']}. The faces found are the same to the last bit "
        "for 1 and 2 workers (checked on every photo).",
        "",
        "| photo | size (h x w) | faces (all) | all, 1 worker | all, 2 workers | largest, 1 worker | largest, 2 workers |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['photo']} | {r['size']} | {r['all_faces']} | {r['all_ms_1']:.0f} | {r['all_ms_2']:.0f} | "
                     f"{r['largest_ms_1']:.0f} | {r['largest_ms_2']:.0f} |")
    lines.append(f"| **mean** | | | **{summary['all_ms_1']:.0f}** | **{summary['all_ms_2']:.0f}** | "
                 f"**{summary['largest_ms_1']:.0f}** | **{summary['largest_ms_2']:.0f}** |")
    lines.append("")
    lines.append("Milliseconds per photo (detection only: the whole-photo pass, the refits and the small-face search).")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
