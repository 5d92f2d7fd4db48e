"""``ganimation animate``: render the interpolation from the current to a target expression."""

from __future__ import annotations

import numpy as np

from ganimation.cli import common, types


def add_parser(sub) -> None:
    p = sub.add_parser("animate", help="animate a face toward an expression (GIF/MP4)", description=__doc__)
    p.add_argument("input", help="a photo (warp engine, the default: any size) or an aligned face crop")
    p.add_argument("-o", "--output", required=True, help="output .gif or .mp4")
    common.add_weights(p)
    common.add_engine(p)
    p.add_argument("--face", default="largest", help="photo: which face moves: largest, all, or an index "
                                                     "(0 = largest)")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", help='target: a preset name ("happy") or AUs ("AU12=1,AU06=0.8")')
    target.add_argument("--like", metavar="REF", help="target: the expression of the largest face in the photo REF "
                                                      "(as edit --like: landmark motion with the warp engine, its "
                                                      "estimated AUs with the others)")
    p.add_argument("--from", dest="source", default=None,
                   help="the crop's own AUs (default: estimated, or 0 without the faces extra)")
    p.add_argument("--intensity", type=types.unit_interval, default=1.0,
                   help="preset strength in [0, 1]; with --like (warp engine), the share of the reference's motion")
    p.add_argument("--frames", type=types.animation_frames, default=24,
                   help=f"frames from start to target, 2 to {types.MAX_ANIMATION_FRAMES} (default 24)")
    p.add_argument("--fps", type=types.fps, default=12.0, help="frames per second, 0.1 to 240 (default 12)")
    p.add_argument("--pingpong", action="store_true", help="go back to the start expression")
    p.add_argument("--linear", action="store_true", help="linear alpha instead of eased")
    p.add_argument("--overwrite", action="store_true", help="allow the output to replace the input")
    p.set_defaults(func=run)


def parse_to(text: str, current: np.ndarray | None, intensity: float) -> tuple[np.ndarray, np.ndarray]:
    """``(target, start)`` ``(17,)`` each: the AUs ``--to`` asks for and those the warp engine's motion
    starts from (:func:`ganimation.aus.motion_start`; ``current`` itself unless ``--to`` is a preset)."""
    from ganimation.aus import PRESET_ALIASES, PRESETS, motion_start, resolve_target

    key = text.strip().lower()
    if key.isalpha() and key not in PRESETS and key not in PRESET_ALIASES:   # a word: a misspelt preset
        from ganimation.errors import AUParseError

        raise AUParseError(f"--to {text.strip()!r} is neither a preset ({', '.join(PRESETS)}) nor AUs like "
                           '"AU12=0.8,AU06=0.5"')
    preset = key in PRESETS or key in PRESET_ALIASES
    if not preset and intensity != 1.0:
        from ganimation.errors import AUParseError

        raise AUParseError("--intensity scales a preset (--to happy) or --like; with AUs give the values themselves")
    asked = {"expression": key, "intensity": intensity} if preset else {"aus": text}
    target = resolve_target(current=current, **asked)
    return target, motion_start(current, **asked, target=target)


