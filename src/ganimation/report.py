"""The evaluation report: Markdown, plots and sample grids from a metrics dict.

:func:`write_report` takes the dict :func:`ganimation.evaluate.evaluate`
returns and the folder it wrote ``per_image.npz`` and ``samples.npz`` to,
and writes ``report.md`` with

- a table per metric family, each metric with a one-line definition
  (:data:`DEFINITIONS`);
- plots (matplotlib, Agg backend): per-AU MAE of the edit vs the unedited
  input, per-AU Pearson r, and histograms of identity distance and attention;
  without matplotlib the plots are skipped with a note;
- a sample grid (PNG, Pillow only): input | edit | attention | self-
  reconstruction | cycle | true target (pairs).
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path

import numpy as np

from ganimation.aus import AU_CODES

log = logging.getLogger(__name__)

#: One-line definitions, shown next to each metric in the report.
DEFINITIONS: dict[str, str] = {
    "au_mae": "mean |achieved - target| over faces and the 17 AUs (0-1 scale; lower is better); achieved = AUs the estimator reads on the edit",
    "au_baseline_mae": "the same error for the unedited input (what an editor that changes nothing would score)",
    "au_reduction": "baseline MAE - edit MAE (positive: the edits moved the AUs toward the targets)",
    "au_changed": "over the AU entries the target changes (|target - input| > 0.05): MAE of the edit and of the input, and the share where the edit ended closer to the target",
    "au_pearson": "per AU, Pearson r between target and achieved values over faces (higher is better; - where a column has no variance)",
    "estimator_floor": "MAE between the estimator's reading of the unedited inputs and their known AUs: the estimator's own error",
    "recon_psnr": "PSNR (dB) between the input and its edit toward its own AUs (higher is better; inf = identical)",
    "recon_ssim": "SSIM (11x11 Gaussian window) between the input and its self-reconstruction (1 = identical)",
    "recon_l1": "mean |input - self-reconstruction| in 0-255 units (lower is better)",
    "cycle": "edit to the target, then back to the face's own AUs: L1 (0-255) and PSNR against the input",
    "identity": "Euclidean distance between the dlib 128-D embeddings of input and edit; share under 0.6 = dlib's same-person rule",
    "background_rmse": "RMSE (0-255) between input and edit over the pixels outside the face mask (0 is best)",
    "edit_concentration": "share of the change energy sum (edit - input)^2 inside the regions of the AUs the target changes (higher is more local; compare with the regions' area share)",
    "attention": "GANimation attention A (1 = input pixel kept): mean, share of pixels with A < 0.05 (repainted) and with A > 0.95 (kept)",
    "frechet": "Fréchet distance between Gaussians fitted to the features of real faces and of edits (lower is better; biased upward for small N)",
    "kid": "Kernel distance: unbiased MMD^2 with the cubic polynomial kernel over random subsets, mean ± std (about 0 for the same distribution)",
    "emotion": "share of preset edits whose top emotion class is the preset's (contempt skipped), vs the same share on the unedited inputs",
    "pairs": "PSNR/SSIM/L1 between the edit and the renderer's true image of the same face with the target AUs; baseline = the input returned unchanged",
    "judge_floor": "the AU judge's error on the true target renders: the best an edit can score with this judge",
}


def _fmt(v, nd: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    v = float(v)
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if math.isnan(v):
        return "–"
    if v != 0 and abs(v) < 10 ** -nd:
        return f"{v:.2e}"
    return f"{v:.{nd}f}"


def _table(rows: list[tuple[str, str, str]]) -> list[str]:
    out = ["| metric | value | definition |", "| --- | --- | --- |"]
    out += ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |" for row in rows]
    return out + [""]


def _load_npz(path: Path) -> dict:
    if not path.is_file():
        return {}
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


# ---------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------


def _au_section(title: str, au: dict) -> list[str]:
    lines = [f"## {title}", "", f"Estimator: {au.get('estimator')}; {au.get('n')} faces read on both the input and "
             f"the edit ({au.get('n_unread', 0)} not read).", ""]
    if "skipped" in au:
        return lines + [f"Skipped: {au['skipped']}.", ""]
    ch = au.get("changed", {})
    rows = [
        ("AU MAE (edit)", _fmt(au["edit"]["mae"]), DEFINITIONS["au_mae"]),
        ("AU MAE (unedited input)", _fmt(au["baseline"]["mae"]), DEFINITIONS["au_baseline_mae"]),
        ("MAE reduction", _fmt(au.get("mae_reduction")), DEFINITIONS["au_reduction"]),
        ("changed AUs: edit / input MAE, toward rate",
         f"{_fmt(ch.get('edit_mae'))} / {_fmt(ch.get('baseline_mae'))}, {_fmt(ch.get('toward_rate'))} (n={ch.get('count')})",
         DEFINITIONS["au_changed"]),
    ]
    if "estimator_vs_own_aus_mae" in au:
        rows.append(("estimator vs known AUs (inputs)", _fmt(au["estimator_vs_own_aus_mae"]), DEFINITIONS["estimator_floor"]))
    if "judge_on_true_target" in au:
        rows.append(("judge MAE on true target renders", _fmt(au["judge_on_true_target"]["mae"]), DEFINITIONS["judge_floor"]))
    lines += _table(rows)
    lines += ["Per AU (Pearson r: " + DEFINITIONS["au_pearson"] + "):", "",
              "| AU | MAE edit | MAE input | r edit | r input |", "| --- | --- | --- | --- | --- |"]
    for c in AU_CODES:
        lines.append(f"| {c} | {_fmt(au['edit']['per_au_mae'][c])} | {_fmt(au['baseline']['per_au_mae'][c])} | "
                     f"{_fmt(au['edit']['per_au_pearson'][c], 2)} | {_fmt(au['baseline']['per_au_pearson'][c], 2)} |")
    return lines + [""]


def _sections(m: dict, plots: dict[str, str]) -> list[str]:
    meta = m.get("meta", {})
    lines = ["# Evaluation report", "",
             f"- data: `{meta.get('data')}` ({meta.get('kind')}{', synthetic' if meta.get('synthetic') else ''}"
             f"{', split ' + str(meta['split']) if meta.get('split') else ''}), {meta.get('n')} faces at "
             f"{meta.get('image_size')} px",
             f"- weights: `{meta.get('weights')}` ({meta.get('arch')})",
             f"- targets: {meta.get('targets')}; the faces' own AUs from {meta.get('own_aus')}",
             f"- face mask for locality: {meta.get('face_mask')}; AU regions: {meta.get('regions')}",
             f"- time: {_fmt(m.get('timing_s', {}).get('total'), 1)} s "
             f"({_fmt(m.get('timing_s', {}).get('per_face'), 3)} s per face)", ""]
    if m.get("notes"):
        lines += ["Notes:", ""] + [f"- {n}" for n in m["notes"]] + [""]
    if "pairs" in m:
        p = m["pairs"]
        lines += [f"## Synthetic pairs ({p['n']})", "", DEFINITIONS["pairs"] + ".", "",
                  f"Changed region: the pixels where the true target differs from the input by more than "
                  f"8/255 ({_fmt(100 * p.get('changed_fraction', float('nan')), 1)} % of the pixels).", "",
                  "PSNR: mean over faces (∞ when some target equals its input) and from the pooled "
                  "squared error of all faces.", "",
                  "| | PSNR mean / pooled (dB) | PSNR changed region (dB) | SSIM | L1 |", "| --- | --- | --- | --- | --- |",
                  f"| edit vs true target | {_fmt(p['edit']['psnr'], 2)} / {_fmt(p['edit'].get('psnr_pooled'), 2)} | "
                  f"{_fmt(p['edit'].get('changed_psnr'), 2)} | {_fmt(p['edit']['ssim'])} | {_fmt(p['edit']['l1'], 2)} |",
                  f"| input vs true target (baseline) | {_fmt(p['baseline']['psnr'], 2)} / "
                  f"{_fmt(p['baseline'].get('psnr_pooled'), 2)} | "
                  f"{_fmt(p['baseline'].get('changed_psnr'), 2)} | {_fmt(p['baseline']['ssim'])} | "
                  f"{_fmt(p['baseline']['l1'], 2)} |", ""]
    for key, title in (("au_control", "AU control"), ("au_control_judge", "AU control (AU judge)")):
        if key in m:
            lines += _au_section(title, m[key])
            if plots.get(key):
                lines += [f"![per-AU MAE]({plots[key]})", ""]
    if "self_reconstruction" in m:
        r, c = m["self_reconstruction"], m.get("cycle", {})
        lines += [f"## Self-reconstruction and cycle ({r['n']} faces)", ""]
        lines += _table([
            ("PSNR (dB), mean / median", f"{_fmt(r['psnr'], 2)} / {_fmt(r['psnr_median'], 2)}", DEFINITIONS["recon_psnr"]),
            ("SSIM", _fmt(r["ssim"], 4), DEFINITIONS["recon_ssim"]),
            ("L1", _fmt(r["l1"], 2), DEFINITIONS["recon_l1"]),
            ("cycle L1 / PSNR (dB)", f"{_fmt(c.get('l1'), 2)} / {_fmt(c.get('psnr'), 2)}", DEFINITIONS["cycle"]),
        ])
    if "identity" in m:
        i = m["identity"]
        lines += ["## Identity", "", f"Embedding: {i.get('backend')}.", ""]
        lines += _table([
            ("mean / median distance", f"{_fmt(i['mean_distance'])} / {_fmt(i['median_distance'])}", DEFINITIONS["identity"]),
            ("share same person (< 0.6)", _fmt(i["share_same_person"]), "share of edits dlib would call the same person as the input"),
        ])
        if plots.get("hist"):
            lines += [f"![distributions]({plots['hist']})", ""]
    if "locality" in m:
        loc, att = m["locality"], m.get("attention", {})
        lines += ["## Locality and attention", ""]
        lines += _table([
            ("background RMSE", _fmt(loc["background_rmse"], 3) + f" (background = {_fmt(loc['background_share'], 2)} of the crop)",
             DEFINITIONS["background_rmse"]),
            ("edit concentration", f"{_fmt(loc.get('edit_concentration'))} (regions cover {_fmt(loc.get('region_area_share'))}, "
             f"n={loc.get('n_concentration')})", DEFINITIONS["edit_concentration"]),
            ("attention mean / < 0.05 / > 0.95",
             f"{_fmt(att.get('mean'))} / {_fmt(att.get('share_low'))} / {_fmt(att.get('share_high'))}", DEFINITIONS["attention"]),
        ])
    if "realism" in m:
        lines += ["## Realism", ""]
        rows = []
        for r in m["realism"].values():
            if "skipped" in r:
                rows.append((r["features"], "skipped: " + r["skipped"], ""))
                continue
            rows.append((f"Fréchet distance, {r['features']}", _fmt(r["frechet"], 4), DEFINITIONS["frechet"]))
            rows.append((f"KID, {r['features']}", f"{_fmt(r['kid_mean'], 5)} ± {_fmt(r['kid_std'], 5)}", DEFINITIONS["kid"]))
        lines += _table(rows)
        if "embedding" in m["realism"]:
            lines += ["The dlib face embedding is a face-recognition space available offline, not Inception: its "
                      "distances are not comparable with published FID values. Real set: the unedited inputs "
                      "(true target renders for pairs).", ""]
    if "emotion" in m:
        e = m["emotion"]
        lines += ["## Emotion check", "", DEFINITIONS["emotion"] + ".", "",
                  f"- edits: {_fmt(e['edit']['accuracy'])} (mean probability {_fmt(e['edit']['mean_prob'])}, n={e['edit']['n']})",
                  f"- unedited inputs: {_fmt(e['baseline']['accuracy'])} (mean probability {_fmt(e['baseline']['mean_prob'])})", ""]
        for name, a in e.get("per_preset", {}).items():
            lines.append(f"- {name}: {_fmt(a['accuracy'])} (n={a['n']})")
        lines.append("")
    if plots.get("grid"):
        lines += ["## Samples", "", plots.get("grid_caption", ""), "", f"![samples]({plots['grid']})", ""]
    if plots.get("note"):
        lines += [f"_{plots['note']}_", ""]
    t = m.get("timing_s", {})
    if t:
        lines += ["## Timing (s)", "", ", ".join(f"{k} {v}" for k, v in t.items()), ""]
    return lines


# ---------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------


def sample_grid(samples: dict) -> tuple[np.ndarray, list[str]] | None:
    """One row per face: input | edit | attention | self-reconstruction | cycle | true target."""
    if not samples or len(samples.get("input", [])) == 0:
        return None
    cols = [("input", samples["input"]), ("edit", samples["edit"])]
    att = samples["attention"]
    cols.append(("attention", np.repeat((np.clip(att, 0, 1) * 255 + 0.5).astype(np.uint8)[..., None], 3, axis=-1)))
    for key, title in (("recon", "self-reconstruction"), ("cycle", "cycle"), ("true_target", "true target")):
        if key in samples and len(samples[key]):
            cols.append((title, samples[key]))
    k = len(samples["input"])
    s = samples["input"].shape[1]
    gap = 2
    grid = np.full((k * (s + gap) - gap, len(cols) * (s + gap) - gap, 3), 255, np.uint8)
    for j, (_, imgs) in enumerate(cols):
        for i in range(min(k, len(imgs))):
            grid[i * (s + gap):i * (s + gap) + s, j * (s + gap):j * (s + gap) + s] = imgs[i]
    return grid, [t for t, _ in cols]


def _plots(m: dict, per: dict, out: Path) -> dict[str, str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return {"note": "matplotlib is not installed: plots skipped (pip install matplotlib)"}
    made: dict[str, str] = {}
    x = np.arange(len(AU_CODES))
    for key in ("au_control", "au_control_judge"):
        au = m.get(key)
        if not au or "edit" not in au:
            continue
        fig, axes = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True)
        e = [au["edit"]["per_au_mae"][c] for c in AU_CODES]
        b = [au["baseline"]["per_au_mae"][c] for c in AU_CODES]
        axes[0].bar(x - 0.2, b, 0.4, label="unedited input", color="#bbbbbb")
        axes[0].bar(x + 0.2, e, 0.4, label="edit", color="#3a7dc9")
        axes[0].set_ylabel("MAE vs target")
        axes[0].legend(fontsize=8)
        re = [au["edit"]["per_au_pearson"][c] for c in AU_CODES]
        rb = [au["baseline"]["per_au_pearson"][c] for c in AU_CODES]
        axes[1].bar(x - 0.2, [np.nan if v is None else v for v in rb], 0.4, color="#bbbbbb")
        axes[1].bar(x + 0.2, [np.nan if v is None else v for v in re], 0.4, color="#3a7dc9")
        axes[1].axhline(0, color="k", lw=0.5)
        axes[1].set_ylabel("Pearson r")
        axes[1].set_xticks(x, AU_CODES, rotation=60, fontsize=8)
        fig.suptitle(f"AU control ({au.get('estimator', '')[:60]})", fontsize=9)
        fig.tight_layout()
        name = f"{key}.png"
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        made[key] = name
    hists = [(k, t) for k, t in (("identity_distance", "identity distance (dlib)"), ("attention_mean", "mean attention per edit"),
                                 ("background_rmse", "background RMSE")) if k in per and len(per[k])]
    if hists:
        fig, axes = plt.subplots(1, len(hists), figsize=(3.4 * len(hists), 2.8))
        axes = np.atleast_1d(axes)
        for ax, (k, t) in zip(axes, hists):
            v = np.asarray(per[k], np.float64)
            v = v[np.isfinite(v)]
            if len(v):
                ax.hist(v, bins=30, color="#3a7dc9")
            if k == "identity_distance":
                ax.axvline(0.6, color="r", lw=1)
            ax.set_title(t, fontsize=9)
        fig.tight_layout()
        fig.savefig(out / "distributions.png", dpi=110)
        plt.close(fig)
        made["hist"] = "distributions.png"
    return made


def write_report(metrics: dict, out_dir: str | os.PathLike) -> Path:
    """Write ``report.md``, its plots and ``samples.png`` into ``out_dir``; returns the report's path."""
    from PIL import Image

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    per = _load_npz(out / "per_image.npz")
    plots = _plots(metrics, per, out)
    grid = sample_grid(_load_npz(out / "samples.npz"))
    if grid is not None:
        img, titles = grid
        Image.fromarray(img).save(out / "samples.png")
        plots["grid"] = "samples.png"
        labels = _load_npz(out / "samples.npz").get("labels")
        caption = "Columns: " + " | ".join(titles) + "."
        if labels is not None and len(labels):
            caption += " Rows' targets: " + ", ".join(str(v) for v in labels) + "."
        plots["grid_caption"] = caption
    path = out / "report.md"
    path.write_text("\n".join(_sections(metrics, plots)))
    log.info("wrote %s", path)
    return path
