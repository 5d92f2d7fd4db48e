"""Rebuild ``src/ganimation/assets/face_mean_shape.npy``: the canonical face of the motion frame.

Generalised Procrustes mean (3D similarity on :data:`ganimation.motion.frame.STABLE`)
of the MediaPipe landmarks of every ``--every``-th UTKFace crop, then put in
frame coordinates: origin between the eye centres, x along the eye line,
y toward the mouth, z = x cross y (away from the camera), 1 unit = IOD.

    python benchmarks/build_mean_shape.py --faces ../shared/data/utkface --every 30
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ganimation.faces.detect import get_detector
from ganimation.images import load_rgb
from ganimation.motion.frame import STABLE, eye_centres, umeyama


def canonicalise(shape: np.ndarray) -> np.ndarray:
    """Frame coordinates of a ``(478, 3)`` shape (see module doc)."""
    a, b = eye_centres(shape)
    origin = (a + b) / 2
    x = (b - a) / np.linalg.norm(b - a)
    mouth = (shape[61] + shape[291]) / 2 - origin
    y = mouth - (mouth @ x) * x
    y /= np.linalg.norm(y)
    z = np.cross(x, y)
    r = np.stack([x, y, z])           # rows: new axes
    out = (shape - origin) @ r.T
    return out / np.linalg.norm(b - a)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faces", default="../shared/data/utkface")
    ap.add_argument("--every", type=int, default=30)
    ap.add_argument("-o", "--out", default="src/ganimation/assets/face_mean_shape.npy")
    args = ap.parse_args()
    files = sorted(p for p in Path(args.faces).iterdir() if p.suffix.lower() in (".jpg", ".png"))[:: args.every]
    det = get_detector(search="whole")
    shapes = []
    for p in files:
        faces = det.detect(load_rgb(p))
        if faces:
            shapes.append(canonicalise(faces[0].landmarks.astype(np.float64)))
    shapes = np.stack(shapes)
    idx = list(STABLE)
    mean = shapes[0]
    for _ in range(5):
        aligned = []
        for s in shapes:
            sc, r, t = umeyama(s[idx], mean[idx])
            aligned.append(sc * s @ r.T + t)
        mean = canonicalise(np.mean(aligned, 0))
    np.save(args.out, mean.astype(np.float32))
    print(f"{len(shapes)} faces of {len(files)} files -> {args.out}; "
          f"x {mean[:, 0].min():.2f}..{mean[:, 0].max():.2f}, y {mean[:, 1].min():.2f}..{mean[:, 1].max():.2f}")


if __name__ == "__main__":
    main()
