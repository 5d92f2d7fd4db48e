"""Augmentations of (input, target) pairs: both images changed alike, off when asked, within range."""

from __future__ import annotations

import pytest
import torch

from ganimation.data.pair_augment import photometric, soften


def _images(seed=0, n=4, size=32):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=g) * 2 - 1


def test_photometric_changes_input_and_target_alike_and_stays_in_range():
    x = _images()
    a, b = photometric((x, x.clone()), 0.3, torch.Generator().manual_seed(1))
    assert torch.equal(a, b)                                   # the same transform for both images of a pair
    assert a.min() >= -1 and a.max() <= 1
    assert (a - x).abs().mean() > 0.02                        # it did change the colours
    per_sample = (a - x).abs().mean(dim=(1, 2, 3))
    assert per_sample.std() > 0                                # one draw per sample, not per batch


def test_photometric_off_and_reproducible():
    x = _images()
    assert photometric((x,), 0.0)[0] is x
    a = photometric((x,), 0.2, torch.Generator().manual_seed(3))[0]
    b = photometric((x,), 0.2, torch.Generator().manual_seed(3))[0]
    assert torch.equal(a, b)


def test_soften_blurs_both_images_alike():
    x = _images(size=64)
    a, b = soften((x, x.clone()), 1.0, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, b)
    detail = lambda t: (t[..., 1:] - t[..., :-1]).abs().mean()
    assert detail(a) < 0.6 * detail(x)
    assert a.shape == x.shape


def test_soften_off():
    x = _images()
    assert soften((x,), 0.0)[0] is x


def test_soften_share_is_per_sample():
    x = _images(n=64, size=32)
    out = soften((x,), 0.5, generator=torch.Generator().manual_seed(0))[0]
    changed = (out - x).abs().amax(dim=(1, 2, 3)) > 1e-6
    assert 10 < int(changed.sum()) < 54


def test_config_checks_the_augmentation_amounts():
    from ganimation.errors import ConfigError
    from ganimation.train.wggan import load_wggan_config

    cfg = load_wggan_config(None, ["train.colour_jitter=0.2", "train.soften=0.3"])
    assert cfg.train.colour_jitter == 0.2 and cfg.train.soften == 0.3
    for bad in ("train.colour_jitter=1.5", "train.soften=2", "train.soften=-0.1"):
        with pytest.raises(ConfigError):
            load_wggan_config(None, [bad])
