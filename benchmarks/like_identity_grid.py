"""docs/images/like_identity.png: ``edit --like`` from another person's photo, the AUs fitted alone / with the
face-shape basis (:mod:`ganimation.motion.identity`).

Rows: four development UTKFace faces with near-neutral estimates; columns: the photo, then for each
reference photo (wild_dev's Obama and Einstein, shown in the first row) the edit with the AUs fitted
alone (before) and with the face-shape basis (now). Cells are the face box grown by a quarter, 220 x 260 px.

    .venv/bin/python benchmarks/like_identity_grid.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WILD = Path("/work/shared/data/wild_dev")
REFERENCES = (WILD / "40_obama.jpg", WILD / "48_einstein.jpg")
SOURCES = tuple(ROOT / "data/utkface_dev120b" / name for name in (
    "28_1_2_20170104022917342.jpg.chip.jpg", "41_0_3_20170104232812410.jpg.chip.jpg",
    "53_1_0_20170104184642790.jpg.chip.jpg", "54_0_0_20170109150353590.jpg.chip.jpg"))
CELL = (220, 260)
HEADER = 24


def main() -> None:
    import cv2

    from ganimation.faces.pipeline import edit_photo, find_faces
    from ganimation.images import load_rgb, save_image

    def cut(image, face):
        x0, y0, x1, y1 = face.box
        w, h = x1 - x0, y1 - y0
        region = image[max(0, int(y0 - 0.25 * h)):int(y1 + 0.1 * h), max(0, int(x0 - 0.15 * w)):int(x1 + 0.15 * w)]
        return cv2.resize(region, CELL, interpolation=cv2.INTER_AREA)

    refs = [(load_rgb(p), find_faces(load_rgb(p), "largest")[0]) for p in REFERENCES]
    top = [np.full((CELL[1], CELL[0], 3), 255, np.uint8)] + [cut(img, f) for img, f in refs for _ in range(2)]
    rows = [np.concatenate(top, 1)]
    for path in SOURCES:
        img = load_rgb(path)
        face = find_faces(img, "largest")[0]
        cells = [cut(img, face)]
        for _, ref in refs:
            for alone in (True, False):                    # like_same: the AUs fitted alone (before)
                cells.append(cut(edit_photo(None, img, like=ref.landmarks, face="largest", like_same=[alone]).image,
                                 face))
        rows.append(np.concatenate(cells, 1))
    grid = np.concatenate(rows)
    head = np.full((HEADER, grid.shape[1], 3), 255, np.uint8)
    labels = ["photo"] + [f"like {p.stem.split('_', 1)[1]}{', before' if k == 0 else ''}" for p in REFERENCES
                          for k in range(2)]
    for i, label in enumerate(labels):
        cv2.putText(head, label, (i * CELL[0] + 6, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    out = ROOT / "docs/images/like_identity.png"
    save_image(out, np.concatenate([head, grid]))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
