"""Landmark smoothing and motion transfer (no face detector needed)."""

from __future__ import annotations

import numpy as np
import pytest

from ganimation.motion.frame import mean_shape
from ganimation.motion.regions import region_weights
from ganimation.motion.smoothing import LandmarkSmoother, OneEuroFilter
from ganimation.motion.transfer import (
    MotionTransfer,
    best_reference,
    expression_features,
)


def posed(shape: np.ndarray, *, yaw: float = 0.0, roll: float = 0.0, scale: float = 50.0,
          t=(200.0, 180.0, 0.0)) -> np.ndarray:
    """Frame-coordinate ``shape`` placed in an image with a head rotation."""
    y, r = np.radians(yaw), np.radians(roll)
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return scale * shape @ (rz @ ry).T + np.asarray(t)


def open_mouth(amount: float) -> np.ndarray:
    """Mean shape with the lower lip and chin moved down by ``amount`` IOD (frame coordinates)."""
    s = mean_shape().copy()
    low = s[:, 1] > s[13, 1] + 0.005
    s[low, 1] += amount * np.clip((s[low, 1] - s[13, 1]) / 0.3, 0, 1)
    s[14, 1] += amount
    return s


def test_one_euro_step_follows_fast_and_settles():
    f = OneEuroFilter(min_cutoff=1.0, beta=20.0, d_cutoff=4.0)
    out = [f(np.array([0.0 if i < 10 else 1.0]), i / 30)[0] for i in range(40)]
    assert out[9] == 0.0
    assert out[12] > 0.8                  # within 3 frames of the step
    assert max(out) <= 1.0 + 1e-9         # no overshoot
    assert out[-1] == pytest.approx(1.0, abs=1e-3)


def test_one_euro_removes_jitter_at_rest():
    rng = np.random.default_rng(0)
    x = 0.01 * rng.standard_normal((300, 4))
    f = OneEuroFilter(min_cutoff=1.0, beta=20.0, d_cutoff=4.0)
    y = np.stack([f(v, i / 30) for i, v in enumerate(x)])
    assert np.std(np.diff(y[50:], axis=0)) < 0.5 * np.std(np.diff(x[50:], axis=0))


def test_landmark_smoother_is_scale_free():
    """The same motion at two face sizes is smoothed alike (filtering happens in IOD units)."""
    rng = np.random.default_rng(1)
    base = posed(mean_shape())
    seq = [base + rng.normal(0, 0.5, base.shape) for _ in range(30)]
    a = LandmarkSmoother()
    b = LandmarkSmoother()
    ya = np.stack([a(s, i / 25) for i, s in enumerate(seq)])
    yb = np.stack([b(2 * s, i / 25) for i, s in enumerate(seq)])
    assert np.allclose(2 * ya, yb, atol=1e-6)


def test_transfer_onto_its_own_reference_reproduces_the_driving_landmarks():
    """A driving clip onto its own first frame (no head motion): the landmarks come back."""
    ref = posed(mean_shape(), yaw=10.0)
    t = MotionTransfer.create(ref, ref, region="all")
    for amount in (0.0, 0.1, 0.3):
        drv = posed(open_mouth(amount), yaw=10.0)
        out = t.target(drv)
        inner = np.ones(478, bool)
        from ganimation.motion.regions import FACE_OVAL
        inner[list(FACE_OVAL)] = False   # contour points move with confidence 0.7 by design
        err = np.linalg.norm((out - drv)[inner, :2], axis=1).max() / 50.0
        assert err < 0.01


def test_head_rotation_of_the_driving_is_removed():
    src = posed(mean_shape(), roll=-5.0, scale=40.0, t=(100.0, 120.0, 0.0))
    ref = posed(mean_shape(), yaw=0.0)
    t = MotionTransfer.create(src, ref)
    still_turned = posed(mean_shape(), yaw=25.0, roll=12.0)    # the driving head turns, no expression
    assert np.abs(t.target(still_turned) - src).max() < 1e-6
    opened = posed(open_mouth(0.3), yaw=25.0, roll=12.0)
    out = t.target(opened)
    # the lower lip moves as far in the source's IOD units as in the driving's, along the source's face axis
    expected = 40.0 * (open_mouth(0.3)[14, 1] - mean_shape()[14, 1])
    move = out[14, :2] - src[14, :2]
    assert np.linalg.norm(move) == pytest.approx(expected, rel=0.02)
    axis = np.array([-np.sin(np.radians(-5.0)), np.cos(np.radians(-5.0))])
    assert move @ axis == pytest.approx(np.linalg.norm(move), rel=0.01)


def test_pose_transfer_moves_the_head():
    src = posed(mean_shape())
    t = MotionTransfer.create(src, src, pose=True)
    turned = posed(mean_shape(), roll=15.0)
    assert np.allclose(t.target(turned)[:, :2], turned[:, :2], atol=1e-6)


