"""Where the paired benchmark's changed-region error comes from.

    python benchmarks/synthetic_paired_diagnose.py WEIGHTS [WEIGHTS ...] [-o OUT.md]

For each model the script edits the 500 synthetic pairs (``data/synth64/pairs``)
toward their target AUs and splits the edit's change ``d = edit - input``
against the true change ``t = target - input`` over the changed region (the
pixels ``ganimation.evaluate`` calls changed):

- correlation of ``d`` with ``t`` and the energy ratio ``|d|^2 / |t|^2``;
- the changed-region PSNR of ``input + k * d`` for a few ``k`` (a scaled edit:
  if a smaller ``k`` scores higher, the edit's change is mostly noise or
  overshoot rather than a wrong direction);
- the same with ``d`` blurred (Gaussian, sigma in pixels): what the speckle costs.

These are readings of a trained model, not edits a user gets.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter
from synthetic_paired_summary import write_or_print  # benchmarks/ is on sys.path when run as a script

SCALES = (0.25, 0.5, 0.75, 1.0)
BLURS = (0.7, 1.0, 1.5)


def edits_for(weights: str, crops: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """``(N, S, S, 3)`` uint8 edits of ``crops`` toward ``targets`` ``(N, 17)``, batched as the evaluation does."""
    from ganimation.edit import Editor
    from ganimation.evaluate import edit_in_batches

    return edit_in_batches(Editor.from_pretrained(weights, device="cpu"), crops, targets, "pair edits")[0]


def diagnose(inputs: np.ndarray, edits: np.ndarray, truth: np.ndarray) -> dict:
    """Readings of one model's edits; arrays ``(N, S, S, 3)`` uint8."""
    from ganimation.evaluate import changed_region, changed_region_psnr

    changed = changed_region(inputs, truth)
    x, e, t = (a.astype(np.float64) for a in (inputs, edits, truth))
    d, true_d = e - x, t - x
    m = changed[..., None]
    dd, tt, dt = (d * d * m).sum(), (true_d * true_d * m).sum(), (d * true_d * m).sum()

    def psnr(img: np.ndarray) -> float:
        return float(np.nanmean(changed_region_psnr(t, np.clip(np.round(img), 0, 255), changed)))

    return {
        "correlation": float(dt / np.sqrt(dd * tt)),
        "energy_ratio": float(dd / tt),
        "input": psnr(x),
        "scaled": {k: psnr(x + k * d) for k in SCALES},
        "blurred": {s: psnr(x + gaussian_filter(d, (0, s, s, 0))) for s in BLURS},
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("weights", nargs="+", help="generator release files (.safetensors)")
    p.add_argument("--pairs", default="data/synth64/pairs", help="pairs folder written by `ganimation synth --pairs`")
    p.add_argument("-o", "--out", type=Path, default=None, help="write the Markdown table here")
    args = p.parse_args()
    from ganimation.evaluate import load_eval_data

    data = load_eval_data(args.pairs, image_size=64)
    head = ("| weights | corr(d, t) | energy d/t | input | "
            + " | ".join(f"input + {k:g} d" for k in SCALES) + " | "
            + " | ".join(f"blur {s:g} px" for s in BLURS) + " |")
    lines = ["Changed-region PSNR, dB, of the input plus the edit's change `d` scaled or blurred; "
             "`t` = the true change.", "", head, "|" + "---|" * (4 + len(SCALES) + len(BLURS))]
    for w in args.weights:
        r = diagnose(data.crops, edits_for(w, data.crops, data.pair_targets), data.true_targets)
        lines.append(f"| `{w}` | {r['correlation']:.3f} | {r['energy_ratio']:.3f} | {r['input']:.2f} | "
                     + " | ".join(f"{r['scaled'][k]:.2f}" for k in SCALES) + " | "
                     + " | ".join(f"{r['blurred'][s]:.2f}" for s in BLURS) + " |")
    write_or_print("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
