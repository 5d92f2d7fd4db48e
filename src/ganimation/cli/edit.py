"""``ganimation edit``: change the expression of a face crop, or of every face in a photo, a folder of photos or
a video."""

from __future__ import annotations

import sys
from pathlib import Path

from ganimation.cli import common
from ganimation.images import HEIF_SUFFIXES, OUTPUT_FORMATS

#: what ``-o`` may be (Pillow writes each by its suffix)
IMAGE_SUFFIXES = tuple(OUTPUT_FORMATS)
#: what ``edit FOLDER`` edits: those, and phones' HEIC/HEIF photos (written under the same name as JPEG)
FOLDER_SUFFIXES = (*IMAGE_SUFFIXES, *HEIF_SUFFIXES)


def add_parser(sub) -> None:
    p = sub.add_parser("edit", help="edit the expression in a face crop, photo, folder of photos or video",
                       description=__doc__)
    p.add_argument("input", help="image: an aligned face crop, or any photo (needs the faces extra); a folder of "
                                 "photos, each edited; or a video (.mp4 .mov .webm .mkv .avi) or animated GIF, "
                                 "whose every frame is edited (a folder of frames, too, when -o is .mp4 or .gif)")
    p.add_argument("-o", "--output", required=True, help="output image (.png .jpg .webp .bmp .tif); for a folder of "
                                                        "photos: a folder (the same file names), or .mp4/.gif to edit "
                                                        "its frames (in name order, 25 fps) as one video; for a "
                                                        "video: .mp4, .gif or a folder of PNG frames")
    common.add_weights(p)
    common.add_engine(p)
    common.add_target(p)
    p.add_argument("--stages", default=None, metavar="STAGES",
                   help="photo mode, warp engine: warp (default), warp,refine or warp,refine,mouth: wg-GAN's "
                        "learned stages after the warp (docs/wggan.md)")
    p.add_argument("--like", default=None, metavar="REF",
                   help="give the face the expression of the face in photo REF (warp engine: its landmark "
                        "motion, --intensity of it; gan engine: its estimated AUs); a video: the AU changes "
                        "from its first face to REF's, added to every frame's own expression")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--crop", action="store_true", help="the input is an aligned face crop")
    mode.add_argument("--photo", action="store_true", help="the input is a photo: find, align, edit, paste back")
    p.add_argument("--face", default="all", help="photo mode and videos: all, largest, or a face index (0 = the "
                                                 "largest; in a video, of the first frame with a face)")
    common.add_face_search(p, "proposals")
    p.add_argument("--from", dest="source", default=None,
                   help="crop mode: the crop's own AUs (default: estimated, or 0 without the faces extra)")
    common.add_video_range(p, prefix="a video: ")
    p.add_argument("--overwrite", action="store_true", help="allow the output to replace the input")
    p.add_argument("--save-masks", action="store_true", help="also write OUTPUT_attention.png and OUTPUT_color.png")
    p.set_defaults(func=run, _parser=p)


def _photo_mode(args, image_shape, editor) -> bool:
    if args.crop:
        return False
    if args.photo:
        return True
    if not common.faces_available():
        return False
    h, w = image_shape[:2]
    return not (h == w == editor.image_size)


def run(args) -> int:
    from ganimation.images import open_image, save_image
    from ganimation.video import OUTPUT_SUFFIXES, is_moving, validate_output_path

    frames_to_video = Path(args.input).is_dir() and Path(args.output).suffix.lower() in OUTPUT_SUFFIXES
    if is_moving(args.input) or frames_to_video:      # a folder written as .mp4/.gif: its frames, one video
        return run_video(args)
    common.refuse_video_range(args, args.input)
    if Path(args.input).is_dir():
        return run_folder(args)
    check_photo_target(args)
    out = validate_output_path(args.output, inputs=[args.input] + ([args.like] if args.like else []),
                               suffixes=IMAGE_SUFFIXES, overwrite=args.overwrite)
    engine = checked_engine(args)
    if args.crop and engine != "gan":
        from ganimation.errors import GanimationError

        raise GanimationError(f"--crop edits an aligned crop with the generator; drop --engine {engine} "
                              "or edit the photo instead")
    editor = common.load_editor(args) if engine != "warp" else None
    opened = open_image(args.input, srgb=False)    # read once: photo mode passes it on; colour profile kept
    if engine != "gan" or _photo_mode(args, opened[0].size[::-1], editor):
        require_faces()
        from ganimation.faces.pipeline import edit_photo_file

        target = photo_target(args, editor)
        result = edit_photo_file(editor, args.input, out, opened=opened, face=common.parse_face(args.face),
                                 search=args.face_search, engine=engine, texture=args.texture, stages=args.stages,
                                 **target)
        print(f"edited {len(result.faces)} face(s) -> {out}")
        if args.save_masks:
            for i, f in enumerate(result.faces):
                _save_masks(out, f.attention, f.edited_color if hasattr(f, "edited_color") else None, suffix=f"_face{i}")
        return 0
    import numpy as np

    image = np.asarray(opened[0], dtype=np.uint8)
    current = common.crop_current_aus(image, args.source) if (args.expression or args.relative) else None
    res = editor.edit(image, args.aus, expression=args.expression, intensity=args.intensity,
                      current=current, relative=args.relative)
    save_image(out, res.images[0], icc_profile=opened[1].get("icc_profile"))
    if args.save_masks:
        _save_masks(out, res.attention[0], res.color[0])
    print(f"edited crop -> {out}")
    return 0


