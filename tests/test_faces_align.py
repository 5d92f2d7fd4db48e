"""Alignment, crop and paste-back (fast; MediaPipe only for the astronaut check)."""

from importlib import resources

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from ganimation.faces import align  # noqa: E402


def _smooth_image(h=240, w=320):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([
        128 + 60 * np.sin(x / 37.0) * np.cos(y / 41.0),
        128 + 50 * np.cos(x / 53.0 + 1) + 20 * np.sin(y / 29.0),
        100 + 0.3 * x + 0.2 * y,
    ], -1)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def test_similarity_transform_recovers_known_transform():
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 100, (5, 2))
    ang, s, t = 0.3, 1.7, np.array([12.0, -5.0])
    r = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    dst = src @ (s * r).T + t
    m = align.similarity_transform(src, dst)
    np.testing.assert_allclose(align.apply(m, src), dst, atol=1e-8)
    np.testing.assert_allclose(align.apply(align.invert(m), dst), src, atol=1e-8)


def test_crop_paste_round_trip_is_identity_away_from_border():
    img = _smooth_image()
    pts = np.array([[140, 100], [190, 104], [166, 132], [146, 160], [186, 162]], np.float64)
    m = align.align_transform(pts, 128)  # scale > 1: upsampling crop
    crop = align.warp(img, m, 128)
    zero = np.zeros_like(crop)
    mask = np.ones((128, 128), np.float32)
    mask[:6], mask[-6:], mask[:, :6], mask[:, -6:] = 0, 0, 0, 0
    # replace mode: the crop itself goes back through the inverse warp
    out = align.paste_back(img, crop, zero, m, mask, mode="replace")
    inner = np.zeros((128, 128), np.float32)
    inner[10:-10, 10:-10] = 1
    inside = cv2.warpAffine(inner, align.invert(m), (img.shape[1], img.shape[0])) > 0.999
    assert inside.sum() > 1000
    diff = np.abs(out.astype(int) - img.astype(int))[inside]
    assert diff.max() <= 1, diff.max()
    # outside the mask the photo is bit-identical
    outside = cv2.warpAffine(mask, align.invert(m), (img.shape[1], img.shape[0])) <= 0
    assert np.array_equal(out[outside], img[outside])


def test_residual_paste_of_unchanged_crop_is_exact():
    img = _smooth_image()
    pts = np.array([[140, 100], [190, 104], [166, 132], [146, 160], [186, 162]], np.float64)
    m = align.align_transform(pts, 64)
    crop = align.warp(img, m, 64)
    out = align.paste_back(img, crop, crop, m, align.face_mask(64), mode="residual")
    assert np.array_equal(out, img)


def test_face_mask_is_zero_on_crop_border_and_one_inside():
    m = align.face_mask(128)
    assert m.shape == (128, 128) and m.dtype == np.float32
    assert m[0].max() == 0 and m[:, 0].max() == 0 and m[-1].max() == 0
    assert m[64, 64] > 0.99


def test_alignment_puts_landmarks_at_template_on_astronaut():
    pytest.importorskip("mediapipe")
    from ganimation.faces.detect import FaceDetector
    from ganimation.images import load_rgb

    path = resources.files("ganimation") / "assets" / "astronaut.png"
    img = load_rgb(str(path))
    det = FaceDetector(search="whole")
    faces = det.detect(img)
    assert len(faces) == 1
    al = align.align_face(img, faces[0], 128)
    again = det.detect(al.crop)
    assert len(again) == 1
    p = again[0].points5()
    expected = align.apply(al.transform, faces[0].points5())
    # re-detected points land where the transform put them
    assert np.abs(p - expected).max() < 2.0
    # and the eyes (fitted tightly) at the template; nose/mouth within the face's own proportions
    tpl = align.template_points(128)
    d = np.linalg.norm(p - tpl, axis=1)
    assert d[:2].max() < 2.0, d
    assert d.max() < 5.0, d
