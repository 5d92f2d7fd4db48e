"""Shared helpers of the reenactment benchmarks (reenact_self.py, reenact_cross.py, bench_reenact.py).

Face-region metrics, landmark detection with an on-disk cache, identity
embeddings and face-crop strips. Not part of the library.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
CACHE = Path(os.environ.get("GANIMATION_BENCH_CACHE", "/tmp/ganimation_reenact_bench"))


def read_clip(path, max_frames: int, step: int = 1) -> tuple[list[np.ndarray], float]:
    """The first ``max_frames`` frames of a video, every ``step``-th, and the resulting frame rate."""
    from ganimation.video import open_frames

    src = open_frames(path, max_frames=max_frames)
    fps = float(src.fps or 25.0)
    frames = [f for i, f in enumerate(src) if i % step == 0]
    return frames, fps / step


def detector():
    """One MediaPipe pass over the whole image, one face (what the tracker uses)."""
    from ganimation.faces.detect import get_detector

    return get_detector(search="whole", max_faces=1)


def detect(image: np.ndarray):
    """The largest face (a ganimation Face) or None."""
    faces = detector().detect(np.ascontiguousarray(image))
    return faces[0] if faces else None


def _key(frames: list[np.ndarray], tag: str) -> str:
    h = hashlib.sha1(tag.encode())
    for f in frames[:: max(1, len(frames) // 8)]:
        h.update(np.ascontiguousarray(f[::7, ::7]).tobytes())
    h.update(str(len(frames)).encode())
    return h.hexdigest()[:16]


def detect_cached(frames: list[np.ndarray], tag: str) -> list[dict | None]:
    """Landmarks ``(478, 3)``, box and blendshapes of every frame's face, cached in /tmp by content."""
    from ganimation.faces.detect import Face

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{tag}_{_key(frames, tag)}.npz"
    if path.is_file():
        d = np.load(path)
        found = d["found"]
        return [Face(box=d["box"][i], landmarks=d["lm"][i], blendshapes=d["bs"][i]) if found[i] else None
                for i in range(len(found))]
    faces = [detect(f) for f in frames]
    n = len(frames)
    lm = np.zeros((n, 478, 3), np.float32)
    box = np.zeros((n, 4), np.float32)
    bs = np.zeros((n, 52), np.float32)
    found = np.zeros(n, bool)
    for i, f in enumerate(faces):
        if f is not None:
            lm[i], box[i], bs[i], found[i] = f.landmarks, f.box, f.blendshapes, True
    np.savez(path, lm=lm, box=box, bs=bs, found=found)
    return faces


def hull_mask(landmarks: np.ndarray, indices, shape: tuple[int, int]) -> np.ndarray:
    """``(H, W)`` bool: the convex hull of the landmarks ``indices`` (no growth, no feather)."""
    pts = np.asarray(landmarks, np.float64)[list(indices), :2]
    hull = cv2.convexHull(np.round(pts).astype(np.int32))
    m = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(m, hull, 1)
    return m.astype(bool)


def oval_mask(landmarks: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``(H, W)`` bool: the convex hull of the face-oval landmarks (no growth, no feather)."""
    from ganimation.faces.detect import FACE_OVAL

    return hull_mask(landmarks, FACE_OVAL, shape)


def masked_psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    """PSNR (dB) over the mask's pixels (ganimation.metrics.image.psnr with ``mask``)."""
    from ganimation.metrics.image import psnr

    v = psnr(a, b, mask=mask).mean
    return float(min(v, 100.0))


def masked_ssim(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    """SSIM (Wang et al. 2004: Gaussian window sigma 1.5, K1 0.01, K2 0.03, L 255) per RGB channel,
    the SSIM map averaged over the mask's pixels (the library's ``ssim`` averages over the whole
    image, so the map is computed here on the mask's bounding box + 8 px, reflect border)."""
    ys, xs = np.nonzero(mask)
    y0, y1 = max(0, ys.min() - 8), min(mask.shape[0], ys.max() + 9)
    x0, x1 = max(0, xs.min() - 8), min(mask.shape[1], xs.max() + 9)
    x = a[y0:y1, x0:x1].astype(np.float32)
    y = b[y0:y1, x0:x1].astype(np.float32)
    m = mask[y0:y1, x0:x1]
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def g(z):
        return cv2.GaussianBlur(z, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    mx, my = g(x), g(y)
    sxx = g(x * x) - mx * mx
    syy = g(y * y) - my * my
    sxy = g(x * y) - mx * my
    smap = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(smap.mean(axis=2)[m].mean())


def landmark_distance(lm_out: np.ndarray, lm_true: np.ndarray) -> float:
    """Mean 2D distance over the 478 landmarks, in inter-ocular distances of the true face."""
    from ganimation.motion.frame import interocular

    d = np.linalg.norm(np.asarray(lm_out, np.float64)[:, :2] - np.asarray(lm_true, np.float64)[:, :2], axis=1)
    return float(d.mean() / max(interocular(lm_true), 1e-6))


def embed_face(image: np.ndarray, face) -> np.ndarray:
    """dlib 128-D descriptor of ``face`` in ``image`` (ganimation.faces.identity.embed on its box)."""
    from ganimation.faces.identity import embed

    return embed(image, [face.box])[0]


def face_crop(image: np.ndarray, landmarks: np.ndarray, size: int = 160, margin: float = 0.3) -> np.ndarray:
    """A square crop around the landmarks' extent (+margin), resized to ``size``."""
    lm = np.asarray(landmarks)[:, :2]
    x0, y0 = lm.min(0)
    x1, y1 = lm.max(0)
    c = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    half = max(x1 - x0, y1 - y0) * (0.5 + margin)
    m = np.array([[size / (2 * half), 0, size / 2 - c[0] * size / (2 * half)],
                  [0, size / (2 * half), size / 2 - c[1] * size / (2 * half)]])
    return cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT)


def label(img: np.ndarray, text: str) -> np.ndarray:
    out = img.copy()
    cv2.putText(out, text, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(out, text, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def save_png(path, image: np.ndarray) -> None:
    from PIL import Image

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path, optimize=True)


def command_line() -> str:
    """The command that ran this benchmark, for its report (``python benchmarks/NAME.py ARGS``)."""
    return "python " + " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:])


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import torch

        torch_v = torch.__version__
    except Exception:  # noqa: BLE001
        torch_v = None
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = ""
    return {"nproc": os.cpu_count(), "cpu_model": model, "loadavg_at_start": list(os.getloadavg()),
            "python": platform.python_version(), "torch": torch_v, "commit": commit}


def write_json(path, data) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=1, default=float) + "\n")


def procrustes(points: np.ndarray, onto: np.ndarray) -> np.ndarray:
    """``(N, 2)``: ``points`` moved by the 2D similarity (all points) that best fits them onto ``onto``."""
    from ganimation.faces.align import apply, similarity_transform

    p = np.asarray(points, np.float64)[:, :2]
    return apply(similarity_transform(p, np.asarray(onto, np.float64)[:, :2]), p)