def folder_photos(folder: Path) -> list[Path]:
    """The photos ``edit FOLDER`` edits: the folder's image files (:data:`FOLDER_SUFFIXES`), not its
    subfolders nor hidden files, in name order."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in FOLDER_SUFFIXES)


def folder_output(out: Path, photo: Path) -> Path:
    """Where ``edit FOLDER`` writes ``photo``'s edit: the same name, a HEIC/HEIF photo as ``.jpg``."""
    name = photo.name if photo.suffix.lower() in IMAGE_SUFFIXES else photo.stem + ".jpg"
    return out / name


def run_folder(args) -> int:
    """Every photo of a folder, each edited like one photo, written under the same name into the output
    folder. A photo that cannot be edited (no face, unreadable) is named with the reason and skipped;
    the others are written. Exit status 0 when every photo was edited, 2 otherwise."""
    from tqdm import tqdm

    from ganimation.errors import GanimationError
    from ganimation.faces.pipeline import edit_photo_file

    src = Path(args.input)
    check_photo_target(args)
    if args.crop:
        raise GanimationError("a folder is edited photo by photo (faces found, edited, pasted back); drop --crop "
                              "or edit one aligned crop at a time")
    photos = folder_photos(src)
    if not photos:
        raise GanimationError(f"{src}: the folder holds no photos ({', '.join(FOLDER_SUFFIXES)}); give a folder "
                              "of photos, or a photo")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise GanimationError(f"{out}: is a file; give a folder for the edited photos of {src}")
    if not out.parent.is_dir():
        raise GanimationError(f"{out}: the folder {out.parent} does not exist; create it first")
    if not args.overwrite:
        if out.exists() and out.resolve() == src.resolve():
            raise GanimationError(f"{out}: is the input folder; the edits would replace the photos (choose another "
                                  "folder, or pass --overwrite)")
        there = [p.name for p in photos if folder_output(out, p).exists()]
        if there:
            raise GanimationError(f"{out}: already holds {len(there)} of the outputs (e.g. {there[0]}); choose "
                                  "another folder, or pass --overwrite")
    engine = checked_engine(args)
    require_faces()
    editor = common.load_editor(args) if engine != "warp" else None
    target = photo_target(args, editor)
    out.mkdir(exist_ok=True)
    edited, skipped = 0, []
    for photo in tqdm(photos, unit="photo", desc="edit", disable=None):
        try:
            edit_photo_file(editor, photo, folder_output(out, photo), face=common.parse_face(args.face),
                            search=args.face_search, engine=engine, texture=args.texture, stages=args.stages,
                            **target)
            edited += 1
        except GanimationError as exc:
            skipped.append(photo.name)
            print(f"skipped {photo.name}: {exc}", file=sys.stderr)
    left = f"; skipped {len(skipped)} (listed above)" if skipped else ""
    print(f"edited {edited} of {len(photos)} photo(s) -> {out}{left}")
    return 2 if skipped else 0


def run_video(args) -> int:
    """Every frame of a video, edited relative to (or toward a target from) each frame's own expression."""
    from ganimation.errors import GanimationError
    from ganimation.video import validate_output_path
    from ganimation.video_edit import VideoEditStats, edit_video_file

    if common.engine(args) != "warp" or args.crop or args.stages:
        raise GanimationError("videos are edited with the warp engine and an AU target (--aus/--expression/"
                              "--like); drop --engine/--weights/--crop/--stages")
    check_photo_target(args)
    out = validate_output_path(args.output, inputs=[args.input] + ([args.like] if args.like else []),
                               overwrite=args.overwrite)
    target = {"aus": args.aus, "expression": args.expression, "relative": args.relative}
    if args.like:
        target = {"aus": like_offsets(args), "expression": None, "relative": True}
    stats = VideoEditStats()
    fps, _ = edit_video_file(args.input, out, start=args.start, end=args.end, max_frames=args.max_frames,
                             stats=stats, progress=True, intensity=args.intensity, texture=args.texture,
                             face=common.parse_face(args.face), **target)
    lost = f"; no face in {stats.lost} frame(s), passed through unedited" if stats.lost else ""
    print(f"edited {stats.edited} of {stats.frames} frame(s) at {fps:g} fps -> {out}{lost}")
    return 0


