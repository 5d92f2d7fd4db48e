import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from ganimation.checkpoint import load_state
from ganimation.train import train
from ganimation.train.monitor import AttentionMonitor
from ganimation.train.schedule import is_generator_step, lr_factor

from conftest import tiny_config


def test_schedule_is_a_function_of_step():
    assert lr_factor(0, 100, 20) == 1.0 and lr_factor(79, 100, 20) == 1.0
    assert lr_factor(90, 100, 20) == pytest.approx(0.5) and lr_factor(100, 100, 20) == 0.0
    assert [is_generator_step(s, 5) for s in range(10)].count(True) == 2


def test_run_writes_everything(toy_dataset, tmp_path):
    r = train(tiny_config(toy_dataset, steps=4, sample_every=2), tmp_path / "run")
    run = tmp_path / "run"
    for name in ("config.yaml", "state.pt", "generator.safetensors", "metrics.jsonl", "summary.json"):
        assert (run / name).is_file(), name
    assert sorted(p.name for p in (run / "samples").iterdir()) == ["step_0000002.png", "step_0000004.png"]
    assert list((run / "tb").iterdir())
    lines = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines()]
    assert lines[-1]["step"] == 4 and "d/gp" in lines[-1] and "attention/mean" in lines[-1]
    assert 0.0 <= lines[-1]["attention/p01"] <= lines[-1]["attention/mean"] <= 1.0
    assert r.step == 4


def _params(path):
    st = load_state(path)
    return st["generator"], st["critic"], st["opt_g"]


@pytest.mark.parametrize("preset,ema", [("official", 0.0), ("paper", 0.9)])
def test_resume_is_bit_identical(toy_dataset, tmp_path, preset, ema):
    cfg = tiny_config(toy_dataset, steps=4, ema=ema)
    from dataclasses import replace

    from ganimation.config import LossConfig
    cfg = replace(cfg, loss=LossConfig.from_preset(preset))
    train(cfg, tmp_path / "a")
    train(cfg, tmp_path / "b", until_step=2)
    assert load_state(tmp_path / "b" / "state.pt")["step"] == 2
    train(cfg, tmp_path / "b", resume=True)
    ga, da, oa = _params(tmp_path / "a" / "state.pt")
    gb, db, ob = _params(tmp_path / "b" / "state.pt")
    for k in ga:
        assert torch.equal(ga[k], gb[k]), k
    for k in da:
        assert torch.equal(da[k], db[k]), k
    from safetensors.torch import load_file

    ra, rb = (load_file(str(tmp_path / x / "generator.safetensors")) for x in "ab")
    assert ra.keys() == rb.keys() and all(torch.equal(ra[k], rb[k]) for k in ra)


def test_existing_run_needs_resume(toy_dataset, tmp_path):
    from ganimation.errors import ConfigError

    train(tiny_config(toy_dataset, steps=2), tmp_path / "r")
    with pytest.raises(ConfigError, match="--resume"):
        train(tiny_config(toy_dataset, steps=2), tmp_path / "r")


@pytest.mark.parametrize("au_warmup", [0, 5])
def test_disk_loader_path_matches_memory_path(toy_dataset, tmp_path, au_warmup):
    from dataclasses import replace

    cfg = tiny_config(toy_dataset, steps=2, au_warmup=au_warmup)
    train(cfg, tmp_path / "m")
    train(replace(cfg, data=replace(cfg.data, cache="disk")), tmp_path / "d")
    for net in ("generator", "critic"):
        a = load_state(tmp_path / "m" / "state.pt")[net]
        b = load_state(tmp_path / "d" / "state.pt")[net]
        assert all(torch.equal(a[k], b[k]) for k in a), net


def test_attention_monitor_warns(caplog):
    m = AttentionMonitor(patience=2)
    with caplog.at_level("WARNING"):
        for step in range(4):
            m.update(step, 0.99)
    assert m.events and m.events[0][1] == "saturated" and "SATURATED" in caplog.text
    m.update(10, 0.01)
    m.update(11, 0.01)
    assert m.events[-1][1] == "collapsed"


