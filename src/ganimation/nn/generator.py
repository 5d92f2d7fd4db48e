"""GANimation's generator: an image and a target AU vector in, colour and attention out."""

from __future__ import annotations

import torch
from torch import nn

from ganimation.nn.blocks import EncoderDecoder, tile_condition


def compose(x: torch.Tensor, color: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
    """The edit ``A * x + (1 - A) * C``.

    ``x``, ``color``: ``(B, 3, H, W)`` in [-1, 1]; ``attention``: ``(B, 1, H, W)``
    in [0, 1] where 1 keeps the input pixel.
    """
    return attention * x + (1.0 - attention) * color


class Generator(nn.Module):
    """Conditional encoder-decoder with a colour head (tanh) and an attention head (sigmoid).

    At the paper's settings (128 px, 64 channels, 6 residual blocks, 17 AUs) it
    has 8.47 M parameters.

    ``forward(x, y)``: ``x`` ``(B, 3, H, W)`` in [-1, 1], ``y`` ``(B, num_aus)`` in
    [0, 1] -> ``(result, color, attention)``: ``result = A * x + (1 - A) * C`` and
    ``color`` ``(B, 3, H, W)`` in [-1, 1], ``attention`` ``(B, 1, H, W)`` in [0, 1].
    Every generator architecture returns these three first (DefGAN adds more).
    ``upsample``: the decoder's upsampling, ``"transpose"`` (the paper's) or
    ``"resize"`` (nearest x2 + 3x3 convolution).
    """

    def __init__(self, image_size: int = 128, num_aus: int = 17, channels: int = 64, res_blocks: int = 6,
                 upsample: str = "transpose"):
        super().__init__()
        self.image_size = image_size
        self.num_aus = num_aus
        self.body = EncoderDecoder(3 + num_aus, channels, res_blocks, upsample)
        c = self.body.out_channels
        self.color_head = nn.Sequential(nn.Conv2d(c, 3, 7, 1, 3, bias=False), nn.Tanh())
        self.attention_head = nn.Sequential(nn.Conv2d(c, 1, 7, 1, 3, bias=False), nn.Sigmoid())

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"x must be (B, 3, H, W), got {tuple(x.shape)}")
        if y.shape[-1] != self.num_aus:
            raise ValueError(f"y must have {self.num_aus} AUs, got {tuple(y.shape)}")
        h = self.body(tile_condition(x, y))
        color, attention = self.color_head(h), self.attention_head(h)
        return compose(x, color, attention), color, attention
