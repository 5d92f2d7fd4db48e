"""The texture stage: the canonical face canvas and the AU shading model."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

pytest.importorskip("cv2")

from ganimation.aus import AU_CODES, NUM_AUS  # noqa: E402
from ganimation.texture import canonical as cv  # noqa: E402
from ganimation.texture.au_texture import (  # noqa: E402
    MAX_BRIGHTEN,
    MAX_DARKEN,
    AUTextureModel,
    shade_expression,
)

ASTRO = str(resources.files("ganimation") / "assets" / "astronaut.png")


def _unit(code: str, value: float = 1.0) -> np.ndarray:
    v = np.zeros(NUM_AUS, np.float32)
    v[AU_CODES.index(code)] = value
    return v


def _canvas_window(x: float, y: float, r: int = 3) -> tuple[slice, slice]:
    """Rows, columns of the canvas around frame point (x, y) (IOD)."""
    i = int(x * cv.PIXELS_PER_IOD + cv.WIDTH / 2)
    j = int((y - cv.TOP) * cv.PIXELS_PER_IOD)
    return slice(j - r, j + r + 1), slice(i - r, i + r + 1)


@pytest.fixture(scope="module")
def face():
    pytest.importorskip("mediapipe")
    from ganimation.faces.detect import get_detector
    from ganimation.images import load_rgb

    img = np.asarray(load_rgb(ASTRO))
    return img, get_detector(search="whole").detect(img)[0].landmarks


def test_canvas_is_mirror_symmetric_and_holds_the_mean_face():
    pts = cv.canvas_points()
    assert pts.shape == (478, 2)
    assert pts[:, 0].min() > 0 and pts[:, 0].max() < cv.WIDTH and pts[:, 1].min() > 0 and pts[:, 1].max() < cv.HEIGHT
    mask = cv.canvas_mask()
    assert np.abs(mask - mask[:, ::-1]).mean() < 0.02
    assert 0.4 < mask.mean() < 0.9


def test_canvas_round_trip_keeps_a_smooth_image(face):
    img, lm = face
    h, w = img.shape[:2]
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = np.stack([gx / w * 200, gy / h * 200, np.full_like(gx, 50)], -1)
    canvas = cv.to_canvas(ramp, lm)
    assert canvas.shape == (cv.HEIGHT, cv.WIDTH, 3)
    assert np.all(canvas[cv.canvas_mask() == 0] == 0)
    roi, back = cv.from_canvas(canvas[..., 0], lm, (w, h))
    x0, y0, x1, y1 = roi
    inside = back > 0
    assert inside.sum() > 1000
    # inside the face the canvas round trip gives back the ramp (up to interpolation)
    err = np.abs(back - ramp[y0:y1, x0:x1, 0])[inside]
    assert np.median(err) < 1.0


def test_zero_change_leaves_the_photo_bit_identical(face):
    img, lm = face
    change = AUTextureModel.load().change(np.zeros(NUM_AUS))
    assert np.all(change == 0)
    assert np.array_equal(shade_expression(img, lm, change, 100.0), img)


def test_shading_changes_luminance_inside_the_face_only(face):
    img, lm = face
    change = AUTextureModel.load().change(_unit("AU12") - _unit("AU04"), strength=2.0)
    out = shade_expression(img, lm, change, 100.0)
    diff = np.any(out != img, axis=-1)
    assert diff.sum() > 500
    ys, xs = np.nonzero(diff)
    assert xs.min() >= lm[:, 0].min() - 1 and xs.max() <= lm[:, 0].max() + 1
    assert ys.min() >= lm[:, 1].min() - 1 and ys.max() <= lm[:, 1].max() + 1
    # a gain on all three channels: chromaticity kept where the pixel is not clipped
    a = img[diff].astype(np.float64) + 1
    b = out[diff].astype(np.float64) + 1
    ok = (b < 255).all(1) & (a > 40).all(1)
    ratio_in = a[ok] / a[ok].sum(1, keepdims=True)
    ratio_out = b[ok] / b[ok].sum(1, keepdims=True)
    assert np.abs(ratio_in - ratio_out).max() < 0.02


def test_a_white_shine_is_not_darkened_into_a_grey_patch(face):
    """A near-white, clipped shine on the skin keeps its pixels where the shading darkens the skin beside
    it; a grey photo (every pixel as white as its skin) is darkened throughout."""
    from ganimation.texture.au_texture import highlights

    img, lm = face
    h, w = img.shape[:2]
    change = np.full((cv.HEIGHT, cv.WIDTH), -0.1, np.float32)          # darken the whole face
    shiny = img.copy()
    cx, cy = lm[[10, 151]].mean(0)[:2].astype(int)                       # the middle of the forehead
    shiny[cy - 4:cy + 5, cx - 4:cx + 5] = (254, 236, 228)                  # a clipped shine on warm skin
    out = shade_expression(shiny, lm, change, 100.0)
    assert np.array_equal(out[cy - 2:cy + 3, cx - 2:cx + 3], shiny[cy - 2:cy + 3, cx - 2:cx + 3])
    beside = (slice(cy - 2, cy + 3), slice(cx + 12, cx + 17))             # ordinary skin: darkened
    assert out[beside].astype(int).mean() < shiny[beside].astype(int).mean() - 5
    grey = np.repeat(shiny.mean(-1, keepdims=True), 3, -1).astype(np.uint8)
    out = shade_expression(grey, lm, change, 100.0)
    assert out[cy - 2:cy + 3, cx - 2:cx + 3].astype(int).mean() < grey[cy - 2:cy + 3, cx - 2:cx + 3].mean() - 10
    region = np.array([[[254, 236, 228], [200, 150, 130], [250, 250, 250]]], np.float32)
    weight = highlights(region, np.array([[False, True, False]]))
    assert weight[0, 0] > 0.9 and weight[0, 1] == 0 and weight[0, 2] > 0.9


def test_change_is_clipped_and_linear_below_the_clip():
    model = AUTextureModel.load()
    big = model.change(np.ones(NUM_AUS), strength=4.0)
    assert big.min() >= -MAX_DARKEN - 1e-6 and big.max() <= MAX_BRIGHTEN + 1e-6
    small = model.change(_unit("AU12", 0.1))
    np.testing.assert_allclose(model.change(_unit("AU12", 0.2)), 2 * small, atol=1e-5)
    # a smile's release counts by the motion model's release gain; other decreases are symmetric
    from ganimation.motion.au_model import RELEASE_GAIN

    np.testing.assert_allclose(model.change(-_unit("AU12", 0.1)), -RELEASE_GAIN["AU12"] * small, atol=1e-5)
    brow = model.change(_unit("AU04", 0.1))
    np.testing.assert_allclose(model.change(-_unit("AU04", 0.1)), -brow, atol=1e-5)
    with pytest.raises(ValueError):
        model.change(np.zeros(5))
    with pytest.raises(ValueError):
        model.change(np.full(NUM_AUS, np.nan))


def test_smiling_darkens_the_nasolabial_folds():
    """The fitted model, not a hand-made one: raising AU12 darkens the skin beside the nose wings."""
    b = AUTextureModel.load().basis[AU_CODES.index("AU12")]
    for x in (-0.45, 0.45):
        rows, cols = _canvas_window(x, 0.75)
        assert b[rows, cols].mean() < -0.02
    # and it has no brow furrow: the forehead stays
    rows, cols = _canvas_window(0.0, -0.6)
    assert abs(b[rows, cols].mean()) < 0.01


def test_model_roundtrip_and_bad_basis(tmp_path):
    model = AUTextureModel.load()
    path = tmp_path / "t.npz"
    model.save(path)
    again = AUTextureModel.load(path)
    np.testing.assert_allclose(again.basis, model.basis, atol=1e-3)
    with pytest.raises(ValueError):
        AUTextureModel(np.zeros((3, 4, 5)))
    with pytest.raises(ValueError):
        AUTextureModel(np.full((NUM_AUS, cv.HEIGHT, cv.WIDTH), np.inf))


def test_edit_photo_texture_strength(face):
    from ganimation.faces.pipeline import edit_photo

    img, _ = face
    shape_only = edit_photo(None, img, expression="anger", engine="warp", texture=0).image
    shaded = edit_photo(None, img, expression="anger", engine="warp").image
    diff = np.any(shaded != shape_only, axis=-1)
    assert diff.sum() > 200                                   # the texture stage did something
    # and only its shading differs: the same pixels are moved (texture 0 = the warp and mouth alone)
    moved = np.any(shape_only != img, axis=-1)
    assert (diff & ~moved).sum() < 0.2 * diff.sum()


def test_cli_texture_option(tmp_path, capsys):
    pytest.importorskip("mediapipe")
    from ganimation.cli.main import main

    out = tmp_path / "o.png"
    assert main(["edit", ASTRO, "--expression", "sad", "--texture", "0", "-o", str(out)]) == 0
    assert out.is_file()
    assert main(["edit", ASTRO, "--expression", "sad", "--texture", "-1", "-o", str(tmp_path / "p.png")]) == 2
    assert "texture" in capsys.readouterr().err


def test_folded_triangles_get_no_shading():
    """Where a warp folds triangles over (a turned face, a strong motion), a canvas map would land in a
    sliver as a dark line: from_canvas leaves those triangles out."""
    pts = cv.canvas_points() * 3.0 + 20.0                       # the mean face, 3x the canvas
    size = (int(pts[:, 0].max()) + 40, int(pts[:, 1].max()) + 40)
    ones = np.ones((cv.HEIGHT, cv.WIDTH), np.float32)
    _, flat = cv.from_canvas(ones, pts, size)
    assert cv._folded_mask(pts, cv.landmark_triangles(), flat.shape, (0, 0)) is None
    folded = pts.copy()
    brow = 105                                                   # a brow landmark pushed through the eye
    folded[brow, 1] += 0.5 * cv.PIXELS_PER_IOD * 3.0
    roi, patch = cv.from_canvas(ones, folded, size)
    x0, y0 = roi[:2]
    bx, by = np.round(folded[brow] - [x0, y0]).astype(int)
    assert patch[by, bx] < 0.5                                   # no shading on the fold
    assert np.median(patch[patch > 0]) > 0.9                     # the rest of the face keeps it


def test_released_smile_lightens_the_photos_own_folds(face):
    """A dark line drawn along a nasolabial fold, or under an eye, is mixed toward the skin beside it when
    the smile is released, in proportion to the release; nothing changes without a release, above the
    brows, in the lips or in the eye itself."""
    import cv2

    from ganimation.images import luminance
    from ganimation.motion.regions import LEFT_BROW, RIGHT_BROW
    from ganimation.texture.folds import FOLD_CHAINS, release_folds, smile_release
    from ganimation.warp.dense import polygon_mask
    from ganimation.warp.eyes import EYE_CONTOURS

    img, lm = face
    iod = float(np.linalg.norm(lm[33, :2] - lm[263, :2]))

    def drawn_along(chain: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The photo with a dark, reddish line along ``chain``'s landmarks, and the line's pixels."""
        pts = np.round(lm[list(chain), :2]).astype(np.int32)
        lined, line = img.copy(), np.zeros(img.shape[:2], np.uint8)
        cv2.polylines(lined, [pts], False, (90, 40, 30), thickness=2)
        cv2.polylines(line, [pts], False, 1, thickness=2)
        return lined, line.astype(bool)

    def lum(x: np.ndarray, where: np.ndarray) -> float:
        return float(luminance(x[where].astype(np.float32)[None])[0].mean())

    lined, on_line = drawn_along(FOLD_CHAINS[0][1:3])                    # a nasolabial fold's middle stretch
    assert release_folds(lined, lm, 0.0, iod) is lined
    half = release_folds(lined, lm, 0.5, iod)
    full = release_folds(lined, lm, 1.0, iod)
    assert lum(lined, on_line) + 5 < lum(half, on_line) < lum(full, on_line) - 5   # lighter, by the release
    skin = cv2.GaussianBlur(img.astype(np.float32), (0, 0), sigmaX=0.1 * iod)[on_line]
    assert np.abs(full[on_line] - skin).mean() < 0.6 * np.abs(lined[on_line] - skin).mean()   # toward the skin
    ys = np.nonzero(np.any(full != lined, axis=-1))[0]
    assert ys.min() > lm[list(RIGHT_BROW + LEFT_BROW), 1].mean() and ys.max() < lm[152, 1]
    lips = lm[[61, 291, 0, 17], :2].mean(0)
    assert np.array_equal(full[int(lips[1]), int(lips[0])], lined[int(lips[1]), int(lips[0])])

    creased, under = drawn_along(FOLD_CHAINS[4][1:3])                     # a crease under the image-left eye
    out = release_folds(creased, lm, 1.0, iod)
    assert lum(out, under) > lum(creased, under) + 5
    eye = polygon_mask(img.shape[:2], lm[list(EYE_CONTOURS[0]), :2]) > 0.5
    assert eye.sum() > 20 and np.array_equal(out[eye], creased[eye])

    assert smile_release(-_unit("AU12", 0.7)) == pytest.approx(0.7)
    assert smile_release(_unit("AU12", 0.7) - _unit("AU06", 0.2)) == pytest.approx(0.2)
    assert smile_release(_unit("AU04")) == 0.0
