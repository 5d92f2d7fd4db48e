"""Building blocks shared by the generators."""

from __future__ import annotations

import torch
from torch import nn

from ganimation.config import UPSAMPLE_MODES


def conv_in_relu(c_in: int, c_out: int, kernel: int, stride: int = 1, padding: int = 0,
                 transpose: bool = False) -> nn.Sequential:
    """Convolution (no bias) -> affine InstanceNorm -> ReLU."""
    conv_cls = nn.ConvTranspose2d if transpose else nn.Conv2d
    return nn.Sequential(
        conv_cls(c_in, c_out, kernel, stride, padding, bias=False),
        nn.InstanceNorm2d(c_out, affine=True),
        nn.ReLU(inplace=True),
    )


def up_in_relu(c_in: int, c_out: int, mode: str = "transpose") -> nn.Sequential:
    """Double the resolution: ``(B, c_in, H, W) -> (B, c_out, 2H, 2W)``, then IN and ReLU.

    ``mode="transpose"``: a 4x4 stride-2 transposed convolution (the paper's).
    ``mode="resize"``: nearest-neighbour x2 then a 3x3 convolution, which cannot
    produce the period-2 checkerboard a transposed convolution starts with
    (Odena et al., "Deconvolution and Checkerboard Artifacts", Distill 2016).
    """
    if mode == "transpose":
        return conv_in_relu(c_in, c_out, 4, 2, 1, transpose=True)
    if mode == "resize":
        return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), *conv_in_relu(c_in, c_out, 3, 1, 1))
    raise ValueError(f"upsample mode {mode!r}; choose one of {', '.join(UPSAMPLE_MODES)}")


class ResidualBlock(nn.Module):
    """``x + IN(conv3(ReLU(IN(conv3(x)))))``; shape-preserving ``(B, C, H, W)``."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1, bias=False),
            nn.InstanceNorm2d(channels, affine=True),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, 1, 1, bias=False),
            nn.InstanceNorm2d(channels, affine=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class EncoderDecoder(nn.Module):
    """7x7 stem, two stride-2 downsamplings, residual bottleneck, two upsamplings.

    ``(B, c_in, H, W) -> (B, C, H, W)`` features with ``C = channels``;
    ``upsample`` is one of :data:`ganimation.config.UPSAMPLE_MODES` (see :func:`up_in_relu`).
    """

    def __init__(self, c_in: int, channels: int = 64, res_blocks: int = 6, upsample: str = "transpose"):
        super().__init__()
        layers: list[nn.Module] = [conv_in_relu(c_in, channels, 7, 1, 3)]
        c = channels
        for _ in range(2):
            layers.append(conv_in_relu(c, c * 2, 4, 2, 1))
            c *= 2
        layers += [ResidualBlock(c) for _ in range(res_blocks)]
        for _ in range(2):
            layers.append(up_in_relu(c, c // 2, upsample))
            c //= 2
        self.net = nn.Sequential(*layers)
        self.out_channels = c

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def tile_condition(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Concatenate ``y`` ``(B, K)`` as constant maps to ``x`` ``(B, C, H, W)`` -> ``(B, C+K, H, W)``."""
    if y.ndim != 2 or y.shape[0] != x.shape[0]:
        raise ValueError(f"condition must be (B, K) with B={x.shape[0]}, got {tuple(y.shape)}")
    maps = y.to(x.dtype)[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])
    return torch.cat([x, maps], dim=1)
