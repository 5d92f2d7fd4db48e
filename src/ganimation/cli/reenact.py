"""``ganimation reenact``: animate the face (or every face) in a photo by a driving video (landmark motion + triangulated
warp)."""

from __future__ import annotations

from ganimation.cli import common, types


def add_parser(sub) -> None:
    from ganimation.motion.regions import REGION_CHOICES
    from ganimation.reenact import DRIVING_REFS

    p = sub.add_parser("reenact", help="animate the face (or every face) in a photo by a driving video",
                       description=__doc__)
    p.add_argument("source", help="photo with the face to animate (any size)")
    p.add_argument("driving", help="driving video (.mp4 .mov .webm .mkv .avi .gif) or a folder of frames")
    p.add_argument("-o", "--output", required=True,
                   help="output: .mp4 (H.264), .gif, or a folder (a path without suffix) of PNG frames")
    p.add_argument("--face", default="largest", help="which face of the photo moves: largest, all, or an index "
                                                     "(0 = largest)")
    common.add_face_search(p, "proposals")
    p.add_argument("--region", choices=REGION_CHOICES, default="all",
                   help="which part of the face moves (default all)")
    p.add_argument("--driving-ref", choices=DRIVING_REFS, default="best",
                   help="motion is measured from the driving video's first frame, or from the frame whose "
                        "expression is closest to the source's, so a smiling photo is not made to smile twice (best; default)")
    p.add_argument("--pose", action="store_true", help="also transfer the driving head's rotation and position")
    p.add_argument("--no-mouth", dest="mouth", action="store_false",
                   help="do not shade the inside of a mouth that opens wider than in the photo")
    p.add_argument("--stages", default=None, metavar="STAGES",
                   help="warp (default), warp,refine or warp,refine,mouth: the wg-GAN stages to run; the learned "
                        "stages paint teeth into an opened mouth but soften the face (docs/wggan.md)")
    p.add_argument("--refiner-weights", default=None, metavar="FILE", help="refinement network weights (.safetensors)")
    p.add_argument("--mouth-weights", default=None, metavar="FILE", help="mouth network weights (.safetensors)")
    p.add_argument("--fps", type=types.fps, default=None, help="output frame rate (default: the driving video's)")
    common.add_video_range(p, "the driving video")
    p.add_argument("--overwrite", action="store_true", help="allow the output to replace an input file")
    p.set_defaults(func=run, _parser=p)


def run(args) -> int:
    from tqdm import tqdm

    from ganimation.images import load_rgb
    from ganimation.reenact import Reenactor
    from ganimation.video import (
        FALLBACK_FPS,
        AudioTrack,
        FrameWriter,
        open_frames,
        validate_output_path,
    )

    out = validate_output_path(args.output, inputs=(args.source, args.driving), overwrite=args.overwrite)
    source = load_rgb(args.source)
    face = common.parse_face(args.face)
    with open_frames(args.driving, start=args.start, end=args.end, max_frames=args.max_frames) as frames:
        fps = args.fps or frames.fps or FALLBACK_FPS
        reenactor = Reenactor(source, face=face, region=args.region, driving_ref=args.driving_ref,
                              pose=args.pose, mouth=args.mouth, search=args.face_search, stages=args.stages,
                              refiner_weights=args.refiner_weights, mouth_weights=args.mouth_weights)
        bar = tqdm(total=frames.frame_count, unit="frame", desc="reenact", disable=None)
        # the driving clip's sound, where the output plays its frames at their own rate
        same_rate = frames.fps is not None and abs(fps - frames.fps) < 1e-6
        audio = AudioTrack.of(args.driving, args.start) if same_rate else None
        with FrameWriter(out, fps, audio=audio) as writer:
            for frame in reenactor.run(frames, frames.fps or fps):
                writer.write(frame.image)
                bar.update(1)
        bar.close()
    h, w = source.shape[:2]
    lost = f"; driving face lost in {reenactor.lost} frame(s), the last good landmarks reused" if reenactor.lost else ""
    print(f"{reenactor.frames} frame(s) at {w}x{h}, {fps:g} fps -> {out}{lost}")
    return 0