def test_region_limits_the_motion():
    ref = posed(mean_shape())
    drv = ref.copy()
    drv[[105, 334, 107, 336], 1] -= 8.0          # brows up
    drv[14, 1] += 8.0                            # mouth open
    t = MotionTransfer.create(ref, ref, region="mouth")
    out = t.target(drv)
    assert np.abs(out[[105, 334]] - ref[[105, 334]]).max() < 0.5
    assert out[14, 1] - ref[14, 1] > 6.0
    w = region_weights("brows")
    assert w[105] == 1.0 and w[14] < 0.05


def test_mouth_motion_scales_with_mouth_width():
    ref = posed(mean_shape())
    narrow = mean_shape().copy()
    narrow[:, 0] *= 0.8                          # a source with a narrower face and mouth
    src = posed(narrow)
    t = MotionTransfer.create(src, ref)
    drv = posed(open_mouth(0.2))
    move_src = t.target(drv)[14, 1] - src[14, 1]
    move_drv = drv[14, 1] - ref[14, 1]
    assert move_src == pytest.approx(0.8 * move_drv, rel=0.05)


def test_best_reference_picks_the_matching_expression():
    frames = np.stack([open_mouth(a) for a in (0.0, 0.1, 0.25, 0.4)])
    assert best_reference(open_mouth(0.24), frames) == 2
    assert best_reference(open_mouth(0.0), frames) == 0
    assert expression_features(open_mouth(0.3))[0] > expression_features(open_mouth(0.0))[0]


def test_uncross_meets_lips_and_lids_instead_of_crossing():
    from ganimation.motion.regions import LID_PAIRS, LIP_PAIRS, uncross

    p = mean_shape().copy()
    m = np.zeros_like(p)
    m[14, 1] = -0.2                        # lower lip pushed far above the upper lip
    m[145, 1] = -0.3                       # lower lid above the upper lid
    out = uncross(p, m)
    for u, l in LIP_PAIRS + LID_PAIRS:
        assert p[l, 1] + out[l, 1] >= p[u, 1] + out[u, 1] - 1e-9
    assert out[14, 1] == pytest.approx((p[13, 1] + p[14, 1] - 0.2) / 2 - p[14, 1])
    ok = np.zeros_like(p)
    ok[14, 1] = 0.1                        # opening is untouched
    assert np.array_equal(uncross(p, ok), ok)


def test_uncross_leaves_a_photos_own_crossing_as_it_is():
    """A closed mouth's inner lips read a hair past each other by the landmarker: no motion is no change
    (it had moved them apart, and an edit at intensity 0 changed a few hundred pixels), and a motion that
    closes them further stops at the photo's own crossing."""
    from ganimation.motion.regions import uncross

    p = mean_shape().copy()
    p[14, 1] = p[13, 1] - 0.002                  # the lower inner lip 0.002 IOD above the upper one
    zero = np.zeros_like(p)
    assert np.array_equal(uncross(p, zero), zero)
    m = zero.copy()
    m[14, 1] = -0.05                              # closing further
    out = uncross(p, m)
    assert (p[13, 1] + out[13, 1]) - (p[14, 1] + out[14, 1]) == pytest.approx(0.002)


def test_uncross_stops_each_lip_as_a_body():
    """A lower lip pushed up through the upper one (a released open smile's overshoot): the lips meet,
    and each keeps its thickness (its rings and outer contour take its inner point's correction)."""
    from ganimation.motion.regions import LOWER_LIP_RINGS, UPPER_LIP_RINGS, uncross

    p = mean_shape().copy()
    m = np.zeros_like(p)
    for row in LOWER_LIP_RINGS:
        m[list(row[1:-1]), 1] = -0.2
    out = uncross(p, m)
    q, q0 = p + out, p + m

    def thickness(points, rings):
        return points[list(rings[-1][1:-1]), 1] - points[list(rings[0][1:-1]), 1]

    assert np.allclose(q[list(LOWER_LIP_RINGS[0][1:-1]), 1], q[list(UPPER_LIP_RINGS[0][1:-1]), 1])   # they meet
    assert np.allclose(thickness(q, UPPER_LIP_RINGS), thickness(p, UPPER_LIP_RINGS))
    assert np.allclose(thickness(q, LOWER_LIP_RINGS), thickness(q0, LOWER_LIP_RINGS))
    assert np.array_equal(out[list(UPPER_LIP_RINGS[-1][:1] + UPPER_LIP_RINGS[-1][-1:])], m[[61, 291]])  # corners


def test_unfold_eyes_leaves_a_motion_without_folds_unchanged():
    from ganimation.motion.au_model import AUMotionModel
    from ganimation.motion.unfold import folded_eye_triangles, unfold_eyes

    p = mean_shape().copy()
    cur = np.zeros(17)
    tgt = cur.copy()
    tgt[0] = tgt[1] = 1.0                                     # brows up: nothing folds
    m = AUMotionModel.load().motion(cur, tgt)
    assert len(folded_eye_triangles(p, m)) == 0
    assert np.array_equal(unfold_eyes(p, m), m)
    crushed = np.zeros_like(p)
    crushed[[159, 386], 1] = -0.3                             # upper lids pulled up through the brows
    assert len(folded_eye_triangles(p, crushed)) > 0
    assert len(folded_eye_triangles(p, unfold_eyes(p, crushed))) == 0


