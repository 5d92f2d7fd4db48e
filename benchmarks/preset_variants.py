"""The preset and mouth choices of the warp engine, each measured against the current defaults.

Every variant changes one thing (a preset's AUs, the rule for the AUs a preset
does not list, the closed-mouth limits, the AU20 hold of a released smile's
width, the texture stage's smile release, the lip repair, the carried teeth,
a preset's defining AUs' least motion, a motion floor of every AU that was not adopted)
and runs the engine evaluation of issue 28 on a *development* set of UTKFace
faces: 60 photos from index >= 3,000 of the sorted files in the train split of
``ganimation prepare`` (hash split, seed 0, 10 % test), so none was used to fit
the AU motion or texture models (they used the first 3,000) and none is one of
the 119 held-out evaluation faces (test split). The choices were made on this
set; benchmarks/results/engines/summary.md reports them on the held-out faces.

    .venv/bin/python benchmarks/preset_variants.py --make-dev      # data/utkface_dev60 (links)
    .venv/bin/python benchmarks/preset_variants.py                 # all variants, ~25 s each
    .venv/bin/python benchmarks/preset_variants.py --only current old_rule
    .venv/bin/python benchmarks/preset_variants.py --make-dev-more  # data/utkface_dev120b: 120 more
    .venv/bin/python benchmarks/preset_variants.py --data data/utkface_dev120b --out preset_variants_dev120b \
        --only current no_defining_floor defining_floor_0.5

Writes benchmarks/results/engines/preset_variants.md and .json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "data/utkface_dev60"
DEV_MORE = ROOT / "data/utkface_dev120b"
UTK = Path("/work/shared/data/utkface")
OUT = ROOT / "benchmarks/results/engines"


def dev_args(description: str, data: Path, out: str, options=None):
    """The ``--data`` / ``--out`` options of a development-set benchmark (and those ``options(parser)``
    adds), parsed; with ``.paths`` (the folder's photos, sorted; exits saying how to make the folder
    when it has none) and ``.shown`` (the folder as the report names it: relative to the repository
    when inside it). Sets 2 torch threads."""
    import argparse

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--data", type=Path, default=data)
    ap.add_argument("--out", default=out, help="name of the result files (.md, .json)")
    if options is not None:
        options(ap)
    args = ap.parse_args()
    args.paths = sorted(p for p in args.data.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")) \
        if args.data.is_dir() else []
    if not args.paths:
        raise SystemExit(f"{args.data}: no photos; benchmarks/preset_variants.py --make-dev (--make-dev-more) "
                         "makes the development folders")
    here = args.data.resolve()
    args.shown = here.relative_to(ROOT.resolve()) if here.is_relative_to(ROOT.resolve()) else args.data
    import torch

    torch.set_num_threads(2)   # the benchmarks' setting (docs/wggan.md, "Speed": loaded 2-thread calls)
    return args


def _dev_pool() -> list[str]:
    """The sorted UTKFace files from index >= 3,000 outside the test split: where development faces come from."""
    from ganimation.faces.prepare import split_of

    files = sorted(p.name for p in UTK.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    return [f for i, f in enumerate(files) if i >= 3000 and split_of(f, 0, 0.1) != "test"]


def _spread(names: list[str], offset: int, n: int) -> list[str]:
    """``n`` of ``names``, evenly spread from ``offset``."""
    return names[offset::len(names) // n][:n]


def _link(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for f in names:
        if not (folder / f).exists():
            os.symlink(UTK / f, folder / f)
    print(f"{folder}: {len(list(folder.iterdir()))} links")


def make_dev(n: int = 60) -> None:
    """Link ``n`` train-split UTKFace files from index >= 3,000 into :data:`DEV`."""
    _link(DEV, _spread(_dev_pool(), 7, n))


def make_dev_more(n: int = 120) -> None:
    """Link ``n`` more development faces, none of :func:`make_dev`'s, into :data:`DEV_MORE`
    (a second set, for checking a choice made on the first)."""
    pool = _dev_pool()
    first = set(_spread(pool, 7, 60))
    _link(DEV_MORE, _spread([f for f in pool if f not in first], 3, n))


@contextlib.contextmanager
def patched(obj, name: str, value):
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


@contextlib.contextmanager
def preset(name: str, aus: dict):
    import ganimation.aus as A

    with patched(A, "PRESETS", {**A.PRESETS, name: aus}):
        yield


@contextlib.contextmanager
def motion_floor(share: float, aus: tuple[str, ...] | None = None):
    """Not adopted: each AU a preset raises (of ``aus``; None: all) moves at least ``share`` of the
    preset's value, whatever the estimate says the face already shows (the motion starts from
    ``min(current, (1 - share) * target)``)."""
    import ganimation.geometry_edit as G
    from ganimation.aus import AU_CODES

    plain = G.edit_face_geometry
    chosen = np.array([aus is None or c in aus for c in AU_CODES])

    def floored(image, landmarks, current, target, **kw):
        cur = np.asarray(current, np.float64).copy()
        tgt = np.asarray(target, np.float64)
        up = (tgt > cur) & chosen
        cur[up] = np.minimum(cur[up], tgt[up] * (1.0 - share))
        return plain(image, landmarks, cur, tgt, **kw)

    with patched(G, "edit_face_geometry", floored):
        yield


def smile_from_blendshape(gain: float = 1.6):
    """The face's AU12 estimate raised to at least ``gain`` times its normalised mouthSmile blendshape
    (not adopted): 21 of the 120 more development faces the classifier reads as happy (p >= 0.75) get
    an AU12 estimate below 0.5 (open grins, many of them children), so a preset releases a smaller
    smile than the photo shows and their sad, surprise, anger and fear edits keep reading as happy."""
    import ganimation.faces.estimate as FE
    from ganimation.aus import AU_CODES
    from ganimation.faces.detect import BS

    plain = FE.estimate_aus
    i12 = AU_CODES.index("AU12")

    def raised(face, *a, **kw):
        out = np.array(plain(face, *a, **kw), copy=True)
        smile = (face.blendshapes[BS["mouthSmileLeft"]] + face.blendshapes[BS["mouthSmileRight"]]) / 2
        out[i12] = max(out[i12], float(np.clip((smile - 0.1) / 0.9 * gain, 0.0, 1.0)))
        return out

    return patched(FE, "estimate_aus", raised)


def listed_at_least():
    """Every AU a preset lists above 0 asked for at least (not adopted): a face that shows more of a
    preset's own AU keeps it, as happy's opening and sad's blinks do (:data:`ganimation.aus.PRESET_AT_LEAST`)."""
    import ganimation.aus as A

    plain = A.preset_target

    def target(current, name):
        out = plain(current, name)
        if current is None:
            return out
        cur = A.check_vector(current)
        for k, code in enumerate(A.AU_CODES):
            if A.PRESETS[A.preset_name(name)].get(code, 0.0) > 0.0:
                out[k] = max(out[k], cur[k])
        return out

    return patched(A, "preset_target", target)