#: seconds of a video (from ``--start``) whose largest face's typical expression ``edit VIDEO --like`` measures
#: the reference against, and how many of its frames are looked at
LIKE_SPAN, LIKE_SAMPLES = 2.0, 10


def like_offsets(args) -> dict[str, float]:
    """``edit VIDEO --like REF``: the AU changes (``{code: offset}``, -1 to 1) that take the video's face to
    the reference photo's expression (:func:`ganimation.geometry_edit.reference_motion`'s fit); the video
    is then edited with them as relative offsets, so every frame keeps its own motion (speech goes on).
    The video's face is its largest face's median shape (pose removed) over :data:`LIKE_SAMPLES` frames
    of its first :data:`LIKE_SPAN` seconds: one frame's passing mouth opening is not taken for its
    expression."""
    import numpy as np

    from ganimation.aus import AU_CODES
    from ganimation.errors import FaceNotFoundError
    from ganimation.faces.identity import same_person_for_like
    from ganimation.faces.pipeline import find_faces
    from ganimation.geometry_edit import reference_motion
    from ganimation.motion.frame import to_frame
    from ganimation.video import FALLBACK_FPS, open_frames

    target = like_target(args, None)
    reference = target["like"]
    shapes, same = [], False
    with open_frames(args.input, start=args.start, end=args.end, max_frames=args.max_frames) as frames:
        span = max(1, round(LIKE_SPAN * (frames.fps or FALLBACK_FPS)))
        step = max(1, span // LIKE_SAMPLES)
        for k, frame in enumerate(frames):
            if k >= span:
                break
            if k % step:
                continue
            found = find_faces(frame, "largest")
            if found:
                if not shapes:        # the video's person and the reference's: the same, fitted by the AUs alone
                    same = same_person_for_like(target["like_descriptor"], frame, found[0].box)
                shapes.append(to_frame(found[0].landmarks)[0])
    if not shapes:
        raise FaceNotFoundError(f"no face in the first {LIKE_SPAN:g} s of {args.input} to measure the reference "
                                "photo's expression against")
    _, coef = reference_motion(np.median(np.stack(shapes), axis=0), reference, identity=False if same else None)
    coef = coef * float(args.intensity)              # --intensity: the share of the change applied
    return {code: float(v) for code, v in zip(AU_CODES, coef) if abs(v) >= 1e-3}


def checked_engine(args) -> str:
    """The engine the arguments pick, with ``--stages`` checked against it before any work (a bad list,
    or a learned stage after the generator)."""
    engine = common.engine(args)
    if args.stages is not None:
        from ganimation.faces.pipeline import check_stages

        check_stages(args.stages, engine)
    return engine


def require_faces() -> None:
    """A one-line error unless the faces extra (detection, landmarks) is installed: photo mode needs it."""
    if not common.faces_available():
        from ganimation.errors import MissingDependencyError

        raise MissingDependencyError('photo mode needs the faces extra: pip install "ganimation[faces]"')


def check_photo_target(args) -> None:
    """A usage error unless the arguments name one target: ``--like REF``, or AUs / an expression."""
    if args.like is None:
        common.check_target(args._parser, args)
    elif args.aus is not None or args.expression is not None:
        args._parser.error("--like REF replaces --aus/--expression; give one of them")


def photo_target(args, editor) -> dict:
    """Keyword arguments of ``edit_photo`` for the target the arguments name (:func:`like_target` for
    ``--like``)."""
    if args.like:
        return like_target(args, editor)
    return {"aus": args.aus, "expression": args.expression, "intensity": args.intensity, "relative": args.relative}


def like_target(args, editor) -> dict:
    """Keyword arguments of ``edit_photo`` giving the selected face(s) the expression of ``--like REF``:
    the reference face's landmarks (warp engine) or its estimated AUs (gan, hybrid)."""
    from ganimation.aus import to_dict
    from ganimation.faces.estimate import estimate_aus
    from ganimation.faces.identity import descriptor_or_none
    from ganimation.faces.pipeline import reference_face
    from ganimation.images import load_rgb

    common.refuse_like_intensity(args)
    photo = load_rgb(args.like)
    ref = reference_face(photo, f"the reference photo {args.like}", largest=False, search=args.face_search)
    if common.engine(args) == "warp":
        return dict(like=ref.landmarks, like_amount=args.intensity, like_descriptor=descriptor_or_none(photo, ref.box))
    return dict(aus=to_dict(estimate_aus(ref)))


def _save_masks(out: Path, attention, color, suffix: str = "") -> None:
    import numpy as np

    from ganimation.images import save_image

    att = (np.clip(attention, 0, 1) * 255 + 0.5).astype(np.uint8)
    save_image(out.with_name(f"{out.stem}{suffix}_attention.png"), np.repeat(att[..., None], 3, axis=2))
    if color is not None:
        save_image(out.with_name(f"{out.stem}{suffix}_color.png"), color)
