"""The detector's refit of small faces on wild_dev's group photo 45_multi_face.jpg: before | after.

Row: the largest face's mesh from the whole-photo pass alone, its fear edit;
the mesh after the refit in a crop (``FaceDetector._refit``), its fear edit.

    .venv/bin/python benchmarks/refit_strip.py      # docs/images/refit.png
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT.parent / "shared/data/wild_dev/45_multi_face.jpg"


def panel(image, box, size=300):
    x0, y0, x1, y1 = box
    return cv2.resize(np.ascontiguousarray(image[y0:y1, x0:x1]), (size, size), interpolation=cv2.INTER_AREA)


def main(out=ROOT / "docs/images/refit.png"):
    import ganimation.faces.detect as D
    from ganimation.faces.pipeline import edit_photo
    from ganimation.images import load_rgb, save_image

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from reenact_common import label

    img = np.asarray(load_rgb(PHOTO))
    refit = D.FaceDetector._refit
    cells = []
    for name, fn in (("whole-photo pass", lambda self, image, faces: faces), ("refit in a crop", refit)):
        D.FaceDetector._refit = fn
        try:
            face = D.get_detector(search="whole").detect(img)[0]
            edited = edit_photo(None, img, expression="fear", engine="warp", face="largest").image
        finally:
            D.FaceDetector._refit = refit
        mesh = img.copy()
        for p in face.landmarks[:, :2]:
            cv2.circle(mesh, (int(p[0]), int(p[1])), 1, (0, 255, 0), -1)
        box = (640, 260, 860, 520)
        cells += [label(panel(mesh, box), f"{name}: mesh"), label(panel(edited, box), f"{name}: fear")]
    save_image(out, np.concatenate(cells, axis=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