def texture_gain(aus: tuple[str, ...], gain: float = 2.0):
    """The texture stage's shading of the AU changes of ``aus`` at ``gain`` times the default strength, the
    others as they are (not adopted): which AUs' folds buy recognition, and at what identity cost."""
    import ganimation.texture.au_texture as T
    from ganimation.aus import AU_CODES

    weights = np.ones(len(AU_CODES), np.float32)
    weights[[AU_CODES.index(a) for a in aus]] = gain
    plain = T.AUTextureModel.change

    def change(self, delta, strength=T.STRENGTH):
        return plain(self, np.asarray(delta, np.float32) * weights, strength)

    return patched(T.AUTextureModel, "change", change)


#: the AU groups whose texture :func:`texture_gain` doubles (rows ``texture_x2_<name>``)
TEXTURE_GROUPS = {"all": ("AU01", "AU02", "AU04", "AU05", "AU06", "AU07", "AU09", "AU10", "AU12", "AU14", "AU15",
                          "AU17", "AU20", "AU23", "AU25", "AU26", "AU45"),
                  "AU04": ("AU04",), "AU09": ("AU09",), "brows_raised": ("AU01", "AU02"), "AU07": ("AU07",),
                  "lips": ("AU10", "AU15", "AU17", "AU20", "AU23"), "smile": ("AU06", "AU12"), "AU05": ("AU05",),
                  "mouth": ("AU25", "AU26")}


