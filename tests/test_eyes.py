"""Eye interior after a warp (ganimation.warp.eyes): an eye that opens shows the white, not a stretched iris."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

pytest.importorskip("mediapipe")

from ganimation.faces.detect import get_detector
from ganimation.images import load_rgb, luminance
from ganimation.motion.frame import interocular
from ganimation.warp.eyes import EYE_CONTOURS, IRIS_SETS, UPPER_LID, redraw_eyes
from ganimation.warp.face import warp_face

ASTRO = str(resources.files("ganimation") / "assets" / "astronaut.png")


@pytest.fixture(scope="module")
def astronaut():
    image = load_rgb(ASTRO)
    lm = np.asarray(get_detector(search="whole").detect(image)[0].landmarks, np.float64)
    return image, lm


def _lids_moved(lm: np.ndarray, by_iod: float, lower_down_px: float = 0.0) -> np.ndarray:
    """``(478, 2)`` target: both upper lids moved up (``by_iod`` > 0) or down, in IOD, and the lower lids'
    points facing them down by ``lower_down_px`` pixels."""
    from ganimation.motion.regions import facing_lids

    iod = interocular(lm)
    target = lm[:, :2].copy()
    for contour in EYE_CONTOURS:
        upper = list(contour[1:UPPER_LID - 1])
        target[upper, 1] -= by_iod * iod
        target[facing_lids(contour)[1], 1] += lower_down_px
    return target


def test_no_change_is_left_to_the_warp(astronaut):
    image, lm = astronaut
    assert redraw_eyes(image, image, lm, lm, 60.0) is image
    barely = warp_face(image, lm, _lids_moved(lm, -0.002))
    assert redraw_eyes(barely.image, image, barely.source, barely.target, barely.iod) is barely.image


def test_a_closing_eye_keeps_its_eyeball_where_it_was(astronaut):
    """Lids lowered by 0.05 IOD and the iris landmarks by 0.03 (as the AU motion model's blink moves
    them): the warp squeezes the eyeball between the lids; the redraw puts the source's eyeball back
    where it was under the lowered lid, and changes nothing outside the eyes."""
    image, lm = astronaut
    target = _lids_moved(lm, -0.05)
    for iris in IRIS_SETS:
        target[list(iris), 1] += 0.03 * interocular(lm)
    fw = warp_face(image, lm, target)
    out = redraw_eyes(fw.image, image, fw.source, fw.target, fw.iod)
    changed = np.any(out != fw.image, axis=-1)
    inside = np.zeros_like(changed)
    for c in EYE_CONTOURS:
        b = fw.target[list(c)]
        (x0, y0), (x1, y1) = np.floor(b.min(0)).astype(int) - 2, np.ceil(b.max(0)).astype(int) + 3
        inside[y0:y1, x0:x1] = True
    assert changed.sum() > 20 and not (changed & ~inside).any()
    src, warped, redrawn = (luminance(x).astype(np.float64) for x in (image, fw.image, out))
    for contour, iris in zip(EYE_CONTOURS, IRIS_SETS):
        c = lm[iris[0], :2]
        r = float(np.linalg.norm(lm[list(iris[1:]), :2] - c, axis=1).mean())
        lid = fw.target[contour[4], 1]
        assert lid < c[1] - 1                         # the lowered lid is still above the iris centre
        rows = slice(int(np.ceil(lid + 0.3 * r)), int(c[1] + 0.6 * r) + 1)
        cols = slice(int(c[0] - 0.5 * r), int(c[0] + 0.5 * r) + 1)
        err_warp = np.abs(warped[rows, cols] - src[rows, cols]).mean()
        err_out = np.abs(redrawn[rows, cols] - src[rows, cols]).mean()
        assert err_out < 0.5 * err_warp, (err_out, err_warp)


def test_an_opening_eye_shows_white_above_an_unstretched_iris(astronaut):
    image, lm = astronaut
    fw = warp_face(image, lm, _lids_moved(lm, 0.12))
    out = redraw_eyes(fw.image, image, fw.source, fw.target, fw.iod)
    changed = np.any(out != fw.image, axis=-1)
    boxes = [fw.target[list(c)] for c in EYE_CONTOURS]
    inside = np.zeros_like(changed)
    for b in boxes:
        (x0, y0), (x1, y1) = np.floor(b.min(0)).astype(int) - 2, np.ceil(b.max(0)).astype(int) + 3
        inside[y0:y1, x0:x1] = True
    assert changed.sum() > 50 and not (changed & ~inside).any()     # only the eye openings change
    y_warp, y_out, y_src = luminance(fw.image), luminance(out), luminance(image)
    for contour, iris in zip(EYE_CONTOURS, IRIS_SETS):
        c = lm[iris[0], :2]
        r = float(np.linalg.norm(lm[list(iris[1:]), :2] - c, axis=1).mean())
        lid = fw.target[contour[4], 1]                     # the raised upper lid above the iris
        top = c[1] - r                                     # the iris's top edge (the eyeball stays put)
        rows = slice(int(np.ceil(lid + 1)), int(np.floor(top)) + 1)
        cols = slice(int(c[0] - 0.5 * r), int(c[0] + 0.5 * r) + 1)
        assert rows.stop - rows.start >= 3
        # the warp stretched the dark iris and its catchlight up into the uncovered band (a mean near
        # mid-grey); the redrawn eye shows the white of the eye there
        assert y_out[rows, cols].mean() > y_warp[rows, cols].mean() + 40
        assert y_out[rows, cols].mean() > 150
        # and the iris itself keeps the source's pixels at its centre (no vertical stretch)
        cy, cx = round(c[1]), round(c[0])
        assert abs(float(y_out[cy, cx]) - float(y_src[cy, cx])) < 25


def test_a_sclera_read_darker_than_the_skin_is_brought_toward_white():
    """A narrow eye shows too little white to read its colour (lashes and lid shadow): a reading far
    darker than the skin under the eye is replaced by a near-white at most as bright as that skin;
    a plausible reading, or no skin to compare with, is kept."""
    from ganimation.images import luminance
    from ganimation.warp.eyes import SCLERA_MIN_SHARE, plausible_sclera

    skin = np.array([239.0, 147.0, 129.0], np.float32)          # 46_single_face's cheek
    lum = lambda c: float(luminance(np.asarray(c, np.float32)[None])[0])
    dark = plausible_sclera(np.array([150.0, 98.0, 100.0]), skin)          # what its narrow eye read
    assert lum(dark) > lum([150.0, 98.0, 100.0]) + 20
    assert lum(dark) <= SCLERA_MIN_SHARE * lum(skin) + 1e-3
    sat = lambda c: float(np.ptp(c) / np.max(c))
    assert sat(dark) < sat(skin)                                          # a white in the skin's light
    assert dark[2] <= dark[1] + 1                                         # not purple
    bright = np.array([215.0, 200.0, 191.0], np.float32)
    assert np.array_equal(plausible_sclera(bright, skin), bright)
    assert np.array_equal(plausible_sclera(np.array([150.0, 98.0, 100.0], np.float32), None), [150.0, 98.0, 100.0])
    # continuous: a reading just under the floor moves only a little
    floor = SCLERA_MIN_SHARE * lum(skin)
    near = np.full(3, floor - 1.0, np.float32)
    assert np.abs(plausible_sclera(near, skin) - near).max() < 10


def _read_eye(white, pixels: int, skin):
    """A :class:`SourceEye` that shows ``pixels`` sclera pixels of colour ``white`` above ``skin``."""
    from ganimation.warp.eyes import SourceEye

    z = np.zeros((2, 2), np.float32)
    return SourceEye(box=(0, 0, 2, 2), crop=np.zeros((2, 2, 3), np.float32), visible=np.zeros((3, 2)),
                     above=np.zeros((3, 2)), below=np.zeros((3, 2)), drops=0.0, mask=z, centre=np.zeros(2),
                     radius=1.0, ring=z, grid=(z, z), sclera=np.tile(np.asarray(white, np.float32), (pixels, 1)),
                     skin=None if skin is None else np.asarray(skin, np.float32))


def test_a_faces_two_eyes_are_filled_with_one_white():
    """The two eyes' readings are pooled by how much white each shows: a narrow eye whose few pixels
    took in its lid (42_kit_with_rose: pink beside the other eye's cold white) gets the face's tint, at
    its own skin's brightness; one eye alone keeps its own reading; no reading, no white."""
    from ganimation.images import luminance
    from ganimation.warp.eyes import plausible_sclera, shared_sclera

    lum = lambda c: float(luminance(np.asarray(c, np.float32)[None])[0])
    wide = _read_eye([230.0, 223.0, 209.0], 200, [252.0, 204.0, 186.0])
    narrow = _read_eye([222.0, 176.0, 168.0], 10, [241.0, 182.0, 163.0])
    a, b = shared_sclera([narrow, wide])
    assert np.allclose(a / lum(a), b / lum(b), atol=1e-3)                 # one tint
    assert np.ptp(a) < 0.5 * np.ptp([222.0, 176.0, 168.0])                # the narrow eye's pink is gone
    assert abs(lum(a) / lum([241.0, 182.0, 163.0]) - lum(b) / lum([252.0, 204.0, 186.0])) < 1e-3
    assert np.abs(b - [230.0, 223.0, 209.0]).max() < 6                    # the wide eye nearly as read
    # a face lit from one side keeps its darker white on the darker side
    dim = _read_eye([150.0, 145.0, 140.0], 200, [160.0, 120.0, 100.0])
    c, d = shared_sclera([dim, wide])
    assert lum(c) < lum(d) - 30
    # alone: its own plausible reading; None where nothing is read
    alone = shared_sclera([narrow, None])
    assert np.allclose(alone[0], plausible_sclera(np.array([222.0, 176.0, 168.0], np.float32),
                                                  np.array([241.0, 182.0, 163.0], np.float32)), atol=0.01)
    assert alone[1] is None
    assert shared_sclera([_read_eye([200.0, 200.0, 200.0], 2, None), None]) == [None, None]


def test_photo_blur_reads_the_blur_of_an_edge():
    """A vertical step blurred by a known Gaussian is read back within 0.3 px; an unblurred step reads
    under 0.6 px, a flat patch 0; the white drawn into an opening eye gets this blur."""
    import cv2

    from ganimation.warp.blur import photo_blur

    step = np.zeros((40, 40), np.float32)
    step[:, 20:] = 200.0
    assert photo_blur(step) < 0.6
    for sigma in (1.0, 2.0, 3.0):
        assert photo_blur(cv2.GaussianBlur(step, (0, 0), sigma)) == pytest.approx(sigma, abs=0.3)
    assert photo_blur(np.full((20, 20), 90.0, np.float32)) == 0.0
    assert photo_blur(np.zeros((2, 5), np.float32)) == 0.0


def test_an_opening_eye_in_a_blurred_photo_is_drawn_as_soft(astronaut, monkeypatch):
    """The astronaut blurred by sigma 2 px, lids raised: where the eye is redrawn, the edges (mean
    gradient) are clearly softer than the same redraw with no blur read from the photo (the white is not
    pasted in with hard edges)."""
    import cv2

    from ganimation.warp import eyes

    image, lm = astronaut
    soft = cv2.GaussianBlur(image, (0, 0), 2.0)
    fw = warp_face(soft, lm, _lids_moved(lm, 0.12))
    matched = redraw_eyes(fw.image, soft, fw.source, fw.target, fw.iod)
    monkeypatch.setattr(eyes, "photo_blur", lambda gray: 0.0)
    sharp = redraw_eyes(fw.image, soft, fw.source, fw.target, fw.iod)
    drawn = np.any(sharp != fw.image, axis=-1)
    assert drawn.sum() > 50

    def edges(img):
        gy, gx = np.gradient(luminance(img).astype(np.float64))
        return float(np.hypot(gx, gy)[drawn].mean())

    assert edges(matched) < 0.8 * edges(sharp)


def test_catchlights_and_white_do_not_colour_the_iris():
    """The visible part of a dark iris that a lid half covers: its catchlights and the white its circle
    takes in at the sides are left out of the colours the uncovered iris is drawn with."""
    from ganimation.warp.eyes import _iris_colours

    iris = np.array([[40, 25, 15]] * 30 + [[60, 35, 25]] * 20, np.float32)
    catchlights = np.array([[235, 235, 240]] * 8, np.float32)
    white = np.array([[200, 190, 185]] * 12, np.float32)
    keep = _iris_colours(np.concatenate([iris, catchlights, white]), np.array([205.0, 195.0, 190.0]))
    assert keep[:50].all() and not keep[50:].any()
    # a light iris is kept whole: only what is brighter than halfway to the white goes
    light = np.array([[90, 120, 140]] * 40, np.float32)
    assert _iris_colours(np.concatenate([light, catchlights]), np.array([215.0, 210.0, 205.0])).sum() == 40


@pytest.mark.parametrize("drawn_below", [True, False])
def test_eyeball_below_a_lowered_lower_lid_is_drawn(astronaut, monkeypatch, drawn_below):
    """Lids that open both ways (surprise lowers the lower lid a little): where the lower lid goes down
    by a pixel or more, the eyeball it uncovers is drawn (the source's lid margin is not left across the
    eye); with that turned off (LOWER_DROP_FROM beyond the drop) the band is left to the warp and
    changes little (the mean change of the band between the two lower-lid lines, 0-255)."""
    import ganimation.warp.eyes as E

    if not drawn_below:
        monkeypatch.setattr(E, "LOWER_DROP_FROM", 1e9)
    image, lm = astronaut
    fw = warp_face(image, lm, _lids_moved(lm, 0.12, lower_down_px=3.0))
    out = redraw_eyes(fw.image, image, fw.source, fw.target, fw.iod)
    for contour, iris in zip(EYE_CONTOURS, IRIS_SETS):
        _, lower = E.facing_lids(contour)
        mid = lower[len(lower) // 2]
        c = lm[iris[0], :2]
        r = float(np.linalg.norm(lm[list(iris[1:]), :2] - c, axis=1).mean())
        rows = slice(int(np.ceil(lm[mid, 1])), int(np.floor(fw.target[mid, 1])))
        cols = slice(int(c[0] - 0.5 * r), int(c[0] + 0.5 * r) + 1)
        assert rows.stop - rows.start >= 2
        change = np.abs(out[rows, cols].astype(np.float64) - fw.image[rows, cols]).mean()
        assert (change > 25) if drawn_below else (change < 15), change   # measured 38-42 and 6-11


def test_the_eyeball_below_a_lower_lid_fades_in_with_its_drop(astronaut):
    """An animation's frames: as the lower lid's drop grows past LOWER_DROP_FROM, the eyeball drawn below
    the placed one fades in over LOWER_DROP_RAMP instead of switching on (a step of 0.1 px in the drop
    changes the redrawn eyes about as little on either side of the threshold as away from it)."""
    import ganimation.warp.eyes as E

    image, lm = astronaut

    def redrawn(drop_px):
        fw = warp_face(image, lm, _lids_moved(lm, 0.12, lower_down_px=drop_px))
        return redraw_eyes(fw.image, image, fw.source, fw.target, fw.iod).astype(np.float64)

    step = lambda a, b: np.abs(redrawn(a) - redrawn(b)).max()
    lo = E.LOWER_DROP_FROM - E.LOWER_DROP_RAMP
    far = step(lo - 0.3, lo - 0.2)                                   # before the fade: warp changes only
    across = max(step(lo - 0.05, lo + 0.05), step(E.LOWER_DROP_FROM - 0.05, E.LOWER_DROP_FROM + 0.05))
    assert across < far + 40, (across, far)
    assert step(lo - 0.1, E.LOWER_DROP_FROM + 0.1) > across      # the fill does come in over the ramp


def _synthetic_eye(size: int = 41, radius: float = 10.0, iris_radius: float = 9.0):
    """A ``(size, size, 3)`` float32 eye: a dark pupil, an iris whose shade turns with the angle (its
    fibres), a darker limbal ring out to ``iris_radius`` and white beyond; with its centre."""
    c = np.array([size // 2, size // 2], np.float64)
    yy, xx = np.mgrid[:size, :size]
    rho, phi = np.hypot(xx - c[0], yy - c[1]), np.arctan2(yy - c[1], xx - c[0])
    lum = np.where(rho < 3.0, 20.0, 70.0 + 25.0 * np.cos(3 * phi))
    lum = np.where((rho >= 0.85 * iris_radius) & (rho < iris_radius), 40.0, lum)
    lum = np.where(rho >= iris_radius, 210.0, lum)
    return np.repeat(lum[..., None], 3, -1).astype(np.float32), c


def test_the_hidden_iris_is_completed_from_its_own_pixels_around_the_circle():
    """An iris whose top third the lid covered: each radius is read where it shows and interpolated around
    the circle where it does not, so the completed circle keeps the iris's radial layers (pupil, iris,
    limbal ring, white) instead of the lid's colours, and equals the eye where the eye shows it."""
    from ganimation.warp.eyes import IRIS_REACH, _read_polar, complete_iris, iris_edge

    eye, c = _synthetic_eye()
    hidden = eye.copy()
    shown = np.ones(eye.shape[:2], np.float32)
    shown[: int(c[1] - 4)] = 0.0                                    # the lid down to 4 px above the centre
    hidden[shown == 0] = 120.0                                      # lid skin there
    polar = complete_iris(hidden, shown, c, 10.0)
    assert polar is not None and polar.shape[0] >= 4
    yy, xx = np.mgrid[:41, :41]
    back = _read_polar(polar, xx.astype(np.float32), yy.astype(np.float32), c, 10.0)[..., 0]
    rho = np.hypot(xx - c[0], yy - c[1])
    top = (shown == 0) & (rho < 0.95 * IRIS_REACH * 10.0)
    beyond = top & (rho >= 9.3) & (rho < 13.0)                          # the white beyond the iris
    assert beyond.any() and np.abs(back[beyond] - 210.0).mean() < 12.0
    mid = top & (rho >= 4.0) & (rho < 7.0)                              # the iris, not the lid's 120
    assert mid.any() and back[mid].max() < 100.0
    seen = (shown == 1) & (rho < 8.0) & (rho > 1.0)
    assert np.abs(back[seen] - eye[seen, 0]).mean() < 10.0
    # the iris ends where its pixels turn to white (9 px on MediaPipe's 10), whatever the lid hid
    assert iris_edge(polar, 210.0) == pytest.approx(0.9, abs=0.07)
    assert complete_iris(hidden, np.zeros_like(shown), c, 10.0) is None


def test_iris_circles_shown_over_a_few_pixels_are_not_read(monkeypatch):
    """A squinting eye shows its iris in a band a few pixels tall: its outer circles cross that band
    over about two pixels beside the iris, where the photo's pixels are the lids' (here a red-brown lid
    beside a grey-blue iris of 4 px radius). Those circles take the nearest circle the band shows more
    of (IRIS_MIN_ARC); read as they were, they gave the opened eye a brown ring."""
    import ganimation.warp.eyes as E

    size, c, r = 21, np.array([10.0, 10.0]), 4.0
    yy, xx = np.mgrid[:size, :size]
    rho = np.hypot(xx - c[0], yy - c[1])
    crop = np.where((rho < 2.5)[..., None], [60.0, 75.0, 85.0], [140.0, 80.0, 60.0]).astype(np.float32)
    shown = ((np.abs(yy - c[1]) <= 1.0) & (rho < 2.5)).astype(np.float32)     # the iris in the band
    shown[(yy == c[1]) & (rho >= 2.5) & (rho < 4.0)] = 1.0                     # the lid's corners in it
    polar = E.complete_iris(crop, shown, c, r)
    assert polar is not None and polar.shape[0] == 6
    assert (polar[..., 2] > polar[..., 0]).all()           # every circle blue over red: the iris's
    monkeypatch.setattr(E, "IRIS_MIN_ARC", 1e-9)           # every circle read wherever it shows
    polar = E.complete_iris(crop, shown, c, r)
    assert (polar[2:, :, 0] > polar[2:, :, 2]).any()       # the outer circles read the lid


def test_an_iris_edge_that_cannot_be_read_is_mediapipes():
    """A narrow eye shows only lashes and shadow beside its iris (no white anywhere on the circle): the
    edge is MediaPipe's radius, not the circle's reach; a light iris against the white likewise."""
    from ganimation.warp.eyes import IRIS_EDGE, iris_edge

    dark = np.full((6, 40, 3), 40.0, np.float32)
    assert iris_edge(dark, 210.0) == 1.0
    light = np.full((6, 40, 3), 200.0, np.float32)
    assert iris_edge(light, 210.0) == 1.0
    wide, _ = _synthetic_eye(iris_radius=12.5)            # past IRIS_EDGE: capped there
    from ganimation.warp.eyes import complete_iris

    polar = complete_iris(wide, np.ones(wide.shape[:2], np.float32), np.array([20.0, 20.0]), 10.0)
    assert iris_edge(polar, 210.0) == pytest.approx(IRIS_EDGE)


def test_an_opened_squinting_eye_shows_no_line_across_its_white(obama):
    """wild_dev's obama, smiling, edited to surprise: his lids open from 6 to 15 px. The placed eyeball
    left his lower lid's margin across the white as a dark line (7-9 of about 77 pixels of the white
    darker than 0.75 of its median); the margin and what is darker than the white are left out."""
    from ganimation.aus import resolve_target
    from ganimation.faces.estimate import estimate_aus
    from ganimation.geometry_edit import edit_face_geometry
    from ganimation.warp.dense import polygon_mask
    from ganimation.warp.eyes import _similarity, _visible

    photo, face = obama
    est = estimate_aus(face)
    ge = edit_face_geometry(photo, face.landmarks, est, resolve_target(current=est, expression="surprise"),
                            mouth=False, texture=0)
    h, w = photo.shape[:2]
    lum = luminance(ge.image).astype(np.float64)
    src, dst = ge.warp.source[:, :2], ge.warp.target[:, :2]
    gy, gx = np.mgrid[:h, :w]
    for contour, iris in zip(EYE_CONTOURS, IRIS_SETS):
        m = np.vstack([_similarity(src[contour[0]], src[contour[UPPER_LID - 1]], dst[contour[0]],
                                   dst[contour[UPPER_LID - 1]]), [0.0, 0.0, 1.0]])
        back = np.linalg.inv(m)
        c = back[:2, :2] @ src[iris[0]] + back[:2, 2]                 # where the eyeball's iris was placed
        r = float(np.linalg.norm(src[list(iris[1:])] - src[iris[0]], axis=1).mean())
        inside = polygon_mask((h, w), _visible(dst, contour, 2.0, 2.0)) > 0.99
        xa, xb = sorted([dst[contour[0], 0], dst[contour[UPPER_LID - 1], 0]])
        white = inside & (np.hypot(gx - c[0], gy - c[1]) > 1.4 * r) \
            & (gx > xa + 0.15 * (xb - xa)) & (gx < xb - 0.15 * (xb - xa))
        v = lum[white]
        assert len(v) > 40
        assert (v < 0.75 * np.median(v)).mean() < 0.03, np.sort(v)[:10]


def test_the_far_eye_of_a_turned_face_is_left_to_the_warp(astronaut):
    """An eye seen at less than FORESHORTENED of the other's width (a face turned far enough that it is
    partly behind the nose) is not redrawn; the other eye still is."""
    from ganimation.warp.eyes import FORESHORTENED

    image, lm = astronaut
    squeezed = lm.copy()
    contour, iris = EYE_CONTOURS[0], IRIS_SETS[0]
    pts = list(contour) + list(iris)
    centre = squeezed[pts, 0].mean()
    squeezed[pts, 0] = centre + 0.5 * (squeezed[pts, 0] - centre)            # half as wide
    target = _lids_moved(squeezed, 0.12)
    fw = warp_face(image, squeezed, target)
    out = redraw_eyes(fw.image, image, fw.source, fw.target, fw.iod)
    assert 0.5 < FORESHORTENED
    for k, c in enumerate(EYE_CONTOURS):
        b = fw.target[list(c)]
        (x0, y0), (x1, y1) = np.floor(b.min(0)).astype(int) - 2, np.ceil(b.max(0)).astype(int) + 3
        changed = np.any(out[y0:y1, x0:x1] != fw.image[y0:y1, x0:x1], axis=-1).sum()
        assert (changed == 0) if k == 0 else (changed > 20), (k, changed)


def test_an_eye_closed_in_the_photo_stays_closed():
    """A blink (or a squeezed laugh) has no eyeball in the photo to open onto: the opening AUs' motion
    is taken off a closed eye and its lids are held together, the brows still rise, an open eye
    still opens; an eye between CLOSED_BELOW and HELD_TO is held a share of the way."""
    from ganimation.aus import AU_CODES, resolve_target
    from ganimation.data.synthetic import render, sample_identity
    from ganimation.faces.estimate import estimate_aus
    from ganimation.faces.pipeline import edit_photo, find_faces
    from ganimation.motion import lids
    from ganimation.motion.au_model import AUMotionModel
    from ganimation.motion.frame import mean_shape, to_frame
    from ganimation.motion.regions import EYE_CONTOURS as CONTOURS
    from ganimation.motion.regions import facing_lids

    # motion level: the mean face with its image-left eye shut, a surprise-like motion
    face = mean_shape().copy()
    upper, lower = facing_lids(CONTOURS[0])
    face[lower, 1] = face[upper, 1] + 0.01
    model = AUMotionModel.load()
    change = np.zeros(17)
    for code, v in (("AU01", 0.5), ("AU02", 0.9), ("AU05", 0.8), ("AU45", -0.4)):
        change[AU_CODES.index(code)] = v
    motion = model.motion(np.clip(-change, 0, 1), np.clip(change, 0, 1))
    assert lids.held(face).tolist() == [1.0, 0.0]
    held = lids.keep_closed(face, lids.closed_stay_closed(face, motion, change, model.basis))
    gaps = lids.eye_gaps(face + held)
    assert gaps[0] < lids.CLOSED_BELOW and gaps[0] - lids.eye_gaps(face)[0] < 0.005   # the shut eye stays shut
    assert lids.eye_gaps(face + held)[1] > lids.eye_gaps(face)[1] + 0.02    # the open eye still opens
    assert lids.eye_gaps(face + motion)[0] > lids.CLOSED_BELOW               # (unheld, the shut one would)
    assert np.allclose(held[[105, 334]], motion[[105, 334]])                # the brows still rise
    half = face.copy()
    half[lower, 1] = half[upper, 1] + (lids.CLOSED_BELOW + lids.HELD_TO) / 2
    assert 0.0 < lids.held(half)[0] < 1.0

    # photo level: a synthetic face mid-blink edited toward surprise keeps its eyes shut
    v = np.zeros(17, np.float32)
    v[AU_CODES.index("AU45")] = 1.0
    blink = render(sample_identity(np.random.default_rng(3)), v, 192)
    f = find_faces(blink, "largest")[0]
    assert lids.eye_gaps(to_frame(f.landmarks)[0]).max() < lids.CLOSED_BELOW
    out = edit_photo(None, blink, expression="surprise", face="largest").image
    g = find_faces(out, "largest")[0]
    assert lids.eye_gaps(to_frame(g.landmarks)[0]).max() < lids.CLOSED_BELOW
    assert resolve_target(current=estimate_aus(f), expression="surprise")[AU_CODES.index("AU05")] > 0.5


def test_a_reenacted_photo_with_closed_eyes_keeps_them_closed():
    """Reenactment: a driving face that opens its eyes wide does not open a source eye the photo
    shows closed (MotionTransfer's motion goes through keep_closed); an open source eye follows."""
    from ganimation.motion import lids
    from ganimation.motion.frame import mean_shape
    from ganimation.motion.regions import EYE_CONTOURS as CONTOURS
    from ganimation.motion.regions import facing_lids
    from ganimation.motion.transfer import MotionTransfer

    scale = 60.0
    source = mean_shape().copy()
    upper, lower = facing_lids(CONTOURS[0])
    source[lower, 1] = source[upper, 1] + 0.01                    # the image-left eye shut
    driving = mean_shape().copy()
    for contour in CONTOURS:                                       # the driving face opens both eyes wide
        up, lo = facing_lids(contour)
        driving[up, 1] -= 0.05
        driving[lo, 1] += 0.03
    to_px = lambda p: p * scale + [200.0, 200.0, 0.0]              # noqa: E731
    transfer = MotionTransfer.create(to_px(source), to_px(mean_shape()))
    target = transfer.target(to_px(driving)) - [200.0, 200.0, 0.0]
    gaps_before, gaps_after = lids.eye_gaps(source), lids.eye_gaps(target / scale)
    assert gaps_after[0] < lids.CLOSED_BELOW and gaps_after[0] - gaps_before[0] < 0.005
    assert gaps_after[1] > gaps_before[1] + 0.03
