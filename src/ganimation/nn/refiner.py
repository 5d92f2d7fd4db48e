"""wg-GAN's refinement network: a warped face crop and its displacement map in, a residual colour and a blend mask out.

Geng et al., "Warp-guided GANs for single-photo facial animation" (SIGGRAPH
Asia 2018): after the triangulated warp, a conditional GAN adds what a warp
cannot (expression wrinkles and shading, fixes of stretched texture). The
network sees the warped crop and the per-pixel motion that made it, so it
knows where the texture was stretched or compressed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ganimation.nn.blocks import ResidualBlock, conv_in_relu
from ganimation.nn.generator import compose


@dataclass(frozen=True)
class RefinerConfig:
    """Everything needed to rebuild a :class:`Refiner` (stored in its weights file).

    - ``image_size``: crop side it is trained at (any multiple of 16 runs).
    - ``channels``: width at 1/2 resolution (doubles per level down to 1/16).
    - ``res_blocks``: residual blocks at 1/16 resolution.
    - ``mouth_input``: a 6th input channel, the target's inner-mouth mask.
    - ``disp_scale``: the displacement map (inter-ocular distances) is multiplied by it on input.
    """

    image_size: int = 128
    channels: int = 12
    res_blocks: int = 2
    mouth_input: bool = True
    disp_scale: float = 5.0

    @property
    def in_channels(self) -> int:
        return 5 + int(self.mouth_input)


class LightUNet(nn.Module):
    """A U-Net sized for a laptop CPU: ``(B, c_in, H, W) -> (B, c_out, H, W)`` raw (no activation).

    A stride-2 stem and three more stride-2 levels (1/2 .. 1/16, widths ``c, 2c, 4c, 8c``),
    ``res_blocks`` residual blocks at 1/16, one 3x3 convolution per level on the way up
    (nearest x2, then the skip concatenated), and a full-resolution head: the 1/2-resolution
    features upsampled (bilinear) and concatenated with the input, one 3x3 convolution.
    Nothing but the stem and the head runs at more than 1/4 of the pixels, which keeps it
    near 1 GFLOP for a 256 x 256 input at ``c = 12``. ``H``, ``W``: multiples of 16.
    """

    def __init__(self, c_in: int, c_out: int, channels: int = 12, res_blocks: int = 2):
        super().__init__()
        c = channels
        self.stem = nn.Sequential(nn.Conv2d(c_in, c, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True))
        self.e1 = conv_in_relu(c, 2 * c, 4, 2, 1)
        self.e2 = conv_in_relu(2 * c, 4 * c, 4, 2, 1)
        self.e3 = conv_in_relu(4 * c, 8 * c, 4, 2, 1)
        self.mid = nn.Sequential(*[ResidualBlock(8 * c) for _ in range(res_blocks)])
        self.d2 = conv_in_relu(12 * c, 4 * c, 3, 1, 1)
        self.d1 = conv_in_relu(6 * c, 2 * c, 3, 1, 1)
        self.d0 = nn.Sequential(nn.Conv2d(3 * c, c, 3, 1, 1), nn.LeakyReLU(0.2, inplace=True))
        self.head = nn.Conv2d(c + c_in, c_out, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        import torch.nn.functional as F

        if x.shape[2] % 16 or x.shape[3] % 16:
            raise ValueError(f"height and width must be multiples of 16; got {tuple(x.shape[2:])}")
        h0 = self.stem(x)
        h1 = self.e1(h0)
        h2 = self.e2(h1)
        h = self.mid(self.e3(h2))
        h = self.d2(torch.cat([F.interpolate(h, scale_factor=2.0, mode="nearest"), h2], 1))
        h = self.d1(torch.cat([F.interpolate(h, scale_factor=2.0, mode="nearest"), h1], 1))
        h = self.d0(torch.cat([F.interpolate(h, scale_factor=2.0, mode="nearest"), h0], 1))
        h = F.interpolate(h, scale_factor=2.0, mode="bilinear", align_corners=False)
        return self.head(torch.cat([h, x], 1))


class Refiner(nn.Module):
    """The refinement network: a :class:`LightUNet` with a colour head (tanh) and a blend-mask head (sigmoid).

    ``forward(x)``: ``x`` ``(B, C, H, W)`` with ``C = cfg.in_channels``: the warped
    crop (3 channels, [-1, 1]), the displacement map (2 channels, IOD units
    times ``disp_scale``) and, with ``mouth_input``, the inner-mouth mask (1
    channel, {0, 1}); ``H``, ``W`` multiples of 16 -> ``(result, color, attention)``:
    ``result = A * warped + (1 - A) * C`` ``(B, 3, H, W)``, colour ``C`` in
    [-1, 1] (tanh), blend mask ``A`` ``(B, 1, H, W)`` in [0, 1] (1 keeps the warp),
    as GANimation's attention.
    """

    def __init__(self, cfg: RefinerConfig = RefinerConfig()):
        super().__init__()
        self.cfg = cfg
        self.body = LightUNet(cfg.in_channels, 4, cfg.channels, cfg.res_blocks)
        with torch.no_grad():
            self.body.head.bias[3] = 2.0   # start close to the warp (A ~ 0.88)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if x.ndim != 4 or x.shape[1] != self.cfg.in_channels:
            raise ValueError(f"x must be (B, {self.cfg.in_channels}, H, W); got {tuple(x.shape)}")
        out = self.body(x)
        color = torch.tanh(out[:, :3])
        attention = torch.sigmoid(out[:, 3:4])
        return compose(x[:, :3], color, attention), color, attention
