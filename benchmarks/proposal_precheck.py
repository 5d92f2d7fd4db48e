"""Face search time with and without the detection check of a proposal's crop (``PROPOSAL_REACH``).

``FaceDetector._landmark_proposal`` landmarks a proposal's crop only where BlazeFace finds a face whose
centre lies within ``PROPOSAL_REACH`` of the proposal's box. With the reach set to 1e6 every crop with
a detection (score >= the detector's ``min_confidence``) is landmarked, as before the check: the
baseline. For every wild_dev photo, ``FaceDetector(search="proposals").detect(photo, largest=L)`` for
L in (False, True) (``face="all"``, the ``edit`` default, and ``face="largest"``), timed alternately
with the check and without it in ``--rounds`` rounds after a warm-up; the median per photo, and the
landmarker passes each search ran. The faces found must be the same to the last bit both ways (the
script stops otherwise).

Usage: python benchmarks/proposal_precheck.py [--wild ../shared/data/wild_dev] [--rounds 5]
Writes benchmarks/results/proposal_precheck.{json,md}.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

OFF = 1e6


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--wild", default="../shared/data/wild_dev")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("-o", "--output", default="benchmarks/results/proposal_precheck")
    args = ap.parse_args(argv)
    from ganimation.faces import detect
    from ganimation.images import load_rgb

    reach = detect.PROPOSAL_REACH
    settings = {"check": reach, "off": OFF}
    det = detect.FaceDetector(search="proposals")
    passes = [0]
    run = det._run
    det._run = lambda img, pair=None, detections=None: passes.__setitem__(0, passes[0] + 1) or run(img, pair, detections)

    def search(img, largest, setting):
        detect.PROPOSAL_REACH = settings[setting]
        passes[0] = 0
        try:
            return det.detect(img, largest=largest), passes[0]
        finally:
            detect.PROPOSAL_REACH = reach

    photos = sorted(p for p in Path(args.wild).iterdir() if p.suffix.lower() in {".jpg", ".png"})
    rows = []
    for p in photos:
        img = load_rgb(p)
        row = {"photo": p.name, "size": f"{img.shape[0]} x {img.shape[1]}"}
        for largest in (False, True):
            key = "largest" if largest else "all"
            found = {s: search(img, largest, s) for s in settings}      # warm-up, the check and the passes
            a, b = found["check"][0], found["off"][0]
            if len(a) != len(b) or any(not np.array_equal(f.landmarks, g.landmarks) for f, g in zip(a, b)):
                sys.exit(f"{p.name} (largest={largest}): the faces differ with and without the check")
            times = {s: [] for s in settings}
            for _ in range(args.rounds):
                for s in settings:
                    t = time.perf_counter()
                    search(img, largest, s)
                    times[s].append(1000 * (time.perf_counter() - t))
            row[f"{key}_faces"] = len(a)
            for s in settings:
                row[f"{key}_ms_{s}"] = round(float(np.median(times[s])), 1)
                row[f"{key}_passes_{s}"] = found[s][1]
        rows.append(row)
        print(row, flush=True)
    keys = [f"{k}_{m}_{s}" for k in ("all", "largest") for m in ("ms", "passes") for s in settings]
    summary = {k: round(float(np.mean([r[k] for r in rows])), 1) for k in keys}
    res = {"command": "python " + " ".join(sys.argv), "cpus": len(os.sched_getaffinity(0)),
           "load_average": [round(v, 2) for v in os.getloadavg()], "rounds": args.rounds,
           "proposal_reach": reach, "mean": summary, "photos": rows}
    out = Path(args.output)
    out.with_suffix(".json").write_text(json.dumps(res, indent=1))
    lines = [
        "# Face search: a proposal's crop landmarked only where BlazeFace finds a face near it",
        "",
        (f"`{res['command']}`: `FaceDetector(search=\"proposals\").detect(photo, largest=L)` on the wild_dev "
         f"photos with the check (`PROPOSAL_REACH` {reach}) and without it (every crop with a detection "
         f"landmarked), median of {args.rounds} alternating rounds after a warm-up; {res['cpus']} CPU cores, "
         f"load average at the end {res['load_average']}. The faces found are the same to the last bit "
         "both ways (checked on every photo)."),
        "",
        "| photo | size (h x w) | faces (all) | all: ms without / with | passes | largest: ms without / with | passes |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['photo']} | {r['size']} | {r['all_faces']} | {r['all_ms_off']:.0f} / {r['all_ms_check']:.0f} "
                     f"| {r['all_passes_off']} / {r['all_passes_check']} | {r['largest_ms_off']:.0f} / "
                     f"{r['largest_ms_check']:.0f} | {r['largest_passes_off']} / {r['largest_passes_check']} |")
    s = summary
    lines.append(f"| **mean** | | | **{s['all_ms_off']:.0f} / {s['all_ms_check']:.0f}** | {s['all_passes_off']} / "
                 f"{s['all_passes_check']} | **{s['largest_ms_off']:.0f} / {s['largest_ms_check']:.0f}** | "
                 f"{s['largest_passes_off']} / {s['largest_passes_check']} |")
    lines.append("")
    lines.append("Milliseconds per photo (detection only: the whole-photo pass, the refits and the small-face "
                 "search); passes: landmarker passes per search.")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
