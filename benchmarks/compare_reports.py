"""Side-by-side table of two or more `ganimation evaluate` reports.

    python benchmarks/compare_reports.py NAME=REPORT_DIR NAME=REPORT_DIR ... -o OUT.md [--title T]

Reads each REPORT_DIR/metrics.json and writes one Markdown table with the
headline numbers (AU control, identity, reconstruction, cycle, locality,
attention, realism) and which report is better on each row.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

# (label, path into metrics.json, "higher" / "lower" is better, or None for no verdict)
ROWS = [
    ("AU MAE, edit (unedited input in the next row)", ("au_control", "edit", "mae"), "lower"),
    ("AU MAE, unedited input", ("au_control", "baseline", "mae"), None),
    ("changed AUs moved toward the target", ("au_control", "changed", "toward_rate"), "higher"),
    ("identity: mean dlib distance input-edit", ("identity", "mean_distance"), "lower"),
    ("identity: share under 0.6", ("identity", "share_same_person"), "higher"),
    ("self-reconstruction PSNR (dB)", ("self_reconstruction", "psnr"), "higher"),
    ("self-reconstruction SSIM", ("self_reconstruction", "ssim"), "higher"),
    ("cycle L1 (0-255)", ("cycle", "l1"), "lower"),
    ("background RMSE (0-255)", ("locality", "background_rmse"), "lower"),
    ("edit concentration in the AUs' regions", ("locality", "edit_concentration"), "higher"),
    ("attention mean (1 = input kept)", ("attention", "mean"), None),
    ("Fréchet distance, dlib embedding", ("realism", "embedding", "frechet"), "lower"),
]


def _get(m: dict, path: tuple):
    for key in path:
        if not isinstance(m, dict) or key not in m:
            return None
        m = m[key]
    return m


def table(reports: dict[str, dict]) -> list[str]:
    names = list(reports)
    lines = ["| metric | " + " | ".join(names) + " | better |", "|---|" + "---|" * (len(names) + 1)]
    for label, path, better in ROWS:
        vals = [_get(reports[n], path) for n in names]
        if all(v is None for v in vals):
            continue
        verdict = ""
        nums = [(v, n) for v, n in zip(vals, names) if isinstance(v, (int, float))]
        if better and len(nums) == len(names) and len({v for v, _ in nums}) > 1:
            verdict = (min if better == "lower" else max)(nums)[1]
        cells = ["–" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v) for v in vals]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {verdict} |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", nargs="+", help="NAME=REPORT_DIR")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--title", default="Evaluation reports side by side")
    args = ap.parse_args()
    reports = {}
    for item in args.reports:
        name, _, folder = item.partition("=")
        reports[name] = json.loads((Path(folder) / "metrics.json").read_text())
    lines = [f"# {args.title}", ""] + table(reports) + [""]
    Path(args.output).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
