"""``ganimation evaluate``: AU control, reconstruction, identity, locality and realism of a model;
with ``--engine``, preset edits of whole photos by the editing engines side by side."""

from __future__ import annotations

import argparse
from pathlib import Path

from ganimation.cli import common, types


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "evaluate", help="measure a model on a dataset, synthetic pairs or photos; write metrics.json and report.md",
        description="Edit the faces of a test set toward target AUs and measure AU control, self-reconstruction, "
                    "cycle error, identity, locality, attention and realism. Writes REPORT_DIR/metrics.json, "
                    "report.md, plots and sample grids.")
    common.add_weights(p)
    p.add_argument("--data", "-d", required=True,
                   help="a dataset folder (prepared, official GANimation or OpenFace layout), synthetic pairs "
                        "(DATASET/pairs from `ganimation synth --pairs K`) or a folder of photos")
    p.add_argument("--kind", choices=("auto", "dataset", "pairs", "photos"), default="auto",
                   help="what --data holds (default: detected)")
    p.add_argument("--split", default="test", help="dataset split: test, train or all (default test)")
    p.add_argument("--targets", default="shuffled",
                   help="shuffled (another face's AUs), presets (each expression preset in turn) or a CSV file "
                        "of 17-AU rows on 0-1 (default shuffled)")
    p.add_argument("--limit", type=types.positive_int, default=None, metavar="N", help="evaluate the first N faces")
    p.add_argument("--recon-limit", type=types.int_range(-1, None, name="recon_limit"), default=200, metavar="M",
                   help="self-reconstruction and cycle on the first M faces (two more passes; default 200, -1 = all)")
    p.add_argument("--inception", default=None, metavar="PATH",
                   help="TorchScript Inception network for standard FID/KID (nothing is downloaded)")
    p.add_argument("--emotion", action="store_true",
                   help="with --targets presets: check preset edits with the optional emotion classifier")
    p.add_argument("--seed", type=types.seed, default=0, help="seed for shuffled targets and KID subsets")
    p.add_argument("--samples", type=types.int_range(0, 1000, name="samples"), default=8, help="faces in the sample grid (default 8)")
    p.add_argument("--threads", type=types.threads, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--engine", default=None, metavar="ENGINE[,ENGINE...]",
                   help="evaluate the photo editing engines instead (warp, gan, hybrid; comma-separated for "
                        "several side by side, or 'all'): every photo's largest face is edited toward the six "
                        "presets happy, sad, surprise, anger, disgust, fear at full intensity and measured for "
                        "emotion (when the classifier is installed), landmark geometry, colour shift, identity "
                        "and whole-photo time; the first --samples photos go into the preset grids")
    common.add_texture(p)
    p.add_argument("--intensity", type=types.float_range(0.0, 1.0, lo_open=True, name="intensity"), default=1.0,
                   help="with --engine: the presets' strength (default 1, what the goals of issue 28 are for)")
    p.add_argument("--no-emotion", action="store_true", help="with --engine: skip the emotion classifier")
    p.add_argument("-o", "--out", required=True, metavar="REPORT_DIR", help="output folder")
    p.set_defaults(func=run, _parser=p)
    return p


def _check(args) -> None:
    from ganimation.errors import AUParseError, GanimationError

    if args.limit is not None and args.limit < 1:
        raise GanimationError(f"--limit must be >= 1, got {args.limit}")
    if args.recon_limit < -1:
        raise GanimationError(f"--recon-limit must be >= 0 (or -1 for all), got {args.recon_limit}")
    if args.samples < 0:
        raise GanimationError(f"--samples must be >= 0, got {args.samples}")
    if args.targets not in ("shuffled", "presets") and not Path(args.targets).is_file():
        raise AUParseError(f"--targets {args.targets!r}: use shuffled, presets, or the path of a CSV of 17-AU rows")
    if not Path(args.data).is_dir():
        raise GanimationError(f"--data {args.data}: no such folder")
    if args.inception is not None and not Path(args.inception).expanduser().is_file():
        raise GanimationError(f"--inception {args.inception}: no such file (a TorchScript Inception network; "
                              "nothing is downloaded)")
    from ganimation.video import validate_output_dir

    validate_output_dir(args.out, inputs=[args.data], what="report folder")
    if args.engine is not None:
        _engines(args.engine)


