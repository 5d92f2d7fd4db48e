"""``ganimation annotate PHOTO [-o FACES.json]``: AU intensities, box and landmarks of every face.

``ganimation annotate VIDEO [-o AUS.csv]``: the AU intensities of the video's faces in every frame, as
an OpenFace-style CSV (``frame, face_id, timestamp, confidence, success, AU01_r .. AU45_r`` on OpenFace's
0-5 scale), each face followed through the video as ``edit VIDEO`` follows it."""

from __future__ import annotations

import argparse
import json

from ganimation.cli import common, types


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("annotate", help="estimate the 17 AU intensities of every face in a photo or video",
                       description="Detect every face in PHOTO and print its 17 AU intensities "
                                   "(0-1 and OpenFace's 0-5 scale), box, confidence and landmarks; for a "
                                   "video, write every frame's AUs of its faces as an OpenFace-style CSV.")
    p.add_argument("photo", help="image file (JPEG, PNG, ...), or a video (.mp4 .mov .webm .mkv .avi .m4v) or "
                                 "animated GIF: a CSV of every frame's AUs")
    p.add_argument("--json", action="store_true", help="print JSON (with all 478 landmarks)")
    p.add_argument("-o", "--output", default=None, help="photo: write the JSON here (.json); video: write the "
                                                        "CSV here (.csv; default: print it)")
    p.add_argument("--face", default="all", help="video: all (default), largest, or a face index of the first "
                                                 "frame with a face")
    common.add_video_range(p, prefix="video: ")
    p.add_argument("--overwrite", action="store_true", help="allow -o to replace an existing file")
    p.add_argument("--face-model", metavar="PATH", help="MediaPipe face_landmarker.task to use instead of the bundled one")
    p.add_argument("--calibration", metavar="JSON", help="AU calibration from ganimation.faces.estimate.calibrate")
    p.add_argument("--max-faces", type=types.max_faces, default=20, help="most faces reported, 1 to 100 (default 20)")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ganimation.errors import GanimationError
    from ganimation.video import is_moving

    if is_moving(args.photo):
        return run_video(args)
    from pathlib import Path

    if Path(args.photo).is_dir():
        raise GanimationError(f"{args.photo}: is a folder; annotate takes one photo or a video (a folder of photos: "
                              "ganimation prepare FOLDER -o DATASET annotates every photo)")
    common.refuse_video_range(args, args.photo)
    from ganimation.aus import AU_CODES, AU_NAMES, OPENFACE_SCALE
    from ganimation.faces.detect import detect_faces
    from ganimation.faces.estimate import Calibration, estimate_aus
    from ganimation.images import load_rgb

    target = _output(args, ".json")
    image = load_rgb(args.photo)
    faces = detect_faces(image, face_model=args.face_model, max_faces=args.max_faces, require=False)
    if not faces:
        from ganimation.errors import FaceNotFoundError

        raise FaceNotFoundError(f"no face found in {args.photo}; use a photo with a clearly visible, roughly frontal face")
    calib = Calibration.load(args.calibration) if args.calibration else None
    out = []
    for i, face in enumerate(faces):
        aus = estimate_aus(face, calib)
        out.append({"face": i, **face.to_json(),
                    "aus": {c: round(float(v), 4) for c, v in zip(AU_CODES, aus)},
                    "aus_openface": {c: round(float(v) * OPENFACE_SCALE, 3) for c, v in zip(AU_CODES, aus)}})
    document = {"image": str(args.photo), "width": int(image.shape[1]), "height": int(image.shape[0]), "faces": out}
    if target is not None:
        from ganimation.atomic import write_text

        write_text(target, json.dumps(document, indent=1) + "\n")
        print(f"{len(out)} face(s) of {args.photo} -> {target}")
        return 0
    if args.json:
        print(json.dumps(document, indent=1))
        return 0
    print(f"{args.photo}: {image.shape[1]}x{image.shape[0]}, {len(out)} face(s)")
    for f in out:
        x0, y0, x1, y1 = f["box"]
        print(f"\nface {f['face']}: box ({x0:.0f}, {y0:.0f}, {x1:.0f}, {y1:.0f}), confidence {f['confidence']:.2f}, "
              f"{len(f['landmarks'])} landmarks")
        print(f"  {'AU':<5} {'name':<22} {'0-1':>5} {'0-5':>5}")
        for c in AU_CODES:
            print(f"  {c:<5} {AU_NAMES[c]:<22} {f['aus'][c]:5.2f} {f['aus_openface'][c]:5.2f}")
        lm = f["landmarks"]
        print("  landmarks (x, y), first 5 of 478: " + ", ".join(f"({x:.1f}, {y:.1f})" for x, y in lm[:5])
              + " ... (all with --json)")
    return 0