def test_attention_monitor_small_faces_are_not_saturated():
    """A high mean with well-edited pixels (a small face in its crop) is healthy; p01 near 1 is not."""
    m = AttentionMonitor(patience=2)
    for step in range(4):
        assert m.update(step, 0.96, 0.30) == "ok"
    assert not m.events
    for step in range(4, 8):
        m.update(step, 0.99, 0.97)
    assert m.events and m.events[0][1] == "saturated" and m.events[0][2] == 0.97


def test_ddp_two_processes_gloo(toy_dataset, tmp_path):
    """torchrun with 2 CPU processes trains and writes one checkpoint."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29517",
           "-m", "ganimation.train", "--data", str(toy_dataset), "--out", str(tmp_path / "ddp"),
           "--set", "model.image_size=32", "--set", "model.g_channels=8", "--set", "model.g_res_blocks=1",
           "--set", "model.d_channels=8", "--set", "model.d_layers=3", "--set", "train.batch_size=4",
           "--set", "train.steps=4", "--set", "train.n_critic=2", "--set", "train.log_every=2",
           "--set", "train.progress=false"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads((tmp_path / "ddp" / "summary.json").read_text())
    assert summary["world_size"] == 2 and summary["step"] == 4
    # both ranks hold identical weights after DDP's averaged updates: rank 0 saved them
    st = load_state(tmp_path / "ddp" / "state.pt")
    assert all(torch.isfinite(v).all() for v in st["generator"].values())


def test_learning_conditional_task(tmp_path):
    """A tiny model learns the toy task: the critic's AU error falls and the output follows the condition."""
    from conftest import toy_face, write_toy_dataset

    from ganimation.aus import NUM_AUS
    from ganimation.edit import Editor

    data = write_toy_dataset(tmp_path / "toy", n=64, test=0)
    cfg = tiny_config(data, steps=150, n_critic=1, log_every=25, batch_size=8, lr_g=5e-4, lr_d=5e-4)
    r = train(cfg, tmp_path / "run")
    logs = [json.loads(l) for l in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    first, last = logs[0]["d/au"], logs[-1]["d/au"]
    assert last < 0.5 * first, (first, last)
    editor = Editor.from_pretrained(r.weights, device="cpu")
    # Mouth width follows AU12: the edit toward AU12=1 has a wider dark mouth bar than toward AU12=0.
    aus = np.zeros(NUM_AUS, np.float32)
    aus[8] = 0.5
    crop = toy_face(aus, 32, np.random.default_rng(5))
    lo, hi = aus.copy(), aus.copy()
    lo[8], hi[8] = 0.0, 1.0
    out = editor.edit_crops(np.stack([crop, crop]), np.stack([lo, hi])).images.astype(float)
    row = out[:, int(32 * 0.7) + 1]                      # the mouth row
    dark = (row.mean(axis=2) < 110).sum(axis=1)          # mouth pixels on that row
    assert dark[1] > dark[0] + 2, dark


def test_au_warmup_teaches_the_critic_au_head(toy_dataset):
    from ganimation.data.dataset import FaceDataset, load_into_memory
    from ganimation.data.sources import load_samples
    from ganimation.nn import build_critic
    from ganimation.train.warmup import warm_up_critic

    cfg = tiny_config(toy_dataset, au_warmup=80, lr_d=1e-3)
    ds = FaceDataset(load_samples(toy_dataset), cfg.model.image_size)
    images = load_into_memory(ds)
    torch.manual_seed(0)
    D = build_critic(cfg.model)
    before = [p.detach().clone() for p in D.parameters()]
    first, last = warm_up_critic(D, lambda idx: (images[idx], ds.aus[idx]), len(ds), cfg)
    assert last < 0.5 * first
    assert any(not torch.equal(a, b) for a, b in zip(before, D.parameters()))


def test_training_and_warmup_build_adam_from_the_config(toy_dataset):
    from ganimation.train.optim import adam

    cfg = tiny_config(toy_dataset, lr_d=7e-4)
    tc = cfg.train
    layer = torch.nn.Linear(3, 2)
    opt = adam(layer.parameters(), tc.lr_d, tc)
    assert opt.defaults["lr"] == 7e-4
    assert opt.defaults["betas"] == (tc.beta1, tc.beta2)
    assert not opt.defaults.get("fused")          # the fused kernel is for CUDA parameters only
    assert [p for g in opt.param_groups for p in g["params"]] == list(layer.parameters())


def test_au_warmup_runs_once_and_resume_is_bit_identical(toy_dataset, tmp_path):
    cfg = tiny_config(toy_dataset, steps=4, au_warmup=5)
    train(cfg, tmp_path / "a")
    train(cfg, tmp_path / "b", until_step=2)
    train(cfg, tmp_path / "b", resume=True)       # must not warm up again
    train(tiny_config(toy_dataset, steps=4), tmp_path / "plain")
    _, da, _ = _params(tmp_path / "a" / "state.pt")
    _, db, _ = _params(tmp_path / "b" / "state.pt")
    _, dp, _ = _params(tmp_path / "plain" / "state.pt")
    assert all(torch.equal(da[k], db[k]) for k in da)
    assert not all(torch.equal(da[k], dp[k]) for k in da)


def test_au_warmup_must_not_be_negative(toy_dataset):
    from ganimation.errors import ConfigError

    with pytest.raises(ConfigError, match="au_warmup"):
        tiny_config(toy_dataset, au_warmup=-1)


def test_amp_context_on_cpu(monkeypatch, caplog):
    from ganimation.train import loop

    cpu = torch.device("cpu")
    assert loop.amp_context("none", cpu)().__enter__() is None           # nullcontext: float32
    monkeypatch.setattr(loop, "cpu_has_bf16", lambda: True)
    conv = torch.nn.Conv2d(3, 4, 3)
    with loop.amp_context("bf16", cpu)():
        assert conv(torch.randn(1, 3, 8, 8)).dtype == torch.bfloat16
    monkeypatch.setattr(loop, "cpu_has_bf16", lambda: False)
    with caplog.at_level("WARNING"):
        with loop.amp_context("bf16", cpu)():
            assert conv(torch.randn(1, 3, 8, 8)).dtype == torch.float32
    assert "no native bf16" in caplog.text


def test_bf16_training_on_cpu_keeps_float32_weights(toy_dataset, tmp_path, monkeypatch):
    from ganimation.train import loop

    monkeypatch.setattr(loop, "cpu_has_bf16", lambda: True)   # emulated where the CPU lacks it: slow, still correct
    train(tiny_config(toy_dataset, steps=4, amp="bf16", au_warmup=3), tmp_path / "run")
    g, d, _ = _params(tmp_path / "run" / "state.pt")
    fp32 = train(tiny_config(toy_dataset, steps=4, au_warmup=3), tmp_path / "fp32")
    g32, _, _ = _params(tmp_path / "fp32" / "state.pt")
    assert all(v.dtype == torch.float32 and torch.isfinite(v).all() for v in [*g.values(), *d.values()])
    assert not all(torch.equal(g[k], g32[k]) for k in g)       # autocast really ran in bf16
    assert fp32.step == 4


def test_compile_on_cpu_without_a_compiler_is_a_clear_error(toy_dataset, tmp_path, monkeypatch):
    from ganimation.errors import ConfigError
    from ganimation.train import loop

    monkeypatch.setattr(loop, "cpp_compiler", lambda: None)
    with pytest.raises(ConfigError, match="C\\+\\+ compiler"):
        train(tiny_config(toy_dataset, steps=2, compile=True), tmp_path / "run")
