"""Engine evaluation: the landmark-geometry and colour-shift metrics, and ``evaluate --engine`` end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ganimation.metrics.colour import colour_shift, colour_shift_one, rgb_to_lab
from ganimation.metrics.geometry import (
    PASS_IOD,
    expression_measures,
    geometry_summary,
    measure_deltas,
    preset_pass,
)
from ganimation.motion.frame import mean_shape

SCALE = 90.0  # pixels per IOD of the synthetic face


def _face(rotate_deg: float = 0.0) -> np.ndarray:
    """``(478, 3)`` image landmarks: the mean shape at SCALE px per IOD, optionally rolled."""
    lm = mean_shape() * SCALE
    a = np.radians(rotate_deg)
    r = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    return lm @ r.T + np.array([320.0, 240.0, 0.0])


def _move(lm: np.ndarray, idx, dy_iod: float, rotate_deg: float = 0.0) -> np.ndarray:
    """Move points ``idx`` by ``dy_iod`` IOD along the face's own vertical (down positive)."""
    a = np.radians(rotate_deg)
    down = np.array([-np.sin(a), np.cos(a), 0.0])
    out = lm.copy()
    out[list(idx)] += dy_iod * SCALE * down
    return out


@pytest.mark.parametrize("roll", [0.0, 15.0])
def test_lip_corners_up_is_happy_and_down_is_sad(roll):
    base = _face(roll)
    up = _move(base, (61, 291), -0.05, roll)
    down = _move(base, (61, 291), +0.05, roll)
    d_up = measure_deltas(expression_measures(base), expression_measures(up))
    d_down = measure_deltas(expression_measures(base), expression_measures(down))
    assert d_up["lip_corner_lift"] == pytest.approx(0.05, abs=2e-3)
    assert d_down["lip_corner_lift"] == pytest.approx(-0.05, abs=2e-3)
    assert d_up["lip_corner_height"] == pytest.approx(0.05, abs=2e-3)
    assert abs(d_up["brow_height"]) < 1e-3 and abs(d_up["mouth_open"]) < 1e-3  # nothing else moved
    assert preset_pass("happy", d_up) and not preset_pass("sad", d_up)
    assert preset_pass("sad", d_down) and not preset_pass("happy", d_down)
    # below the threshold: no pass
    small = measure_deltas(expression_measures(base), expression_measures(_move(base, (61, 291), -0.02, roll)))
    assert small["lip_corner_lift"] < PASS_IOD and not preset_pass("happy", small)


def test_surprise_needs_open_mouth_and_raised_brows():
    base = _face()
    opened = _move(base, (14,), 0.10)
    both = _move(opened, (70, 63, 105, 66, 107, 300, 293, 334, 296, 336), -0.05)
    d_open = measure_deltas(expression_measures(base), expression_measures(opened))
    d_both = measure_deltas(expression_measures(base), expression_measures(both))
    assert d_open["mouth_open"] == pytest.approx(0.10, abs=2e-3)
    assert not preset_pass("surprise", d_open)
    assert preset_pass("surprise", d_both) and d_both["brow_height"] == pytest.approx(0.05, abs=2e-3)
    lowered = _move(base, (70, 63, 105, 66, 107, 300, 293, 334, 296, 336), 0.05)
    assert preset_pass("anger", measure_deltas(expression_measures(base), expression_measures(lowered)))
    raised_lip = _move(base, (0,), -0.04)
    assert preset_pass("disgust", measure_deltas(expression_measures(base), expression_measures(raised_lip)))
    assert preset_pass("neutral", d_both) is None


def test_geometry_summary_counts_unread_faces_as_failures():
    up = {"lip_corner_lift": 0.05, **{k: 0.0 for k in ("mouth_open", "lip_corner_height", "brow_height",
                                                        "brow_inner_height", "upper_lip_raise", "eye_opening",
                                                        "mouth_width")}}
    s = geometry_summary(["happy", "happy", "sad", "contempt"], [up, None, up, up])
    assert s["per_preset"]["happy"]["pass_rate"] == 0.5
    assert s["per_preset"]["happy"]["pass_rate_read"] == 1.0
    assert s["per_preset"]["sad"]["pass_rate"] == 0.0
    assert "contempt" not in s["per_preset"]
    assert s["n"] == 3 and s["n_unread"] == 1 and s["pass_rate"] == pytest.approx(1 / 3)


def test_colour_shift_is_zero_for_identical_and_grows_with_a_tint():
    rng = np.random.default_rng(0)
    img = rng.integers(80, 200, (48, 48, 3)).astype(np.uint8)
    mask = np.zeros((48, 48), bool)
    mask[8:40, 8:40] = True
    assert colour_shift_one(img, img, mask)["frechet_ab"] == 0.0
    shifts = []
    for t in (4, 12, 30):
        tinted = np.clip(img.astype(int) + [t, 0, t], 0, 255).astype(np.uint8)  # magenta cast
        r = colour_shift_one(img, tinted, mask)
        shifts.append(r["frechet_ab"])
        assert r["d_a"] > 0
    assert 0 < shifts[0] < shifts[1] < shifts[2]
    # brightness alone (grey scale change) barely moves a*b*
    grey = np.full((48, 48, 3), 120, np.uint8)
    assert colour_shift_one(grey, grey + 40)["frechet_ab"] < 0.5
    res = colour_shift(np.stack([img, img]), np.stack([img, tinted]), np.stack([mask, mask]))
    assert res.per_image[0] == 0 and res.mean == pytest.approx(res.per_image[1] / 2)
    lab = rgb_to_lab(np.array([255, 255, 255], np.uint8))
    assert lab[0] == pytest.approx(100, abs=1e-3) and abs(lab[1]) < 1e-3 and abs(lab[2]) < 1e-3


