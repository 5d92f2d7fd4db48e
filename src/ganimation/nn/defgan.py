"""DefGAN's generator: deformation first, texture second (Athar, Shu, Samaras 2019).

A deformation network (the shared :class:`~ganimation.nn.blocks.EncoderDecoder`
with an offset head) predicts a per-pixel offset field from the input face and
the target AUs; the input is warped by it; a texture network (GANimation's
:class:`~ganimation.nn.generator.Generator`, reused as is) then paints what a
warp cannot (teeth, shading) with an attention mask on the warped image:
``result = A * warped + (1 - A) * C``.
"""

from __future__ import annotations

import torch
from torch import nn

from ganimation.nn.blocks import EncoderDecoder, tile_condition
from ganimation.nn.generator import Generator
from ganimation.nn.warp import warp


class DefGANGenerator(nn.Module):
    """``forward(x, y) -> (result, color, attention, warped, offsets)``.

    ``x`` ``(B, 3, S, S)`` in [-1, 1], ``y`` ``(B, num_aus)`` in [0, 1];
    ``result``, ``color``, ``warped`` ``(B, 3, S, S)`` in [-1, 1];
    ``attention`` ``(B, 1, S, S)`` in [0, 1] (1 keeps the warped pixel);
    ``offsets`` ``(B, 2, S, S)`` pixels (x, y), ``|offset| <= max_offset`` per
    component (``tanh``-scaled). See :mod:`ganimation.nn.warp` for the warp
    convention. The offset head starts at zero, so an untrained deformation
    network is the identity warp.

    Built from a :class:`ganimation.config.ModelConfig` (``arch="defgan"``):
    ``image_size``, ``num_aus``, ``g_channels``/``g_res_blocks`` (texture),
    ``def_channels``/``def_res_blocks`` (deformation), ``max_offset``, ``upsample``
    (both networks' decoders).
    """

    def __init__(self, cfg):
        super().__init__()
        self.image_size = cfg.image_size
        self.num_aus = cfg.num_aus
        self.max_offset = float(cfg.offset_limit())
        self.deform = EncoderDecoder(3 + cfg.num_aus, cfg.deform_channels(), cfg.deform_res_blocks(), cfg.upsample)
        self.offset_head = nn.Conv2d(self.deform.out_channels, 2, 7, 1, 3, bias=False)
        nn.init.zeros_(self.offset_head.weight)
        self.texture = Generator(cfg.image_size, cfg.num_aus, cfg.g_channels, cfg.g_res_blocks, cfg.upsample)

    def offsets(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The offset field ``(B, 2, S, S)`` in pixels for input ``x`` and target ``y``."""
        h = self.deform(tile_condition(x, y))
        return torch.tanh(self.offset_head(h)) * self.max_offset

    def forward(self, x: torch.Tensor, y: torch.Tensor):
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"x must be (B, 3, H, W), got {tuple(x.shape)}")
        if y.shape[-1] != self.num_aus:
            raise ValueError(f"y must have {self.num_aus} AUs, got {tuple(y.shape)}")
        offsets = self.offsets(x, y)
        warped = warp(x, offsets)
        result, color, attention = self.texture(warped, y)
        return result, color, attention, warped, offsets
