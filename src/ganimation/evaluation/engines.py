"""Preset edits of whole photos by each editing engine, measured side by side.

For every photo (the largest face) and every preset of :data:`ENGINE_PRESETS`
at full intensity, :func:`evaluate_engines` runs
:func:`ganimation.faces.pipeline.edit_photo` with each engine (``warp``,
``gan``, ``hybrid``), times the whole call (detection included), finds the
face again on the edited photo and measures:

- **geometry** (:mod:`ganimation.metrics.geometry`): MediaPipe landmarks
  found on the input and on the edited photo by the same procedure (the
  detector on the region around the input's face box), their measures in the
  pose-normalised frame (IOD), and whether the preset's defining measure
  moved the right way by >= 0.03 IOD;
- **emotion** (:mod:`ganimation.metrics.emotion`): the FER2013 classifier on
  the aligned crop of the edited photo (at the input face's alignment), and on
  the input crop as the no-edit baseline;
- **colour shift** (:mod:`ganimation.metrics.colour`): a*b* Fréchet distance
  over the face oval of that crop, edit vs input;
- **identity**: dlib 128-D embedding distance of the input and edited crops
  (:func:`ganimation.evaluation.estimators.identity_embedder`);
- **time**: wall milliseconds of the ``edit_photo`` call per face (and the
  process CPU milliseconds, summed over threads).

:func:`engine_goals` checks the summary against the goals of issue 28 and
:func:`preset_grid` lays out input + preset cells cut from the full-resolution
photos. Library code: it logs, never prints.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ganimation.errors import (
    DatasetError,
    GanimationError,
    MissingDependencyError,
)
from ganimation.evaluation.edit_table import edit_rows, write_edits_csv

log = logging.getLogger("ganimation.evaluate")

#: The presets an engine evaluation edits toward (contempt has no emotion class, neutral no motion).
ENGINE_PRESETS: tuple[str, ...] = ("happy", "sad", "surprise", "anger", "disgust", "fear")
#: Side of the aligned crops the emotion classifier and the colour shift see.
CROP_SIZE = 128
#: Side of the aligned crops the identity embedding sees (dlib's chip size).
ID_SIZE = 150
#: Side of one cell of :func:`preset_grid`.
CELL = 256

#: Goals for the default engine (issue 28).
GOALS = {
    "emotion_overall": 0.50,
    "emotion_each": 0.25,           # happy, sad, surprise, anger, fear each
    "geometry_pass_rate": 0.80,
    "identity_mean": 0.30,
    "ms_per_face": 150.0,
}
EMOTION_EACH = ("happy", "sad", "surprise", "anger", "fear")


# ---------------------------------------------------------------------------
# photos
# ---------------------------------------------------------------------------


def list_photos(data: str | os.PathLike, *, split: str = "test", limit: int | None = None) -> list[Path]:
    """Image paths to edit: the images of a folder (sorted, not recursive), or the crops of a
    dataset's ``split`` (any layout :func:`ganimation.data.sources.load_samples` reads)."""
    from ganimation.data.sources import IMAGE_SUFFIXES, detect_layout, load_samples

    root = Path(data)
    if not root.is_dir():
        raise DatasetError(f"{root}: no such folder; pass a folder of photos or a dataset")
    try:
        detect_layout(root)
        paths = [s.path for s in load_samples(root, split)]
    except DatasetError:
        paths = sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if limit:
        paths = paths[:limit]
    if not paths:
        raise DatasetError(f"{root}: no images to edit")
    return paths


# ---------------------------------------------------------------------------
# finding and measuring the face
# ---------------------------------------------------------------------------


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    area = lambda r: max(0.0, r[2] - r[0]) * max(0.0, r[3] - r[1])
    return float(inter / max(area(a) + area(b) - inter, 1e-9))


