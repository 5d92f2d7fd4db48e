"""What each AU of a preset buys and costs: the preset's edits with that one AU at half its value.

For every preset and every AU it raises, the warp engine's edits of the
development faces toward that preset alone are measured with the AU at
``--scale`` (default 0.5) times its value, against the preset as it is:
emotion recognition, the geometry criterion and the identity distance of
that preset's edits (the engine evaluation of issue 28). An AU whose halving
saves identity without losing recognition or geometry is stronger than the
expression needs; one whose halving loses recognition buys it. The faces
are the development sets of ``benchmarks/preset_variants.py`` (none fitted
on, none held out).

    .venv/bin/python benchmarks/preset_au_costs.py                         # 60 development faces
    .venv/bin/python benchmarks/preset_au_costs.py --data data/utkface_dev120b --out preset_au_costs_dev120b \\
        --only surprise anger

Writes benchmarks/results/engines/<out>.md and .json.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

from preset_variants import (  # benchmarks/ is on sys.path when run as a script
    DEV,
    OUT,
    dev_args,
    measure,
    preset,
)

PRESETS = ("happy", "sad", "surprise", "anger", "disgust", "fear")


def one(paths: list[Path], name: str, change: contextlib.AbstractContextManager) -> dict:
    """Emotion, geometry and identity of the edits of ``paths`` toward preset ``name`` under ``change``."""
    with change:
        r = measure(paths, presets=[name])
    return {"emotion": r["emotion"], "geometry": r["geometry"], "identity": r["identity"], "n_faces": r["n_faces"]}


def main() -> None:
    import ganimation.aus as A

    def options(ap):
        ap.add_argument("--scale", type=float, default=0.5)
        ap.add_argument("--only", nargs="+", choices=PRESETS, help="presets (default: all six)")

    args = dev_args(__doc__.splitlines()[0], DEV, "preset_au_costs", options)
    paths, shown = args.paths, args.shown
    results: dict = {}
    t0 = time.time()
    for name in args.only or PRESETS:
        values = dict(A.PRESETS[name])
        rows = {"as is": one(paths, name, contextlib.nullcontext())}
        for code, v in values.items():
            if v > 0:
                rows[f"{code} {v:g} -> {args.scale * v:g}"] = one(
                    paths, name, preset(name, {**values, code: args.scale * v}))
        results[name] = rows
        print(name, json.dumps(rows), flush=True)
    n_faces = next(iter(results.values()))["as is"]["n_faces"]
    lines = [f"# What each AU of a preset buys: the preset with one AU at {args.scale:g} of its value",
             "",
             (f"`.venv/bin/python benchmarks/preset_au_costs.py --data {shown}`"
              f" ({n_faces} development faces; {time.time() - t0:.0f} s). Each row: that preset's edits "
              "alone (warp engine, intensity 1, default texture); emotion = FER2013 recognition of the preset, "
              "geometry = its landmark criterion's pass rate, identity = mean dlib distance to the input. "
              "Differences against the preset as it is."),
             "",
             "| preset | AU changed | emotion | geometry | identity | Δ emotion (edits) | Δ identity |",
             "|---|---|---|---|---|---|---|"]
    for name, rows in results.items():
        base = rows["as is"]
        for label, r in rows.items():
            d_e = round((r["emotion"] - base["emotion"]) * base["n_faces"])
            lines.append(f"| {name} | {label} | {100 * r['emotion']:.1f} % | {100 * r['geometry']:.1f} % "
                         f"| {r['identity']:.4f} | {d_e:+d} | {r['identity'] - base['identity']:+.4f} |")
    (OUT / f"{args.out}.md").write_text("\n".join(lines) + "\n")
    (OUT / f"{args.out}.json").write_text(json.dumps({"data": str(args.data), "n_faces": len(paths),
                                                      "scale": args.scale, "results": results}, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
