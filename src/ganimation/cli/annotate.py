"""``ganimation annotate PHOTO``: AU intensities, box and landmarks of every face."""

from __future__ import annotations

import argparse
import json

from ganimation.cli import types


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("annotate", help="estimate the 17 AU intensities of every face in a photo",
                       description="Detect every face in PHOTO and print its 17 AU intensities "
                                   "(0-1 and OpenFace's 0-5 scale), box, confidence and landmarks.")
    p.add_argument("photo", help="image file (JPEG, PNG, ...)")
    p.add_argument("--json", action="store_true", help="print JSON (with all 478 landmarks)")
    p.add_argument("--face-model", metavar="PATH", help="MediaPipe face_landmarker.task to use instead of the bundled one")
    p.add_argument("--calibration", metavar="JSON", help="AU calibration from ganimation.faces.estimate.calibrate")
    p.add_argument("--max-faces", type=types.max_faces, default=20, help="most faces reported, 1 to 100 (default 20)")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ganimation.aus import AU_CODES, AU_NAMES, OPENFACE_SCALE
    from ganimation.faces.detect import detect_faces
    from ganimation.faces.estimate import Calibration, estimate_aus
    from ganimation.images import load_rgb

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
    if args.json:
        print(json.dumps({"image": str(args.photo), "width": int(image.shape[1]), "height": int(image.shape[0]),
                          "faces": out}, indent=1))
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