def find_face_near(image: np.ndarray, box: np.ndarray, detector=None, margin: float = 0.6):
    """The face of ``image`` (H, W, 3) uint8 that overlaps ``box`` (x0, y0, x1, y1) most, or None.

    The detector (one whole-image pass) runs on the region around ``box`` grown
    by ``margin`` times the box size on each side, so small faces of large
    photos are found as reliably as portraits; landmarks are returned in the
    photo's pixels.
    """
    from ganimation.faces.detect import get_detector

    det = detector or get_detector(search="whole")
    bw, bh = box[2] - box[0], box[3] - box[1]
    faces = det.detect_in(image, (box[0] - margin * bw, box[1] - margin * bh, box[2] + margin * bw,
                                  box[3] + margin * bh))
    if not faces:
        return None
    best = max(faces, key=lambda f: _iou(f.box, np.asarray(box, np.float64)))
    return best if _iou(best.box, np.asarray(box, np.float64)) > 0.3 else None


@dataclass
class FaceView:
    """The input face of one photo: where it is and how it is cropped for the metrics."""

    box: np.ndarray            # (4,) photo pixels
    measures: dict             # geometry measures (IOD) of the input
    transform: np.ndarray      # (2, 3) photo -> CROP_SIZE crop
    transform_id: np.ndarray   # (2, 3) photo -> ID_SIZE crop
    mask: np.ndarray           # (CROP_SIZE, CROP_SIZE) bool face oval

    def crops(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ``(CROP_SIZE,)*2 + (3,)`` and ``(ID_SIZE,)*2 + (3,)`` crops of ``image`` at this face's alignment."""
        from ganimation.faces.align import warp

        return warp(image, self.transform, CROP_SIZE), warp(image, self.transform_id, ID_SIZE)


def view_face(face) -> FaceView:
    """A :class:`FaceView` of a detected :class:`~ganimation.faces.detect.Face`."""
    from ganimation.faces.align import align_transform, apply, face_mask
    from ganimation.metrics.geometry import expression_measures

    m = align_transform(face.points5(), CROP_SIZE)
    mask = face_mask(CROP_SIZE, apply(m, face.landmarks[:, :2]), feather=0.0) > 0.5
    return FaceView(box=np.asarray(face.box, np.float64), measures=expression_measures(face.landmarks),
                    transform=m, transform_id=align_transform(face.points5(), ID_SIZE), mask=mask)


def grid_cell(image: np.ndarray, box: np.ndarray, size: int = CELL, grow: float = 0.35) -> np.ndarray:
    """A square ``(size, size, 3)`` cut of ``image`` around ``box`` (grown by ``grow`` per side), from the
    photo's own pixels (resized with Lanczos to ``size``)."""
    from PIL import Image

    h, w = image.shape[:2]
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    half = max(box[2] - box[0], box[3] - box[1]) * (0.5 + grow)
    x0, y0 = round(max(0, cx - half)), round(max(0, cy - half))
    x1, y1 = round(min(w, cx + half)), round(min(h, cy + half))
    return np.asarray(Image.fromarray(np.ascontiguousarray(image[y0:y1, x0:x1])).resize((size, size), Image.LANCZOS))


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------


@dataclass
class EngineRun:
    """Per-edit records of one engine: N = photos x presets rows."""

    engine: str
    names: list[str] = field(default_factory=list)
    presets: list[str] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)          # process CPU time (all threads)
    deltas: list[dict | None] = field(default_factory=list)
    colour: list[dict] = field(default_factory=list)
    crops: list[np.ndarray] = field(default_factory=list)      # edited, CROP_SIZE
    id_crops: list[np.ndarray] = field(default_factory=list)   # edited, ID_SIZE
    cells: dict = field(default_factory=dict)                  # photo index -> {preset: cell}
    probs: np.ndarray | None = None       # (N, 7) emotion classifier probabilities (:func:`score_run`)
    identity: np.ndarray | None = None    # (N,) identity distance to the input (:func:`score_run`)


def _classifier(notes: list[str]):
    from ganimation.metrics.emotion import EmotionClassifier

    try:
        return EmotionClassifier.load()
    except (MissingDependencyError, GanimationError) as exc:
        notes.append(f"emotion check skipped: {exc}")
        return None


