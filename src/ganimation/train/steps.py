"""One critic update and one generator update (GANimation's objectives).

Both return a dict of detached scalar tensors (no host sync); the loop turns
them into floats only when it logs.
"""

from __future__ import annotations

import contextlib

import torch

from ganimation import losses as L
from ganimation.config import LossConfig
from ganimation.train.batch import Batch


def _raw(module: torch.nn.Module) -> torch.nn.Module:
    """The network inside a DDP / compile wrapper."""
    module = getattr(module, "module", module)
    return getattr(module, "_orig_mod", module)


def critic_step(G, D, opt_d: torch.optim.Optimizer, batch: Batch, cfg: LossConfig,
                autocast=contextlib.nullcontext) -> dict[str, torch.Tensor]:
    """Update the critic on real faces and generated edits.

    Loss: ``adv * (E[D(fake)] - E[D(real)]) + au * AU(D_y(real), y_real) + gp * GP``.
    With ``cfg.gp_separate_step`` the gradient penalty takes its own optimiser
    step after the main one (the official code); otherwise it joins the same
    step. Real, fake and interpolated images go through the critic in one
    call (the critic has no normalisation, so this equals separate calls).
    """
    real = batch.real
    b = real.shape[0]
    with torch.no_grad(), autocast():
        fake = G(real, batch.target_aus)[0].to(real.dtype)
    logs: dict[str, torch.Tensor] = {}

    if cfg.gp_separate_step:
        with autocast():
            score, aus_pred = D(torch.cat([real, fake]))
        s_real, s_fake = score[:b], score[b:]
        adv = L.critic_adversarial(s_real, s_fake)
        au = L.au_regression(aus_pred[:b], batch.real_aus, cfg.au_form)
        opt_d.zero_grad(set_to_none=True)
        (cfg.adv * adv + cfg.au * au).backward()
        opt_d.step()
        x_hat = (batch.alpha * real + (1 - batch.alpha) * fake).requires_grad_(True)
        with autocast():
            s_hat, aus_hat = D(x_hat)
        gp, norms = L.gradient_penalty_at(x_hat, s_hat)
        opt_d.zero_grad(set_to_none=True)
        # The zero term keeps the AU head in the graph, so DDP sees every parameter used.
        (cfg.gp * gp + 0.0 * aus_hat.sum()).backward()
        opt_d.step()
    else:
        x_hat = (batch.alpha * real + (1 - batch.alpha) * fake).requires_grad_(True)
        with autocast():
            score, aus_pred = D(torch.cat([real, fake, x_hat]))
        s_real, s_fake, s_hat = score[:b], score[b:2 * b], score[2 * b:]
        adv = L.critic_adversarial(s_real, s_fake)
        au = L.au_regression(aus_pred[:b], batch.real_aus, cfg.au_form)
        gp, norms = L.gradient_penalty_at(x_hat, s_hat)
        opt_d.zero_grad(set_to_none=True)
        (cfg.adv * adv + cfg.au * au + cfg.gp * gp).backward()
        opt_d.step()

    logs["d/adv"] = adv.detach()
    logs["d/au"] = au.detach()
    logs["d/gp"] = gp.detach()
    logs["d/gp_grad_norm"] = norms.mean()
    logs["d/wasserstein"] = (s_real.detach().float().mean() - s_fake.detach().float().mean())
    return logs


def generator_step(G, D, opt_g: torch.optim.Optimizer, batch: Batch, cfg: LossConfig,
                   autocast=contextlib.nullcontext, saturation: float = 0.95) -> dict[str, torch.Tensor]:
    """Update the generator.

    Loss: ``adv * -E[D(fake)] + au * AU(D_y(fake), y_target) + cycle * L1(rec, real)
    + mask * (|A1| + |A2|) + tv * (TV(A1) + TV(A2))`` where ``rec = G(fake, y_real)``
    and A1, A2 are the attention maps of the edit and of the cycle.
    The critic's weights are frozen during this step.
    """
    critic = _raw(D)
    critic.requires_grad_(False)
    try:
        with autocast():
            out = G(batch.real, batch.target_aus)
            fake, att = out[0], out[2]
            s_fake, aus_fake = critic(fake)
            out2 = G(fake, batch.real_aus)
            rec, att2 = out2[0], out2[2]
        adv = L.generator_adversarial(s_fake.float())
        au = L.au_regression(aus_fake, batch.target_aus, cfg.au_form)
        cyc = L.cycle_l1(rec.float(), batch.real.float())
        att_f, att2_f = att.float(), att2.float()
        mask = L.attention_magnitude(att_f, cfg.mask_form) + L.attention_magnitude(att2_f, cfg.mask_form)
        tv = L.attention_tv(att_f, cfg.tv_form) + L.attention_tv(att2_f, cfg.tv_form)
        total = cfg.adv * adv + cfg.au * au + cfg.cycle * cyc + cfg.mask * mask + cfg.tv * tv
        opt_g.zero_grad(set_to_none=True)
        total.backward()
        opt_g.step()
    finally:
        critic.requires_grad_(True)
    a = att_f.detach()
    return {
        "g/adv": adv.detach(), "g/au": au.detach(), "g/cycle": cyc.detach(),
        "g/mask": mask.detach(), "g/tv": tv.detach(), "g/total": total.detach(),
        "attention/mean": a.mean(),
        "attention/saturated": (a > saturation).float().mean(),
        "attention/collapsed": (a < 1.0 - saturation).float().mean(),
    }


@torch.no_grad()
def update_ema(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    """``ema <- decay * ema + (1 - decay) * model`` for parameters; buffers copied."""
    model = _raw(model)
    e_params = list(ema.parameters())
    m_params = [p.detach() for p in model.parameters()]
    torch._foreach_lerp_(e_params, m_params, 1.0 - decay)
    for e, m in zip(ema.buffers(), model.buffers()):
        e.copy_(m)
