"""Loss terms as small pure functions returning scalar tensors.

The training step applies the weights (see :class:`ganimation.config.LossConfig`).
Images are ``(B, 3, H, W)`` in [-1, 1]; attention maps ``(B, 1, H, W)`` in [0, 1];
AU vectors ``(B, K)``; critic scores ``(B, 1, h, w)`` (any shape, averaged).
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F


def critic_adversarial(real_score: torch.Tensor, fake_score: torch.Tensor) -> torch.Tensor:
    """WGAN critic loss ``E[D(fake)] - E[D(real)]`` (minimised by the critic)."""
    return fake_score.mean() - real_score.mean()


def generator_adversarial(fake_score: torch.Tensor) -> torch.Tensor:
    """WGAN generator loss ``-E[D(fake)]``."""
    return -fake_score.mean()


def gradient_penalty(critic_score: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor,
                     fake: torch.Tensor, alpha: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """WGAN-GP ``E[(||grad_x D(x_hat)||_2 - 1)^2]`` on ``x_hat = alpha*real + (1-alpha)*fake``.

    ``critic_score`` maps images to scores; ``alpha`` is ``(B, 1, 1, 1)`` in [0, 1].
    Returns ``(penalty, gradient norms (B,))``; the penalty keeps the graph for
    the double backward.
    """
    x_hat = (alpha * real.detach() + (1.0 - alpha) * fake.detach()).requires_grad_(True)
    return gradient_penalty_at(x_hat, critic_score(x_hat))


def gradient_penalty_at(x_hat: torch.Tensor, score: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The penalty given interpolates ``x_hat`` (requiring grad) and their scores."""
    (grad,) = torch.autograd.grad(score.sum(), x_hat, create_graph=True)
    norms = grad.flatten(1).float().norm(2, dim=1)
    return ((norms - 1.0) ** 2).mean(), norms.detach()


def au_regression(pred: torch.Tensor, target: torch.Tensor, form: str = "mse_mean") -> torch.Tensor:
    """AU regression error. ``mse_mean``: mean over batch and AUs (official code);
    ``sq_sum``: squared L2 norm over AUs, mean over the batch (the paper)."""
    diff = (pred.float() - target.float()) ** 2
    if form == "mse_mean":
        return diff.mean()
    if form == "sq_sum":
        return diff.sum(dim=1).mean()
    raise ValueError(f"unknown AU loss form {form!r}")


def cycle_l1(reconstruction: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
    """Cycle consistency ``mean |G(G(x, y_f), y_o) - x|``."""
    return (reconstruction - original).abs().mean()


def attention_tv(attention: torch.Tensor, form: str = "l1_sum") -> torch.Tensor:
    """Total variation of the attention map, summed over pixels, mean over the batch.

    ``l1_sum``: ``sum |dA|`` (official code); ``l2_sum``: ``sum dA^2`` (the paper).
    """
    dh = attention[:, :, 1:, :] - attention[:, :, :-1, :]
    dw = attention[:, :, :, 1:] - attention[:, :, :, :-1]
    if form == "l1_sum":
        total = dh.abs().flatten(1).sum(1) + dw.abs().flatten(1).sum(1)
    elif form == "l2_sum":
        total = (dh ** 2).flatten(1).sum(1) + (dw ** 2).flatten(1).sum(1)
    else:
        raise ValueError(f"unknown TV form {form!r}")
    return total.mean()


def attention_magnitude(attention: torch.Tensor, form: str = "mean") -> torch.Tensor:
    """Push the attention toward 0 (i.e. toward editing). ``mean``: ``mean(A)``
    (official code); ``l2``: ``||A||_2`` per image, mean over the batch (the paper)."""
    if form == "mean":
        return attention.mean()
    if form == "l2":
        return attention.flatten(1).float().norm(2, dim=1).mean()
    raise ValueError(f"unknown attention magnitude form {form!r}")


# ---- DefGAN: offset fields (B, 2, H, W) in pixels, see ganimation.nn.warp --------------


def grid_composition(forward: torch.Tensor, backward: torch.Tensor) -> torch.Tensor:
    """The cycle's two grids compose to the identity: mean ``|b(p) + f(p + b(p))|`` (pixels).

    ``forward`` warps the input toward the target, ``backward`` warps the edit
    back (the cycle). With backward sampling the cycle samples the input at
    ``p + b(p) + f(p + b(p))``: the forward field read at the positions the
    backward field displaces to, plus the backward field
    (:func:`ganimation.nn.warp.compose_offsets`). Zero for a constant
    translation and its negative.
    """
    from ganimation.nn.warp import compose_offsets

    return compose_offsets(forward.float(), backward.float()).abs().mean()


def offset_tv(offsets: torch.Tensor) -> torch.Tensor:
    """Total variation of an offset field: mean ``|o(p) - o(neighbour)|`` over both axes (pixels)."""
    o = offsets.float()
    dh = (o[:, :, 1:, :] - o[:, :, :-1, :]).abs().mean()
    dw = (o[:, :, :, 1:] - o[:, :, :, :-1]).abs().mean()
    return dh + dw


def offset_magnitude(offsets: torch.Tensor) -> torch.Tensor:
    """Closeness of the grid to the identity grid: mean squared offset ``mean(dx^2 + dy^2)`` (pixels^2)."""
    o = offsets.float()
    return (o * o).sum(dim=1).mean()


def identity_distance(embedding_a: torch.Tensor, embedding_b: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Face-identity loss: mean Euclidean distance between embeddings ``(B, D)``.

    ``sqrt(d^2 + eps)`` keeps the gradient finite when the two are equal (an
    identity warp). With dlib's ResNet embedding, < 0.6 means the same person.
    """
    d2 = ((embedding_a.float() - embedding_b.float()) ** 2).sum(dim=1)
    return torch.sqrt(d2 + eps).mean()
