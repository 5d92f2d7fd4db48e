"""Speed of the face stack on this machine (CPU).

1. detection + alignment + AU annotation, images/s, on UTKFace chips (200x200,
   one face each; tiled search off, as ``prepare`` does), single process;
2. in-the-wild edit latency per face with ``edit_photo`` and the identity
   stand-in editor (so the time is the pipeline's alone: detect with tiles,
   align, estimate, paste back; no network).

Usage: python benchmarks/bench_faces.py [--utk ../shared/data/utkface] [--wild ../shared/data/wild_dev] [-n 300]
Writes benchmarks/results/faces_bench.json.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from faces_wild_dev import StandInEditor  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--utk", default="../shared/data/utkface")
    ap.add_argument("--wild", default="../shared/data/wild_dev")
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("-o", "--output", default="benchmarks/results/faces_bench.json")
    args = ap.parse_args(argv)
    from ganimation.faces.align import align_face
    from ganimation.faces.detect import FaceDetector
    from ganimation.faces.estimate import estimate_aus
    from ganimation.faces.models import versions
    from ganimation.faces.pipeline import edit_photo
    from ganimation.images import load_rgb

    files = sorted(Path(args.utk).iterdir())[: args.n]
    det = FaceDetector(search="whole")
    det.detect(load_rgb(files[0]))  # warm-up
    t = time.perf_counter()
    n_faces = 0
    for p in files:
        img = load_rgb(p)
        faces = det.detect(img)
        if faces:
            align_face(img, faces[0], 128)
            estimate_aus(faces[0])
            n_faces += 1
    dt = time.perf_counter() - t
    wild = sorted(p for p in Path(args.wild).iterdir() if p.suffix.lower() in {".jpg", ".png"})
    ed = StandInEditor(128, 1.0)
    edit_photo(ed, load_rgb(wild[0]), expression="happy")  # warm-up
    per_image = []
    for p in wild:
        img = load_rgb(p)
        t0 = time.perf_counter()
        r = edit_photo(ed, img, expression="happy")
        per_image.append({"image": p.name, "faces": len(r.faces), "seconds": round(time.perf_counter() - t0, 4)})
    tot_s = sum(r["seconds"] for r in per_image)
    tot_f = sum(r["faces"] for r in per_image)
    res = {
        "command": "python " + " ".join(sys.argv),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": versions(),
        "annotate": {"images": len(files), "faces": n_faces, "seconds": round(dt, 3),
                     "images_per_s": round(len(files) / dt, 2),
                     "what": "load 200x200 JPEG + MediaPipe FaceLandmarker + BlazeFace score + align 128 + AU estimate; 1 process"},
        "edit_in_the_wild": {"images": len(per_image), "faces": tot_f, "seconds": round(tot_s, 3),
                             "seconds_per_face": round(tot_s / max(tot_f, 1), 4),
                             "seconds_per_image_median": float(np.median([r["seconds"] for r in per_image])),
                             "editor": "identity stand-in (returns input, attention 1): pipeline time only, no network",
                             "per_image": per_image},
    }
    Path(args.output).write_text(json.dumps(res, indent=1))
    print(json.dumps({k: v for k, v in res.items() if k != "edit_in_the_wild"} | {"edit": {k: v for k, v in res["edit_in_the_wild"].items() if k != "per_image"}}, indent=1))


if __name__ == "__main__":
    main()
