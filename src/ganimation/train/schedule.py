"""Schedules and per-step randomness, all pure functions of the step."""

from __future__ import annotations

import torch


def lr_factor(step: int, total_steps: int, decay_steps: int) -> float:
    """1 until the last ``decay_steps``, then linear decay reaching 0 at ``total_steps``."""
    if decay_steps <= 0 or step < total_steps - decay_steps:
        return 1.0
    return max(0.0, (total_steps - step) / decay_steps)


def step_generator(seed: int, step: int, rank: int = 0) -> torch.Generator:
    """A CPU generator seeded from ``(seed, step, rank)``: resuming at a step redraws the same numbers."""
    return torch.Generator().manual_seed((int(seed) * 1_000_003 + int(step)) * 1_009 + int(rank))


def is_generator_step(step: int, n_critic: int) -> bool:
    """The generator trains on every ``n_critic``-th critic step (the official schedule)."""
    return (step + 1) % n_critic == 0
