"""The light's colour read from the skin (ganimation.warp.light) and what the warp engine draws with it."""

from __future__ import annotations

import numpy as np
import pytest

from ganimation.images import luminance
from ganimation.warp.light import (
    SKIN_OVER_WHITE,
    TYPICAL_WHITE,
    face_skin,
    light_gain,
    white_tint,
)


def lum(c) -> float:
    return float(luminance(np.asarray(c, np.float32)[None])[0])


ORANGE = np.array([204.0, 106.0, 36.0], np.float32)       # UTKFace 43_1_0_20170109141845861's cheek, lit orange


def test_a_grey_photo_has_a_grey_white_and_no_gain():
    for v in (40.0, 170.0):
        assert np.allclose(white_tint(np.full(3, v)), 1.0, atol=1e-5)
        assert np.allclose(light_gain(np.full(3, v)), 1.0, atol=1e-5)


def test_skin_within_peoples_spread_reads_a_typical_photos_light():
    """The typical skin, and skins whose reading differs from it by less than SKIN_SPREAD per channel
    (a pale face in a neutral photo), give no gain and the typical white."""
    typical = 180.0 * TYPICAL_WHITE * SKIN_OVER_WHITE           # the skin beside the typical white
    for skin in (typical, typical * [1.0, 1.06, 1.06], np.array([241.0, 182.0, 163.0])):
        assert np.allclose(white_tint(skin), TYPICAL_WHITE, atol=2e-3)
        assert np.allclose(light_gain(skin), 1.0, atol=2e-3)


def test_an_orange_lit_faces_white_and_gain_are_orange_at_unit_luminance():
    tint, gain = white_tint(ORANGE), light_gain(ORANGE)
    assert abs(lum(tint) - 1.0) < 1e-4 and abs(lum(gain) - 1.0) < 1e-4
    assert tint[0] > tint[1] > tint[2] and tint[2] < 0.6
    assert gain[0] > 1.05 and gain[2] < 0.6
    # less saturated than the skin itself: a white in that light, not skin
    assert np.ptp(tint) / tint.max() < np.ptp(ORANGE) / ORANGE.max()


def test_a_faintly_coloured_skin_reads_the_light_only_in_part():
    """A magenta-lit skin's gain grows with its saturation (none on grey), continuously."""
    magenta = np.array([231.0, 166.0, 223.0], np.float32)
    grey = np.full(3, float(lum(magenta)), np.float32)
    blues = [light_gain(grey + t * (magenta - grey))[2] for t in np.linspace(0.0, 1.0, 11)]
    assert blues[0] == pytest.approx(1.0, abs=1e-5) and blues[-1] > 1.2
    assert np.all(np.diff(blues) >= -1e-6) and np.max(np.diff(blues)) < 0.1


def test_the_skin_under_both_eyes_is_read_and_off_the_photo_is_none():
    from ganimation.warp.eyes import EYE_CONTOURS

    image = np.zeros((100, 100, 3), np.uint8)
    image[42:] = (200, 150, 120)
    points = np.zeros((478, 2))
    for c, x in zip(EYE_CONTOURS, (30.0, 70.0)):
        points[list(c)] = [[x - 8 + 16 * k / (len(c) - 1), 40.0] for k in range(len(c))]
    assert np.allclose(face_skin(image, points, iod=40.0), [200, 150, 120])
    assert face_skin(image, points + [0.0, 200.0], iod=40.0) is None


def test_an_orange_lit_photos_opened_mouth_is_drawn_warmer():
    """The same mouth drawn for a typical photo's light and for the orange light: its inside's blue falls
    against its red (it was drawn in a typical photo's colours, grey-blue in the orange face)."""
    from ganimation.warp import mouth_interior as M

    k = 13
    x = 20.0 + np.linspace(0, 80.0, k)
    arch = np.sin(np.linspace(0, np.pi, k))
    upper = np.stack([x, 30.0 + 0.0 * arch], 1)
    lower = np.stack([x, 30.0 + 30.0 * arch], 1)
    plain = M.draw_interior((70, 120), (0, 0), upper, lower, 100.0, brightness=1.0)
    warm = M.draw_interior((70, 120), (0, 0), upper, lower, 100.0, brightness=1.0, light=light_gain(ORANGE))
    inside = (slice(35, 55), slice(40, 80))
    ratio = lambda im: float(im[inside][..., 2].mean() / im[inside][..., 0].mean())
    assert ratio(warm) < 0.7 * ratio(plain)
    assert abs(lum(warm[inside].reshape(-1, 3).mean(0)) - lum(plain[inside].reshape(-1, 3).mean(0))) < 12


@pytest.mark.parametrize("gain", [None, np.ones(3, np.float32)])
def test_no_gain_draws_the_interior_as_before(gain):
    from ganimation.warp import mouth_interior as M

    x = np.linspace(20, 100, 13)
    upper, lower = np.stack([x, np.full(13, 30.0)], 1), np.stack([x, 30.0 + 25 * np.sin(np.linspace(0, np.pi, 13))], 1)
    base = M.draw_interior((70, 120), (0, 0), upper, lower, 100.0, brightness=0.9)
    assert np.allclose(M.draw_interior((70, 120), (0, 0), upper, lower, 100.0, brightness=0.9, light=gain), base)
