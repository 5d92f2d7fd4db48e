"""The warp engine's own work (no detection) on one face as the photo grows: Obama's wild_dev portrait at
1x, 2x and 3.5x (1137 x 910 up to 3980 x 3185, a phone camera's 12.7 MP), surprise.

    python benchmarks/warp_photo_size.py [--label now] [--repeats 7]
        [--out benchmarks/results/warp_photo_size.json]

Times :func:`ganimation.geometry_edit.edit_face_geometry` (AU motion, warp, eyes, mouth, texture stage)
on the detected face, median and minimum of ``--repeats`` calls after one warm-up call. Each run adds
its ``--label``'s rows to the JSON file (a run of an earlier commit, with ``PYTHONPATH`` pointing at its
``src``, gives the rows to compare with) and rewrites the Markdown table beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT.parent / "shared" / "data" / "wild_dev" / "40_obama.jpg"
SCALES = (1.0, 2.0, 3.5)


def measure(repeats: int) -> list[dict]:
    import cv2

    from ganimation.aus import motion_start
    from ganimation.faces.estimate import estimate_aus
    from ganimation.faces.pipeline import find_faces, resolve_target
    from ganimation.geometry_edit import edit_face_geometry
    from ganimation.images import load_rgb

    photo = load_rgb(PHOTO)
    rows = []
    for scale in SCALES:
        image = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC) if scale != 1 else photo
        face = find_faces(image, "largest")[0]
        current = estimate_aus(face)
        target = resolve_target(current=current, aus=None, expression="surprise", intensity=1.0, relative=False)
        start = motion_start(current, aus=None, expression="surprise", intensity=1.0, relative=False, target=target)
        edit_face_geometry(image, face.landmarks, start, target)
        times, cpu = [], []
        for _ in range(repeats):
            t, c = time.perf_counter(), time.process_time()
            edit_face_geometry(image, face.landmarks, start, target)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        rows.append({"size": f"{image.shape[1]}x{image.shape[0]}", "megapixels": round(image.shape[0] * image.shape[1] / 1e6, 1),
                     "face_px": int(face.box[2] - face.box[0]), "median_ms": round(statistics.median(times), 1),
                     "min_ms": round(min(times), 1), "cpu_min_ms": round(min(cpu), 1)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--label", default="now")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "warp_photo_size.json")
    args = ap.parse_args()
    if not PHOTO.is_file():
        raise SystemExit(f"{PHOTO} not found: ../shared/data/wild_dev must be beside the repository")
    import cv2

    cv2.setNumThreads(2)
    results = json.loads(args.out.read_text()) if args.out.is_file() else {"runs": {}}
    results["runs"][args.label] = {"rows": measure(args.repeats), "load_average": list(os.getloadavg())}
    args.out.write_text(json.dumps(results, indent=1))
    lines = ["# The warp engine's own work as the photo grows", "",
             ("`python benchmarks/warp_photo_size.py` (docstring: what is timed). One face, surprise, "
              "2 CPU cores; wall milliseconds, median (minimum), and the least CPU milliseconds of a call "
              "(all threads; less sensitive to other load on the machine)."), "",
             "| run | photo | MP | face box (px) | wall ms | CPU ms |", "|---|---|---|---|---|---|"]
    for label, run in results["runs"].items():
        for r in run["rows"]:
            lines.append(f"| {label} | {r['size']} | {r['megapixels']} | {r['face_px']} | "
                         f"{r['median_ms']} ({r['min_ms']}) | {r.get('cpu_min_ms', '-')} |")
    loads = "; ".join(f"{k} {[round(v, 2) for v in run['load_average']]}" for k, run in results["runs"].items())
    lines += ["", f"Load average at the end of each run: {loads}"]
    args.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
