"""DefGAN: warp, deformation generator, its losses, the dlib ResNet port, training and release files."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from ganimation import losses as L
from ganimation.config import Config, ModelConfig
from ganimation.nn import build_generator
from ganimation.nn.defgan import DefGANGenerator
from ganimation.nn.warp import compose_offsets, flow_arrows, flow_to_color, warp

from conftest import tiny_config


def tiny_defgan_model(**kw) -> ModelConfig:
    return ModelConfig(arch="defgan", image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3,
                       def_channels=8, def_res_blocks=1, **kw).validate()


def _randomize_offsets(G: DefGANGenerator, std: float = 0.5) -> None:
    with torch.no_grad():
        G.offset_head.weight.normal_(0, std, generator=torch.Generator().manual_seed(1))


# ---- warp -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [32, 64, 128])
def test_zero_offsets_are_the_identity_warp_exactly(size):
    x = torch.randn(2, 3, size, size)
    assert torch.equal(warp(x, torch.zeros(2, 2, size, size)), x)


def test_zero_offsets_other_sizes_to_rounding():
    x = torch.randn(1, 3, 48, 150)
    assert torch.allclose(warp(x, torch.zeros(1, 2, 48, 150)), x, atol=1e-4)


def test_integer_translation_moves_pixels():
    x = torch.randn(1, 3, 16, 16)
    off = torch.zeros(1, 2, 16, 16)
    off[:, 0] = 1.0                                        # sample one pixel to the right
    out = warp(x, off)
    assert torch.allclose(out[..., :-1], x[..., 1:], atol=1e-5)
    assert torch.allclose(out[..., -1], x[..., -1], atol=1e-5)   # border padding


def test_composition_of_translation_and_its_inverse_is_zero():
    t = torch.zeros(2, 2, 32, 32)
    t[:, 0], t[:, 1] = 2.5, -1.25
    assert float(L.grid_composition(t, -t)) == 0.0
    assert float(L.grid_composition(t, t)) == pytest.approx(float((2 * t).abs().mean()))
    assert torch.equal(compose_offsets(t, -t), torch.zeros_like(t))


def test_composed_offsets_predict_the_double_warp():
    """warp(warp(x, a), b) ~= warp(x, compose(a, b)) for smooth fields."""
    yy, xx = torch.meshgrid(torch.linspace(0, 1, 32), torch.linspace(0, 1, 32), indexing="ij")
    a = torch.stack([2 * torch.sin(3 * yy), 1.5 * torch.cos(2 * xx)])[None]
    b = torch.stack([-1.0 * torch.cos(2 * yy), 0.8 * torch.sin(3 * xx)])[None]
    img = torch.stack([torch.sin(6 * xx + 2 * yy), torch.cos(5 * yy), xx * yy])[None]
    two = warp(warp(img, a), b)
    one = warp(img, compose_offsets(a, b))
    inner = (slice(None), slice(None), slice(4, -4), slice(4, -4))
    assert (two - one)[inner].abs().max() < 0.05


def test_offset_regularisers():
    z = torch.zeros(1, 2, 8, 8)
    assert float(L.offset_tv(z)) == 0.0 and float(L.offset_magnitude(z)) == 0.0
    c = torch.full((1, 2, 8, 8), 3.0)
    assert float(L.offset_tv(c)) == 0.0 and float(L.offset_magnitude(c)) == pytest.approx(18.0)
    e = torch.randn(3, 128, requires_grad=True)
    d = L.identity_distance(e, e.detach().clone())
    d.backward()
    assert float(d.detach()) < 1e-3 and torch.isfinite(e.grad).all()


def test_flow_visualisations():
    off = torch.zeros(1, 2, 16, 16)
    off[:, 0, :, 8:] = 3.0                                 # right half moves right
    rgb = flow_to_color(off, max_magnitude=3.0)
    assert rgb.shape == (1, 3, 16, 16) and rgb.min() >= -1 and rgb.max() <= 1
    assert torch.equal(rgb[0, :, 0, 0], torch.full((3,), -1.0))            # no motion: black
    assert torch.allclose(rgb[0, :, 0, 12], torch.tensor([1.0, -1.0, -1.0]))  # rightward: red
    arrows = flow_arrows(off, step=8)
    assert arrows.shape == (1, 3, 16, 16) and arrows.abs().max() <= 1


# ---- generator --------------------------------------------------------------------------


def test_generator_contract_and_identity_at_init():
    cfg = tiny_defgan_model()
    G = build_generator(cfg)
    assert isinstance(G, DefGANGenerator)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    y = torch.rand(2, 17)
    with torch.no_grad():
        result, color, att, warped, off = G(x, y)
    assert result.shape == color.shape == warped.shape == x.shape
    assert att.shape == (2, 1, 32, 32) and off.shape == (2, 2, 32, 32)
    assert torch.equal(off, torch.zeros_like(off)) and torch.equal(warped, x)   # zero-initialised head
    assert torch.allclose(result, att * warped + (1 - att) * color, atol=1e-6)
    assert 0 <= float(att.min()) and float(att.max()) <= 1 and color.abs().max() <= 1


@pytest.mark.parametrize("max_offset,expected", [(0.0, 1.25), (3.0, 3.0)])
def test_offsets_never_exceed_the_maximum(max_offset, expected):
    cfg = tiny_defgan_model(max_offset=max_offset)
    assert cfg.offset_limit() == expected              # default: 5 px per 128 px of image size
    G = DefGANGenerator(cfg)
    _randomize_offsets(G, std=5.0)                      # saturate the tanh
    with torch.no_grad():
        off = G(torch.rand(3, 3, 32, 32) * 2 - 1, torch.rand(3, 17))[4]
    assert float(off.abs().max()) <= expected
    assert float(off.abs().max()) > 0.9 * expected


def test_default_limit_scales_with_image_size():
    assert ModelConfig(arch="defgan").offset_limit() == 5.0
    assert ModelConfig(arch="defgan", image_size=256).offset_limit() == 10.0


def test_arch_dependent_n_critic_and_old_configs():
    assert Config.from_dict({"model": {"arch": "defgan"}}).train.n_critic == 10
    assert Config.from_dict({"model": {"arch": "defgan"}, "train": {"n_critic": 3}}).train.n_critic == 3
    assert Config.from_dict({}).train.n_critic == 5
    old = Config().to_dict()                             # a config written before DefGAN's fields existed
    for key in ("max_offset", "def_channels", "def_res_blocks"):
        old["model"].pop(key)
    for key in ("def_au_warp", "def_grid_comp", "def_grid_tv", "def_grid_id", "def_identity"):
        old["loss"].pop(key)
    assert Config.from_dict(old) == Config()


def test_release_round_trip_via_editor(tmp_path):
    from ganimation.checkpoint import save_release
    from ganimation.edit import Editor

    cfg = tiny_defgan_model(max_offset=2.0)
    torch.manual_seed(0)
    G = DefGANGenerator(cfg).eval()
    _randomize_offsets(G, 0.2)
    path = save_release(tmp_path / "defgan.safetensors", G, cfg)
    editor = Editor.from_pretrained(path, device="cpu", optimize=False)
    assert editor.arch == "defgan" and editor.config == cfg
    crops = np.random.default_rng(0).integers(0, 255, (2, 32, 32, 3), dtype=np.uint8)
    targets = np.random.default_rng(1).random((2, 17)).astype(np.float32)
    out = editor.edit_crops(crops, targets)
    x = torch.from_numpy(crops).permute(0, 3, 1, 2).float() * (2 / 255) - 1
    with torch.no_grad():
        ref = G(x, torch.from_numpy(targets))
    assert float(ref[4].abs().max()) > 0.1            # the warp is really used
    ref_u8 = ((ref[0].clamp(-1, 1) + 1) * 127.5 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy()
    assert np.array_equal(out.images, ref_u8)
    fast = Editor.from_pretrained(path, device="cpu").edit_crops(crops, targets)  # the CPU-optimised copy
    assert np.abs(fast.images.astype(int) - ref_u8).max() <= 1
    assert np.abs(fast.offsets - out.offsets).max() < 1e-3


# ---- training ---------------------------------------------------------------------------


def _defgan_config(data, identity: float = 0.0, **train):
    cfg = tiny_config(data, **train)
    return replace(cfg, model=replace(cfg.model, arch="defgan", def_channels=8, def_res_blocks=1),
                   loss=replace(cfg.loss, def_identity=identity))


def test_training_resumes_bit_identically(toy_dataset, tmp_path):
    from ganimation.checkpoint import load_state
    from ganimation.train import train

    cfg = _defgan_config(toy_dataset, steps=4)
    train(cfg, tmp_path / "a")
    train(cfg, tmp_path / "b", until_step=2)
    train(cfg, tmp_path / "b", resume=True)
    a, b = load_state(tmp_path / "a" / "state.pt"), load_state(tmp_path / "b" / "state.pt")
    for part in ("generator", "critic"):
        for k in a[part]:
            assert torch.equal(a[part][k], b[part][k]), (part, k)
    lines = [json.loads(l) for l in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    gen = [l for l in lines if "g/grid_comp" in l]
    assert gen and all(np.isfinite(l["g/au_warp"]) for l in gen)
    # the deformation network learned something: its offsets are no longer all zero
    assert a["generator"]["offset_head.weight"].abs().max() > 0


def _dlib_weights():
    try:
        from ganimation.faces.models import dlib_model_path

        return dlib_model_path("resnet")
    except Exception:  # MissingDependencyError and friends: the faces extra is not installed
        return None


needs_weights = pytest.mark.skipif(_dlib_weights() is None, reason="face_recognition_models not installed")


@needs_weights
def test_training_with_identity_loss(toy_dataset, tmp_path):
    from ganimation.train import train

    r = train(_defgan_config(toy_dataset, identity=1.0, steps=2, n_critic=1), tmp_path / "r")
    assert np.isfinite(r.last_metrics["g/identity"])


@needs_weights
def test_torch_port_matches_dlib():
    dlib = pytest.importorskip("dlib")
    from PIL import Image

    from ganimation.edit import ASSETS
    from ganimation.faces.identity_torch import load_dlib_resnet
    from ganimation.faces.models import dlib_model_path

    net = load_dlib_resnet()
    rec = dlib.face_recognition_model_v1(str(dlib_model_path("resnet")))
    chips = [np.random.default_rng(s).integers(0, 256, (150, 150, 3), dtype=np.uint8) for s in range(2)]
    photo = ASSETS / "astronaut.png"
    if photo.is_file():
        img = np.ascontiguousarray(np.asarray(Image.open(photo).convert("RGB")))
        dets = dlib.get_frontal_face_detector()(img, 1)
        if dets:
            shape = dlib.shape_predictor(str(dlib_model_path("shape5")))(img, dets[0])
            chip = dlib.get_face_chip(img, shape)
            chips += [chip, np.ascontiguousarray(chip[:, ::-1])]
            full = np.asarray(rec.compute_face_descriptor(img, shape))
            assert np.abs(full - np.asarray(rec.compute_face_descriptor(chip))).max() < 1e-5
    ref = np.stack([np.asarray(rec.compute_face_descriptor(c)) for c in chips])
    x = torch.from_numpy(np.stack(chips)).permute(0, 3, 1, 2).float()
    with torch.no_grad():
        ours = net(x).numpy()
    assert np.abs(ours - ref).max() < 1e-4, np.abs(ours - ref).max()
    # embed() (the training path) is the same network after the [-1, 1] conversion
    with torch.no_grad():
        assert torch.allclose(net.embed(x / 127.5 - 1), net(x), atol=1e-4)


def test_sample_grid_shows_offsets_and_warped_image():
    from ganimation.train.samples import sample_grid

    G = DefGANGenerator(tiny_defgan_model()).eval()
    real = torch.rand(2, 3, 32, 32) * 2 - 1
    grid = sample_grid(G, real, torch.rand(2, 17), torch.rand(2, 17))
    assert grid.shape == (2 * 32, 7 * 32, 3) and grid.dtype == np.uint8
    assert np.array_equal(grid[:32, 64:96], grid[:32, :32])    # warped == input at init (identity warp)


def test_editor_keeps_the_warp_at_other_sizes(tmp_path):
    """A crop larger than the model is warped at full resolution, not only recoloured."""
    import numpy as np

    from ganimation.checkpoint import save_release
    from ganimation.config import ModelConfig
    from ganimation.edit import Editor
    from ganimation.nn import build_generator

    cfg = ModelConfig(arch="defgan", image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3)
    torch.manual_seed(0)
    G = build_generator(cfg)
    with torch.no_grad():  # the offset head starts at zero: give it weights so the warp moves pixels
        G.offset_head.weight.normal_(0, 0.5)
    path = save_release(tmp_path / "d.safetensors", G, cfg)
    editor = Editor.from_pretrained(path, device="cpu")
    crop = (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)
    res = editor.edit(crop, np.zeros(17, np.float32))
    assert res.images.shape == (1, 64, 64, 3) and res.offsets is not None
    assert res.offsets.shape == (1, 2, 64, 64) and np.abs(res.offsets).max() > 0.1
    assert res.change.shape == (1, 64, 64)
    assert np.all(res.change >= 1 - res.attention - 1e-6)
