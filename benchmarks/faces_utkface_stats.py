"""AU distribution of a prepared dataset: one histogram per AU, plus a crop montage.

Usage: python benchmarks/faces_utkface_stats.py data/utkface128
Writes benchmarks/results/faces_utkface_au_hist.png, faces_utkface_crops.png, faces_utkface_stats.json
"""

import csv
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np


def main(root="data/utkface128"):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    from ganimation.aus import AU_CODES, AU_NAMES
    from ganimation.data.prepared import read_table

    root = Path(root)
    recs = read_table(root)
    A = np.stack([r.aus for r in recs])
    fig, axes = plt.subplots(3, 6, figsize=(18, 8))
    for i, ax in enumerate(axes.flat):
        if i >= len(AU_CODES):
            ax.axis("off")
            continue
        ax.hist(A[:, i], bins=40, range=(0, 1), color="tab:blue")
        ax.set_title(f"{AU_CODES[i]} {AU_NAMES[AU_CODES[i]]}\nmean {A[:, i].mean():.2f}, >0.5: {np.mean(A[:, i] > 0.5):.0%}", fontsize=9)
        ax.set_yscale("log")
    fig.suptitle(f"{root.name}: estimated AU intensities (0-1) of {len(A)} crops (log count)")
    fig.tight_layout()
    out = Path("benchmarks/results")
    fig.savefig(out / "faces_utkface_au_hist.png", dpi=80)
    rng = np.random.default_rng(0)
    pick = rng.choice(len(recs), 32, replace=False)
    m = Image.new("RGB", (128 * 8, 128 * 4))
    for k, j in enumerate(pick):
        m.paste(Image.open(root / "crops" / recs[j].file).convert("RGB").resize((128, 128)), ((k % 8) * 128, (k // 8) * 128))
    m.save(out / "faces_utkface_crops.png")
    with open(root / "skipped.csv", newline="") as fh:
        skipped = Counter(r["reason"].split(":")[0] for r in csv.DictReader(fh))
    stats = {"crops": len(recs), "splits": dict(Counter(r.split for r in recs)), "skipped": dict(skipped),
             "confidence": {"min": float(min(r.confidence for r in recs)), "median": float(np.median([r.confidence for r in recs]))},
             "au": {c: {"mean": round(float(A[:, i].mean()), 4), "std": round(float(A[:, i].std()), 4),
                        "p50": round(float(np.median(A[:, i])), 4), "p95": round(float(np.percentile(A[:, i], 95)), 4),
                        "frac_gt_0.5": round(float(np.mean(A[:, i] > 0.5)), 4)} for i, c in enumerate(AU_CODES)}}
    (out / "faces_utkface_stats.json").write_text(json.dumps(stats, indent=1))
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:])
