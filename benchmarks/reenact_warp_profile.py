"""Prototype timings behind the suggestions in results/reenact_speed.md (library code unchanged).

On one frame of the 1920x1080 source of bench_reenact.py driven by lp_d10: warp_face split into
backward_map / apply_map; a whole-ROI composite instead of apply_map's boolean scatter (checked
bit-identical); the error of a backward map computed on a coarser grid; the stages of
backward_map, and a coefficient-plane gather instead of the boolean-mask gather.

    .venv/bin/python benchmarks/reenact_warp_profile.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_reenact as br
import reenact_common as rc


def timed(f, n: int = 15) -> float:
    f()
    t0 = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t0) / n * 1e3


def apply_whole_roi(image: np.ndarray, warp) -> np.ndarray:
    """apply_map without boolean masks: the window from the whole map, the ROI written in one slice."""
    x0, y0, x1, y1 = warp.roi
    mx, my = warp.map[..., 0], warp.map[..., 1]
    sx0, sy0 = int(max(0, np.floor(mx.min()) - 2)), int(max(0, np.floor(my.min()) - 2))
    sx1 = int(min(image.shape[1], np.ceil(mx.max()) + 3))
    sy1 = int(min(image.shape[0], np.ceil(my.max()) + 3))
    res = cv2.remap(image[sy0:sy1, sx0:sx1], mx - np.float32(sx0), my - np.float32(sy0), cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REPLICATE)
    out = image.copy()
    out[y0:y1, x0:x1] = res
    return out


def main() -> None:
    from ganimation.reenact import Reenactor
    from ganimation.warp import dense
    from ganimation.warp import mesh as meshes
    from ganimation.warp.face import warp_face

    src = br.make_hd_source()
    frames, fps = rc.read_clip(rc.SHARED / "video_dev" / "lp_d10.mp4", 40, 1)
    r = Reenactor(src, driving_ref="first")
    outs = list(r.run(iter(frames), fps))
    tr = r._transfer(outs[0].driving.landmarks)
    target = tr.target(outs[-1].driving.landmarks)
    s_lm, pose = np.asarray(tr.source_landmarks, np.float64), tr.source_pose

    m = meshes.face_mesh()
    ctrl = meshes.control_points(s_lm, pose, m)
    move = target[:, :2] - s_lm[:, :2]
    dst = ctrl + np.concatenate([move, meshes.ring_motion(ctrl, move, m)])
    z = np.concatenate([s_lm[:, 2], np.full(len(ctrl) - len(s_lm), s_lm[:, 2].max())])
    order = meshes.draw_order(z, m)
    size = (src.shape[1], src.shape[0])
    dw = dense.backward_map(ctrl, dst, m.triangles, size, order=order)
    print(f"ROI {dw.roi}; warp_face {timed(lambda: warp_face(src, s_lm, target, pose=pose)):.1f} ms, "
          f"backward_map {timed(lambda: dense.backward_map(ctrl, dst, m.triangles, size, order=order)):.1f} ms, "
          f"apply_map {timed(lambda: dense.apply_map(src, dw)):.1f} ms")
    ref = dense.apply_map(src, dw)
    fast = apply_whole_roi(src, dw)
    print(f"whole-ROI composite {timed(lambda: apply_whole_roi(src, dw)):.1f} ms; "
          f"max |diff| vs apply_map {np.abs(fast.astype(int) - ref).max()}")
    for k in (2, 4):
        coarse = cv2.resize(dw.map[::k, ::k], (dw.map.shape[1], dw.map.shape[0]), interpolation=cv2.INTER_LINEAR)
        err = np.abs(coarse - dw.map)
        print(f"map on a stride-{k} grid, bilinear: max error {err.max():.2f} px, 99th percentile "
              f"{np.percentile(err, 99):.3f} px")

    # backward_map's stages (the same code, one by one)
    tri = m.triangles
    x0, y0, x1, y1 = dw.roi
    moving = np.abs(dst - ctrl).max(1) > 1e-3
    active = np.flatnonzero(moving[tri].any(1))
    rank = np.empty(len(tri), np.int64)
    rank[order] = np.arange(len(tri))
    active = active[np.argsort(rank[active], kind="stable")]

    def fill():
        ids = np.full((y1 - y0, x1 - x0), -1, np.int32)
        pts = np.round((dst[tri[active]] - [x0, y0]) * 16).astype(np.int32)
        for k, poly in zip(active, pts):
            cv2.fillConvexPoly(ids, poly, int(k), lineType=cv2.LINE_8, shift=4)
        return ids

    ids = fill()
    aff = dense.triangle_affines(ctrl, dst, tri).astype(np.float32)

    def grid():
        return np.mgrid[y0:y1, x0:x1].astype(np.float32)

    gy, gx = grid()

    def gather():
        inside = ids >= 0
        a = aff[ids[inside]]
        px, py = gx[inside], gy[inside]
        mx, my = gx.copy(), gy.copy()
        mx[inside] = px * a[:, 0, 0] + py * a[:, 1, 0] + a[:, 2, 0]
        my[inside] = px * a[:, 0, 1] + py * a[:, 1, 1] + a[:, 2, 1]
        return mx, my

    a6 = np.concatenate([aff.reshape(-1, 6), np.array([[1, 0, 0, 1, 0, 0]], np.float32)])

    def planes():
        c = np.take(a6, ids, axis=0, mode="wrap")  # id -1 -> the appended identity row
        return gx * c[..., 0] + gy * c[..., 2] + c[..., 4], gx * c[..., 1] + gy * c[..., 3] + c[..., 5]

    (mx1, my1), (mx2, my2) = gather(), planes()
    print(f"backward_map stages: triangle fill {timed(fill):.1f} ms ({len(active)} triangles), affines "
          f"{timed(lambda: dense.triangle_affines(ctrl, dst, tri)):.2f} ms, mgrid {timed(grid):.1f} ms, "
          f"boolean-mask gather {timed(gather):.1f} ms, coefficient-plane gather {timed(planes):.1f} ms "
          f"(max diff {max(np.abs(mx1 - mx2).max(), np.abs(my1 - my2).max()):.1e})")


if __name__ == "__main__":
    main()
