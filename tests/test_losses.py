import torch

from ganimation import losses as L


def test_gradient_penalty_linear_critic_analytic():
    # D(x) = sum(w * x): gradient is w everywhere, so GP = (||w|| - 1)^2 exactly.
    torch.manual_seed(0)
    w = torch.randn(1, 3, 4, 4, requires_grad=True)
    real, fake = torch.randn(5, 3, 4, 4), torch.randn(5, 3, 4, 4)
    alpha = torch.rand(5, 1, 1, 1)
    gp, norms = L.gradient_penalty(lambda x: (x * w).flatten(1).sum(1), real, fake, alpha)
    expected = (w.detach().norm() - 1) ** 2
    assert torch.allclose(gp, expected, rtol=1e-5)
    assert torch.allclose(norms, w.detach().norm().expand(5), rtol=1e-5)
    # the double backward reaches the critic's weights: d/dw (||w|| - 1)^2
    gp.backward()
    wn = w.detach().norm()
    assert torch.allclose(w.grad, 2 * (wn - 1) * w.detach() / wn, rtol=1e-4)


def test_adversarial_terms():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.5, -0.5])
    assert L.critic_adversarial(real, fake).item() == 0.0 - 2.0
    assert L.generator_adversarial(fake).item() == 0.0


def test_au_regression_forms():
    pred = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    tgt = torch.tensor([[0.0, 0.0], [0.0, 2.0]])
    assert L.au_regression(pred, tgt, "mse_mean").item() == (1 + 4) / 4
    assert L.au_regression(pred, tgt, "sq_sum").item() == (1 + 4) / 2


def test_cycle_l1():
    a = torch.zeros(1, 3, 2, 2)
    b = torch.ones(1, 3, 2, 2) * 0.5
    assert L.cycle_l1(a, b).item() == 0.5


def test_attention_tv_by_hand():
    a = torch.tensor([[[[0.0, 1.0], [0.5, 0.5]]]])
    # vertical diffs: 0.5, -0.5 ; horizontal diffs: 1.0, 0.0
    assert abs(L.attention_tv(a, "l1_sum").item() - 2.0) < 1e-6
    assert abs(L.attention_tv(a, "l2_sum").item() - 1.5) < 1e-6


def test_attention_magnitude():
    a = torch.full((2, 1, 3, 3), 0.5)
    assert abs(L.attention_magnitude(a, "mean").item() - 0.5) < 1e-6
    assert abs(L.attention_magnitude(a, "l2").item() - 1.5) < 1e-6