@contextlib.contextmanager
def motion_dead_zone(a: float = 0.25, b: float = 0.75):
    """Pixels the warp moves by less than ``a`` px keep their place, motion ramps to full at ``b`` px
    (not adopted): whether sub-pixel resampling of barely moving skin is what costs identity."""
    import ganimation.warp.face as WF
    from ganimation.warp.dense import DenseWarp

    plain = WF.backward_map

    def zoned(*args, **kw):
        d = plain(*args, **kw)
        if d.map.size == 0:
            return d
        x0, y0, x1, y1 = d.roi
        gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        grid = np.stack([gx, gy], -1)
        disp = d.map - grid
        r = np.linalg.norm(disp, axis=-1, keepdims=True)
        m = grid + disp * np.clip((r - a) / (b - a), 0.0, 1.0)
        return DenseWarp(roi=d.roi, map=m.astype(np.float32), moved=(np.abs(m - grid) > 1e-3).any(-1))

    with patched(WF, "backward_map", zoned):
        yield


def no_lip_repair():
    """The lips' rings and the skin around them moved as the model gives them (no
    :func:`ganimation.motion.unfold.unfold_mouth`)."""
    import ganimation.motion.unfold as U

    return patched(U, "unfold_mouth", lambda frame, motion: motion)


def no_lip_bodies():
    """The warp engine with crossing lips stopped at their inner points only (before): the rest of each
    lip's column kept the motion's overshoot (:func:`ganimation.motion.regions.uncross`)."""
    import functools

    import ganimation.motion.regions as R

    return patched(R, "uncross", functools.partial(R.uncross, lip_bodies=False))


def no_carried_teeth():
    """The photo's mouth opening stretched by the warp (``shade_mouth`` without the photo)."""
    import ganimation.geometry_edit as G
    import ganimation.warp.mouth as W

    plain = W.shade_mouth
    return patched(G, "shade_mouth", lambda image, source, target, iod, photo=None, **kw: plain(image, source, target, iod,
                                                                                                 **kw))


def no_stretched_teeth():
    """The dropped jaw's mouth drawn whatever AU20 asks (no second exemplar with both rows of teeth)."""
    import ganimation.geometry_edit as G
    import ganimation.warp.mouth as W

    plain = W.shade_mouth
    return patched(G, "shade_mouth", lambda image, source, target, iod, photo=None, stretch=0.0:
                   plain(image, source, target, iod, photo=photo))


