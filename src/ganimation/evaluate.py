"""Evaluate an editor on a dataset, on synthetic pairs or on photos in the wild.

This module only orchestrates. :func:`evaluate` loads the faces
(:func:`ganimation.evaluation.data.load_eval_data`), builds target AUs
(:func:`ganimation.evaluation.targets.make_targets`), edits in batches and
runs the metric families of :mod:`ganimation.evaluation.families`, one stage
each:

- AU control: AU error of the edits (and of the unedited input as the
  baseline) measured by an AU estimator;
- self-reconstruction and cycle;
- identity: dlib 128-D embedding distance input vs edit, and realism in that space;
- locality and attention statistics;
- standard FID/KID with a user-supplied Inception network;
- emotion: preset edits judged by an emotion classifier;
- synthetic pairs against the true target render.

:func:`evaluate_engines` (re-exported from
:mod:`ganimation.evaluation.engines`) measures the photo editing engines
(``warp``, ``gan``, ``hybrid``) on whole photos with preset targets.

It returns a JSON-ready dict (see docs/evaluation.md) and, with ``out_dir``,
writes ``metrics.json``, ``per_image.npz``, ``samples.npz`` and the Markdown
report (:mod:`ganimation.report`). Library code logs; it never prints.

The editor contract is the one of :class:`ganimation.edit.Editor`:
``editor.image_size`` and ``editor.edit_crops(crops (N,S,S,3) uint8,
targets (N,17)) -> result`` with ``images`` and ``attention``.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np

from ganimation.aus import NUM_AUS
from ganimation.errors import AUParseError, GanimationError, MissingDependencyError
from ganimation.evaluation.data import KINDS, EvalData, detect_kind, load_eval_data
from ganimation.evaluation.engines import (
    ENGINE_PRESETS,
    evaluate_engines,
    write_engine_report,
)
from ganimation.evaluation.estimators import (
    AUEstimator,
    faces_estimator,
    identity_embedder,
    judge_estimator,
)
from ganimation.evaluation.families import (
    CHANGED_THRESHOLD,
    CHANGED_TOL,
    SAME_PERSON,
    TEMPLATE_REGIONS,
    attention_metrics,
    au_control_metrics,
    changed_region,
    changed_region_psnr,
    changed_regions,
    ellipse_mask,
    emotion_metrics,
    identity_metrics,
    locality_metrics,
    pair_metrics,
    realism_metrics,
    reconstruction_metrics,
    template_region_mask,
)
from ganimation.evaluation.output import Timer, rounded, write_metrics
from ganimation.evaluation.targets import TARGET_MODES, make_targets, read_target_file

__all__ = [
    "CHANGED_THRESHOLD", "CHANGED_TOL", "ENGINE_PRESETS", "KINDS", "SAME_PERSON", "TARGET_MODES", "TEMPLATE_REGIONS",
    "AUEstimator", "EvalData", "attention_metrics", "au_control_metrics", "changed_region", "changed_region_psnr",
    "changed_regions", "detect_kind", "edit_in_batches", "ellipse_mask", "emotion_metrics", "evaluate",
    "evaluate_engines", "faces_estimator", "identity_embedder", "identity_metrics", "judge_estimator",
    "load_eval_data", "locality_metrics", "make_targets", "pair_metrics", "read_target_file", "realism_metrics",
    "reconstruction_metrics", "template_region_mask", "write_engine_report", "write_metrics",
]

log = logging.getLogger(__name__)


def edit_in_batches(editor, crops: np.ndarray, targets: np.ndarray, what: str = "edits",
                    batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Edit crops ``(N, S, S, 3)`` uint8 toward targets ``(N, K)`` with ``editor.edit_crops``, ``batch`` at a time.

    Returns ``(images (N, S, S, 3) uint8, attention (N, S, S) float32)``; ``what`` names the
    pass in the log.
    """
    imgs, atts = [], []
    t0 = time.time()
    for i in range(0, len(crops), batch):
        res = editor.edit_crops(crops[i:i + batch], targets[i:i + batch])
        imgs.append(np.asarray(res.images, np.uint8))
        atts.append(np.asarray(res.attention, np.float32))
        log.debug("%s: %d/%d edits", what, min(i + batch, len(crops)), len(crops))
    log.info("%s: %d edits in %.1fs", what, len(crops), time.time() - t0)
    return np.concatenate(imgs), np.concatenate(atts)


# ---------------------------------------------------------------------------
# stages: each adds its entries to ``metrics`` / ``per_image`` / ``notes``
# ---------------------------------------------------------------------------