def evaluate_engines(editor, data: str | os.PathLike | Sequence[str | os.PathLike], *,
                     engines: Iterable[str] = ("warp",), presets: Sequence[str] = ENGINE_PRESETS,
                     split: str = "test", limit: int | None = None, samples: int = 4,
                     emotion: bool = True, device=None, warmup: bool = True,
                     weights: str | os.PathLike | None = None, texture: float | None = None,
                     intensity: float = 1.0) -> tuple[dict, dict]:
    """Edit every photo's largest face toward each preset with each engine and measure the edits.

    - ``editor``: an :class:`~ganimation.edit.Editor` (needed by ``gan`` and
      ``hybrid``; may be None for ``warp`` alone).
    - ``data``: a folder of photos, a dataset folder (its ``split``), or a list of image paths.
    - ``samples``: photos (the first ones) kept as cells for :func:`preset_grid`.
    - ``weights``: only recorded in the metadata.
    - ``texture``: the warp engine's texture strength (None: its default; 0: off).
    - ``intensity``: the presets' strength (0-1; the goals of issue 28 are for 1).

    Returns ``(metrics, grids)``: the JSON-ready metrics dict (``meta``,
    ``engines`` -> per-engine summary, ``goals``, ``notes``) and per engine the
    grid rows ``[[input cell, preset cells...], ...]`` of ``(CELL, CELL, 3)`` uint8.
    """
    from ganimation.evaluation.data import read_photos
    from ganimation.evaluation.estimators import identity_embedder
    from ganimation.faces.detect import get_detector
    from ganimation.faces.pipeline import ENGINES, edit_photo, find_faces
    from ganimation.metrics.colour import colour_shift_one
    from ganimation.metrics.geometry import expression_measures, measure_deltas
    from ganimation.texture.au_texture import strength as texture_strength

    engines = list(dict.fromkeys(engines))
    for e in engines:
        if e not in ENGINES:
            raise GanimationError(f"engine {e!r}; choose from {', '.join(ENGINES)}")
    if editor is None and any(e != "warp" for e in engines):
        raise GanimationError("the gan and hybrid engines need an editor (weights)")
    if not 0.0 < intensity <= 1.0:
        raise GanimationError(f"intensity {intensity}: use a value in (0, 1]")
    unknown = [p for p in presets if p not in ENGINE_PRESETS]
    if unknown:
        raise GanimationError(f"presets {unknown}: the engine evaluation knows {', '.join(ENGINE_PRESETS)}")
    paths = ([Path(p) for p in data] if isinstance(data, (list, tuple))
             else list_photos(data, split=split, limit=limit))
    notes: list[str] = []
    t_start = time.perf_counter()
    near = get_detector(search="whole")

    # the inputs: largest face, measured once
    images, views, names, in_crops, in_id = [], [], [], [], []
    no_face = 0
    unread: list[Path] = []
    for p, img in read_photos(paths, unread):
        faces = find_faces(img, "largest")  # the face edit_photo(face="largest") edits
        if not faces:
            no_face += 1
            continue
        f = find_face_near(img, faces[0].box, near) or faces[0]
        v = view_face(f)
        v.box = np.asarray(faces[0].box, np.float64)  # edit_photo's face, for matching the edit
        images.append(img)
        views.append(v)
        names.append(p.name)
        c, ci = v.crops(img)
        in_crops.append(c)
        in_id.append(ci)
    if not images:
        raise DatasetError("no face found in any photo")
    if no_face:
        notes.append(f"{no_face} photo(s) without a detected face skipped")
    if unread:
        notes.append(f"{len(unread)} unreadable photo(s) skipped")
    log.info("engine evaluation: %d faces x %d presets x engines %s", len(images), len(presets), engines)

    runs: dict[str, EngineRun] = {}
    for engine in engines:
        run = runs[engine] = EngineRun(engine)
        if warmup:  # first-call costs (model loading, caches) are not edit time
            edit_photo(editor, images[0], expression=presets[0], intensity=intensity, engine=engine, face="largest",
                       texture=texture)
        t_eng = time.perf_counter()
        for i, (img, v) in enumerate(zip(images, views)):
            if i < samples:
                run.cells[i] = {"input": grid_cell(img, v.box)}
            for preset in presets:
                t0, c0 = time.perf_counter(), time.process_time()
                res = edit_photo(editor, img, expression=preset, intensity=intensity, engine=engine, face="largest",
                                 texture=texture)
                run.ms.append(1000 * (time.perf_counter() - t0))
                run.cpu_ms.append(1000 * (time.process_time() - c0))
                out = res.image
                run.names.append(names[i])
                run.presets.append(preset)
                g = find_face_near(out, v.box, near)
                run.deltas.append(None if g is None else measure_deltas(v.measures, expression_measures(g.landmarks)))
                c, ci = v.crops(out)
                run.crops.append(c)
                run.id_crops.append(ci)
                run.colour.append(colour_shift_one(in_crops[i], c, v.mask))
                if i < samples:
                    run.cells[i][preset] = grid_cell(out, v.box)
        log.info("%s: %d edits in %.1fs", engine, len(run.ms), time.perf_counter() - t_eng)

    clf = _classifier(notes) if emotion else None
    if not emotion:
        notes.append("emotion check off")
    embed = identity_embedder(device)
    if embed is None:
        notes.append("identity skipped: the faces extra (dlib face embedding) is not installed")
    base = {}
    e_in = embed(np.stack(in_id)) if embed is not None else None
    if clf is not None:
        base = emotion_summary(clf.predict(np.stack(in_crops)), list(presets), per_input=True)
    summaries = {}
    for engine, run in runs.items():
        summaries[engine] = summarise_run(run, clf, embed, e_in, len(presets))
    metrics = {
        "meta": {"data": str(data) if not isinstance(data, (list, tuple)) else f"{len(paths)} listed images",
                 "n_faces": len(images), "presets": list(presets), "intensity": float(intensity), "face": "largest",
                 "engines": engines, "crop_size": CROP_SIZE, "split": split,
                 "texture": texture_strength(texture),
                 "weights": str(weights) if weights is not None else "the shipped default model",
                 "torch_threads": _torch_threads(), "load_average": _loadavg(),
                 "seconds": round(time.perf_counter() - t_start, 1)},
        "emotion_input_baseline": base or None,
        "engines": summaries,
        "notes": notes,
    }
    metrics["goals"] = engine_goals(summaries)
    metrics["edits"] = edit_rows(runs)   # written as edits.csv by write_engine_report, not into metrics.json
    grids = {e: [[r.cells[i]["input"], *[r.cells[i][p] for p in presets]] for i in sorted(r.cells)]
             for e, r in runs.items()}
    return metrics, grids


