"""Summarise paired-benchmark results (``benchmarks/synthetic_paired.sh``) as one Markdown table.

    python benchmarks/synthetic_paired_summary.py RES [RES ...] [-o RES/summary.md]

Each ``RES`` is a results folder written by the script (``eval/metrics.json``,
``train_summary.json``, ``train_time.txt``). For each run the table gives the
edit, the trivial baseline (the input returned unchanged) and, for the AU
judge, the true target render; and a verdict against the bar of the synthetic
benchmark, read here as: the changed-region PSNR at least 1 dB above the
baseline's, and the judge's AU error over all 17 AUs at least 20 % below it.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

PSNR_GAIN_DB = 1.0       # "clearly better" on the changed region
AU_ERROR_CUT = 0.20      # "clearly better" on the judge's AU error (relative)


def cpu_minutes(res: Path) -> float | None:
    """User CPU minutes of the training run from ``train_time.txt`` (bash ``time``), or None."""
    f = res / "train_time.txt"
    m = re.search(r"^user\s+(\d+)m([\d.]+)s", f.read_text(), re.M) if f.is_file() else None
    return int(m.group(1)) + float(m.group(2)) / 60 if m else None


def load(res: Path) -> dict:
    m = json.loads((res / "eval" / "metrics.json").read_text())
    train = json.loads((res / "train_summary.json").read_text()) if (res / "train_summary.json").is_file() else {}
    pairs, judge = m["pairs"], m["au_control_judge"]
    psnr_gain = pairs["edit"]["changed_psnr"] - pairs["baseline"]["changed_psnr"]
    au_cut = 1.0 - judge["edit"]["mae"] / judge["baseline"]["mae"]
    return {
        "name": res.name, "steps": train.get("step"), "seconds": train.get("seconds"), "cpu_min": cpu_minutes(res),
        "changed_fraction": pairs["changed_fraction"],
        "changed_psnr": (pairs["edit"]["changed_psnr"], pairs["baseline"]["changed_psnr"]),
        "pooled_psnr": (pairs["edit"]["psnr_pooled"], pairs["baseline"]["psnr_pooled"]),
        "ssim": (pairs["edit"]["ssim"], pairs["baseline"]["ssim"]),
        "judge_mae": (judge["edit"]["mae"], judge["baseline"]["mae"], judge["judge_on_true_target"]["mae"]),
        "judge_changed": (judge["changed"]["edit_mae"], judge["changed"]["baseline_mae"]),
        "toward": judge["changed"]["toward_rate"],
        "psnr_gain": psnr_gain, "au_cut": au_cut,
        "met": psnr_gain >= PSNR_GAIN_DB and au_cut >= AU_ERROR_CUT,
    }


def table(rows: list[dict]) -> list[str]:
    out = ["| run | training (user CPU time) | changed-region PSNR, dB (edit / input) | whole-image PSNR, pooled (edit / input) "
           "| SSIM (edit / input) | judge MAE, 17 AUs (edit / input / true target) "
           "| judge MAE, changed AUs (edit / input) | changed AUs moved toward target | bar |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        minutes = r["cpu_min"] if r["cpu_min"] is not None else (r["seconds"] / 60 if r["seconds"] else None)
        kind = "CPU min" if r["cpu_min"] is not None else "min wall clock"
        trained = f"{r['steps']} steps, {minutes:.0f} {kind}" if r["steps"] and minutes else "?"
        out.append(
            f"| {r['name']} | {trained} | {r['changed_psnr'][0]:.2f} / {r['changed_psnr'][1]:.2f} "
            f"({r['psnr_gain']:+.2f}) | {r['pooled_psnr'][0]:.2f} / {r['pooled_psnr'][1]:.2f} "
            f"| {r['ssim'][0]:.3f} / {r['ssim'][1]:.3f} "
            f"| {r['judge_mae'][0]:.3f} / {r['judge_mae'][1]:.3f} / {r['judge_mae'][2]:.3f} ({-100 * r['au_cut']:+.0f} %) "
            f"| {r['judge_changed'][0]:.3f} / {r['judge_changed'][1]:.3f} | {100 * r['toward']:.0f} % "
            f"| {'met' if r['met'] else 'not met'} |")
    return out


def write_or_print(text: str, out: Path | None) -> None:
    """Print ``text`` and, when ``out`` is given, write it there too."""
    if out:
        out.write_text(text)
    print(text, end="")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results", nargs="+", type=Path, help="results folders of synthetic_paired.sh")
    p.add_argument("-o", "--out", type=Path, default=None, help="write the table here (default: print it)")
    args = p.parse_args()
    rows = [load(r) for r in args.results]
    lines = table(rows) + [
        "", f"Bar: changed-region PSNR >= input + {PSNR_GAIN_DB:g} dB and judge MAE over 17 AUs "
            f"<= {100 * (1 - AU_ERROR_CUT):.0f} % of the input's. Changed region: "
            f"{100 * rows[0]['changed_fraction']:.1f} % of the pixels (pixels where the true target differs from the input by more than the threshold of `ganimation.evaluate`)."]
    write_or_print("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