def run(args) -> int:
    from ganimation.animate import (
        render,
        render_faces,
        render_photo,
        trajectory,
        write_animation,
    )
    from ganimation.edit import resize
    from ganimation.images import load_rgb
    from ganimation.video import validate_output_path

    if args.to is not None:
        parse_to(args.to, None, args.intensity)  # validate before loading anything
    types.check_animation_length(args.frames, args.pingpong)
    inputs = [args.input] + ([args.like] if args.like else [])
    out = validate_output_path(args.output, inputs=inputs, suffixes=(".gif", ".mp4"), overwrite=args.overwrite)
    engine = common.engine(args)
    common.refuse_like_intensity(args)
    editor = common.load_editor(args) if engine != "warp" else None
    image = load_rgb(args.input)
    if args.like is not None:
        from ganimation.faces.pipeline import reference_face

        photo = load_rgb(args.like)
        reference = reference_face(photo, f"the reference photo {args.like}")
        if engine == "warp":
            from ganimation.faces.identity import descriptor_or_none

            return run_like(args, image, reference, out, descriptor_or_none(photo, reference.box))
        from ganimation.aus import to_dict
        from ganimation.faces.estimate import estimate_aus

        args.to = ",".join(f"{c}={v:.4f}" for c, v in to_dict(estimate_aus(reference)).items())
    if engine == "gan":  # the generator on an aligned crop, as trained
        crop = image
        if crop.shape[:2] != (editor.image_size, editor.image_size):
            crop = resize(crop, editor.image_size)
        current = common.crop_current_aus(crop, args.source)
        source = current if current is not None else np.zeros(17, np.float32)
        target, _ = parse_to(args.to, current, args.intensity)
        seq = trajectory(source, target, args.frames, ease=not args.linear, pingpong=args.pingpong)
        frames = render(editor, crop, seq)
        write_animation(out, frames, fps=args.fps)
        print(f"{len(frames)} frames -> {out}")
        return 0
    from ganimation.aus import parse_aus, to_vector
    from ganimation.faces.estimate import estimate_aus
    from ganimation.video import FrameWriter

    which = common.parse_face(args.face)
    faces = chosen_faces(image, which)
    paths, starts = [], []
    for face in faces:
        current = to_vector(parse_aus(args.source)) if args.source else estimate_aus(face)
        target, start = parse_to(args.to, current, args.intensity)
        if engine != "warp":  # the generator is conditioned on the target alone
            start = current
        paths.append(trajectory(start, target, args.frames, ease=not args.linear, pingpong=args.pingpong))
        starts.append(start)
    if len(faces) == 1:
        frames = render_photo(editor, image, paths[0], engine=engine, face=which, current=starts[0],
                              found=faces[0], texture=args.texture)
    else:
        frames = render_faces(editor, image, faces, np.stack(paths), starts=np.stack(starts), engine=engine,
                              texture=args.texture)
    with FrameWriter(out, args.fps) as writer:
        for frame in frames:
            writer.write(frame)
    moved = f"{len(faces)} faces, " if len(faces) > 1 else ""
    w, h = writer.written_size
    print(f"{len(paths[0])} frames at {w}x{h} ({moved}{engine} engine) -> {out}")
    return 0


def chosen_faces(image: np.ndarray, which) -> list:
    """The faces of ``image`` that ``--face`` (parsed: ``"all"``, ``"largest"`` or an index) moves, largest
    first; a one-line error when there is none."""
    from ganimation.faces.pipeline import find_faces
    from ganimation.reenact import select_face

    found = find_faces(image, which)
    faces = found if which == "all" else [select_face(found, which)]
    if not faces:
        select_face(faces, which)                  # the one-line "no face found" error
    return faces


def run_like(args, image: np.ndarray, reference, out, descriptor=None) -> int:
    """``animate --like REF`` with the warp engine: every frame is ``edit --like``'s motion at a share
    that goes from 0 to ``--intensity`` (eased unless ``--linear``; and back with ``--pingpong``), so the
    last frame is the photo edit itself. ``descriptor``: the reference face's (same person: the AUs alone)."""
    from ganimation.animate import alphas
    from ganimation.faces.identity import same_person_for_like
    from ganimation.faces.pipeline import edit_photo
    from ganimation.video import FrameWriter

    faces = chosen_faces(image, common.parse_face(args.face))
    same = [same_person_for_like(descriptor, image, f.box) for f in faces]      # once, for every frame
    shares = alphas(args.frames, ease=not args.linear, pingpong=args.pingpong) * float(args.intensity)
    with FrameWriter(out, args.fps) as writer:
        for share in shares:
            writer.write(edit_photo(None, image, like=reference.landmarks, like_amount=float(np.clip(share, 0, 1)),
                                    found=faces, face="all", engine="warp", texture=args.texture,
                                    like_same=same).image)
    moved = f"{len(faces)} faces, " if len(faces) > 1 else ""
    w, h = writer.written_size
    print(f"{len(shares)} frames at {w}x{h} ({moved}warp engine, like {args.like}) -> {out}")
    return 0
