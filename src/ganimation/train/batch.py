"""Turning sampled indices into a training batch (flips, targets, GP mixing weights)."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Batch:
    """``real`` ``(B, 3, S, S)`` in [-1, 1]; ``real_aus``/``target_aus`` ``(B, K)``;
    ``alpha`` ``(B, 1, 1, 1)`` in [0, 1] for the gradient penalty."""

    real: torch.Tensor
    real_aus: torch.Tensor
    target_aus: torch.Tensor
    alpha: torch.Tensor


def to_unit_range(images_u8: torch.Tensor, dtype=torch.float32) -> torch.Tensor:
    """uint8 ``[0, 255]`` -> float ``[-1, 1]``."""
    return images_u8.to(dtype).mul_(2.0 / 255.0).sub_(1.0)


def make_batch(images_u8: torch.Tensor, aus: torch.Tensor, gen: torch.Generator, *, flip: bool,
               target_noise: float, clamp_targets: bool, channels_last: bool = False) -> Batch:
    """A batch from ``images_u8`` ``(B, 3, S, S)`` uint8 and ``aus`` ``(B, K)`` (same device).

    Random draws come from ``gen`` (CPU) and are moved to the device, so the
    batch depends only on the step's generator. Targets are another sample's
    AUs (a permutation of the batch) plus ``U(-target_noise, target_noise)``.
    """
    device = images_u8.device
    b, k = aus.shape
    flips = torch.rand(b, generator=gen) < 0.5
    perm = torch.randperm(b, generator=gen)
    noise = (torch.rand(b, k, generator=gen) * 2.0 - 1.0) * target_noise
    alpha = torch.rand(b, 1, 1, 1, generator=gen)
    real = to_unit_range(images_u8)
    if flip:
        mask = flips.to(device, non_blocking=True)[:, None, None, None]
        real = torch.where(mask, real.flip(3), real)
    if channels_last:
        real = real.contiguous(memory_format=torch.channels_last)
    target = aus[perm.to(device)] + noise.to(device, non_blocking=True)
    if clamp_targets:
        target = target.clamp(0.0, 1.0)
    return Batch(real=real, real_aus=aus, target_aus=target, alpha=alpha.to(device, non_blocking=True))
