"""The AU -> landmark motion model (the shipped assets/au_motion.npz)."""

from __future__ import annotations

import numpy as np
import pytest

from ganimation.aus import AU_CODES, NUM_AUS, au_index
from ganimation.errors import CheckpointError
from ganimation.motion.au_model import RELEASE_GAIN, RELEASE_WIDTH_SHARE, AUMotionModel


@pytest.fixture(scope="module")
def model() -> AUMotionModel:
    return AUMotionModel.load()


def _unit(code: str, value: float = 1.0) -> np.ndarray:
    v = np.zeros(NUM_AUS)
    v[au_index(code)] = value
    return v


def _move(model, code):
    return model.motion(np.zeros(NUM_AUS), _unit(code))


def test_basis_shape_and_cache(model):
    assert model.basis.shape == (NUM_AUS, 478, 3)
    assert model.basis.dtype == np.float32
    assert np.all(np.isfinite(model.basis))
    assert AUMotionModel.load() is model


def test_zero_change_is_zero_motion(model):
    cur = np.random.default_rng(0).uniform(0, 1, NUM_AUS)
    d = model.motion(cur, cur)
    assert d.shape == (478, 3) and d.dtype == np.float64
    assert np.abs(d).max() == 0.0


def test_shapes_and_linearity(model):
    aus = np.random.default_rng(1).uniform(0, 1, (5, NUM_AUS))
    smile = [AU_CODES.index(c) for c in RELEASE_GAIN]
    aus[1, smile] = np.maximum(aus[1, smile], aus[0, smile])     # no smile release between 0 and 1
    p = model.predict(aus)
    assert p.shape == (5, 478, 3) and p.dtype == np.float64
    np.testing.assert_allclose(p[1] - p[0], model.motion(aus[0], aus[1]), atol=1e-9)


def test_releasing_a_smile_moves_by_the_release_gain(model):
    parted = _unit("AU25", 0.5)                    # lips parted on both sides: no closed-mouth limit
    smile = parted + _unit("AU12", 0.8)
    up = model.motion(parted, smile)
    down = model.motion(smile, parted)
    gain = RELEASE_GAIN["AU12"]
    np.testing.assert_allclose(down[:, 1], -gain * up[:, 1], atol=1e-9)                      # fully downward
    np.testing.assert_allclose(down[:, 0], -(1 + RELEASE_WIDTH_SHARE * (gain - 1)) * up[:, 0], atol=1e-9)
    np.testing.assert_allclose(down[:, 2], -up[:, 2], atol=1e-9)                             # depth as fitted
    # other AUs are symmetric
    np.testing.assert_allclose(model.motion(_unit("AU26", 0.5), np.zeros(NUM_AUS)),
                               -model.motion(np.zeros(NUM_AUS), _unit("AU26", 0.5)), atol=1e-9)
    np.testing.assert_allclose(model.predict(np.zeros((1, NUM_AUS)))[0], 0.0)


def test_a_rising_stretcher_holds_a_released_smile_s_width(model):
    parted = _unit("AU25", 0.5)
    smile = parted + _unit("AU12", 0.8)

    def width(d):
        return float(d[291, 0] - d[61, 0])

    released = model.motion(smile, parted)
    stretched = model.motion(smile, parted + _unit("AU20", 1.0))            # fear-like: AU20 rises fully
    half = model.motion(smile, parted + _unit("AU20", 0.5))
    own = width(model.motion(parted, parted + _unit("AU20", 1.0)))          # AU20's own widening
    assert width(released) < -0.1                                           # a plain release narrows the mouth
    assert width(stretched) == pytest.approx(own, abs=1e-9)                 # the corners stay out
    assert width(released) < width(half) < width(stretched)
    np.testing.assert_allclose(stretched[:, 1], released[:, 1] + model.motion(parted, parted + _unit("AU20", 1.0))[:, 1],
                               atol=1e-9)                                   # the release still lowers the corners


def test_a_rising_stretcher_holds_the_corners_a_depressor_pulls_down(model):
    """AU15's fitted basis narrows the mouth; with AU20 rising in full (fear) its corners go down and
    stay out: the width is AU20's own, the vertical motion is both AUs' as fitted."""
    open_ = _unit("AU25", 0.8)

    def width(d):
        return float(d[291, 0] - d[61, 0])

    alone = model.motion(open_, open_ + _unit("AU15", 0.4))
    stretch = model.motion(open_, open_ + _unit("AU20", 1.0))
    both = model.motion(open_, open_ + _unit("AU20", 1.0) + _unit("AU15", 0.4))
    half = model.motion(open_, open_ + _unit("AU20", 0.5) + _unit("AU15", 0.4))
    assert width(alone) < -0.02                                             # AU15 alone narrows, as fitted
    assert width(both) == pytest.approx(width(stretch), abs=1e-9)           # held out by AU20
    half_stretch = model.motion(open_, open_ + _unit("AU20", 0.5))
    assert width(half) == pytest.approx(width(half_stretch) + 0.5 * width(alone), abs=1e-9)   # half held
    np.testing.assert_allclose(both[:, 1], stretch[:, 1] + alone[:, 1], atol=1e-9)   # the corners still go down


