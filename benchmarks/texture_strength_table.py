"""Summarise the texture-strength runs: benchmarks/results/engines/texture_strength/summary.md.

The runs (one `ganimation evaluate --engine warp --texture S` per strength and data set):

    for s in 0 0.5 1.0 1.5 2.0; do
      ganimation evaluate --engine warp --texture $s --data data/utkface_engines120 --samples 0 --threads 2 \\
          -o benchmarks/results/engines/texture_strength/utkface_$s
      ganimation evaluate --engine warp --texture $s --data /work/shared/data/wild_dev --samples 0 --threads 2 \\
          -o benchmarks/results/engines/texture_strength/wild_dev_$s
    done

The default strength (ganimation.texture.au_texture.STRENGTH) is marked in the table; its runs
repeat the warp engine's rows of benchmarks/results/engines/{utkface,wild_dev}.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "benchmarks/results/engines"
STRENGTHS = ("0", "0.5", "1.0", "1.5", "2.0")
EACH = ("happy", "sad", "surprise", "anger", "fear")


def run_dir(data: str, strength: str) -> Path:
    return ROOT / "texture_strength" / f"{data}_{strength}"


def main() -> None:
    from ganimation.texture.au_texture import STRENGTH

    lines = ["# Texture strength: emotion against identity (warp engine)", "",
             "`python benchmarks/texture_strength_table.py` (the commands are in its docstring). "
             "Emotion: FER2013 classifier, share of preset edits recognised; identity: dlib distance "
             "to the input, mean; colour: a*b* Fréchet distance of the face; time: per face, whole photo "
             "with detection.", "",
             "| data | strength | emotion, overall | happy, sad, surprise, anger, fear | geometry pass rate "
             "| identity | colour shift | ms per face |", "|---|---|---|---|---|---|---|---|"]
    for data in ("utkface", "wild_dev"):
        for s in STRENGTHS:
            f = run_dir(data, s) / "metrics.json"
            if not f.is_file():
                continue
            m = json.loads(f.read_text())["engines"]["warp"]
            emo = m["emotion"]
            each = ", ".join(f"{100 * emo['per_preset'][p]:.0f}" for p in EACH)
            lines.append(f"| {data} | {s}{' (default)' if float(s) == STRENGTH else ''} | {100 * emo['accuracy']:.0f} % | "
                         f"{each} % | {100 * m['geometry']['pass_rate']:.0f} % | {m['identity']['mean_distance']:.3f} | "
                         f"{m['colour_shift']['frechet_ab_mean']:.2f} | {m['ms_per_face']['mean']:.0f} |")
    out = ROOT / "texture_strength" / "summary.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(out.read_text())


if __name__ == "__main__":
    main()
