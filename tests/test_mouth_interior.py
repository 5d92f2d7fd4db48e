"""The drawn mouth interior: a real open mouth mapped the way a jaw opens (``ganimation.warp.mouth_interior``)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("cv2")

from ganimation.warp import mouth_interior as M

IOD = 100.0


def opening(gap_iod: float, width: float = 80.0, origin=(20.0, 30.0), k: int = 13) -> tuple[np.ndarray, np.ndarray]:
    """Inner-lip chains ``(k, 2)`` of a level mouth: upper lip straight at ``origin``'s y, the lower
    one an arc whose centre lies ``gap_iod`` IOD below it (both meet at the corners)."""
    x = origin[0] + np.linspace(0.0, width, k)
    s = np.linspace(0.0, 1.0, k)
    upper = np.column_stack([x, np.full(k, origin[1])])
    lower = np.column_stack([x, origin[1] + gap_iod * IOD * np.sin(np.pi * s)])
    return upper, lower


def test_shipped_exemplars_are_open_mouths_with_teeth_above_a_dark_cavity():
    """``open``: upper teeth over a dark cavity; ``stretched``: both rows of teeth around a dark gap."""
    found = M.load_exemplars()
    assert tuple(found) == M.EXEMPLARS
    for name, (image, gap) in found.items():
        assert image.shape == (*M.SHAPE, 3) and gap.shape == (M.SHAPE[1],)
        assert np.all(np.isfinite(gap)) and 0.1 < gap.max() < 0.6
        centre = image[:, M.SHAPE[1] // 4: 3 * M.SHAPE[1] // 4].mean(axis=(1, 2))
        rows = len(centre)
        assert centre[: rows // 4].max() > 150, name                 # teeth under the upper lip
        assert centre[rows // 3: 2 * rows // 3].min() < 80, name     # the dark cavity
        assert np.allclose(image, image[:, ::-1], atol=1), name      # mirrored: a symmetric mouth
        lower_teeth = centre[3 * rows // 4:].max() > 150
        assert lower_teeth == (name == "stretched"), name


def test_rectify_inverts_draw_interior():
    """Drawing the exemplar into an opening as deep as its own and rectifying it back gives it again
    (rectifying leaves out LOWER_TRIM of the landmark opening at the lower lip, drawing fills it all)."""
    image, gap = M.load_exemplars()["open"]
    depth = float(gap[M.SHAPE[1] // 2])
    upper, lower = opening(depth)
    drawn = M.draw_interior((60, 120), (0, 0), upper, lower, IOD, brightness=1.0)
    _, landmark_lower = opening(depth / (1 - M.LOWER_TRIM))
    back, back_gap = M.rectify(np.clip(drawn, 0, 255).astype(np.uint8), upper, landmark_lower, IOD)
    assert back_gap[M.SHAPE[1] // 2] == pytest.approx(depth, rel=0.02)
    mid = slice(M.SHAPE[1] // 3, 2 * M.SHAPE[1] // 3)       # the middle third, away from the corners
    assert np.abs(back[:, mid].astype(np.float32) - image[:, mid]).mean() < 20


def test_upper_teeth_keep_their_size_and_a_deep_opening_is_dark_in_the_middle():
    """The rows under the upper lip do not stretch with the opening; an opening twice the exemplar's
    shows the cavity's dark colour in its middle, not a stretched row of the exemplar."""
    centre_x = 60
    cols = []
    for g in (0.2, 0.45):
        upper, lower = opening(g)
        drawn = M.draw_interior((90, 120), (0, 0), upper, lower, IOD, brightness=1.0)
        cols.append(drawn[30:, centre_x].mean(axis=1))       # the centre column from the upper lip down
    top = int(0.05 * IOD)
    assert np.abs(cols[0][:top] - cols[1][:top]).mean() < 8
    cavity = M.cavity_colour(M.load_exemplars()["open"][0]).mean()
    deep_middle = cols[1][int(0.2 * IOD): int(0.25 * IOD)]
    assert np.abs(deep_middle - cavity).max() < 3