def test_a_closed_mouth_narrows_at_most_the_limit(model):
    from ganimation.motion.au_model import MAX_CLOSED_NARROWING, OPEN_FROM

    smile = _unit("AU12", 0.9) + _unit("AU25", 0.6)
    sad = _unit("AU15", 0.9) + _unit("AU01", 0.9)
    d = model.motion(smile, sad)                                   # ends closed: limited
    assert d[61, 0] - d[291, 0] == pytest.approx(MAX_CLOSED_NARROWING)
    brows = [70, 63, 105, 66, 107, 300, 293, 334, 296, 336]
    free = model.motion(smile + _unit("AU25", OPEN_FROM), sad + _unit("AU25", OPEN_FROM))  # ends open
    assert free[61, 0] - free[291, 0] > MAX_CLOSED_NARROWING + 0.05
    np.testing.assert_allclose(d[brows], free[brows], atol=1e-3)   # the brows' motion is kept
    np.testing.assert_allclose(d[:, 1:], free[:, 1:])              # only the horizontal motion changes
    # in between, the limit fades: the narrowing grows steadily with the target's opening
    steps = [model.motion(smile + _unit("AU25", o), sad + _unit("AU25", o)) for o in np.linspace(0, OPEN_FROM, 5)]
    widths = [s[61, 0] - s[291, 0] for s in steps]
    assert np.all(np.diff(widths) > 0) and np.max(np.diff(widths)) < 0.6 * (widths[-1] - widths[0])


def test_saturation_clips_to_unit_range(model):
    np.testing.assert_allclose(model.motion(np.zeros(NUM_AUS), _unit("AU12", 3.0)), _move(model, "AU12"))


def test_bad_shapes_raise(model):
    with pytest.raises(ValueError):
        model.motion(np.zeros(5), np.zeros(NUM_AUS))
    with pytest.raises(ValueError):
        model.predict(np.zeros(NUM_AUS))


def test_jaw_drop_moves_chin_and_lower_lip_down_not_brows(model):
    d = _move(model, "AU26")
    assert d[152, 1] > 0.2 and d[14, 1] > 0.2          # +y is down
    assert np.abs(d[[105, 334, 107, 336, 70, 300]]).max() == 0.0
    assert np.abs(d[[159, 386, 145, 374]]).max() == 0.0  # eyes


def test_lip_corners(model):
    up = _move(model, "AU12")
    down = _move(model, "AU15")
    for j in (61, 291):
        assert up[j, 1] < -0.05
        assert down[j, 1] > 0.03
    # AU12 pulls the corners outward (61 is on the image left)
    assert up[61, 0] < 0 < up[291, 0]


def test_brows(model):
    lower = _move(model, "AU04")
    raise_ = _move(model, "AU01")
    for j in (107, 336):
        assert lower[j, 1] > 0.03
        assert raise_[j, 1] < -0.05
    assert np.abs(lower[[152, 14, 61, 291]]).max() == 0.0


def test_surprise_raises_the_brows_evenly_sad_and_fear_at_the_middle(model):
    """Surprise's whole brow rises (its inner ends no more than the rest); sad's and fear's inner ends
    rise further than the brow as a whole (the oblique brow): the presets' motion on the mean face."""
    from ganimation.aus import preset_vector
    from ganimation.metrics.geometry import measure_deltas, measures_from_frame
    from ganimation.motion.frame import mean_shape

    face = mean_shape()

    def brows(preset):
        d = measure_deltas(measures_from_frame(face),
                           measures_from_frame(face + model.motion(np.zeros(NUM_AUS), preset_vector(preset))))
        return d["brow_height"], d["brow_inner_height"]

    whole, inner = brows("surprise")
    assert whole > 0.06 and inner <= 1.05 * whole
    for oblique in ("sad", "fear"):
        whole, inner = brows(oblique)
        assert inner > 1.3 * max(whole, 0.0) and inner > 0.03


