"""Augmentations of (input, target) training pairs that change both images the same way.

The refinement network of wg-GAN learns from about 17 people (docs/wggan.md).
With so few, it can learn each clip's colours and image quality instead of
what a warp gets wrong. Two augmentations take those cues away while leaving
the relation between input and target intact:

- :func:`photometric`: one random colour transform per pair (a gain per
  channel around a common brightness gain, and a gamma), applied to the
  warped crop and to the target alike: the network must correct relative to
  the colours it is given.
- :func:`soften`: for a share of the pairs, both images are resampled down by
  a random factor and back up (a small face upscaled from a video, as on the
  held-out clip lp_s13): the network must not add detail the input lacks.

Images are ``(B, 3, H, W)`` tensors in [-1, 1]; ``generator`` makes a batch's
draws reproducible.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _uniform(n: int, lo: float, hi: float, generator: torch.Generator | None, *shape: int) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, *shape, generator=generator)


def photometric(images: tuple[torch.Tensor, ...], amount: float,
                generator: torch.Generator | None = None) -> tuple[torch.Tensor, ...]:
    """The same random colour transform per sample applied to every ``(B, 3, H, W)`` image of ``images``.

    Per sample: brightness gain ``b`` in ``[1 - amount, 1 + amount]``, per-channel gains
    ``b * c_k`` with ``c_k`` in ``[1 - amount/2, 1 + amount/2]``, gamma ``exp(u)`` with
    ``u`` in ``[-amount, amount]``; on [0, 1] values ``y = clip(gain * x ** gamma, 0, 1)``.
    ``amount`` 0 returns the images unchanged.
    """
    if amount <= 0:
        return images
    n = images[0].shape[0]
    b = _uniform(n, 1 - amount, 1 + amount, generator, 1, 1, 1)
    c = _uniform(n, 1 - amount / 2, 1 + amount / 2, generator, 3, 1, 1)
    gamma = torch.exp(_uniform(n, -amount, amount, generator, 1, 1, 1))
    gain = (b * c).to(images[0].device)
    gamma = gamma.to(images[0].device)
    out = []
    for x in images:
        unit = ((x + 1) / 2).clamp(0, 1)
        out.append((gain * unit.clamp_min(1e-6) ** gamma).clamp(0, 1) * 2 - 1)
    return tuple(out)


def soften(images: tuple[torch.Tensor, ...], probability: float, low: float = 0.35, high: float = 0.75,
           generator: torch.Generator | None = None) -> tuple[torch.Tensor, ...]:
    """With ``probability`` per sample, every image of ``images`` resampled to a random ``low``..``high``
    share of its size (area averaging) and back (bilinear); the same factor for all images of a sample."""
    if probability <= 0:
        return images
    n, _, h, w = images[0].shape
    pick = torch.rand(n, generator=generator) < probability
    factors = _uniform(n, low, high, generator)
    out = [x.clone() for x in images]
    for i in torch.nonzero(pick).flatten().tolist():
        size = (max(4, round(h * float(factors[i]))), max(4, round(w * float(factors[i]))))
        for x, y in zip(images, out):
            small = F.interpolate(x[i:i + 1], size=size, mode="area")
            y[i:i + 1] = F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)
    return tuple(out)
