"""End-to-end CPU latency of editing a face in a photo, and of a 24-frame animation.

    python benchmarks/bench_photo_edit.py [--threads 2] [--repeats 5]
        [--out benchmarks/results/photo_edit_cpu.json]

For each generator, on single-face photos (the bundled astronaut and single-face
photos of ../shared/data/wild_dev when present):

- ``detect_proposals`` / ``detect_thorough``: face detection + landmarks alone
  (``FaceDetector.detect`` with the default ``search="proposals"``, and with
  ``"thorough"``);
- ``edit_photo``: the whole pipeline for one face: detect (default search), align, estimate AUs,
  generator, paste back (``ganimation.faces.pipeline.edit_photo``, *happy*);
- ``animation_24``: 24 frames of one crop in one batched ``Editor.edit_crops``.

Generators: ``shipped`` (the default weights), ``paper_128`` (the paper's
128-px network, random weights: speed does not depend on them) run through the
Editor as users get it (CPU-optimised copy), and ``paper_128_eager`` (the same
network, plain eager fp32, ``optimize=False``) as the comparison row. Median of
``--repeats`` calls after one warm-up call; process CPU time is recorded too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
WILD = ("46_single_face.jpg", "40_obama.jpg", "41_biden.jpg")


def _time(fn, repeats: int) -> dict:
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"wall_ms": round(1000 * statistics.median(wall), 1), "wall_ms_min": round(1000 * min(wall), 1),
            "cpu_ms": round(1000 * statistics.median(cpu), 1)}


def _editors():
    from ganimation.config import ModelConfig
    from ganimation.edit import Editor
    from ganimation.nn import build_generator

    yield "shipped", Editor.from_pretrained(device="cpu")
    torch.manual_seed(0)
    cfg = ModelConfig()
    net = build_generator(cfg).eval()
    yield "paper_128", Editor(net, cfg, "cpu")
    yield "paper_128_eager", Editor(net, cfg, "cpu", optimize=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--wild", default=str(ROOT.parent / "shared/data/wild_dev"))
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/photo_edit_cpu.json"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    from ganimation.animate import render, trajectory
    from ganimation.aus import preset_vector
    from ganimation.faces.align import align_face
    from ganimation.faces.detect import get_detector
    from ganimation.faces.pipeline import edit_photo
    from ganimation.images import load_rgb

    photos = [ROOT / "src/ganimation/assets/astronaut.png"] + [Path(args.wild) / n for n in WILD
                                                              if (Path(args.wild) / n).is_file()]
    images = {p.name: load_rgb(p) for p in photos}
    detector = get_detector(None)  # the default search, as edit_photo uses
    rows = []
    for search in ("proposals", "thorough"):
        det = get_detector(None, search=search)
        for name, img in images.items():
            faces = det.detect(img)
            rows.append({"photo": name, "size": list(img.shape[:2]), "faces": len(faces), "stage": f"detect_{search}",
                         "generator": "-", **_time(lambda: det.detect(img), args.repeats)})
            print(rows[-1], flush=True)
    happy = preset_vector("happy")
    for gname, editor in _editors():
        for name, img in images.items():
            rows.append({"photo": name, "size": list(img.shape[:2]), "stage": "edit_photo", "generator": gname,
                         **_time(lambda: edit_photo(editor, img, expression="happy", face="largest"), args.repeats)})
            print(rows[-1], flush=True)
        img = images["astronaut.png"]
        crop = align_face(img, detector.detect(img)[0], editor.image_size).crop
        seq = trajectory(np.zeros(17, np.float32), happy, 24)
        rows.append({"photo": "astronaut.png", "stage": "animation_24", "generator": gname,
                     **_time(lambda: render(editor, crop, seq), args.repeats)})
        print(rows[-1], flush=True)

    result = {
        "command": "python benchmarks/bench_photo_edit.py " + f"--threads {args.threads} --repeats {args.repeats}",
        "device": platform.processor() or platform.machine(), "cpus_visible": os.cpu_count(),
        "threads": args.threads, "load_avg": list(os.getloadavg()),
        "versions": {"torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version()},
        "rows": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    md = [f"# Photo edit latency (CPU, {args.threads} threads)", "", f"Command: `{result['command']}`",
          f"Load average at the end: {result['load_avg']} (the machine may be shared; see cpu_ms).", "",
          "| stage | generator | photo | wall ms median (min) | CPU ms |", "|---|---|---|---|---|"]
    md += [f"| {r['stage']} | {r['generator']} | {r['photo']} | {r['wall_ms']} ({r['wall_ms_min']}) | {r['cpu_ms']} |"
           for r in rows]
    Path(args.out).with_suffix(".md").write_text("\n".join(md) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
