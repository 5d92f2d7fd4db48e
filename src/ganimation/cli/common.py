"""Argument helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import logging

import numpy as np

log = logging.getLogger("ganimation.cli")


def add_weights(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weights", "-w", default=None,
                        help="weights (.safetensors, or .onnx exported by `ganimation export`); default: the shipped model")
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda if available)")


def add_face_search(parser: argparse.ArgumentParser, default: str) -> None:
    """``--face-search``: the detector's search mode (:class:`ganimation.faces.detect.FaceDetector`)."""
    from ganimation.faces.detect import SEARCH_MODES  # numpy and the standard library only

    parser.add_argument("--face-search", choices=SEARCH_MODES, default=default,
                        help="face detection: whole (one pass: portraits), proposals (also small faces in "
                             "group photos), thorough (also landmarks on tiles; slowest) "
                             f"(default {default})")


def add_video_range(parser: argparse.ArgumentParser, what: str = "the video", prefix: str = "") -> None:
    """``--max-frames``, ``--start``, ``--end``: how much of ``what`` is read (videos over
    :data:`ganimation.video.DEFAULT_MAX_FRAMES` frames are refused without one of them)."""
    from ganimation.cli import types

    parser.add_argument("--max-frames", type=types.positive_int, default=None,
                        help=f"{prefix}use at most N frames of {what} (without it, or --start/--end, videos over "
                             "3000 frames are refused)")
    parser.add_argument("--start", type=types.seconds, default=None, help=f"{prefix}start of {what} to use, in seconds")
    parser.add_argument("--end", type=types.seconds, default=None, help=f"{prefix}end of {what} to use, in seconds")


def refuse_video_range(args, path) -> None:
    """A one-line error when :func:`add_video_range`'s cuts are given for ``path``, which is not a video."""
    if any(getattr(args, k) is not None for k in ("max_frames", "start", "end")):
        from ganimation.errors import GanimationError

        raise GanimationError(f"--max-frames/--start/--end cut a video; {path} is not one (.mp4 .mov .webm "
                              ".mkv .avi .m4v or an animated GIF)")


def add_engine(parser: argparse.ArgumentParser) -> None:
    """``--engine``: how photos are edited (:data:`ganimation.faces.pipeline.ENGINES`)."""
    parser.add_argument("--engine", choices=("warp", "gan", "hybrid"), default=None,
                        help="warp: AU-driven landmark motion and a triangulated warp at the photo's resolution "
                             "(the default; no network); gan: the generator on the aligned crop (the default "
                             "when --weights is given); hybrid: the warp, then the generator")
    add_texture(parser)


def add_texture(parser: argparse.ArgumentParser) -> None:
    """``--texture S``: strength of the warp engine's texture stage (:mod:`ganimation.texture.au_texture`)."""
    from ganimation.cli import types
    from ganimation.texture.au_texture import MAX_STRENGTH, STRENGTH

    parser.add_argument("--texture", type=types.float_range(0.0, MAX_STRENGTH, name="texture"), default=None, metavar="S",
                        help=f"warp engine: strength of the learned shading of folds and wrinkles (default {STRENGTH}; "
                             "0: shape only)")


def engine(args) -> str:
    """The engine a command uses: ``--engine``; else ``gan`` when ``--weights`` names a model or ``--crop``
    asks for crop editing (the generator's job); else the default."""
    from ganimation.faces.pipeline import resolve_engine

    implied = "gan" if getattr(args, "weights", None) or getattr(args, "crop", False) else None
    return resolve_engine(None, args.engine or implied)


def parse_face(value: str, *, allow_all: bool = True):
    """``--face``: ``"all"`` (when allowed), ``"largest"`` or a face index; a one-line error otherwise."""
    from ganimation.errors import GanimationError

    if value == "largest" or (allow_all and value == "all"):
        return value
    try:
        return int(value)
    except ValueError:
        choices = "all, largest" if allow_all else "largest"
        raise GanimationError(f"--face {value!r}: use {choices} or a face index") from None


def add_target(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    g = parser.add_argument_group("target expression")
    g.add_argument("--aus", "-a", default=None, help='AU intensities on 0-1, e.g. "AU12=0.8,AU06=0.5"')
    g.add_argument("--expression", "-e", default=None,
                   help="preset: neutral, happy, sad, surprise, fear, anger, disgust, contempt")
    g.add_argument("--intensity", type=float, default=1.0,
                   help="preset strength in [0, 1] (default 1); with --like, the share of the reference's "
                        "expression change applied")
    g.add_argument("--relative", action="store_true", help="--aus values are offsets added to the face's own AUs")


def check_target(parser, args) -> None:
    """Validate the target before any model or detector is loaded."""
    from ganimation.aus import parse_aus, preset_name
    from ganimation.errors import AUParseError

    if args.aus is None and args.expression is None:
        parser.error("give --aus or --expression")
    if args.expression is not None:
        preset_name(args.expression)
    if args.aus is not None:
        parse_aus(args.aus, relative=args.relative)
    if not 0.0 <= args.intensity <= 1.0:
        raise AUParseError(f"--intensity {args.intensity} is outside [0, 1]")
    if args.expression is None and args.intensity != 1.0:
        raise AUParseError("--intensity scales a preset (--expression) or --like; with --aus alone give the "
                           "values themselves")


def refuse_like_intensity(args) -> None:
    """A one-line error when ``--intensity`` (other than 1) comes with ``--like`` and an engine other than
    the warp engine, whose reference motion is what it scales."""
    if getattr(args, "like", None) is None or args.intensity == 1.0 or engine(args) == "warp":
        return
    from ganimation.errors import GanimationError

    picks = "--engine/--weights/--crop" if hasattr(args, "crop") else "--engine/--weights"
    raise GanimationError(f"--intensity with --like scales the warp engine's motion; drop {picks}, or --intensity")


def load_editor(args):
    """The editor for ``--weights`` on ``--device`` (checked by :func:`ganimation.devices.resolve_device`)."""
    from ganimation.devices import resolve_device
    from ganimation.edit import Editor

    return Editor.from_pretrained(args.weights, device=resolve_device(args.device))


def crop_current_aus(crop: np.ndarray, given: str | None = None) -> np.ndarray | None:
    """The crop's own AUs: from ``given`` (an AU string), the faces extra's estimator, or None."""
    from ganimation.aus import to_vector, parse_aus

    if given:
        return to_vector(parse_aus(given))
    try:
        from ganimation.faces.pipeline import estimate_crop_aus
    except ImportError:
        log.info("faces extra not installed: the crop's own AUs are taken as 0")
        return None
    try:
        return estimate_crop_aus(crop)
    except Exception as exc:  # noqa: BLE001 - estimation is best effort for crops
        log.warning("could not estimate the crop's AUs (%s); taking them as 0", exc)
        return None


def faces_available() -> bool:
    try:
        import ganimation.faces.pipeline  # noqa: F401
    except ImportError:
        return False
    return True
