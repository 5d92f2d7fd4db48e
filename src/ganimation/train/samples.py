"""Sample grids: input | attention | colour | result | cycle, one row per face."""

from __future__ import annotations

import numpy as np
import torch



def to_uint8(images: torch.Tensor) -> np.ndarray:
    """``(B, C, H, W)`` in [-1, 1] (C = 3) or [0, 1] (C = 1) -> ``(B, H, W, 3)`` uint8."""
    x = images.detach().float().cpu()
    if x.shape[1] == 1:
        x = x.repeat(1, 3, 1, 1)
    else:
        x = (x + 1.0) / 2.0
    return (x.clamp(0, 1) * 255.0 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy()


@torch.no_grad()
def sample_grid(G, real: torch.Tensor, real_aus: torch.Tensor, target_aus: torch.Tensor) -> np.ndarray:
    """``(B*S, 5*S, 3)`` uint8 grid for ``real`` ``(B, 3, S, S)`` in [-1, 1].

    DefGAN adds two columns after the input: the colour-coded offsets (hue =
    direction, brightness = magnitude up to the model's maximum) and the
    warped image, so ``(B*S, 7*S, 3)``.
    """
    out = G(real, target_aus)
    fake, color, att = out[:3]
    rec = G(fake, real_aus)[0]
    images = [real, att, color, fake, rec]
    if len(out) > 3:  # DefGAN: (..., warped, offsets)
        from ganimation.nn.warp import flow_to_color

        limit = getattr(getattr(G, "module", G), "max_offset", None)
        images[1:1] = [flow_to_color(out[4], limit), out[3]]
    cols = [to_uint8(t) for t in images]
    rows = [np.concatenate([c[i] for c in cols], axis=1) for i in range(real.shape[0])]
    return np.concatenate(rows, axis=0)
