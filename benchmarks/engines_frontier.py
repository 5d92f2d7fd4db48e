"""Emotion, geometry and identity of the warp engine over preset intensity and texture strength.

Issue 28's goals for the default engine ask for strong expressions (emotion
recognised in >= 50 % of preset edits, the defining landmark measure moved
>= 0.03 IOD in >= 80 %) and for a small change of who the person looks like
(dlib identity distance <= 0.30). This runs the engine evaluation
(:func:`ganimation.evaluation.engines.evaluate_engines`, warp engine) on a
grid of the two knobs a user has, the presets' ``--intensity`` and the
texture stage's ``--texture``, and tabulates where each goal is met.

    .venv/bin/python benchmarks/engines_frontier.py                        # 60 development faces
    .venv/bin/python benchmarks/engines_frontier.py --data data/utkface_engines120 --name utkface
    .venv/bin/python benchmarks/engines_frontier.py --intensity 0.8 1.0 --texture 0.5

Writes benchmarks/results/engines/frontier_<name>.md and .json (name: dev60 by default).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks/results/engines"


def table(rows: list[dict]) -> list[str]:
    from preset_variants import (  # benchmarks/ is on sys.path when run as a script
        EACH,
        per_preset,
    )

    out = ["| intensity | texture | emotion | " + ", ".join(EACH) + " | geometry | identity | goals met |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        met = [name for name, ok in (("emotion", r["emotion"] >= 0.5), ("geometry", r["geometry"] >= 0.8),
                                     ("identity", r["identity"] <= 0.30)) if ok]
        out.append(f"| {r['intensity']:g} | {r['texture']:g} | {100 * r['emotion']:.1f} % | {per_preset(r)} "
                   f"| {100 * r['geometry']:.1f} % | {r['identity']:.4f} | {', '.join(met) or 'none'} |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data/utkface_dev60")
    ap.add_argument("--name", default="dev60")
    ap.add_argument("--intensity", type=float, nargs="+", default=[0.7, 0.8, 0.9, 1.0])
    ap.add_argument("--texture", type=float, nargs="+", default=[0.0, 0.5, 1.0, 2.0])
    args = ap.parse_args()
    paths = sorted(p for p in args.data.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    if not paths:
        raise SystemExit(f"{args.data}: no photos (python benchmarks/preset_variants.py --make-dev makes the default)")
    t0 = time.time()
    rows = []
    from preset_variants import measure

    for s in args.intensity:
        for t in args.texture:
            rows.append(measure(paths, intensity=s, texture=t))
            print("\n".join(table(rows)[-1:]), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"frontier_{args.name}.json").write_text(json.dumps(rows, indent=1))
    data = args.data.relative_to(ROOT) if args.data.is_relative_to(ROOT) else args.data
    lines = [f"# Warp engine: preset intensity and texture strength ({args.name})", "",
             (f"`.venv/bin/python benchmarks/engines_frontier.py --data {data} --name {args.name} "
             f"--intensity {' '.join(f'{v:g}' for v in args.intensity)} --texture {' '.join(f'{v:g}' for v in args.texture)}` "
             f"({len(paths)} photos, {rows[0]['n_faces']} faces, {time.time() - t0:.0f} s). "
             "Emotion: FER2013 classifier, share of the six presets' edits recognised (per preset in %); geometry: "
             "share of edits whose defining landmark measure moves >= 0.03 IOD the right way; identity: dlib "
             "distance to the input, mean. Goals (issue 28): emotion >= 50 %, geometry >= 80 %, identity <= 0.30."), "",
             *table(rows)]
    (OUT / f"frontier_{args.name}.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT / f'frontier_{args.name}.md'}")


if __name__ == "__main__":
    main()
