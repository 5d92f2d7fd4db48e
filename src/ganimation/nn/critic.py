"""GANimation's critic: a PatchGAN without normalisation, with an AU regression head."""

from __future__ import annotations

import torch
from torch import nn


class Critic(nn.Module):
    """``forward(x)``: ``(B, 3, H, W)`` in [-1, 1] -> ``(score (B, 1, H/2^L, W/2^L), aus (B, num_aus))``.

    ``L = layers`` stride-2 convolutions with LeakyReLU(0.01), channels doubling
    from ``channels``. The score map is the WGAN critic value per patch; the AU
    head is a convolution covering the whole final map. At the paper's settings
    (128 px, 64 channels, 6 layers, 17 AUs) it has 44.86 M parameters.
    """

    def __init__(self, image_size: int = 128, num_aus: int = 17, channels: int = 64, layers: int = 6):
        super().__init__()
        if image_size % (2 ** layers):
            raise ValueError(f"image_size {image_size} must be divisible by 2**layers={2 ** layers}")
        mods: list[nn.Module] = [nn.Conv2d(3, channels, 4, 2, 1), nn.LeakyReLU(0.01)]
        c = channels
        for _ in range(1, layers):
            mods += [nn.Conv2d(c, c * 2, 4, 2, 1), nn.LeakyReLU(0.01)]
            c *= 2
        self.main = nn.Sequential(*mods)
        k = image_size // (2 ** layers)
        self.score_head = nn.Conv2d(c, 1, 3, 1, 1, bias=False)
        self.au_head = nn.Conv2d(c, num_aus, k, bias=False)
        self.num_aus = num_aus

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.main(x)
        return self.score_head(h), self.au_head(h).flatten(1)