#: the CSV's columns before the AUs (OpenFace FeatureExtraction's names)
CSV_HEAD = ("frame", "face_id", "timestamp", "confidence", "success")


def video_rows(frames, fps: float, *, face="all", face_model=None, calibration=None, first: int = 0):
    """One row per frame and followed face (a generator of lists): :data:`CSV_HEAD`, then the 17 AUs on
    OpenFace's 0-5 scale; a face not found in a frame gets success 0 and empty AUs (frames before the
    first face: one such row, face 0). ``first``: the video's index of the first frame given (a cut
    video's rows keep the video's frame numbers and times)."""
    from ganimation.aus import OPENFACE_SCALE
    from ganimation.faces.estimate import estimate_aus
    from ganimation.motion.tracking import FaceFollower

    follower = FaceFollower(fps, face, face_model=face_model)
    for index, frame in enumerate(frames):
        found = dict(follower.update(frame))
        for k in range(max(1, len(follower.trackers))):
            row = [first + index, k, round((first + index) / fps, 4)]
            tracked = found.get(k)
            if tracked is None:
                yield row + [0.0, 0] + [""] * 17
                continue
            aus = estimate_aus(tracked.face, calibration) * OPENFACE_SCALE
            yield row + [round(float(tracked.face.confidence), 4), 1] + [round(float(v), 4) for v in aus]


def run_video(args) -> int:
    """``annotate VIDEO``: the CSV of :func:`video_rows`, to ``-o`` (atomically) or the terminal."""
    import csv
    import io
    import sys

    from tqdm import tqdm

    from ganimation.atomic import write_text
    from ganimation.aus import AU_CODES
    from ganimation.errors import FaceNotFoundError
    from ganimation.faces.estimate import Calibration
    from ganimation.video import FALLBACK_FPS, open_frames

    face = common.parse_face(args.face)
    _output(args, ".csv")
    calib = Calibration.load(args.calibration) if args.calibration else None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CSV_HEAD, *(f"{c}_r" for c in AU_CODES)])
    found = 0
    with open_frames(args.photo, start=args.start, end=args.end, max_frames=args.max_frames) as frames:
        fps = frames.fps or FALLBACK_FPS
        bar = tqdm(total=frames.frame_count, unit="frame", desc="annotate", disable=None if args.output else True)
        for row in video_rows(_counted(frames, bar), fps, face=face, face_model=args.face_model, calibration=calib,
                              first=frames.first_index):
            writer.writerow(row)
            found += row[4]
        bar.close()
    if not found:
        raise FaceNotFoundError(f"no face found in any frame of {args.photo}; use a video with a clearly visible, "
                                "roughly frontal face")
    if args.output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        write_text(args.output, buffer.getvalue())
        print(f"{found} face-frame(s) annotated -> {args.output}")
    return 0


def _output(args, suffix: str):
    """``-o`` checked before any work (``suffix`` the file type it must have; an existing file only with
    ``--overwrite``), or None without it."""
    if args.output is None:
        return None
    from ganimation.errors import GanimationError
    from ganimation.video import validate_output_path

    out = validate_output_path(args.output, inputs=[args.photo], suffixes=(suffix,), overwrite=args.overwrite)
    if out.exists() and not args.overwrite:
        raise GanimationError(f"{out}: already exists; pass --overwrite or choose another name")
    return out


def _counted(frames, bar):
    for frame in frames:
        yield frame
        bar.update(1)