def _torch_threads() -> int | None:
    try:
        import torch

        return int(torch.get_num_threads())
    except ImportError:
        return None


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# ---------------------------------------------------------------------------
# summaries
# ---------------------------------------------------------------------------


def emotion_summary(probs: np.ndarray, presets: Sequence[str], *, n_photos: int | None = None,
                    per_input: bool = False) -> dict:
    """Recognition rate per preset and overall from ``(N, 7)`` probabilities.

    With ``per_input``: ``probs`` are the M unedited inputs and each is scored
    against every preset (the no-edit baseline); else row i belongs to preset
    ``presets[i]``.
    """
    from ganimation.metrics.emotion import preset_agreement

    if per_input:
        presets_rows = [p for _ in range(len(probs)) for p in presets]
        probs = np.repeat(probs, len(presets), axis=0)
        presets = presets_rows
    overall = preset_agreement(probs, presets)
    per = {}
    for name in dict.fromkeys(presets):
        idx = [i for i, p in enumerate(presets) if p == name]
        per[name] = preset_agreement(probs[idx], [name] * len(idx))
    from ganimation.metrics.emotion import EMOTION_CLASSES

    top = {}
    for name in dict.fromkeys(presets):
        idx = [i for i, p in enumerate(presets) if p == name]
        cls, cnt = np.unique(np.asarray(probs)[idx].argmax(1), return_counts=True)
        top[name] = {EMOTION_CLASSES[c]: int(k) for c, k in zip(cls, cnt)}
    return {"accuracy": overall["accuracy"], "n": overall["n"],
            "per_preset": {k: v["accuracy"] for k, v in per.items()},
            "mean_prob": {k: v["mean_prob"] for k, v in per.items()},
            "top_classes": top}