def test_blink_closes_the_eyes(model):
    d = _move(model, "AU45")
    from ganimation.motion.frame import mean_shape

    m = mean_shape()
    for up, lo in ((159, 145), (386, 374)):
        gap0 = m[lo, 1] - m[up, 1]
        gap1 = (m[lo, 1] + d[lo, 1]) - (m[up, 1] + d[up, 1])
        assert d[up, 1] > 0
        assert gap1 < 0.4 * gap0


def test_a_lid_droop_closes_each_eye_by_the_same_share_of_its_own_opening(model):
    """A narrow eye (half the mean face's lid gap, image-left) and a wide one (image-right, 1.5x):
    AU45 0.75 closes the narrow one by the share it closes the mean face's, not shut, and leaves the
    wide one's motion as the model gives it; an AU45 that falls, or a change without AU45, is untouched."""
    from ganimation.motion.frame import mean_shape
    from ganimation.motion.lids import LID_MIDDLES, droop_to_scale, lid_gaps

    m = mean_shape().copy()
    (lu, ll), (ru, rl) = LID_MIDDLES
    face = m.copy()
    for (up, lo), k in (((lu, ll), 0.5), ((ru, rl), 1.5)):
        c, half = (m[up, 1] + m[lo, 1]) / 2, (m[lo, 1] - m[up, 1]) / 2
        face[up, 1], face[lo, 1] = c - k * half, c + k * half
    cur, tgt = np.zeros(NUM_AUS), _unit("AU45", 0.75)
    plain = model.motion(cur, tgt)
    scaled = droop_to_scale(face, plain, tgt - cur, model.basis)

    def share(motion, up, lo, pts):
        """The share of the lid gap at (up, lo) of ``pts`` that ``motion`` closes."""
        return 1 - ((pts[lo, 1] + motion[lo, 1]) - (pts[up, 1] + motion[up, 1])) / (pts[lo, 1] - pts[up, 1])

    mean_share = share(plain, lu, ll, m)
    assert 0.4 < mean_share < 0.8
    assert share(plain, lu, ll, face) > 0.95 * min(1.0, 2 * mean_share)        # unscaled: the narrow eye shuts
    assert share(scaled, lu, ll, face) == pytest.approx(mean_share, abs=0.01)   # scaled: the mean face's share
    right = m[:, 0] > 0
    np.testing.assert_array_equal(scaled[right], plain[right])                 # the wide eye as the model gives
    assert lid_gaps(face)[0] == pytest.approx(0.5 * lid_gaps(m)[0])
    opening = model.motion(tgt, cur)
    assert droop_to_scale(face, opening, cur - tgt, model.basis) is opening
    other = _move(model, "AU12")
    assert droop_to_scale(face, other, _unit("AU12"), model.basis) is other
    # toward a full blink the scaling fades out: at AU45 1 the narrow eye closes as far as the model says
    blink = model.motion(cur, _unit("AU45"))
    np.testing.assert_allclose(droop_to_scale(face, blink, _unit("AU45"), model.basis, _unit("AU45")), blink)
    np.testing.assert_allclose(droop_to_scale(face, plain, tgt - cur, model.basis, tgt), scaled)   # 0.75: in full


def test_every_au_stays_in_its_region(model):
    from ganimation.motion.frame import mean_shape

    y = mean_shape()[:, 1]
    mag = np.linalg.norm(model.basis, axis=2)
    brows_eyes = [AU_CODES.index(c) for c in ("AU01", "AU02", "AU04", "AU05", "AU07", "AU45")]
    mouth = [AU_CODES.index(c) for c in ("AU12", "AU14", "AU15", "AU17", "AU20", "AU23", "AU25", "AU26")]
    assert mag[brows_eyes][:, y > 0.45].max() == 0.0     # nothing below the nose
    assert mag[mouth][:, y < 0.1].max() == 0.0            # nothing at the eyes or above
    assert mag.max(1).min() > 0.03                        # every AU moves something


def test_bad_asset_path_gives_checkpoint_error(tmp_path):
    with pytest.raises(CheckpointError):
        AUMotionModel.load(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(CheckpointError):
        AUMotionModel.load(bad)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, basis=np.zeros((3, 478, 3), np.float32))
    with pytest.raises(CheckpointError):
        AUMotionModel.load(wrong)
    nobasis = tmp_path / "nobasis.npz"
    np.savez(nobasis, other=np.zeros(3))
    with pytest.raises(CheckpointError):
        AUMotionModel.load(nobasis)


def test_load_roundtrip(tmp_path, model):
    path = tmp_path / "m.npz"
    np.savez(path, basis=model.basis, au_codes=np.array(AU_CODES, dtype="<U4"))
    other = AUMotionModel.load(path)
    np.testing.assert_array_equal(other.basis, model.basis)