def test_a_grey_photo_gets_a_grey_interior_and_brightness_scales_it():
    upper, lower = opening(0.3)
    region = np.full((20, 20, 3), 128, np.uint8)
    assert M.photo_chroma(region) == 0.0
    grey = M.draw_interior((70, 120), (0, 0), upper, lower, IOD, brightness=1.0, chroma=M.photo_chroma(region))
    assert np.abs(grey - grey.mean(axis=2, keepdims=True)).max() < 1e-3
    colour = M.draw_interior((70, 120), (0, 0), upper, lower, IOD, brightness=1.0)
    darker = M.draw_interior((70, 120), (0, 0), upper, lower, IOD, brightness=0.5)
    assert np.abs(colour - colour.mean(axis=2, keepdims=True)).max() > 20
    assert np.allclose(darker, 0.5 * colour, atol=1e-3)
    skin = np.zeros((4, 4, 3), np.uint8) + np.array([200, 150, 120], np.uint8)
    assert M.photo_chroma(skin) == 1.0


def test_stretched_lips_bare_the_lower_teeth_and_the_blend_is_continuous():
    """``stretch`` 1 draws a row of teeth above the lower lip, 0 does not; in between the two blend."""
    upper, lower = opening(0.25)
    x = 60
    draw = [M.draw_interior((80, 120), (0, 0), upper, lower, IOD, brightness=1.0, stretch=w) for w in (0.0, 0.5, 1.0)]
    bottom = slice(30 + int(0.19 * IOD), 30 + int(0.24 * IOD))   # just above the lower lip at the centre
    above_lip = [d[bottom, x - 10: x + 10].mean() for d in draw]
    assert above_lip[2] > above_lip[0] + 40
    assert np.allclose(draw[1], (draw[0] + draw[2]) / 2, atol=1e-3)


@pytest.mark.parametrize("name,stretch", [("open", 0.0), ("stretched", 1.0)])
def test_the_photos_carried_teeth_stand_for_the_exemplars_upper_teeth(name, stretch):
    """Below the photo's own teeth (carried under the upper lip, 0.03 IOD deep here) the interior goes on
    with what lies below the exemplar's upper teeth, the dark cavity, not with a second row of its upper
    teeth; with no teeth carried the exemplar's teeth are drawn there as before."""
    share = M.upper_teeth_share(M.load_exemplars()[name][0])
    assert 0.25 < share < 0.5                                         # (0.40 and 0.35 in the asset)
    upper, lower = opening(0.25)
    teeth = upper + [0.0, 0.03 * IOD]
    plain = M.draw_interior((90, 120), (0, 0), upper, lower, IOD, brightness=1.0, stretch=stretch)
    carried = M.draw_interior((90, 120), (0, 0), upper, lower, IOD, brightness=1.0, stretch=stretch, teeth=teeth)
    below = slice(30 + int(0.035 * IOD), 30 + int(0.06 * IOD))         # just below the carried teeth
    assert plain[below, 50:70].mean() > 120                          # the exemplar's upper teeth
    assert carried[below, 50:70].mean() < 90                         # the cavity instead
    faded = M.draw_interior((90, 120), (0, 0), upper, lower, IOD, brightness=1.0, stretch=stretch, teeth=teeth,
                            teeth_weight=0.0)
    assert np.array_equal(faded, plain)


def test_a_smaller_opening_changes_little_as_it_grows_by_a_tenth_of_a_pixel():
    """Where the target opens less than the exemplar, its upper and lower parts meet in the middle; a
    hard cut there moved by a whole row as the opening grew by a fraction of a pixel (a change of up to
    180 of 255 for a 0.1-px step, a video's mouth flickering along that row); now they change over
    within a pixel (at most 9 here)."""
    worst = 0.0
    for g in np.arange(0.10, 0.20, 0.0037):                      # the exemplar's middle opening is 0.22 IOD
        a = M.draw_interior((90, 120), (0, 0), *opening(g), IOD, brightness=1.0)
        b = M.draw_interior((90, 120), (0, 0), *opening(g + 0.001), IOD, brightness=1.0)
        worst = max(worst, float(np.abs(a - b)[:, 40:80].max()))
    assert worst < 20.0, worst