def score_run(run: EngineRun, clf, embed, e_in: np.ndarray | None, n_presets: int) -> None:
    """Fill ``run.probs`` (the classifier on the edited crops) and ``run.identity`` (embedding distance
    of each edit to its input: ``e_in`` holds one row per photo, edits are photo-major), where the
    classifier / the embedding are available."""
    if clf is not None and run.probs is None:
        run.probs = np.asarray(clf.predict(np.stack(run.crops)))
    if embed is not None and e_in is not None and run.identity is None:
        e_ed = embed(np.stack(run.id_crops))
        run.identity = np.linalg.norm(np.repeat(e_in, n_presets, axis=0).astype(np.float64) - e_ed, axis=1)


def summarise_run(run: EngineRun, clf, embed, e_in: np.ndarray | None, n_presets: int) -> dict:
    """The per-engine summary: time, geometry, emotion, colour, identity (scored by :func:`score_run`)."""
    from ganimation.metrics.geometry import geometry_summary

    score_run(run, clf, embed, e_in, n_presets)

    ms = np.asarray(run.ms)
    out: dict = {"n_edits": len(run.ms),
                 "ms_per_face": {"mean": float(ms.mean()), "median": float(np.median(ms)),
                                 "p90": float(np.percentile(ms, 90))},
                 "cpu_ms_per_face": {"mean": float(np.mean(run.cpu_ms)), "median": float(np.median(run.cpu_ms))}}
    out["geometry"] = geometry_summary(run.presets, run.deltas)
    if run.probs is not None:
        out["emotion"] = emotion_summary(run.probs, run.presets)
    fr = np.array([c["frechet_ab"] for c in run.colour])
    out["colour_shift"] = {
        "frechet_ab_mean": float(fr.mean()), "frechet_ab_median": float(np.median(fr)),
        "d_a_mean": float(np.mean([c["d_a"] for c in run.colour])),
        "d_b_mean": float(np.mean([c["d_b"] for c in run.colour])),
        "per_preset": {p: float(fr[[i for i, q in enumerate(run.presets) if q == p]].mean())
                       for p in dict.fromkeys(run.presets)}}
    if run.identity is not None:
        d = run.identity
        out["identity"] = {"mean_distance": float(d.mean()), "median_distance": float(np.median(d)),
                           "share_same_person": float((d < 0.6).mean()),
                           "per_preset": {p: float(d[[i for i, q in enumerate(run.presets) if q == p]].mean())
                                          for p in dict.fromkeys(run.presets)}}
    return out


def engine_goals(summaries: dict) -> dict:
    """Per engine: each goal of :data:`GOALS` with the value and whether it is met (None: not measured).

    The colour goal compares with the ``gan`` engine's shift when it was measured.
    """
    gan_colour = summaries.get("gan", {}).get("colour_shift", {}).get("frechet_ab_mean")
    out = {}
    for engine, s in summaries.items():
        g: dict = {}
        emo = s.get("emotion")
        if emo:
            g["emotion_overall >= 50 %"] = {"value": emo["accuracy"], "met": emo["accuracy"] >= GOALS["emotion_overall"]}
            each = {p: emo["per_preset"].get(p) for p in EMOTION_EACH if p in emo["per_preset"]}
            g["emotion happy/sad/surprise/anger/fear each >= 25 %"] = {
                "value": each, "met": bool(each) and all(v is not None and v >= GOALS["emotion_each"] for v in each.values())}
        pr = s["geometry"]["pass_rate"]
        g["geometry pass rate >= 80 %"] = {"value": pr, "met": pr is not None and pr >= GOALS["geometry_pass_rate"]}
        if "identity" in s:
            v = s["identity"]["mean_distance"]
            g["identity mean <= 0.30"] = {"value": v, "met": v <= GOALS["identity_mean"]}
        v = s["colour_shift"]["frechet_ab_mean"]
        g["colour shift <= gan engine's"] = {"value": v, "gan": gan_colour,
                                             "met": None if gan_colour is None else v <= gan_colour + 1e-9}
        v = s["ms_per_face"]["mean"]
        g["<= 150 ms per face"] = {"value": v, "met": v <= GOALS["ms_per_face"]}
        out[engine] = g
    return out


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------


