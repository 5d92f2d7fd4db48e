"""The Adam optimisers of training and of the critic AU warm-up, built one way."""

from __future__ import annotations

from typing import Iterable

import torch

from ganimation.config import TrainConfig


def adam(params: Iterable[torch.nn.Parameter], lr: float, tc: TrainConfig) -> torch.optim.Adam:
    """Adam with the config's betas; the fused CUDA kernel when the parameters live on a GPU."""
    params = list(params)
    kw: dict = {"betas": (tc.beta1, tc.beta2)}
    if params and params[0].device.type == "cuda":
        kw["fused"] = True
    return torch.optim.Adam(params, lr=lr, **kw)