@pytest.fixture(scope="module")
def synthetic_photos(tmp_path_factory):
    pytest.importorskip("mediapipe")
    from PIL import Image

    from ganimation.data.synthetic import render, sample_identity

    root = tmp_path_factory.mktemp("engine_photos")
    rng = np.random.default_rng(3)
    for i in range(2):
        Image.fromarray(render(sample_identity(rng), np.zeros(17, np.float32), 192)).save(root / f"face{i}.png")
    return root


def test_evaluate_engine_end_to_end(synthetic_photos, tmp_path, capsys):
    from ganimation.cli.main import main
    from ganimation.faces.detect import get_detector

    try:
        get_detector()
    except Exception as exc:  # noqa: BLE001 - the faces extra's model may be missing
        pytest.skip(f"faces extra unavailable: {exc}")
    out = tmp_path / "report"
    rc = main(["evaluate", "--engine", "warp,gan", "--data", str(synthetic_photos), "--samples", "1",
               "--threads", "1", "-o", str(out)])
    assert rc == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["meta"]["n_faces"] == 2 and m["meta"]["engines"] == ["warp", "gan"]
    for engine in ("warp", "gan"):
        s = m["engines"][engine]
        assert s["n_edits"] == 12
        assert set(s["geometry"]["per_preset"]) == {"happy", "sad", "surprise", "anger", "disgust", "fear"}
        assert s["colour_shift"]["frechet_ab_mean"] >= 0
        assert s["ms_per_face"]["mean"] > 0
        assert engine in m["goals"]
        assert (out / f"grid_{engine}.png").is_file()
    # the warp engine moves the mouth of a surprise edit on a neutral face
    assert m["engines"]["warp"]["geometry"]["per_preset"]["surprise"]["mean_delta"]["mouth_open"] > PASS_IOD
    report = (out / "report.md").read_text()
    assert "Goals" in report and "| warp | gan |" in report and "edits.csv" in report
    assert "warp: 12 edits" in capsys.readouterr().out
    assert "edits" not in m   # the per-edit rows go to edits.csv only
    _check_edit_table(out / "edits.csv", m)


def _check_edit_table(path, m):
    """edits.csv holds every edit, and its rows average to the report's numbers."""
    import csv

    from ganimation.metrics.emotion import PRESET_TO_CLASS

    rows = list(csv.DictReader(path.open()))
    assert len(rows) == sum(s["n_edits"] for s in m["engines"].values())
    for engine, s in m["engines"].items():
        mine = [r for r in rows if r["engine"] == engine]
        assert {r["preset"] for r in mine} == set(s["geometry"]["per_preset"])
        passes = [int(r["geometry_pass"] or 0) for r in mine]
        assert np.mean(passes) == pytest.approx(s["geometry"]["pass_rate"], abs=1e-6)
        assert np.mean([float(r["ms"]) for r in mine]) == pytest.approx(s["ms_per_face"]["mean"], rel=1e-3, abs=0.1)
        if "identity" in s:
            for preset, v in s["identity"]["per_preset"].items():
                d = [float(r["identity"]) for r in mine if r["preset"] == preset]
                assert np.mean(d) == pytest.approx(v, abs=1e-3)
        if "emotion" in s:
            right = [r["read_as"] == PRESET_TO_CLASS[r["preset"]] for r in mine]
            assert np.mean(right) == pytest.approx(s["emotion"]["accuracy"], abs=1e-6)


def test_evaluate_engine_rejects_unknown_engine(synthetic_photos, tmp_path, capsys):
    from ganimation.cli.main import main

    rc = main(["evaluate", "--engine", "morph", "--data", str(synthetic_photos), "-o", str(tmp_path / "r")])
    assert rc == 2 and "--engine" in capsys.readouterr().err


def test_evaluate_engine_at_a_lower_intensity_moves_less(synthetic_photos, tmp_path, capsys):
    """``--intensity`` scales the presets: a half-strength surprise opens the mouth less than a full one."""
    from ganimation.cli.main import main
    from ganimation.faces.detect import get_detector

    try:
        get_detector()
    except Exception as exc:  # noqa: BLE001 - the faces extra's model may be missing
        pytest.skip(f"faces extra unavailable: {exc}")
    opened = {}
    for s in ("1", "0.5"):
        out = tmp_path / f"report_{s}"
        rc = main(["evaluate", "--engine", "warp", "--data", str(synthetic_photos), "--samples", "0", "--no-emotion",
                   "--threads", "1", "--intensity", s, "-o", str(out)])
        assert rc == 0
        m = json.loads((out / "metrics.json").read_text())
        assert m["meta"]["intensity"] == float(s)
        assert f"at intensity {s}" in (out / "report.md").read_text()
        opened[s] = m["engines"]["warp"]["geometry"]["per_preset"]["surprise"]["mean_delta"]["mouth_open"]
    assert 0 < opened["0.5"] < 0.8 * opened["1"]
    rc = main(["evaluate", "--engine", "warp", "--data", str(synthetic_photos), "--intensity", "0",
               "-o", str(tmp_path / "r0")])
    assert rc == 2 and "--intensity" in capsys.readouterr().err
