"""One critic update and one generator update (GANimation's objectives, plus DefGAN's extra terms).

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


def critic_au_step(D, opt_d: torch.optim.Optimizer, real: torch.Tensor, real_aus: torch.Tensor,
                   cfg: LossConfig, autocast=contextlib.nullcontext) -> torch.Tensor:
    """Update the critic on the AU regression alone: ``AU(D_y(real), y_real)``.

    ``real`` ``(B, 3, S, S)`` in [-1, 1], ``real_aus`` ``(B, K)``. Used by the
    warm-up (``train.au_warmup``) that teaches the AU head before the
    generator depends on it. Returns the detached loss.
    """
    opt_d.zero_grad(set_to_none=True)
    with autocast():
        aus_pred = D(real)[1]
    au = L.au_regression(aus_pred, real_aus, cfg.au_form)
    au.backward()
    opt_d.step()
    return au.detach()


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
        extra_logs: dict[str, torch.Tensor] = {}
        if len(out) > 3:  # DefGAN: (result, color, attention, warped, offsets)
            extra, extra_logs = deformation_losses(critic, batch, out, out2, cfg, autocast)
            total = total + extra
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
        # the attention of each image's 1 % most edited pixels: near 1 only when nothing is edited
        "attention/p01": a.flatten(1).float().kthvalue(max(1, a[0].numel() // 100), dim=1).values.mean(),
        "attention/saturated": (a > saturation).float().mean(),
        "attention/collapsed": (a < 1.0 - saturation).float().mean(),
        **extra_logs,
    }


def deformation_losses(critic, batch: Batch, out: tuple, out2: tuple, cfg: LossConfig,
                       autocast=contextlib.nullcontext) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """DefGAN's extra generator terms, weighted: ``(total, logs)``.

    ``out = G(real, y_target)`` and ``out2 = G(out[0], y_real)`` (the cycle),
    each ``(result, color, attention, warped, offsets)``. Terms:
    ``au * def_au_warp * AU(D_y(warped), y_target)`` (the critic judges the
    warped image too), ``def_grid_comp * |compose(o1, o2)|``,
    ``def_grid_tv * (TV(o1) + TV(o2))``, ``def_grid_id * (|o1|^2 + |o2|^2)``
    and ``def_identity * ||E(real) - E(warped)||`` with E the frozen dlib
    ResNet port (:mod:`ganimation.faces.identity_torch`; skipped at weight 0).
    The critic must already be frozen by the caller.
    """
    warped, off1, off2 = out[3], out[4], out2[4]
    with autocast():
        _, aus_warped = critic(warped)
    au_w = L.au_regression(aus_warped, batch.target_aus, cfg.au_form)
    comp = L.grid_composition(off1, off2)
    gtv = L.offset_tv(off1) + L.offset_tv(off2)
    gid = L.offset_magnitude(off1) + L.offset_magnitude(off2)
    total = (cfg.au * cfg.def_au_warp * au_w + cfg.def_grid_comp * comp + cfg.def_grid_tv * gtv
             + cfg.def_grid_id * gid)
    o = off1.detach().float()
    logs = {"g/au_warp": au_w.detach(), "g/grid_comp": comp.detach(), "g/grid_tv": gtv.detach(),
            "g/grid_id": gid.detach(), "offsets/mean_px": o.norm(dim=1).mean(), "offsets/max_px": o.abs().amax()}
    if cfg.def_identity > 0:
        from ganimation.faces.identity_torch import cached_embedder

        embedder = cached_embedder(warped.device)
        with autocast():
            with torch.no_grad():
                e_real = embedder.embed(batch.real)
            e_warp = embedder.embed(warped)
        idt = L.identity_distance(e_real, e_warp)
        total = total + cfg.def_identity * idt
        logs["g/identity"] = idt.detach()
    return total, logs


@torch.no_grad()
def update_ema(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    """``ema <- decay * ema + (1 - decay) * model`` for parameters; buffers copied."""
    model = _raw(model)
    e_params = list(ema.parameters())
    m_params = [p.detach() for p in model.parameters()]
    torch._foreach_lerp_(e_params, m_params, 1.0 - decay)
    for e, m in zip(ema.buffers(), model.buffers()):
        e.copy_(m)