def variants() -> dict:
    """name -> (what changes, context manager factory)."""
    import ganimation.aus as A
    import ganimation.motion.au_model as M
    import ganimation.motion.lids as L
    import ganimation.texture.au_texture as T
    import ganimation.warp.eyes as E
    import ganimation.warp.mouth as W

    P = A.PRESETS
    return {
        "current": ("the defaults", contextlib.nullcontext),
        "old_rule": ("every AU a preset does not list goes to 0 (the rule before)",
                     lambda: patched(A, "PRESET_KEEPS_UP_TO", 0.0)),
        "keep_all_unlisted": ("unlisted brow/eye/nose AUs kept in full (no cap at 0.3)",
                              lambda: patched(A, "PRESET_KEEPS_UP_TO", 1.0)),
        "keep_unlisted_0.5": ("unlisted brow/eye/nose AUs kept up to 0.5",
                              lambda: patched(A, "PRESET_KEEPS_UP_TO", 0.5)),
        "anger_keeps_brow_raise": ("anger without AU01/AU02 = 0",
                                   lambda: preset("anger", {k: v for k, v in P["anger"].items()
                                                            if k not in ("AU01", "AU02")})),
        "anger_with_au05": ("anger with FACS's AU05 0.5", lambda: preset("anger", {**P["anger"], "AU05": 0.5})),
        "disgust_au10_0.6": ("disgust AU10 0.6 (before)", lambda: preset("disgust", {**P["disgust"], "AU10": 0.6})),
        "surprise_au01_0.9": ("surprise with AU01 0.9, the inner brows raised as far as the outer ones (before)",
                              lambda: preset("surprise", {**P["surprise"], "AU01": 0.9})),
        "surprise_no_au23": ("surprise without AU23 (before)",
                             lambda: preset("surprise", {k: v for k, v in P["surprise"].items() if k != "AU23"})),
        "fear_before": ("fear as first (AU01 .8, AU02 .6, AU04 .3, AU05 .8, AU07 .4, AU20 .8, AU25 .6, AU26 .4)",
                        lambda: preset("fear", {"AU01": 0.8, "AU02": 0.6, "AU04": 0.3, "AU05": 0.8, "AU07": 0.4,
                                                "AU20": 0.8, "AU25": 0.6, "AU26": 0.4})),
        "fear_au04_0.4": ("fear with AU04 0.4 (before)", lambda: preset("fear", {**P["fear"], "AU04": 0.4})),
        "fear_no_au15": ("fear without AU15",
                         lambda: preset("fear", {k: v for k, v in P["fear"].items() if k != "AU15"})),
        "sad_no_au45": ("sad without its lid droop (AU45)",
                        lambda: preset("sad", {k: v for k, v in P["sad"].items() if k != "AU45"})),
        "sad_au45_0.5": ("sad with AU45 0.5 (before)", lambda: preset("sad", {**P["sad"], "AU45": 0.5})),
        "droop_not_scaled": ("a lid droop moves every eye's lid as far as the mean face's (before)",
                             lambda: patched(L, "droop_to_scale", lambda frame, motion, *_: motion)),
        "closing_eyes_warped": ("an eye that closes is left to the warp: its eyeball squeezed (before)",
                                lambda: patched(E, "_closes", lambda h_s, h_t, iod: False)),
        "no_stretcher_hold": ("a rising AU20 does not hold a released smile's width (before)",
                              lambda: patched(M, "STRETCHER_HOLD", 0.0)),
        "no_depressor_hold": ("a rising AU20 does not hold a rising AU15's narrowing (before)",
                              lambda: patched(M, "HELD_BY_STRETCHER", ())),
        "no_texture_release": ("the texture stage counts a smile's release once (before)",
                               lambda: patched(T, "_release_gain", lambda: np.ones(len(A.AU_CODES), np.float32))),
        "no_narrowing_limit": ("a closing mouth narrows without limit",
                               lambda: patched(M, "MAX_CLOSED_NARROWING", 1e9)),
        "no_lip_redraw": ("the squeezed mouth of a closing smile is not redrawn",
                          lambda: patched(W, "CLOSED_AT", 1e9)),
        "no_lip_repair": ("the lips' rings and the skin around them not kept from folding (before)", no_lip_repair),
        "no_lip_bodies": (("crossing lips stopped at their inner points only, their outer contours left where "
                           "the motion's overshoot put them (before)"), no_lip_bodies),
        "no_carried_teeth": ("the photo's opening (a smile's teeth) stretched over the new opening (before)",
                             no_carried_teeth),
        "no_stretched_teeth": ("stretched lips (AU20) drawn with the dropped jaw's mouth, no lower teeth (before)",
                               no_stretched_teeth),
        "no_defining_floor": ("a preset's defining AUs move only from the estimate (before; PRESET_MOVES_AT_LEAST 0)",
                              lambda: patched(A, "PRESET_MOVES_AT_LEAST", 0.0)),
        "defining_floor_0.5": ("a preset's defining AUs move at least half their value (PRESET_MOVES_AT_LEAST 0.5)",
                               lambda: patched(A, "PRESET_MOVES_AT_LEAST", 0.5)),
        "smile_from_blendshape": (("AU12 read as at least 1.6 x the mouthSmile blendshape: a larger release "
                                   "of grins the estimate under-reads (not adopted)"), smile_from_blendshape),
        **{f"texture_x2_{g}": ((f"the texture stage's shading of {g if g != 'all' else 'every AU'} "
                                f"({', '.join(aus) if g != 'all' else 'strength 1'}) at twice the default "
                                "(not adopted)"), lambda aus=aus: texture_gain(aus))
           for g, aus in TEXTURE_GROUPS.items()},
        "listed_at_least": ("every AU a preset lists asked for at least: stronger readings kept (not adopted)",
                            listed_at_least),
        "motion_dead_zone": ("pixels moved less than 0.25 px kept, full motion from 0.75 px (not adopted)",
                             motion_dead_zone),
        "floor_0.6": ("motion floor 0.6 (not adopted)", lambda: motion_floor(0.6)),
        "floor_smile_0.6": ("motion floor 0.6 for AU06/AU12 only (not adopted)",
                            lambda: motion_floor(0.6, ("AU06", "AU12"))),
        "floor_brows_0.6": ("motion floor 0.6 for AU01/AU02/AU04 only (not adopted)",
                            lambda: motion_floor(0.6, ("AU01", "AU02", "AU04"))),
        "floor_1.0": ("motion floor 1.0: a preset's AUs move from 0 (not adopted)", lambda: motion_floor(1.0)),
        "teeth_light_from_skin": (("a drawn mouth interior lit as read from the skin and lips, also where the photo "
                                   "shows its own teeth (before)"),
                                  lambda: patched(W, "_teeth_light", lambda photo, source, b, light, w: (b, light))),
        **{f"stretched_power_{k}": ((f"an opening of lips stretched sideways (AU20) tapered toward its corners by "
                                     f"the ellipse to the power {k} (the default: 0.3; 0: untapered, the rule before)"),
                                    lambda k=k: stretched_power(k)) for k in (0.0, 0.5, 1.0)},
    }