def _engines(spec: str) -> list[str]:
    from ganimation.errors import GanimationError
    from ganimation.faces.pipeline import ENGINES

    names = list(ENGINES) if spec.strip() == "all" else [e.strip() for e in spec.split(",") if e.strip()]
    bad = [e for e in names if e not in ENGINES]
    if bad or not names:
        raise GanimationError(f"--engine {spec!r}: choose from {', '.join(ENGINES)} (comma-separated) or all")
    return names


def run_engines(args) -> int:
    from ganimation.evaluate import evaluate_engines, write_engine_report

    engines = _engines(args.engine)
    editor = common.load_editor(args) if any(e != "warp" for e in engines) else None
    if args.targets != "shuffled":
        print("note: --engine always edits toward the six presets; --targets is ignored")
    m, grids = evaluate_engines(editor, args.data, engines=engines, split=args.split, limit=args.limit,
                                samples=args.samples, emotion=not args.no_emotion, device=args.device,
                                weights=args.weights, texture=args.texture, intensity=args.intensity)
    write_engine_report(m, grids, args.out)
    for e, s in m["engines"].items():
        parts = [f"{e}: {s['n_edits']} edits"]
        if "emotion" in s:
            parts.append(f"emotion {100 * s['emotion']['accuracy']:.0f} %")
        parts.append(f"geometry {100 * s['geometry']['pass_rate']:.0f} %")
        parts.append(f"colour shift {s['colour_shift']['frechet_ab_mean']:.2f}")
        if "identity" in s:
            parts.append(f"identity {s['identity']['mean_distance']:.3f}")
        parts.append(f"{s['ms_per_face']['mean']:.0f} ms/face")
        print(", ".join(parts))
    for note in m.get("notes", []):
        print(f"note: {note}")
    print(f"wrote {Path(args.out) / 'metrics.json'} and {Path(args.out) / 'report.md'}")
    return 0


def run(args) -> int:
    _check(args)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.engine:
        return run_engines(args)
    from ganimation.evaluate import evaluate

    editor = common.load_editor(args)
    out_existed = Path(args.out).exists()
    m = evaluate(editor, args.data, split=args.split, targets=args.targets, limit=args.limit,
                 inception=args.inception, emotion=args.emotion, out_dir=args.out,
                 recon_limit=None if args.recon_limit == -1 else args.recon_limit, kind=args.kind,
                 seed=args.seed, samples=args.samples, device=args.device, weights=args.weights)
    meta = m["meta"]
    if not meta.get("n"):
        _nothing_evaluated(args, m, out_existed)
    parts = [f"{meta['n']} faces ({meta['kind']})"]
    if "edit" in m.get("au_control", {}):
        au = m["au_control"]
        parts.append(f"AU MAE {au['edit']['mae']:.3f} (input {au['baseline']['mae']:.3f})")
    if "edit" in m.get("au_control_judge", {}):
        au = m["au_control_judge"]
        parts.append(f"AU judge MAE {au['edit']['mae']:.3f} (input {au['baseline']['mae']:.3f})")
    if "self_reconstruction" in m:
        parts.append(f"recon PSNR {m['self_reconstruction']['psnr']:.2f} dB")
    if "identity" in m:
        parts.append(f"identity {m['identity']['mean_distance']:.3f}")
    if "pairs" in m:
        e, b = m["pairs"]["edit"], m["pairs"]["baseline"]
        parts.append(f"pair PSNR of the changed region {e['changed_psnr']:.2f} dB (input {b['changed_psnr']:.2f})")
    print("evaluated " + ", ".join(parts))
    for note in m.get("notes", []):
        print(f"note: {note}")
    print(f"wrote {Path(args.out) / 'metrics.json'} and {Path(args.out) / 'report.md'}")
    return 0


def _nothing_evaluated(args, metrics: dict, out_existed: bool) -> None:
    """No face could be evaluated (every photo unreadable or faceless): remove the empty report, raise."""
    import shutil

    from ganimation.errors import DatasetError

    notes = "; ".join(str(n) for n in metrics.get("notes", [])[:2])
    if not out_existed:
        shutil.rmtree(args.out, ignore_errors=True)
    raise DatasetError(f"--data {args.data}: nothing could be evaluated (no readable face in "
                       f"{metrics.get('meta', {}).get('kind', 'the data')})" + (f": {notes}" if notes else "")
                       + "; check the folder, --kind and --split")
