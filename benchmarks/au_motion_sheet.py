"""Contact sheet of the AU -> landmark motion model on the canonical mean face.

One small panel per AU at 1 (grey: mean face, red: moved) and one per emotion
preset, front view (x, y of frame coordinates); arrows are drawn 1:1.

    python benchmarks/au_motion_sheet.py -o docs/images/au_motion.png
    python benchmarks/au_motion_sheet.py --model other.npz -o /tmp/sheet.png
    python benchmarks/au_motion_sheet.py --prior -o /tmp/prior.png    # the FACS prior only
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _basis(args) -> tuple[np.ndarray, str]:
    if args.prior:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from fit_au_motion import prior_templates

        return prior_templates()[0], "FACS prior"
    from ganimation.motion.au_model import AUMotionModel

    return AUMotionModel.load(args.model).basis.astype(np.float64), "fitted model"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="an au_motion.npz (default: the shipped one)")
    ap.add_argument("--prior", action="store_true", help="draw the prior templates of fit_au_motion.py")
    ap.add_argument("-o", "--output", default=str(ROOT / "docs/images/au_motion.png"))
    ap.add_argument("--dpi", type=int, default=80)
    args = ap.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ganimation.aus import AU_CODES, AU_NAMES, PRESETS, preset_vector
    from ganimation.motion.frame import mean_shape

    basis, what = _basis(args)
    m = mean_shape()
    panels = [(f"{c} {AU_NAMES[c]}", np.eye(len(AU_CODES))[i]) for i, c in enumerate(AU_CODES)]
    panels += [(name, preset_vector(name).astype(np.float64)) for name in PRESETS if name != "neutral"]
    cols = 6
    rows = int(np.ceil(len(panels) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 2.6, rows * 3.0))
    for ax, (title, aus) in zip(axes.flat, panels):
        d = np.tensordot(np.clip(aus, 0, 1), basis, axes=(0, 0))
        moved = m + d
        ax.scatter(m[:, 0], m[:, 1], s=1.2, c="0.65", lw=0)
        ax.scatter(moved[:, 0], moved[:, 1], s=1.2, c="crimson", lw=0)
        big = np.linalg.norm(d[:, :2], axis=1) > 0.01
        ax.quiver(m[big, 0], m[big, 1], d[big, 0], d[big, 1], angles="xy", scale_units="xy", scale=1,
                  width=0.004, color="navy", alpha=0.5)
        peak = np.linalg.norm(d, axis=1).max()
        ax.set_title(f"{title}\npeak {peak:.2f} IOD", fontsize=8)
        ax.set_xlim(-1.25, 1.25)
        ax.set_ylim(2.25, -0.95)
        ax.set_aspect("equal")
        ax.set_xticks([]); ax.set_yticks([])
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.suptitle(f"AU -> landmark motion ({what}) on the mean face: grey neutral, red at AU = 1 / preset",
                 fontsize=10)
    fig.tight_layout()
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.output, dpi=args.dpi)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
