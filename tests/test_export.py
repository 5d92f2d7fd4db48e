"""ONNX export, the ONNX Runtime editor, and the CPU-optimised generator."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ganimation.checkpoint import save_release
from ganimation.config import ModelConfig
from ganimation.edit import Editor
from ganimation.errors import GanimationError
from ganimation.nn import build_generator

CFG = ModelConfig(image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3)


@pytest.fixture
def weights(tmp_path):
    torch.manual_seed(0)
    G = build_generator(CFG)
    # Non-trivial InstanceNorm affine parameters, so a fused/folded graph is really tested.
    with torch.no_grad():
        for m in G.modules():
            if isinstance(m, torch.nn.InstanceNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return save_release(tmp_path / "g.safetensors", G, CFG, extra={"step": "3"})


def _inputs(n=3, seed=0):
    rng = np.random.default_rng(seed)
    crops = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    targets = rng.random((n, 17)).astype(np.float32)
    return crops, targets


def test_export_matches_pytorch(weights, tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from ganimation.export import export_onnx, read_metadata

    out = tmp_path / "g.onnx"
    diff = export_onnx(weights, out)
    assert diff is not None and diff < 1e-3
    meta = read_metadata(out)
    assert json.loads(meta["ganimation.model"])["image_size"] == 32
    assert json.loads(meta["ganimation.au_codes"])[8] == "AU12"
    assert meta["ganimation.step"] == "3"

    # Dynamic batch: another batch size than the one exported, compared to PyTorch directly.
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    assert [o.name for o in sess.get_outputs()] == ["result", "color", "attention"]
    G = Editor.from_pretrained(weights, device="cpu").generator
    x = torch.rand(5, 3, 32, 32) * 2 - 1
    y = torch.rand(5, 17)
    got = sess.run(None, {"image": x.numpy(), "aus": y.numpy()})
    with torch.no_grad():
        ref = G(x, y)
    for g, r in zip(got, ref):
        assert g.shape == tuple(r.shape)
        assert np.abs(g - r.numpy()).max() < 1e-3


def test_export_from_editor_static_batch(weights, tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from ganimation.export import export_onnx

    editor = Editor.from_pretrained(weights, device="cpu")
    diff = export_onnx(editor, tmp_path / "s.onnx", dynamic_batch=False, check_batch=1)
    assert diff < 1e-3
    assert not editor.generator.training


def test_onnx_editor_matches_editor(weights, tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from ganimation.export import export_onnx
    from ganimation.onnx_editor import OnnxEditor

    export_onnx(weights, tmp_path / "g.onnx")
    ref = Editor.from_pretrained(weights, device="cpu", batch_size=2)
    onx = OnnxEditor.from_onnx(tmp_path / "g.onnx", threads=1, batch_size=2)
    assert isinstance(onx, Editor) and onx.image_size == 32
    crops, targets = _inputs(5)
    a, b = ref.edit_crops(crops, targets), onx.edit_crops(crops, targets)
    assert b.images.shape == a.images.shape == (5, 32, 32, 3) and b.images.dtype == np.uint8
    assert np.abs(a.images.astype(int) - b.images.astype(int)).max() <= 1
    assert np.abs(a.color.astype(int) - b.color.astype(int)).max() <= 1
    assert np.abs(a.attention - b.attention).max() < 1e-3
    # The higher-level edit() path works too (one crop, an AU string).
    one = onx.edit(crops[0], "AU12=0.8")
    assert np.abs(one.images[0].astype(int) - ref.edit(crops[0], "AU12=0.8").images[0].astype(int)).max() <= 1


def test_onnx_editor_errors(tmp_path):
    pytest.importorskip("onnxruntime")
    from ganimation.onnx_editor import OnnxEditor

    with pytest.raises(GanimationError, match="not found"):
        OnnxEditor.from_onnx(tmp_path / "missing.onnx")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage")
    with pytest.raises(GanimationError):
        OnnxEditor.from_onnx(bad)


def test_optimize_for_cpu_matches(weights):
    from ganimation.nn.optimize import optimize_for_cpu

    G = Editor.from_pretrained(weights, device="cpu").generator
    fast = optimize_for_cpu(G)
    x = torch.rand(3, 3, 32, 32) * 2 - 1
    y = torch.rand(3, 17)
    with torch.inference_mode():
        ref, got = G(x, y), fast(x, y)
    for g, r in zip(got, ref):
        assert g.shape == r.shape
        assert (g - r).abs().max().item() < 1e-4
    assert fast(x[:1], y[:1])[0].shape == (1, 3, 32, 32)  # any batch size


def test_cli_export(weights, tmp_path, capsys):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from ganimation.cli.main import main

    out = tmp_path / "cli.onnx"
    assert main(["export", "--weights", str(weights), "-o", str(out), "--check"]) == 0
    printed = capsys.readouterr().out
    assert out.is_file() and "max abs difference" in printed
    diff = float(printed.strip().splitlines()[-1].split()[-1])
    assert diff < 1e-3


def test_cli_export_half_release(weights, tmp_path, capsys):
    from ganimation.checkpoint import read_release
    from ganimation.cli.main import main

    out = tmp_path / "half.safetensors"
    assert main(["export", "--weights", str(weights), "-o", str(out), "--half"]) == 0
    assert "fp16" in capsys.readouterr().out
    _, tensors, _ = read_release(out)
    assert {t.dtype for t in tensors.values() if t.is_floating_point()} == {torch.float16}


@pytest.mark.parametrize("kind", ["missing", "truncated"])
def test_cli_export_bad_weights(tmp_path, capsys, weights, kind):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from ganimation.cli.main import main
    from ganimation.export import export_onnx

    path = tmp_path / "w.safetensors"
    if kind == "truncated":
        path.write_bytes(weights.read_bytes()[:200])
    with pytest.raises(GanimationError):
        export_onnx(path, tmp_path / "x.onnx")
    assert main(["export", "--weights", str(path), "-o", str(tmp_path / "x.onnx")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1


def test_export_defgan(tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from ganimation.export import export_onnx
    from ganimation.onnx_editor import OnnxEditor

    cfg = ModelConfig(arch="defgan", image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3).validate()
    torch.manual_seed(0)
    G = build_generator(cfg).eval()
    assert export_onnx(G, tmp_path / "d.onnx", model_config=cfg) < 1e-3
    editor = OnnxEditor.from_onnx(tmp_path / "d.onnx")
    assert editor.arch == "defgan"
    crops, targets = _inputs(2)
    assert editor.edit_crops(crops, targets).images.shape == (2, 32, 32, 3)


def test_optimize_for_cpu_defgan():
    from ganimation.nn.optimize import optimize_for_cpu

    cfg = ModelConfig(arch="defgan", image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3).validate()
    torch.manual_seed(0)
    G = build_generator(cfg).eval()
    fast = optimize_for_cpu(G)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    y = torch.rand(2, 17)
    with torch.inference_mode():
        ref, got = G(x, y), fast(x, y)
    for g, r in zip(got[:3], ref[:3]):
        assert (g - r).abs().max().item() < 1e-4


def test_resize_upsampling_exports_and_optimizes(tmp_path):
    """The decoder with ``model.upsample=resize`` survives the release file, ONNX and the CPU rewrite."""
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from ganimation.checkpoint import load_generator
    from ganimation.export import export_onnx
    from ganimation.nn.optimize import optimize_for_cpu

    cfg = ModelConfig(image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3, upsample="resize")
    torch.manual_seed(0)
    path = save_release(tmp_path / "g.safetensors", build_generator(cfg), cfg)
    G, loaded_cfg, _ = load_generator(path)
    assert loaded_cfg.upsample == "resize"
    diff = export_onnx(path, tmp_path / "g.onnx")
    assert diff is not None and diff < 1e-3
    x, y = torch.rand(3, 3, 32, 32) * 2 - 1, torch.rand(3, 17)
    with torch.inference_mode():
        ref, got = G(x, y), optimize_for_cpu(G)(x, y)
    for g, r in zip(got, ref):
        assert (g - r).abs().max().item() < 1e-4
