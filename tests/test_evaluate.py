"""``ganimation evaluate``: the library, the report and the CLI, on tiny models and data made here."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from ganimation.aus import NUM_AUS
from ganimation.edit import CropEdit
from ganimation.errors import GanimationError
from ganimation.evaluate import (
    ellipse_mask,
    evaluate,
    load_eval_data,
    make_targets,
    read_target_file,
)


class IdentityEditor:
    """A stand-in editor with attention 1 everywhere: the output is the input."""

    engine = "gan"  # stands in for the generator: photo edits go through the crop path

    def __init__(self, size: int):
        self.image_size = size

    def edit_crops(self, crops, targets):
        crops = np.asarray(crops, np.uint8)
        n = len(crops)
        return CropEdit(crops.copy(), np.ones(crops.shape[:3], np.float32), crops.copy(),
                        np.asarray(targets, np.float32).reshape(n, NUM_AUS))


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    """A random tiny generator (32 px) saved as release weights."""
    from ganimation.checkpoint import save_release
    from ganimation.config import ModelConfig
    from ganimation.nn import build_generator

    torch.manual_seed(0)
    cfg = ModelConfig(image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3)
    path = tmp_path_factory.mktemp("w") / "tiny.safetensors"
    save_release(path, build_generator(cfg), cfg)
    return path


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from conftest import write_toy_dataset

    return write_toy_dataset(tmp_path_factory.mktemp("d") / "toy", n=16, size=32, test=6)


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    from ganimation.data.synthetic import synthesize_dataset

    root = tmp_path_factory.mktemp("s") / "synth"
    synthesize_dataset(root, count=0, size=32, pairs=3, workers=1)
    return root / "pairs"


def test_cli_writes_metrics_and_report(weights, dataset, tmp_path, capsys):
    from ganimation.cli.main import main

    out = tmp_path / "rep"
    rc = main(["evaluate", "--weights", str(weights), "--data", str(dataset), "--device", "cpu",
               "--recon-limit", "4", "-o", str(out)])
    assert rc == 0
    m = json.loads((out / "metrics.json").read_text())
    for key in ("meta", "notes", "self_reconstruction", "cycle", "locality", "attention", "timing_s"):
        assert key in m, key
    assert m["meta"]["n"] == 6 and m["meta"]["split"] == "test" and m["meta"]["recon_n"] == 4
    for key in ("psnr", "ssim", "l1"):
        assert key in m["self_reconstruction"]
    assert {"l1", "psnr"} <= set(m["cycle"])
    assert {"mean", "share_low", "share_high"} <= set(m["attention"])
    assert m["locality"]["background_rmse"] >= 0
    assert "au_control" in m or any("AU control" in n for n in m["notes"])
    report = (out / "report.md").read_text()
    assert "# Evaluation report" in report and "Self-reconstruction" in report
    assert (out / "samples.png").is_file()
    assert "evaluated 6 faces" in capsys.readouterr().out


def test_identity_editor_is_perfect_reconstruction(dataset, tmp_path):
    m = evaluate(IdentityEditor(32), dataset, out_dir=tmp_path / "id", recon_limit=None)
    assert math.isinf(m["self_reconstruction"]["psnr"]) or m["self_reconstruction"]["psnr"] > 60
    assert m["self_reconstruction"]["ssim"] == pytest.approx(1.0)
    assert m["self_reconstruction"]["l1"] == 0
    assert m["cycle"]["l1"] == 0
    assert m["locality"]["background_rmse"] == 0
    assert m["attention"]["mean"] == 1 and m["attention"]["share_high"] == 1
    assert m["locality"]["edit_concentration"] is None or math.isnan(m["locality"]["edit_concentration"])
    saved = json.loads((tmp_path / "id" / "metrics.json").read_text())
    assert saved["self_reconstruction"]["psnr"] == "inf"  # strict JSON


def test_au_control_drops_unread_faces():
    from ganimation.evaluate import au_control_metrics

    rng = np.random.default_rng(0)
    target = rng.random((4, NUM_AUS)).astype(np.float32)
    base = rng.random((4, NUM_AUS)).astype(np.float32)
    achieved = base.copy()
    achieved[1] = np.nan  # the estimator found no face on this edit
    m = au_control_metrics(target, achieved, base, "test")
    assert m["n"] == 3 and m["n_unread"] == 1
    assert m["edit"]["mae"] == pytest.approx(m["baseline"]["mae"]) and m["mae_reduction"] == pytest.approx(0)
    none = au_control_metrics(target, np.full_like(base, np.nan), base, "test")
    assert none["n"] == 0 and "skipped" in none


def test_synthetic_pairs(weights, pairs, tmp_path):
    from ganimation.edit import Editor

    editor = Editor.from_pretrained(weights, device="cpu")
    m = evaluate(editor, pairs, out_dir=tmp_path / "p", recon_limit=2)
    assert m["meta"]["kind"] == "pairs" and m["meta"]["n"] == 3
    assert m["meta"]["regions"] == "renderer masks"
    p = m["pairs"]
    assert set(p) == {"n", "changed_fraction", "edit", "baseline"}
    assert 0 < p["changed_fraction"] < 1 and np.isfinite(p["baseline"]["changed_psnr"])
    assert p["baseline"]["psnr"] > 0 and 0 < p["edit"]["ssim"] <= 1
    assert 0 <= m["locality"]["edit_concentration"] <= 1
    assert (tmp_path / "p" / "report.md").read_text().count("Synthetic pairs") == 1


def test_changed_region_psnr_known_values():
    from ganimation.evaluate import changed_region_psnr, pair_metrics

    ref = np.zeros((2, 4, 4, 3), np.uint8)
    img = ref.copy()
    img[0, :2] = 10                       # error 10 inside the mask, nothing outside
    img[1, 2:] = 200                      # a large error outside the mask only
    mask = np.zeros((2, 4, 4), bool)
    mask[:, :2] = True
    got = changed_region_psnr(ref, img, mask)
    assert got[0] == pytest.approx(10 * np.log10(255.0 ** 2 / 100.0)) and np.isinf(got[1])
    assert np.isnan(changed_region_psnr(ref, img, np.zeros_like(mask))).all()
    # the input returned unchanged scores the true change's own error in the changed region
    src, tgt = np.zeros((1, 16, 16, 3), np.uint8), np.zeros((1, 16, 16, 3), np.uint8)
    tgt[0, 0, 0] = 51                     # one pixel changes, by 51 in every channel
    m, _ = pair_metrics(src, src, tgt)
    assert m["changed_fraction"] == pytest.approx(1 / 256)
    assert m["baseline"]["changed_psnr"] == pytest.approx(10 * np.log10(255.0 ** 2 / 51.0 ** 2))
    assert m["baseline"]["psnr_pooled"] == pytest.approx(10 * np.log10(255.0 ** 2 * 256 / 51.0 ** 2))
    m, _ = pair_metrics(src, tgt, tgt)
    assert m["edit"]["changed_psnr"] == np.inf


def test_identity_editor_on_pairs_matches_baseline(pairs):
    m = evaluate(IdentityEditor(32), pairs, recon_limit=0)
    assert m["pairs"]["edit"] == m["pairs"]["baseline"]
    assert m["locality"]["background_rmse"] == 0


def test_targets(tmp_path):
    own = np.random.default_rng(0).random((5, NUM_AUS)).astype(np.float32)
    t, names, _ = make_targets("shuffled", own, seed=1)
    assert names is None and not any(np.array_equal(t[i], own[i]) for i in range(5))
    assert sorted(map(tuple, t)) == sorted(map(tuple, own))
    t, names, _ = make_targets("presets", own)
    assert names[:3] == ["neutral", "happy", "sad"] and t.shape == (5, NUM_AUS)
    f = tmp_path / "t.csv"
    f.write_text(",".join(["0.5"] * NUM_AUS) + "\n" + ",".join(["0"] * NUM_AUS) + "\n")
    t, _, _ = make_targets(str(f), own)
    assert t[0, 0] == 0.5 and t[1, 0] == 0 and t[2, 0] == 0.5
    f.write_text(",".join(["3"] * NUM_AUS) + "\n")
    with pytest.raises(GanimationError, match="0-5 divided by 5"):
        read_target_file(f)


def test_ellipse_mask_covers_central_face():
    m = ellipse_mask(64)
    assert m[36, 32] and not m[0, 0] and 0.3 < m.mean() < 0.6


@pytest.mark.parametrize("args, message", [
    (["--targets", "sideways"], "--targets"),
    (["--limit", "0"], "--limit"),
    (["--inception", "/nonexistent/inception.pt"], "--inception"),
    (["--data", "/nonexistent/data"], "no such folder"),
])
def test_bad_arguments_are_one_line_errors(weights, dataset, tmp_path, capsys, args, message):
    from ganimation.cli.main import main

    base = {"--data": str(dataset)}
    argv = ["evaluate", "--weights", str(weights), "-o", str(tmp_path / "r")]
    if "--data" not in args:
        argv += ["--data", base["--data"]]
    rc = main(argv + args)
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.startswith("error:") and message in err and "\n" not in err


def test_library_errors(dataset, tmp_path):
    with pytest.raises(GanimationError):
        evaluate(IdentityEditor(32), tmp_path / "missing")
    with pytest.raises(GanimationError):
        evaluate(IdentityEditor(32), dataset, targets="nope")
    with pytest.raises(GanimationError):
        load_eval_data(dataset, image_size=32, kind="video")


def test_photos_in_the_wild(tmp_path):
    pytest.importorskip("mediapipe")
    import shutil

    from ganimation.edit import ASSETS

    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("a.png", "b.png"):
        shutil.copy(ASSETS / "astronaut.png", photos / name)
    try:
        m = evaluate(IdentityEditor(64), photos, recon_limit=1)
    except GanimationError as exc:  # faces extra present but its model files are not
        pytest.skip(str(exc))
    assert m["meta"]["kind"] == "photos" and m["meta"]["n"] == 2
    assert m["meta"]["own_aus"] == "estimator" and m["meta"]["face_mask"].startswith("landmarks")
    assert m["locality"]["background_rmse"] == 0
    au = m.get("au_control", {})
    if "edit" in au:  # an unchanged face reads the same as its input
        assert au["edit"]["mae"] == pytest.approx(au["baseline"]["mae"])