def _pct(v, nd: int = 0) -> str:
    """A share as a percentage with ``nd`` decimals ("–" for None). Overall rates against a goal get
    one decimal, so that 49.9 % is not printed as a 50 % that misses a goal of 50 %."""
    return "–" if v is None else f"{100 * v:.{nd}f} %"


def _num(v, nd: int = 3) -> str:
    return "–" if v is None else f"{v:.{nd}f}"


def engines_markdown(m: dict) -> str:
    """The Markdown report of :func:`evaluate_engines`'s metrics: tables with the engines side by side."""
    from ganimation.metrics.geometry import PRESET_CRITERIA

    engines = list(m["engines"])
    meta = m["meta"]
    S = m["engines"]
    head = "| | " + " | ".join(engines) + " |\n|---|" + "---|" * len(engines)
    lines = ["# Engines: preset edits of whole photos", "",
             (f"{meta['n_faces']} faces (largest face of each image) from `{meta['data']}`, presets "
             f"{', '.join(meta['presets'])} at intensity {meta.get('intensity', 1.0):g}, {sum(S[e]['n_edits'] for e in engines)} edits; "
             f"warp texture strength {meta.get('texture', 'n/a')}; "
             f"torch threads {meta.get('torch_threads')}, load average at the end {meta.get('load_average')}."), ""]
    presets = meta["presets"]

    lines += ["## Summary", "", head]

    def row(label, fn):
        lines.append(f"| {label} | " + " | ".join(fn(S[e]) for e in engines) + " |")

    if any("emotion" in S[e] for e in engines):
        row("emotion recognised, overall", lambda s: _pct(s.get("emotion", {}).get("accuracy"), 1))
    row("geometry pass rate (defining measure >= 0.03 IOD)", lambda s: _pct(s["geometry"]["pass_rate"], 1))
    row("colour shift of the face (a*b* Fréchet, mean)", lambda s: _num(s["colour_shift"]["frechet_ab_mean"], 2))
    if any("identity" in S[e] for e in engines):
        row("identity distance, mean (dlib)", lambda s: _num(s.get("identity", {}).get("mean_distance")))
    row("ms per face (whole photo, with detection), mean", lambda s: f"{s['ms_per_face']['mean']:.0f}")
    row("ms per face, median", lambda s: f"{s['ms_per_face']['median']:.0f}")
    row("CPU ms per face (all threads; less sensitive to other load), mean",
        lambda s: f"{s['cpu_ms_per_face']['mean']:.0f}" if "cpu_ms_per_face" in s else "–")
    base = m.get("emotion_input_baseline")
    if base:
        lines += ["", (f"Emotion classifier on the unedited inputs, scored against each preset (no-edit baseline): "
                      f"{_pct(base['accuracy'])} overall.")]

    if any("emotion" in S[e] for e in engines):
        lines += ["", "## Emotion recognised per preset", "", "| preset | " + " | ".join(engines)
                  + (" | input (no edit) |" if base else " |"),
                  "|---|" + "---|" * (len(engines) + (1 if base else 0))]
        for p in presets:
            cells = [_pct(S[e].get("emotion", {}).get("per_preset", {}).get(p)) for e in engines]
            if base:
                cells.append(_pct(base["per_preset"].get(p)))
            lines.append(f"| {p} | " + " | ".join(cells) + " |")
    lines += ["", "## Geometry pass rate per preset", "",
              "Measured with MediaPipe landmarks on the edited photo, in the pose-normalised face frame (IOD).", "",
              "| preset | criterion | " + " | ".join(engines) + " |", "|---|---|" + "---|" * len(engines)]
    for p in presets:
        crit = " and ".join(f"{mm} {'up' if s > 0 else 'down'}" for mm, s in PRESET_CRITERIA[p])
        lines.append(f"| {p} | {crit} | " + " | ".join(_pct(S[e]["geometry"]["per_preset"][p]["pass_rate"]) for e in engines) + " |")
    lines += ["", "Mean change of the defining measures (IOD):", "", "| preset | measure | " + " | ".join(engines) + " |",
              "|---|---|" + "---|" * len(engines)]
    for p in presets:
        for mm, _s in PRESET_CRITERIA[p]:
            vals = []
            for e in engines:
                md = S[e]["geometry"]["per_preset"][p]["mean_delta"]
                vals.append("–" if md is None else f"{md[mm]:+.3f}")
            lines.append(f"| {p} | {mm} | " + " | ".join(vals) + " |")
    lines += ["", "## Colour shift and identity per preset", "", "| preset | " +
              " | ".join(f"{e} colour | {e} identity" for e in engines) + " |", "|---|" + "---|---|" * len(engines)]
    for p in presets:
        cells = []
        for e in engines:
            cells.append(_num(S[e]["colour_shift"]["per_preset"].get(p), 2))
            cells.append(_num(S[e].get("identity", {}).get("per_preset", {}).get(p)))
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    lines += ["", "## Goals (issue 28)", "", "| goal | " + " | ".join(engines) + " |", "|---|" + "---|" * len(engines)]
    goal_names = list(dict.fromkeys(k for e in engines for k in m["goals"][e]))
    for gname in goal_names:
        cells = []
        for e in engines:
            g = m["goals"][e].get(gname)
            if g is None:
                cells.append("–")
                continue
            mark = {True: "met", False: "**not met**", None: "n/a"}[g["met"]]
            v = g["value"]
            if isinstance(v, dict):
                txt = ", ".join(f"{k} {_pct(x)}" for k, x in v.items())
            elif "ms" in gname:
                txt = f"{v:.0f} ms"
            elif "emotion" in gname or "geometry" in gname:
                txt = _pct(v, 1)
            else:
                txt = _num(v, 3)
            cells.append(f"{txt}: {mark}")
        lines.append(f"| {gname} | " + " | ".join(cells) + " |")
    if m.get("notes"):
        lines += ["", "Notes:", ""] + [f"- {n}" for n in m["notes"]]
    return "\n".join(lines) + "\n"


