"""wg-GAN's mouth-interior network (the paper's hrh-GAN): inpaints the inside of an opened mouth.

Given a face crop whose inner-mouth region is masked out (the region a warp
cannot fill: teeth, tongue, the dark cavity), it paints the region; pixels
outside the mask are returned unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ganimation.nn.refiner import LightUNet


@dataclass(frozen=True)
class MouthConfig:
    """Everything needed to rebuild a :class:`MouthInpainter` (stored in its weights file).

    - ``patch``: side of the mouth patch it works on (half the face crop's side; a multiple of 16).
    - ``channels``: width at 1/2 resolution (doubles per level down to 1/16).
    - ``res_blocks``: residual blocks at 1/16 resolution.
    """

    patch: int = 64
    channels: int = 16
    res_blocks: int = 2


class MouthInpainter(nn.Module):
    """A :class:`~ganimation.nn.refiner.LightUNet` inpainter with a tanh colour head.

    ``forward(image, mask)``: ``image`` ``(B, 3, P, P)`` in [-1, 1] (values under
    the mask are ignored: they are zeroed on input), ``mask`` ``(B, 1, P, P)`` in
    [0, 1] (1 = paint); ``P`` a multiple of 16 -> ``(result, color)``:
    ``result = mask * color + (1 - mask) * image`` ``(B, 3, P, P)`` (unchanged where
    ``mask`` is 0) and the painted colour ``(B, 3, P, P)`` in [-1, 1].
    """

    def __init__(self, cfg: MouthConfig = MouthConfig()):
        super().__init__()
        self.cfg = cfg
        self.body = LightUNet(4, 3, cfg.channels, cfg.res_blocks)

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if image.ndim != 4 or image.shape[1] != 3 or mask.shape != (image.shape[0], 1, *image.shape[2:]):
            raise ValueError(f"image must be (B, 3, P, P) and mask (B, 1, P, P); got {tuple(image.shape)}, "
                             f"{tuple(mask.shape)}")
        color = torch.tanh(self.body(torch.cat([image * (1.0 - mask), mask], 1)))
        return mask * color + (1.0 - mask) * image, color
