"""The triangulated warp: identity, exact vertex motion, bounded region, mouth shading."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("cv2")

from ganimation.motion.frame import FacePose, fit_pose, mean_shape, to_frame  # noqa: E402
from ganimation.warp.dense import backward_map, polygon_mask  # noqa: E402
from ganimation.warp.face import warp_face  # noqa: E402
from ganimation.warp.mesh import IRIS_RIMS, face_mesh  # noqa: E402
from ganimation.warp.mouth import cavity_polygon, shade_mouth  # noqa: E402


def face_landmarks(scale: float = 40.0, centre=(160.0, 150.0), angle_deg: float = 0.0) -> np.ndarray:
    """``(478, 3)`` pixel landmarks: the canonical face scaled, rolled and placed."""
    a = np.radians(angle_deg)
    r = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    return scale * mean_shape() @ r.T + np.array([centre[0], centre[1], 0.0])


def noise_image(h=320, w=320, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_mesh_covers_every_point_but_the_iris_rims_and_is_fixed():
    m = face_mesh()
    assert m.points.shape == (478 + 48, 3)
    assert set(np.unique(m.triangles)) == set(range(len(m.points))) - set(IRIS_RIMS)
    assert {468, 473} <= set(np.unique(m.triangles))          # the iris centres carry a gaze
    assert face_mesh() is m


def test_delaunay_maps_subdiv2d_triangles_back_to_the_points():
    """delaunay() maps Subdiv2D's triangles back to the points' indices: the same triangles as a nearest-
    point search over every vertex, each a real Delaunay triangle (no point inside its circumcircle)."""
    import cv2

    from ganimation.warp.mesh import delaunay

    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 50, (60, 2))
    tri = delaunay(pts)
    assert set(np.unique(tri)) == set(range(len(pts)))
    lo, hi = pts.min(0) - 1.0, pts.max(0) + 1.0
    scale = 1000.0 / float((hi - lo).max())
    p = (pts - lo) * scale
    sub = cv2.Subdiv2D((0, 0, int(np.ceil((hi - lo)[0] * scale)) + 1, int(np.ceil((hi - lo)[1] * scale)) + 1))
    for x, y in p:
        sub.insert((float(x), float(y)))
    ref = []
    for t in sub.getTriangleList().reshape(-1, 3, 2):
        d = np.linalg.norm(p[None, :, :] - t[:, None, :], axis=2)
        if np.all(d.min(1) < 1e-2):
            ref.append(d.argmin(1))
    np.testing.assert_array_equal(tri, np.asarray(ref))
    for t in tri:
        a, b, c = pts[t]
        d = 2 * (a[0] * (b[1] - c[1]) + b[0] * (c[1] - a[1]) + c[0] * (a[1] - b[1]))
        ux = ((a @ a) * (b[1] - c[1]) + (b @ b) * (c[1] - a[1]) + (c @ c) * (a[1] - b[1])) / d
        uy = ((a @ a) * (c[0] - b[0]) + (b @ b) * (a[0] - c[0]) + (c @ c) * (b[0] - a[0])) / d
        others = np.delete(pts, t, axis=0)
        assert np.hypot(others[:, 0] - ux, others[:, 1] - uy).min() >= np.hypot(a[0] - ux, a[1] - uy) - 1e-6


def test_iris_rim_landmarks_do_not_move_pixels():
    """The rim points sit on the iris circle, under the lids where the iris is covered: moving them
    (the AU model moves the top one with the lid) must not drag lid skin into the eye."""
    img = noise_image()
    lm = face_landmarks()
    target = lm[:, :2].copy()
    target[list(IRIS_RIMS), 1] -= 6.0
    assert np.array_equal(warp_face(img, lm, target).image, img)


def test_identity_motion_is_bit_identical():
    img = noise_image()
    lm = face_landmarks()
    res = warp_face(img, lm, lm[:, :2])
    assert np.array_equal(res.image, img)
    assert not res.warp.moved.any()


def test_vertex_moves_exactly_where_it_should():
    """A dot on a cheek landmark follows a known displacement of its neighbourhood within 1 px."""
    img = np.full((320, 320, 3), 60, np.uint8)
    lm = face_landmarks()
    k = 50                                            # a cheek landmark
    cx, cy = lm[k, :2]
    yy, xx = np.mgrid[:320, :320]
    dot = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 1.2 ** 2))
    img[..., 0] = np.clip(60 + 190 * dot, 0, 255).astype(np.uint8)
    target = lm[:, :2].copy()
    near = np.linalg.norm(lm[:, :2] - lm[k, :2], axis=1) < 0.35 * 40
    target[near] += (3.0, 7.0)
    out = warp_face(img, lm, target).image[..., 0].astype(np.float64) - 60
    w = np.clip(out, 0, None)
    w[w < 20] = 0
    centroid = np.array([(w * xx).sum(), (w * yy).sum()]) / w.sum()
    assert np.linalg.norm(centroid - target[k]) < 1.0


def test_far_pixels_untouched_and_roi_bounded():
    img = noise_image(400, 500)
    lm = face_landmarks(centre=(250.0, 200.0))
    target = lm[:, :2].copy()
    target[[13, 14, 78, 308]] += (0.0, 5.0)
    res = warp_face(img, lm, target)
    x0, y0, x1, y1 = res.warp.roi
    outside = np.ones(img.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    assert np.array_equal(res.image[outside], img[outside])
    assert res.warp.moved.any()
    # the motion stays local: the brows' rows are not touched by a mouth motion
    assert y0 > lm[105, 1]


def test_displacement_map_in_iod_units():
    img = noise_image()
    lm = face_landmarks(scale=40.0)
    target = lm[:, :2] + (0.0, 0.0)
    target[14] += (0.0, 8.0)   # 0.2 IOD
    res = warp_face(img, lm, target)
    disp = res.displacement_map()
    x0, y0 = res.warp.roi[:2]
    j, i = np.round(target[14] - (x0, y0)).astype(int)
    assert disp.shape[:2] == res.warp.moved.shape
    assert disp[i, j, 1] == pytest.approx(0.2, abs=0.03)


def test_backward_map_of_a_translation_is_exact():
    src = np.array([[10, 10], [60, 10], [10, 60], [60, 60]], np.float64)
    dst = src + (2.5, -1.0)
    tri = np.array([[0, 1, 2], [1, 3, 2]])
    dw = backward_map(src, dst, tri, (80, 80))
    x0, y0 = dw.roi[:2]
    # a pixel in the middle samples the input 2.5 px left and 1 px down
    m = dw.map[35 - y0, 35 - x0]
    assert m == pytest.approx((32.5, 36.0), abs=1e-4)


def test_a_large_region_computed_in_bands_is_the_same_map(monkeypatch):
    """A region over BAND_FROM pixels is computed a band of rows at a time: the map and the moved
    pixels are those of the whole region at once, to the bit (uneven last band included)."""
    import ganimation.warp.dense as D

    lm = face_landmarks(scale=60.0)
    mesh = face_mesh()
    pose = fit_pose(lm)
    from ganimation.warp.mesh import control_points

    src = control_points(lm, pose, mesh)
    dst = src + np.random.default_rng(3).normal(0.0, 1.5, src.shape) * (np.arange(len(src)) < 478)[:, None]
    whole = backward_map(src, dst, mesh.triangles, (320, 320))
    monkeypatch.setattr(D, "BAND_FROM", 1000)
    monkeypatch.setattr(D, "BAND_PIXELS", 997)
    banded = backward_map(src, dst, mesh.triangles, (320, 320))
    assert banded.roi == whole.roi
    h = whole.roi[3] - whole.roi[1]
    assert h > 2 * max(8, 997 // (whole.roi[2] - whole.roi[0]))             # several bands
    assert np.array_equal(banded.map, whole.map) and np.array_equal(banded.moved, whole.moved)


def test_pose_round_trip_and_rotation_invariance():
    lm = face_landmarks(angle_deg=25.0, scale=55.0)
    frame, pose = to_frame(lm)
    assert np.allclose(frame, mean_shape(), atol=1e-6)
    assert np.allclose(pose.from_frame(frame), lm, atol=1e-6)
    assert abs(pose.angles()[2] - 25.0) < 1e-3
    assert pose.scale == pytest.approx(55.0)


def test_huge_photo_warps_a_window_only():
    """A 33,000 px wide panorama: the remap samples a window, no native abort."""
    img = np.zeros((300, 33000, 3), np.uint8)
    lm = face_landmarks(centre=(30000.0, 150.0), scale=30.0)
    target = lm[:, :2].copy()
    target[14] += (0.0, 4.0)
    res = warp_face(img, lm, target)
    assert res.image.shape == img.shape


def test_a_face_cut_by_the_photo_edge_mirrors_what_lies_beyond_it():
    """A chin at the bottom edge of a tight crop, raised by the edit: the rows that now read below the
    photo get the rows above the edge mirrored, not the last row repeated down as streaks."""
    from ganimation.warp.dense import sample

    img = noise_image(40, 30, seed=3)
    gy, gx = np.mgrid[0:40, 0:30].astype(np.float32)
    out = sample(img, gx, gy + 3.0, interpolation="INTER_NEAREST")    # every pixel reads 3 rows lower
    assert np.array_equal(out[:37], img[3:])
    assert np.array_equal(out[37:], img[[38, 37, 36]])                # rows 40, 41, 42 mirrored at 39
    assert not np.array_equal(out[38], out[39])


def test_mouth_shading_only_when_the_mouth_opens_wider():
    img = np.full((320, 320, 3), 180, np.uint8)
    lm = face_landmarks()
    same = shade_mouth(img, lm, lm, 40.0)
    assert same is img
    target = lm.copy()
    lower = [14, 87, 178, 88, 95, 317, 402, 318, 324, 17, 84, 314]
    target[lower, 1] += 12.0
    out = shade_mouth(img, lm, target, 40.0)
    mid = np.round((target[13, :2] + target[14, :2]) / 2).astype(int)
    assert out[mid[1], mid[0]].mean() < 100        # dark inside the new opening
    assert np.array_equal(out[:100], img[:100])      # nothing else


def test_cavity_keeps_the_source_opening():
    """A source that already shows a gap: the shaded band is the new part only."""
    lm = face_landmarks()
    src = lm.copy()
    src[14, 1] += 4.0                                 # source mouth open by 4 px at the centre
    dst = src.copy()
    dst[14, 1] += 10.0                                # target opens 10 px more
    poly = cavity_polygon(src, dst)
    centre_height = poly[15, 1] - poly[5, 1]  # lower minus upper of the 13/14 pair
    gap_t = dst[14, 1] - dst[13, 1]
    gap_s = src[14, 1] - src[13, 1]
    assert centre_height == pytest.approx(gap_t - gap_s, abs=0.5)


def test_fit_pose_rejects_bad_landmarks():
    with pytest.raises(ValueError):
        fit_pose(np.full((478, 3), np.nan))
    assert isinstance(fit_pose(face_landmarks()), FacePose)


def test_polygon_mask_is_one_inside_zero_outside_in_window_coordinates():
    square = np.array([[12.0, 22.0], [20.0, 22.0], [20.0, 30.0], [12.0, 30.0]])   # image pixels
    m = polygon_mask((20, 20), square, origin=(10, 20))                           # window from (10, 20)
    assert m.dtype == np.float32 and m.shape == (20, 20)
    assert m[5, 5] == 1.0 and m[3:9, 3:9].min() == 1.0                           # inside (window coords)
    assert m[0, 0] == 0.0 and m[15:, :].max() == 0.0 and m[:, 15:].max() == 0.0  # outside
    moved = polygon_mask((20, 20), square + [1.0, 0.0], origin=(10, 20))         # one pixel to the right
    np.testing.assert_array_equal(moved[:, 1:], m[:, :-1])
    assert m.sum() > 60 and polygon_mask((20, 20), square, origin=(40, 40)).max() == 0.0   # outside the window


def test_a_thin_triangle_samples_only_near_its_source():
    """The rasteriser gives a sliver triangle the pixels its edges touch; its affine map extrapolates
    those far away (specks at an opened mouth's corners). Every pixel samples within its source box."""
    src = np.array([[10.0, 10.0], [40.0, 10.0], [25.0, 40.0]])
    dst = np.array([[10.0, 10.0], [40.0, 20.0], [25.0, 15.8]])     # 0.8 px thick (unclamped: y -2.5 to 47.5)
    warp = backward_map(src, dst, np.array([[0, 1, 2]]), (64, 64))
    sampled = warp.map[warp.moved]
    assert len(sampled) >= 20
    assert sampled.min(0)[0] >= 8 - 1e-4 and sampled.min(0)[1] >= 8 - 1e-4          # the box, 2 px margin
    assert sampled.max(0)[0] <= 42 + 1e-4 and sampled.max(0)[1] <= 42 + 1e-4


def test_a_triangle_squeezed_to_a_line_owns_no_pixels():
    """An opening closed to a line (the inner lips of a closed smile): a target triangle thinner than
    half a pixel is not drawn, so it cannot paint samples of what it squeezed over the pixels along it;
    its neighbour (drawn before it here) maps them."""
    src = np.array([[10.0, 10.0], [40.0, 10.0], [25.0, 2.0], [25.0, 40.0]])    # vertex 2: an open gap above
    dst = np.array([[13.0, 9.8], [43.0, 9.8], [28.0, 10.2], [28.0, 40.0]])     # closed to a 0.4-px sliver
    tri = np.array([[0, 3, 1], [0, 1, 2]])                             # the sliver last
    warp = backward_map(src, dst, tri, (64, 64))
    x0, y0 = warp.roi[:2]
    row = warp.map[10 - y0, 24 - x0:33 - x0]                           # pixels inside the sliver
    assert np.allclose(row[:, 0], np.arange(24, 33) - 3.0, atol=0.1)   # the big triangle's map
    assert np.all(row[:, 1] > 9.9)                                     # not the gap's pixels above (y 2-10)


def test_an_opening_mouth_carries_the_teeth_unstretched():
    """A photo whose mouth shows teeth under the upper lip, opened wider: with the photo given, the rows
    of the teeth stay under the upper lip as they were (the warp alone stretches them across the
    opening), and the new opening below them is dark."""
    from ganimation.motion.regions import INNER_LIPS, LOWER_LIP_RINGS

    lm = face_landmarks(scale=100.0, centre=(200.0, 150.0))
    top = int(np.ceil(lm[13, 1]))                                  # 248; the source opening is 9 px high
    img = np.full((420, 400, 3), 120, np.uint8)
    opening = polygon_mask(img.shape[:2], lm[list(INNER_LIPS), :2]) > 0.5
    rows = np.zeros(img.shape[:2], bool)
    rows[top:top + 5] = True
    for k in range(5):                                             # "teeth": five rows, each its own grey
        img[top + k][opening[top + k]] = (250, 170, 210, 140, 230)[k]
    img[opening & ~rows] = 20
    target = lm.copy()
    lower = sorted({v for ring in LOWER_LIP_RINGS for v in ring} - {78, 308, 61, 291})
    target[lower, 1] += 20.0                                       # the jaw drops 0.2 IOD
    fw = warp_face(img, lm, target)
    carried = shade_mouth(fw.image, lm, target, 100.0, photo=img)
    stretched = shade_mouth(fw.image, lm, target, 100.0)
    cols = slice(190, 211)
    for k in range(4):
        want = float(img[top + k, cols].mean())
        assert abs(float(carried[top + k, cols].mean()) - want) < 12          # each row where it was
    assert max(abs(float(stretched[top + k, cols].mean()) - float(img[top + k, cols].mean()))
               for k in range(4)) > 25                                        # stretched without the photo
    mid = int(round((top + 5 + target[14, 1]) / 2))
    assert carried[mid, cols].mean() < 80                                      # the new opening is dark


def test_an_upper_lip_that_comes_down_covers_the_teeth_it_does_not_push_them():
    """The same teeth, the jaw dropping and the upper inner lip coming down by 3 px (a smile released
    as the mouth opens): the teeth stay where they were (with the skull), so the lowered lip covers
    their top rows and the rows below it keep their own grey at their own height."""
    from ganimation.motion.regions import INNER_LIPS, LOWER_LIP_RINGS, UPPER_LIP_RINGS

    lm = face_landmarks(scale=100.0, centre=(200.0, 150.0))
    top = int(np.ceil(lm[13, 1]))
    img = np.full((420, 400, 3), 120, np.uint8)
    opening = polygon_mask(img.shape[:2], lm[list(INNER_LIPS), :2]) > 0.5
    greys = (250, 170, 210, 140, 230, 90, 190)
    for k, g in enumerate(greys):                                  # seven rows of "teeth", each its grey
        img[top + k][opening[top + k]] = g
    target = lm.copy()
    lower = sorted({v for ring in LOWER_LIP_RINGS for v in ring} - {78, 308, 61, 291})
    target[lower, 1] += 20.0                                       # the jaw drops 0.2 IOD
    upper = sorted(set(UPPER_LIP_RINGS[0]) - {78, 308, 61, 291})
    target[upper, 1] += 3.0                                        # the upper lip comes down 3 px
    fw = warp_face(img, lm, target)
    out = shade_mouth(fw.image, lm, target, 100.0, photo=img)
    cols = slice(195, 206)
    for k in (3, 4, 6):                                            # below the lowered lip: where they were
        assert abs(float(out[top + k, cols].mean()) - greys[k]) < 15, k


def test_a_closed_smile_whose_corners_fold_is_redrawn():
    """A closed mouth stays closed but its corners are pulled in past the lip points beside them (a
    closed smile released): the turned-over corners are repainted; without folds nothing changes."""
    from ganimation.motion.regions import LOWER_LIP_RINGS, UPPER_LIP_RINGS
    from ganimation.warp.mouth import close_mouth, turned_over_near_mouth

    lm = face_landmarks(scale=100.0, centre=(200.0, 150.0))
    src = lm.copy()
    src[list(LOWER_LIP_RINGS[0]), 1] = src[list(UPPER_LIP_RINGS[0]), 1]           # a closed mouth
    img = noise_image(400, 400)
    assert close_mouth(img, src, src, 100.0) is img                                   # no motion, no fold
    dst = src.copy()
    dst[[78, 61], 0] += 12.0                                                          # image-left corners in
    dst[[308, 291], 0] -= 12.0                                                        # image-right corners in
    assert len(turned_over_near_mouth(src, dst)) > 0
    out = close_mouth(img, src, dst, 100.0)
    corner = (slice(int(dst[78, 1]) - 3, int(dst[78, 1]) + 4), slice(int(dst[78, 0]) - 3, int(dst[78, 0]) + 4))
    assert np.any(out[corner] != img[corner])                                         # repainted there
    assert np.array_equal(out[:200], img[:200])                                       # and nowhere above


def test_a_small_faces_mouth_closed_to_a_pixel_is_redrawn():
    """An opening closed to a gap of about a pixel: on a large face that is a parted mouth (0.01 IOD) and
    is not redrawn; on a small face (IOD 19 px) it is 0.05 IOD, past CLOSED_BELOW, but a pixel is
    what the warp makes of squeezed teeth, so the lips are redrawn as closed."""
    from ganimation.motion.regions import LOWER_LIP_RINGS, UPPER_LIP_RINGS
    from ganimation.warp.mouth import CLOSED_BELOW, close_mouth

    def closing(scale: float, gap_px: float):
        lm = face_landmarks(scale=scale, centre=(200.0, 150.0))
        src = lm.copy()
        src[list(LOWER_LIP_RINGS[0]), 1] += 0.2 * scale                  # the photo's mouth open 0.2 IOD
        dst = lm.copy()
        dst[list(LOWER_LIP_RINGS[0]), 1] = dst[list(UPPER_LIP_RINGS[0]), 1] + gap_px
        img = noise_image(400, 400)
        return img, close_mouth(img, src, dst, scale)

    img, out = closing(100.0, 1.0)
    assert 1.0 / 100.0 < CLOSED_BELOW and out is not img                   # closed: redrawn either way
    img, out = closing(19.0, 1.0)
    assert 1.0 / 19.0 > CLOSED_BELOW                                      # past the IOD threshold, yet
    assert out is not img and np.abs(out.astype(int) - img).max() > 50   # the squeezed band is redrawn
    img, out = closing(19.0, 3.0)
    assert out is img                                                     # a 3-px opening is kept


def test_carried_teeth_fade_in_with_the_photos_own_opening():
    """A video's mouth whose own opening shrinks to nothing: with the photo given, the opened mouth tends
    to the one drawn without it (no jump when the photo's opening reaches 0), and it differs once the
    photo shows an opening."""
    from ganimation.motion.regions import LOWER_LIP_RINGS, UPPER_LIP_RINGS

    lm = face_landmarks(scale=100.0, centre=(200.0, 150.0))
    img = noise_image(420, 400)
    lower = sorted({v for ring in LOWER_LIP_RINGS for v in ring} - {78, 308, 61, 291})
    diffs = []
    for shown in (0.05, 4.0):                                           # px of the photo's own opening
        src = lm.copy()
        src[list(LOWER_LIP_RINGS[0]), 1] = src[list(UPPER_LIP_RINGS[0]), 1] + shown
        dst = src.copy()
        dst[lower, 1] += 15.0
        fw = warp_face(img, src, dst)
        with_photo = shade_mouth(fw.image, src, dst, 100.0, photo=img).astype(int)
        without = shade_mouth(fw.image, src, dst, 100.0).astype(int)
        diffs.append(np.abs(with_photo - without).max())
    assert diffs[0] <= 8 and diffs[1] > 40


def test_the_drawn_interior_takes_the_photos_grain():
    """A grainy photo's opened mouth gets grain of about the photo's; a clean photo's gets none."""
    lm = face_landmarks(scale=80.0, centre=(200.0, 160.0))
    target = lm.copy()
    target[[14, 87, 178, 88, 95, 317, 402, 318, 324, 17, 84, 314], 1] += 30.0
    mid = np.round((target[13, :2] + target[14, :2]) / 2).astype(int)
    box = np.s_[mid[1] - 4: mid[1] + 5, mid[0] - 10: mid[0] + 11]
    clean = np.zeros((360, 400, 3), np.uint8) + np.array([200, 150, 120], np.uint8)   # skin: full colour
    noise = np.random.default_rng(1).normal(0, 6, clean.shape[:2])[..., None]          # grey grain
    grainy = np.clip(clean + noise, 0, 255).astype(np.uint8)
    out_clean = shade_mouth(clean, lm, target, 80.0).astype(np.float32)
    out_grainy = shade_mouth(grainy, lm, target, 80.0).astype(np.float32)
    fine = out_grainy[box] - out_clean[box]          # the same drawing, less the grain
    assert out_clean[box].std(axis=(0, 1)).max() < 6
    assert 3 < fine.std() < 9


def test_photo_grain_reads_the_cameras_noise_not_a_beards_texture():
    """Gaussian noise of spread 3 reads as about 3, also when a third of the region is coarse, strong
    texture (a beard, lips); the old whole-region estimate read the texture as grain."""
    from ganimation.warp.mouth import photo_grain

    rng = np.random.default_rng(2)
    noise = rng.normal(0, 3, (60, 90))
    assert 2.4 < photo_grain(np.repeat(np.clip(128 + noise, 0, 255)[..., None], 3, -1).astype(np.uint8)) < 3.6
    textured = 128 + noise
    textured[:, :30] += rng.normal(0, 40, (60, 30))              # strong detail in a third of the region
    region = np.repeat(np.clip(textured, 0, 255)[..., None], 3, -1).astype(np.uint8)
    assert 2.4 < photo_grain(region) < 3.8            # a spread over the whole region reads 4.2 here
    assert photo_grain(np.full((60, 90, 3), 128, np.uint8)) == 0.0


def test_the_drawn_interior_is_as_soft_as_the_photo_around_the_lips():
    """The interior drawn into an opened mouth gets the photo's own blur (read around the source's lips):
    a photo blurred by 2 px gets an interior with less than half the detail of a sharp photo's, which
    keeps about all the detail it is drawn with at the least blur (what a call without the photo gets)."""
    import cv2

    from ganimation.motion.regions import LIPS, LOWER_LIP_RINGS, UPPER_LIP_RINGS
    from ganimation.warp.mouth import _lips_blur

    src = face_landmarks(scale=80.0, centre=(200.0, 160.0))
    src[list(LOWER_LIP_RINGS[0]), 1] = src[list(UPPER_LIP_RINGS[0]), 1]          # closed: nothing carried
    target = src.copy()
    target[[14, 87, 178, 88, 95, 317, 402, 318, 324, 17, 84, 314], 1] += 30.0
    sharp = np.zeros((360, 400, 3), np.uint8) + np.array([200, 150, 120], np.uint8)
    lips = src[list(LIPS), :2]
    order = np.argsort(np.arctan2(*(lips - lips.mean(0)).T[::-1]))
    cv2.fillPoly(sharp, [np.round(lips[order]).astype(np.int32)], (120, 50, 60))   # dark lips: an edge to read
    soft = cv2.GaussianBlur(sharp, (0, 0), sigmaX=2.0)
    assert _lips_blur(sharp, src, 80.0) < 0.6 and 1.5 < _lips_blur(soft, src, 80.0) < 2.6
    mid = np.round((target[13, :2] + target[14, :2]) / 2).astype(int)
    box = np.s_[mid[1] - 8: mid[1] + 9, mid[0] - 25: mid[0] + 26]

    def detail(photo, given=True):
        out = shade_mouth(photo, src, target, 80.0, photo=photo if given else None)
        return float(cv2.Laplacian(out[box].astype(np.float32).mean(-1), cv2.CV_32F).var())

    assert detail(soft) < 0.5 * detail(sharp)
    assert detail(sharp) > 0.8 * detail(sharp, given=False)


def test_carry_moves_points_where_the_warp_puts_their_pixels():
    """DenseWarp.carry inverts the backward map: under a translation a point moves by it, under a
    face warp the moved landmarks land where the map reads them from, and points outside stay."""
    src = np.array([[10, 10], [60, 10], [10, 60], [60, 60]], np.float64)
    tri = np.array([[0, 1, 2], [1, 3, 2]])
    moved = backward_map(src, src + (2.5, -1.0), tri, (80, 80))
    inside = np.array([[30.0, 30.0], [40.0, 25.0]])
    np.testing.assert_allclose(moved.carry(inside), inside + (2.5, -1.0), atol=1e-3)
    np.testing.assert_allclose(moved.carry(np.array([[75.0, 75.0]])), [[75.0, 75.0]])
    lm = face_landmarks(scale=50.0)
    target = lm[:, :2].copy()
    target[list(range(0, 478, 7)), 1] += 2.0                                  # a smooth-ish motion
    fw = warp_face(noise_image(), lm, target)
    x0, y0 = fw.warp.roi[:2]
    rows, cols = np.nonzero(fw.warp.moved)
    pick = np.linspace(0, len(rows) - 1, 25).astype(int)
    out_px = np.stack([cols[pick] + x0, rows[pick] + y0], 1).astype(np.float64)   # output pixels
    read = fw.warp.map[rows[pick], cols[pick]].astype(np.float64)                 # the input points they show
    assert np.abs(read - out_px).max() > 0.5                                      # moved ones
    np.testing.assert_allclose(fw.warp.carry(read), out_px, atol=0.5)


def test_a_second_face_is_edited_where_the_first_faces_warp_left_it(monkeypatch):
    """With two faces, the second face's landmarks are carried through the first face's warp before
    its own edit."""
    import ganimation.geometry_edit as G
    from ganimation.faces import pipeline as P

    lm_a, lm_b = face_landmarks(scale=30.0, centre=(90.0, 150.0)), face_landmarks(scale=30.0, centre=(165.0, 150.0))

    from ganimation.faces.detect import BLENDSHAPE_NAMES
    from ganimation.faces.detect import Face as Detected

    def Face(lm):   # noqa: N802
        lm = lm.astype(np.float32)
        return Detected(box=np.concatenate([lm[:, :2].min(0), lm[:, :2].max(0)]), landmarks=lm,
                        blendshapes=np.zeros(len(BLENDSHAPE_NAMES), np.float32), confidence=1.0)

    seen = []
    real = G.edit_face_geometry

    def recording(image, landmarks, current, target, **kw):
        seen.append(np.array(landmarks, np.float64))
        return real(image, landmarks, current, target, **kw)

    monkeypatch.setattr(P, "find_faces", lambda *a, **k: [Face(lm_a), Face(lm_b)])
    monkeypatch.setattr(G, "edit_face_geometry", recording)
    import ganimation.faces.estimate as E
    monkeypatch.setattr(E, "estimate_aus", lambda f, c=None: np.zeros(17, np.float32))
    res = P.edit_photo(None, noise_image(320, 320), expression="surprise", engine="warp", face="all")
    assert len(seen) == 2 and len(res.faces) == 2
    np.testing.assert_allclose(seen[0][:, :2], lm_a[:, :2], atol=1e-4)
    assert not np.allclose(seen[1][:, :2], lm_b[:, :2], atol=1e-3)           # the first warp moved it
    assert np.abs(seen[1][:, :2] - lm_b[:, :2]).max() < 5.0
