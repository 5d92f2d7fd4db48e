"""``ganimation prepare PHOTOS_DIR -o DATASET``: aligned, AU-annotated training crops."""

from __future__ import annotations

import argparse

from ganimation.cli import common, types


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "prepare", help="build a training set (aligned crops + AU table) from a folder of photos",
        description="Detect, align, crop and AU-annotate the faces in PHOTOS_DIR into a prepared dataset "
                    "(see docs/faces.md). Re-run the same command to resume an interrupted run.")
    p.add_argument("photos", metavar="PHOTOS_DIR", help="folder of photos (searched recursively)")
    p.add_argument("-o", "--output", required=True, metavar="DATASET", help="output dataset folder")
    p.add_argument("--size", type=types.crop_size, default=128,
                   help=f"crop size in pixels, {types.MIN_CROP} to {types.MAX_CROP} (default 128)")
    p.add_argument("--workers", type=types.workers, default=1, help="worker processes (default 1)")
    p.add_argument("--openface-csv", metavar="DIR", help="take AUs from OpenFace CSVs (<stem>.csv per image, or one CSV with a path column)")
    p.add_argument("--test-fraction", type=types.fraction, default=0.1, help="fraction of photos in the test split (default 0.1)")
    p.add_argument("--seed", type=types.seed, default=0, help="seed of the train/test split (default 0)")
    p.add_argument("--all-faces", action="store_true", help="keep every face, not only the largest")
    p.add_argument("--min-face", type=types.positive_float, default=32.0, help="minimum face width in source pixels (default 32)")
    common.add_face_search(p, "whole")
    p.add_argument("--face-model", metavar="PATH", help="MediaPipe face_landmarker.task to use instead of the bundled one")
    p.add_argument("--calibration", metavar="JSON", help="AU calibration to apply to the estimator")
    p.add_argument("--retry-skipped", action="store_true", help="process again the photos listed in skipped.csv")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    g = p.add_argument_group("talking-face videos (wg-GAN refinement and mouth networks; docs/wggan.md)")
    g.add_argument("--video", action="store_true",
                   help="PHOTOS_DIR is a folder of videos: one .npz of sampled face-window frames per clip")
    g.add_argument("--video-size", type=types.crop_size, default=256, help="side of the stored face window (default 256)")
    g.add_argument("--every", type=types.positive_int, default=2, help="sample every N-th frame (default 2)")
    g.add_argument("--clip-frames", type=types.positive_int, default=150,
                   help="at most N sampled frames per clip (default 150)")
    g.add_argument("--exclude", action="append", default=[], metavar="NAME",
                   help="leave this video out (file name or stem; repeatable), e.g. held-out evaluation clips")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ganimation.faces.prepare import prepare
    from ganimation.video import validate_output_dir

    validate_output_dir(args.output, inputs=[args.photos], what="dataset folder")
    if getattr(args, "video", False):
        return _run_video(args)
    s = prepare(args.photos, args.output, size=args.size, workers=args.workers, test_fraction=args.test_fraction,
                seed=args.seed, keep="all" if args.all_faces else "largest", openface_csv=args.openface_csv,
                face_model=args.face_model, calibration=args.calibration, min_face=args.min_face,
                search=args.face_search, retry_skipped=args.retry_skipped, progress=not args.no_progress)
    print(f"{args.output}: {s.faces_kept} face(s) from {s.images_kept} photo(s) added; "
          f"{s.processed} processed, {s.already_done} already done, {sum(s.skipped.values())} skipped"
          + (" (" + ", ".join(f"{k}: {v}" for k, v in sorted(s.skipped.items())) + f"; see {args.output}/skipped.csv)"
             if s.skipped else ""))
    return 0


def _run_video(args) -> int:
    from ganimation.data.video_pairs import prepare_videos

    s = prepare_videos(args.photos, args.output, size=args.video_size, every=args.every, max_frames=args.clip_frames,
                       exclude=args.exclude, face_model=args.face_model, progress=not args.no_progress)
    print(f"{args.output}: {len(s.clips)} clip(s), {sum(s.clips.values())} frame(s); {s.already_done} already done"
          + (f"; skipped: {', '.join(f'{k} ({v})' for k, v in s.skipped.items())}" if s.skipped else ""))
    return 0