@contextlib.contextmanager
def stretched_power(power: float):
    """:func:`ganimation.motion.opening.round_opening`'s taper of fully stretched lips at ``power``."""
    import ganimation.motion.opening as O

    with patched(O, "STRETCHED_POWER", power):
        yield


def measure(paths: list[Path], **settings) -> dict:
    """The warp engine's evaluation of ``paths`` (``settings``: more keyword arguments of
    :func:`ganimation.evaluation.engines.evaluate_engines`, e.g. ``intensity``, ``texture``), summarised."""
    from ganimation.evaluation.engines import evaluate_engines

    m, _ = evaluate_engines(None, paths, engines=("warp",), samples=0, warmup=False, **settings)
    s = m["engines"]["warp"]
    return {"emotion": s["emotion"]["accuracy"], "emotion_per_preset": s["emotion"]["per_preset"],
            "top_classes": s["emotion"]["top_classes"], "geometry": s["geometry"]["pass_rate"],
            "geometry_per_preset": {p: v["pass_rate"] for p, v in s["geometry"]["per_preset"].items()},
            "identity": s["identity"]["mean_distance"], "identity_per_preset": s["identity"]["per_preset"],
            "colour": s["colour_shift"]["frechet_ab_mean"], "n_faces": m["meta"]["n_faces"], **settings}


#: the presets of a table row's per-preset emotion column, in order
EACH = ("happy", "sad", "surprise", "anger", "fear", "disgust")


def per_preset(r: dict) -> str:
    """A result's per-preset emotion rates as ``"93, 37, 60, ..."`` (%, :data:`EACH` order)."""
    return ", ".join(f"{100 * r['emotion_per_preset'][p]:.0f}" for p in EACH)


def table(results: dict, what: dict) -> list[str]:
    lines = ["| variant | change | emotion | " + ", ".join(EACH) + " | geometry | identity | colour |",
             "|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {what[name]} | {100 * r['emotion']:.1f} % | {per_preset(r)} "
                     f"| {100 * r['geometry']:.1f} % | {r['identity']:.4f} | {r['colour']:.3f} |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--make-dev", action="store_true", help="link the development faces and stop")
    ap.add_argument("--make-dev-more", action="store_true", help="link 120 more development faces and stop")
    ap.add_argument("--out", default="preset_variants", help="name of the result files (.md, .json)")
    ap.add_argument("--only", nargs="+", help="variant names (default: all)")
    ap.add_argument("--data", type=Path, default=DEV)
    args = ap.parse_args()
    if args.make_dev or args.make_dev_more:
        make_dev() if args.make_dev else make_dev_more()
        return
    import torch

    torch.set_num_threads(2)
    found = variants()
    names = args.only or list(found)
    unknown = [n for n in names if n not in found]
    if unknown:
        raise SystemExit(f"unknown variant(s) {unknown}; choose from {', '.join(found)}")
    paths = sorted(args.data.iterdir())
    results = {}
    for name in names:
        t0 = time.perf_counter()
        with found[name][1]():
            results[name] = measure(paths)
        print(f"{name}: emotion {results[name]['emotion']:.3f} geometry {results[name]['geometry']:.3f} "
              f"identity {results[name]['identity']:.4f} ({time.perf_counter() - t0:.0f} s)", flush=True)
    what = {n: found[n][0] for n in names}
    lines = [f"# Preset and mouth choices of the warp engine, on {results[names[0]]['n_faces']} development faces", "",
             "`.venv/bin/python benchmarks/preset_variants.py` (the set and the method are in its docstring). "
             "Each row changes one thing against the current defaults. Emotion: FER2013 classifier, share of "
             "the six presets' edits recognised (per preset in %: happy, sad, surprise, anger, fear, disgust); "
             "geometry: share of edits whose defining landmark measure moves >= 0.03 IOD the right way; "
             "identity: dlib distance to the input, mean; colour: a*b* Fréchet distance of the face.", "",
             *table(results, what), ""]
    (OUT / f"{args.out}.md").write_text("\n".join(lines))
    (OUT / f"{args.out}.json").write_text(json.dumps({"data": str(args.data), "results": results}, indent=1))
    print(f"wrote {OUT / args.out}.md")


if __name__ == "__main__":
    main()
