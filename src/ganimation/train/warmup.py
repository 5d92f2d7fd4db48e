"""Critic AU warm-up (``train.au_warmup``): teach the critic's AU head before the GAN starts.

The generator's AU loss is only as good as the critic's AU head. Trained inside
the GAN, that head sits for a few hundred steps on the plateau of predicting
the mean AUs; trained alone, an AU step costs a small part of a full critic
step (no generator pass, no gradient penalty). The warm-up runs such steps with
an Adam of its own, built like the GAN's (``train.optim.adam``; theirs start
fresh afterwards), on batches drawn from a seed of its own, so the main
schedule is unchanged.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Callable

import torch

from ganimation.config import Config
from ganimation.data.dataset import batch_indices
from ganimation.train.batch import make_batch
from ganimation.train.optim import adam
from ganimation.train.schedule import step_generator
from ganimation.train.steps import critic_au_step

log = logging.getLogger(__name__)

#: Offset of the warm-up's seed from ``train.seed`` (its batches differ from the main run's).
WARMUP_SEED_OFFSET = 7_919


def warm_up_critic(D: torch.nn.Module, fetch: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
                   n: int, config: Config,
                   on_step: Callable[[int, float], None] | None = None,
                   autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
                   ) -> tuple[float, float]:
    """Run ``config.train.au_warmup`` AU-only critic steps; return the AU loss at its start and end
    (each the mean over up to 20 steps).

    ``fetch(indices)`` -> ``(images (B, 3, S, S) uint8, aus (B, K))``
    for dataset indices ``(B,)`` (on the critic's device). Batches are made as in
    training (``make_batch``: random flips when ``train.flip`` is set). ``on_step(done, loss)`` is called
    after each step (for benchmarks that watch held-out error). ``autocast`` wraps the critic's forward
    pass (``train.amp``).
    """
    tc = config.train
    opt = adam(D.parameters(), tc.lr_d, tc)
    seed = tc.seed + WARMUP_SEED_OFFSET
    losses: list[float] = []
    for step in range(tc.au_warmup):
        images, aus = fetch(batch_indices(step, n, tc.batch_size, seed))
        batch = make_batch(images, aus, step_generator(seed, step), flip=tc.flip, target_noise=tc.target_noise,
                           clamp_targets=tc.clamp_targets, channels_last=tc.channels_last)
        losses.append(float(critic_au_step(D, opt, batch.real, batch.real_aus, config.loss, autocast)))
        if on_step is not None:
            on_step(step + 1, losses[-1])
    span = max(1, min(20, len(losses) // 2))       # mean of the first / last few steps
    first, last = sum(losses[:span]) / span, sum(losses[-span:]) / span
    log.info("critic AU warm-up: %d steps, AU loss %.4f -> %.4f", tc.au_warmup, first, last)
    return first, last