def test_follow_lips_keeps_the_lip_layers_in_order_and_the_contours_where_asked():
    """An opening whose inner contour moves past the rings inside the lips (the fitted motion of the
    rings lags) folds the lips; follow_lips carries the rings with the contours, which keep their motion."""
    from ganimation.motion.regions import LIPS, LOWER_LIP_RINGS, UPPER_LIP_RINGS
    from ganimation.motion.unfold import follow_lips, unfold_mouth
    from ganimation.warp.mesh import landmark_triangles, signed_areas

    lips = sorted({v for rings in (UPPER_LIP_RINGS, LOWER_LIP_RINGS) for ring in rings for v in ring})
    tri = landmark_triangles()
    tri = tri[np.isin(tri, lips).all(1)]

    def turned_over(p, m):
        return int((signed_areas(p[:, :2], tri) * signed_areas(p[:, :2] + m[:, :2], tri) < 0).sum())

    p = mean_shape().copy()
    assert np.array_equal(follow_lips(p, np.zeros_like(p)), np.zeros_like(p))     # no motion, none added
    m = np.zeros_like(p)
    for rings in (UPPER_LIP_RINGS, LOWER_LIP_RINGS):   # each inner lip point 80 % of the way to the outer
        inner, outer = list(rings[0][1:-1]), list(rings[-1][1:-1])      # one, past both rings (corners stay)
        m[inner, :2] = 0.8 * (p[outer, :2] - p[inner, :2])
    assert turned_over(p, m) > 0
    out = unfold_mouth(p, m)
    assert np.array_equal(out[list(LIPS)], m[list(LIPS)])                       # contours as asked
    assert turned_over(p, out) == 0
    for rings in (UPPER_LIP_RINGS, LOWER_LIP_RINGS):                          # the centre column in order
        ys = [p[r[5], 1] + out[r[5], 1] for r in rings]
        assert ys == sorted(ys) or ys == sorted(ys, reverse=True)


def test_round_opening_tapers_a_slot_toward_the_corners_and_keeps_the_middle():
    """A lower lip dropped as a block (every column as far as the middle) opens a slot; round_opening
    takes the columns beside the corners back up, the whole column together, to an elliptic taper;
    the middle column, the corners, no motion and a closing mouth are left alone; lips stretched
    sideways get a flatter taper."""
    from ganimation.motion.opening import round_opening
    from ganimation.motion.regions import LOWER_LIP_RINGS, UPPER_LIP_RINGS

    p = mean_shape().copy()
    up, low = np.array(UPPER_LIP_RINGS[0]), np.array(LOWER_LIP_RINGS[0])
    zero = np.zeros_like(p)
    assert round_opening(p, zero) is zero
    m = np.zeros_like(p)
    sign = np.sign((p[low] - p[up])[5, 1])                                 # the frame's "down" for the lower lip
    lower_lip = sorted({v for ring in LOWER_LIP_RINGS for v in ring[1:-1]})
    m[lower_lip, 1] = 0.35 * sign                                          # a slot of 0.35 IOD
    out = round_opening(p, m)

    def gap(mm):
        return np.linalg.norm((p + mm)[low, :2] - (p + mm)[up, :2], axis=1)

    rise = gap(out) - gap(zero)
    assert rise[5] == pytest.approx(gap(m)[5] - gap(zero)[5], abs=1e-3)    # the middle as asked
    assert np.array_equal(out[[low[0], low[-1]]], m[[low[0], low[-1]]])     # the corners as asked
    assert rise[1] < 0.75 * rise[5] and rise[9] < 0.75 * rise[5]           # the sides tapered
    assert np.all(np.diff(rise[:6]) >= -1e-9) and np.all(np.diff(rise[5:]) <= 1e-9)   # rising to the middle
    for row in LOWER_LIP_RINGS:                                            # each column moved as one
        assert np.allclose(out[row[1], :2] - m[row[1], :2], out[LOWER_LIP_RINGS[0][1], :2] - m[LOWER_LIP_RINGS[0][1], :2])
    stretched = round_opening(p, m, stretch=1.0)                           # lips pulled sideways (fear):
    flat = gap(stretched) - gap(zero)                                      # a flatter taper, still tapered
    assert rise[1] < flat[1] < 0.95 * flat[5] and rise[9] < flat[9] < 0.95 * flat[5]
    assert flat[5] == pytest.approx(rise[5], abs=1e-3)
    closing = -0.01 * m                                                    # lips pressed together
    assert round_opening(p, closing) is closing
