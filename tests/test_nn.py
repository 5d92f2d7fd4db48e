import torch

from ganimation.config import ModelConfig
from ganimation.nn import build_critic, build_generator, compose


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def test_paper_parameter_counts():
    cfg = ModelConfig()
    assert round(n_params(build_generator(cfg)) / 1e6, 2) == 8.47
    assert round(n_params(build_critic(cfg)) / 1e6, 2) == 44.86


def test_shapes_and_ranges():
    cfg = ModelConfig(image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3)
    G, D = build_generator(cfg), build_critic(cfg)
    x = torch.rand(3, 3, 32, 32) * 2 - 1
    y = torch.rand(3, 17)
    result, color, att = G(x, y)
    assert result.shape == (3, 3, 32, 32)
    assert color.shape == (3, 3, 32, 32) and att.shape == (3, 1, 32, 32)
    assert color.abs().max() <= 1 and att.min() >= 0 and att.max() <= 1
    score, aus = D(x)
    assert score.shape == (3, 1, 4, 4) and aus.shape == (3, 17)


def test_attention_one_returns_input_exactly():
    x = torch.rand(2, 3, 16, 16) * 2 - 1
    c = torch.rand(2, 3, 16, 16)
    assert torch.equal(compose(x, c, torch.ones(2, 1, 16, 16)), x)
    assert torch.equal(compose(x, c, torch.zeros(2, 1, 16, 16)), c)


def test_generator_responds_to_condition():
    torch.manual_seed(0)
    cfg = ModelConfig(image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3)
    G = build_generator(cfg)
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    a = G(x, torch.zeros(1, 17))[0]
    b = G(x, torch.ones(1, 17))[0]
    assert not torch.allclose(a, b)


def test_resize_upsampling_replaces_transposed_convolutions():
    small = dict(image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3)
    paper, resize = build_generator(ModelConfig(**small)), build_generator(ModelConfig(**small, upsample="resize"))
    kinds = lambda m: {type(x) for x in m.modules()}  # noqa: E731
    assert torch.nn.ConvTranspose2d in kinds(paper) and torch.nn.Upsample not in kinds(paper)
    assert torch.nn.ConvTranspose2d not in kinds(resize) and torch.nn.Upsample in kinds(resize)
    x, y = torch.rand(2, 3, 32, 32) * 2 - 1, torch.rand(2, 17)
    for out_paper, out_resize in zip(paper(x, y), resize(x, y)):
        assert out_paper.shape == out_resize.shape
    # 3x3 instead of 4x4 kernels: fewer parameters, same everywhere else.
    assert n_params(resize) < n_params(paper)
    defgan = build_generator(ModelConfig(**small, arch="defgan", upsample="resize"))
    assert torch.nn.ConvTranspose2d not in kinds(defgan)


def test_unknown_upsampling_refused():
    import pytest

    from ganimation.errors import ConfigError

    with pytest.raises(ConfigError, match="model.upsample"):
        ModelConfig(upsample="bilinear").validate()