def _au_control_stage(ed: EvalData, tgt: np.ndarray, edits: np.ndarray, metrics: dict, notes: list[str],
                      device) -> None:
    est = faces_estimator()
    judge = judge_estimator(device) if ed.synthetic else None
    if est is not None:
        on_inputs = est.predict(ed.crops)
        metrics["au_control"] = au_control_metrics(tgt, est.predict(edits), on_inputs, est.name)
        ok = np.isfinite(on_inputs).all(axis=1)
        if ed.own_source != "estimator" and ok.any():
            # the estimator's own error floor: its reading of the unedited inputs vs their known AUs
            metrics["au_control"]["estimator_vs_own_aus_mae"] = float(np.abs(on_inputs[ok] - ed.own_aus[ok]).mean())
    elif judge is not None:
        notes.append("faces extra missing: AU control measured with the AU judge instead")
    else:
        notes.append("AU control skipped: the faces extra (AU estimator) is not installed"
                     + ("" if not ed.synthetic else " and the AU judge weights are missing"))
    if judge is not None:
        key = "au_control" if est is None else "au_control_judge"
        on_inputs = judge.predict(ed.crops)
        metrics[key] = au_control_metrics(tgt, judge.predict(edits), on_inputs, judge.name)
        if ed.true_targets is not None:  # the judge's error on the true target renders
            metrics[key]["judge_on_true_target"] = au_control_metrics(
                tgt, judge.predict(ed.true_targets), on_inputs, judge.name)["edit"]
    elif ed.synthetic:
        notes.append("AU judge weights missing (ganimation/assets/au_judge.safetensors): no judge scores")


def _identity_stage(ed: EvalData, edits: np.ndarray, metrics: dict, per_image: dict, notes: list[str],
                    device, seed: int) -> None:
    embed = identity_embedder(device)
    if embed is None:
        notes.append("identity and embedding realism skipped: the faces extra (dlib face embedding) is not installed")
        return
    e_in, e_ed = embed(ed.crops), embed(edits)
    metrics["identity"], d = identity_metrics(e_in, e_ed)
    metrics["identity"]["backend"] = "dlib ResNet 128-D (PyTorch port of dlib's weights), whole aligned crop"
    per_image["identity_distance"] = d
    real = embed(ed.true_targets) if ed.true_targets is not None else e_in
    metrics.setdefault("realism", {})["embedding"] = realism_metrics(real, e_ed, "dlib face embedding (128-D)",
                                                                     seed=seed)


def _locality_stage(ed: EvalData, tgt: np.ndarray, edits: np.ndarray, attention: np.ndarray, metrics: dict,
                    per_image: dict) -> None:
    n, size = len(ed), ed.crops.shape[1]
    face_masks = ed.face_masks if ed.face_masks is not None else np.broadcast_to(ellipse_mask(size), (n, size, size))
    regions, changed = changed_regions(ed.own_aus, tgt, size, ed.regions)
    metrics["locality"], per = locality_metrics(ed.crops, edits, face_masks, regions, changed)
    per_image.update(per)
    metrics["attention"] = attention_metrics(attention)
    per_image["attention_mean"] = attention.reshape(n, -1).mean(axis=1)


def _emotion_stage(ed: EvalData, edits: np.ndarray, preset_names, metrics: dict, notes: list[str]) -> None:
    if preset_names is None:
        notes.append("emotion check skipped: it needs --targets presets")
        return
    from ganimation.metrics.emotion import EmotionClassifier

    try:
        clf = EmotionClassifier.load()
    except MissingDependencyError as exc:
        notes.append(f"emotion check skipped: {exc}")
        return
    metrics["emotion"] = emotion_metrics(clf, ed.crops, edits, preset_names)


def _write_outputs(out_dir, metrics: dict, per_image: dict, ed: EvalData, edits, attention, recon, cycle,
                   m: int, preset_names, samples: int, report: bool) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_metrics(metrics, out / "metrics.json")
    np.savez_compressed(out / "per_image.npz", names=np.array(ed.names), **per_image)
    k = min(samples, len(ed))
    extra = {}
    if k and recon is not None:
        kk = min(k, m)
        extra.update(recon=recon[:kk], cycle=cycle[:kk])
    if ed.true_targets is not None:
        extra["true_target"] = ed.true_targets[:k]
    np.savez_compressed(out / "samples.npz", input=ed.crops[:k], edit=edits[:k], attention=attention[:k],
                        names=np.array(ed.names[:k]),
                        labels=np.array(preset_names[:k] if preset_names else []), **extra)
    if report:
        from ganimation.report import write_report

        write_report(metrics, out)


def _meta(ed: EvalData, split: str, size: int, target_desc: str, seed: int, weights, editor) -> dict:
    return {
        "data": ed.root, "kind": ed.kind, "synthetic": ed.synthetic, "split": split if ed.kind == "dataset" else None,
        "n": len(ed), "image_size": size, "targets": target_desc, "own_aus": ed.own_source, "seed": seed,
        "weights": str(weights) if weights is not None else "the shipped default model",
        "arch": getattr(editor, "arch", None), "face_mask": ed.face_mask_source,
        "regions": "renderer masks" if ed.regions is not None and all(r is not None for r in ed.regions)
        else "template boxes",
    }


