"""Dense warping by per-pixel offsets, and tools for offset fields.

Conventions used everywhere in the project (one place, so they stay consistent):

- An offset field ``offsets`` is ``(B, 2, H, W)`` in **pixels** of the image it
  warps; channel 0 is the horizontal (x, to the right) and channel 1 the
  vertical (y, downward) displacement.
- Warping is *backward* sampling: ``warp(x, o)(p) = x(p + o(p))`` with bilinear
  interpolation (:func:`torch.nn.functional.grid_sample`), ``padding_mode =
  "border"`` and ``align_corners = False`` (pixel centres at ``(2i + 1)/S - 1``
  in normalised coordinates, so one pixel is ``2/S``).
- With zero offsets the warp is the identity; exactly (bit for bit) when H and
  W are powers of two, to float rounding (~1e-5) otherwise.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

ALIGN_CORNERS = False
PADDING_MODE = "border"


def _check_offsets(offsets: torch.Tensor) -> None:
    if offsets.ndim != 4 or offsets.shape[1] != 2:
        raise ValueError(f"offsets must be (B, 2, H, W), got {tuple(offsets.shape)}")


def identity_grid(b: int, h: int, w: int, device=None, dtype=torch.float32) -> torch.Tensor:
    """The sampling grid of the identity warp, ``(B, H, W, 2)`` (x, y) in normalised coordinates."""
    ys = (torch.arange(h, device=device, dtype=dtype) * 2 + 1) / h - 1
    xs = (torch.arange(w, device=device, dtype=dtype) * 2 + 1) / w - 1
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([gx, gy], dim=-1)[None].expand(b, -1, -1, -1)


def offsets_to_grid(offsets: torch.Tensor) -> torch.Tensor:
    """Pixel offsets ``(B, 2, H, W)`` -> absolute sampling grid ``(B, H, W, 2)`` for ``grid_sample``."""
    _check_offsets(offsets)
    b, _, h, w = offsets.shape
    scale = offsets.new_tensor([2.0 / w, 2.0 / h]).view(1, 2, 1, 1)
    return identity_grid(b, h, w, offsets.device, offsets.dtype) + (offsets * scale).permute(0, 2, 3, 1)


def warp(image: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Backward-warp ``image`` ``(B, C, H, W)`` by ``offsets`` ``(B, 2, H, W)`` (pixels): ``out(p) = image(p + o(p))``."""
    if image.ndim != 4 or image.shape[0] != offsets.shape[0] or image.shape[2:] != offsets.shape[2:]:
        raise ValueError(f"image {tuple(image.shape)} and offsets {tuple(offsets.shape)} must share B, H, W")
    grid = offsets_to_grid(offsets.to(image.dtype))
    return F.grid_sample(image, grid, mode="bilinear", padding_mode=PADDING_MODE, align_corners=ALIGN_CORNERS)


def compose_offsets(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """Offsets of warping by ``first`` and then by ``second``: ``warp(warp(x, first), second) ~= warp(x, c)``.

    ``warp(warp(x, a), b)(p) = warp(x, a)(p + b(p)) = x(p + b(p) + a(p + b(p)))``,
    so ``c = b + a sampled at the positions displaced by b``. Both ``(B, 2, H, W)`` pixels.
    """
    _check_offsets(first)
    _check_offsets(second)
    return second + warp(first, second)


def flow_to_color(offsets: torch.Tensor, max_magnitude: float | None = None) -> torch.Tensor:
    """Colour-code an offset field ``(B, 2, H, W)`` as ``(B, 3, H, W)`` RGB in [-1, 1].

    HSV coding: direction -> hue (right = red, down = yellow-green, left = cyan,
    up = violet), magnitude -> value (black = no motion, full brightness at
    ``max_magnitude`` pixels; the field's own maximum when ``None``), saturation 1.
    """
    _check_offsets(offsets)
    o = offsets.detach().float()
    dx, dy = o[:, 0], o[:, 1]
    mag = torch.sqrt(dx * dx + dy * dy)
    top = float(max_magnitude) if max_magnitude else float(mag.max().clamp_min(1e-6))
    value = (mag / top).clamp(0, 1)
    hue = (torch.atan2(dy, dx) / (2 * math.pi)) % 1.0          # [0, 1)
    h6 = hue * 6.0
    k = torch.stack([(5.0 + h6) % 6.0, (3.0 + h6) % 6.0, (1.0 + h6) % 6.0], dim=1)   # r, g, b
    rgb = value[:, None] * (1.0 - torch.clamp(torch.minimum(k, 4.0 - k), 0.0, 1.0))   # s = 1
    return rgb * 2.0 - 1.0


def flow_arrows(offsets: torch.Tensor, image: torch.Tensor | None = None, step: int = 8,
                scale: float = 1.0) -> torch.Tensor:
    """Draw the offset field as arrows (sparse, every ``step`` pixels) on ``image`` or grey.

    Returns ``(B, 3, H, W)`` in [-1, 1]. Each arrow starts at the pixel and
    points along ``scale * offset`` (the position the pixel samples from),
    drawn as a white line with a red tip. Meant for previews, not speed.
    """
    _check_offsets(offsets)
    b, _, h, w = offsets.shape
    out = (image.detach().float().clone() * 0.5) if image is not None else torch.zeros(b, 3, h, w)
    out = out.cpu()
    o = offsets.detach().float().cpu()
    white = torch.tensor([1.0, 1.0, 1.0])
    red = torch.tensor([1.0, -1.0, -1.0])
    for n in range(b):
        for y0 in range(step // 2, h, step):
            for x0 in range(step // 2, w, step):
                dx, dy = float(o[n, 0, y0, x0]) * scale, float(o[n, 1, y0, x0]) * scale
                length = max(abs(dx), abs(dy))
                pts = max(int(math.ceil(length * 2)), 1)
                for t in range(pts + 1):
                    x = int(round(x0 + dx * t / pts))
                    y = int(round(y0 + dy * t / pts))
                    if 0 <= x < w and 0 <= y < h:
                        out[n, :, y, x] = red if t == pts and length >= 0.5 else white
    return out.to(offsets.device)