def preset_grid(rows: Sequence[Sequence[np.ndarray]], labels: Sequence[str] | None = None, pad: int = 4) -> np.ndarray:
    """Rows of equal ``(C, C, 3)`` uint8 cells -> one ``(H, W, 3)`` uint8 grid with a label band on top."""
    from PIL import Image, ImageDraw

    if not rows:
        raise ValueError("no rows for the grid")
    c = rows[0][0].shape[0]
    ncol = max(len(r) for r in rows)
    band = 22 if labels else 0
    grid = np.full((band + len(rows) * (c + pad) + pad, ncol * (c + pad) + pad, 3), 255, np.uint8)
    for i, r in enumerate(rows):
        for j, cell in enumerate(r):
            y, x = band + pad + i * (c + pad), pad + j * (c + pad)
            grid[y:y + c, x:x + c] = cell
    if labels:
        im = Image.fromarray(grid)
        d = ImageDraw.Draw(im)
        for j, t in enumerate(labels):
            d.text((pad + j * (c + pad) + 6, 5), str(t), fill=(0, 0, 0))
        grid = np.asarray(im)
    return grid


def write_engine_report(metrics: dict, grids: dict, out_dir: str | os.PathLike) -> Path:
    """``metrics.json``, ``report.md``, ``edits.csv`` (:mod:`ganimation.evaluation.edit_table`) and
    ``grid_<engine>.png`` under ``out_dir``."""
    from PIL import Image

    from ganimation.evaluation.output import rounded, write_metrics

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    edits = metrics.get("edits")
    write_metrics(rounded({k: v for k, v in metrics.items() if k != "edits"}), out / "metrics.json")
    md = engines_markdown(metrics)
    if edits:
        write_edits_csv(edits, out / "edits.csv")
        md += "\nEvery edit, one row per engine, photo and preset: [edits.csv](edits.csv).\n"
    labels = ["input", *metrics["meta"]["presets"]]
    for engine, rows in grids.items():
        if rows:
            Image.fromarray(preset_grid(rows, labels)).save(out / f"grid_{engine}.png")
            md += f"\n![{engine}](grid_{engine}.png)\n"
    (out / "report.md").write_text(md)
    return out