def evaluate(editor, data: str | os.PathLike | EvalData, *, split: str = "test", targets: str = "shuffled",
             limit: int | None = None, inception: str | os.PathLike | None = None, emotion: bool = False,
             out_dir: str | os.PathLike | None = None, recon_limit: int | None = 200, kind: str = "auto",
             seed: int = 0, samples: int = 8, device=None, report: bool = True,
             weights: str | os.PathLike | None = None) -> dict:
    """Evaluate ``editor`` on ``data``; returns the metrics dict (and writes files under ``out_dir``).

    - ``data``: a dataset folder (prepared, official or OpenFace layout; the
      ``split`` is used), a synthetic pairs folder (``DATASET/pairs``), a
      folder of photos (faces found and aligned with the faces extra), or an
      :class:`EvalData`.
    - ``targets``: ``shuffled``, ``presets`` or a CSV path (see :func:`make_targets`).
    - ``limit``: evaluate the first N faces; ``recon_limit``: self-reconstruction
      and cycle (two more generator passes) on the first M of them (None: all).
    - ``inception``: a TorchScript feature network for standard FID/KID.
    - ``emotion``: classify preset edits (needs ``--targets presets`` and the
      optional classifier).
    - ``weights``: only recorded in the metadata (the weights file's name).

    Metrics that need a missing optional part are skipped with a line in
    ``metrics["notes"]``. Bad arguments raise :class:`GanimationError`.
    For the photo engines (warp / gan / hybrid on whole photos) see :func:`evaluate_engines`.
    """
    t_start = time.perf_counter()
    timer = Timer()
    size = int(editor.image_size)
    if isinstance(targets, str) and targets not in TARGET_MODES and not Path(targets).is_file():
        raise AUParseError(f"--targets {targets!r}: use shuffled, presets, or the path of a CSV of {NUM_AUS}-AU rows")
    if recon_limit is not None and recon_limit < 0:
        raise GanimationError(f"--recon-limit must be >= 0, got {recon_limit}")
    inception_net = None
    if inception is not None:  # load first: a bad path fails before any work
        from ganimation.metrics.inception import load_inception

        inception_net = load_inception(inception, device=str(device or "cpu"))
    with timer("load"):
        ed = data if isinstance(data, EvalData) else load_eval_data(data, image_size=size, split=split,
                                                                    limit=limit, kind=kind)
    if ed.crops.shape[1:] != (size, size, 3):
        raise GanimationError(f"faces are {ed.crops.shape[1:3]}, the editor works at {size} px")
    n = len(ed)
    notes = list(ed.notes)
    tgt, preset_names, target_desc = make_targets(targets, ed.own_aus, seed=seed, pair_targets=ed.pair_targets)
    if ed.pair_targets is not None and targets != "shuffled":
        notes.append(f"--targets {targets} ignored: synthetic pairs are edited toward their own target AUs")
    log.info("evaluating %d faces (%s) at %d px; targets: %s", n, ed.kind, size, target_desc)
    metrics: dict = {"meta": _meta(ed, split, size, target_desc, seed, weights, editor), "notes": notes}
    per_image: dict[str, np.ndarray] = {}

    with timer("edit"):
        edits, attention = edit_in_batches(editor, ed.crops, tgt, "target edits")
        m = n if recon_limit is None else min(n, recon_limit)
        recon = cycle = None
        if m:
            recon, _ = edit_in_batches(editor, ed.crops[:m], ed.own_aus[:m], "self-reconstruction")
            cycle, _ = edit_in_batches(editor, edits[:m], ed.own_aus[:m], "cycle")
    if m < n:
        notes.append(f"self-reconstruction and cycle on the first {m} of {n} faces (--recon-limit)")
    with timer("au_control"):
        _au_control_stage(ed, tgt, edits, metrics, notes, device)
    with timer("reconstruction"):
        if m:
            metrics["self_reconstruction"], per = reconstruction_metrics(ed.crops[:m], recon, cycle)
            metrics["cycle"] = metrics["self_reconstruction"].pop("cycle")
            per_image.update(per)
        else:
            notes.append("self-reconstruction and cycle skipped (--recon-limit 0)")
    with timer("identity"):
        _identity_stage(ed, edits, metrics, per_image, notes, device, seed)
    with timer("locality"):
        _locality_stage(ed, tgt, edits, attention, metrics, per_image)
    if inception_net is not None:
        with timer("inception"):
            real = ed.true_targets if ed.true_targets is not None else ed.crops
            f_real, f_fake = inception_net.features(real), inception_net.features(edits)
            metrics.setdefault("realism", {})["inception"] = realism_metrics(
                f_real, f_fake, f"Inception features from {Path(str(inception)).name}", seed=seed)
    else:
        notes.append("standard FID/KID skipped: pass --inception PATH (a TorchScript Inception network)")
    if emotion:
        with timer("emotion"):
            _emotion_stage(ed, edits, preset_names, metrics, notes)
    if ed.true_targets is not None:
        with timer("pairs"):
            metrics["pairs"], per = pair_metrics(ed.crops, edits, ed.true_targets)
            per_image.update(per)

    timer.times["total"] = time.perf_counter() - t_start
    metrics["timing_s"] = {k: round(v, 2) for k, v in timer.times.items()}
    metrics["timing_s"]["per_face"] = round(timer.times["total"] / max(n, 1), 4)
    metrics["meta"]["recon_n"] = m
    metrics = rounded(metrics)
    if out_dir is not None:
        _write_outputs(out_dir, metrics, per_image, ed, edits, attention, recon, cycle, m, preset_names,
                       samples, report)
    return metrics
