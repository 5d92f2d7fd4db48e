import os

import pytest
import torch

from ganimation.checkpoint import atomic_write, convert_release, load_generator, load_state, read_release, save_release, save_state
from ganimation.config import ModelConfig
from ganimation.errors import CheckpointError
from ganimation.nn import build_generator

CFG = ModelConfig(image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3)


def test_release_round_trip_rebuilds_network(tmp_path):
    torch.manual_seed(0)
    G = build_generator(CFG).eval()
    path = save_release(tmp_path / "g.safetensors", G, CFG, extra={"step": "7"})
    G2, cfg, meta = load_generator(path)
    assert cfg == CFG and meta["ganimation.step"] == "7"
    x, y = torch.rand(1, 3, 32, 32) * 2 - 1, torch.rand(1, 17)
    assert torch.equal(G(x, y)[0], G2(x, y)[0]) and torch.equal(G(x, y)[2], G2(x, y)[2])


def test_fp16_release_loads(tmp_path):
    G = build_generator(CFG)
    path = save_release(tmp_path / "g16.safetensors", G, CFG, dtype=torch.float16)
    G2, _, _ = load_generator(path)
    assert next(G2.parameters()).dtype == torch.float32


def test_convert_release_to_fp16_keeps_metadata_and_outputs(tmp_path):
    torch.manual_seed(0)
    G = build_generator(CFG).eval()
    src = save_release(tmp_path / "g.safetensors", G, CFG, extra={"step": "7"})
    dst = convert_release(src, tmp_path / "g16.safetensors", torch.float16, extra={"note": "half"})
    _, tensors, meta = read_release(dst)
    assert all(t.dtype == torch.float16 for t in tensors.values() if t.is_floating_point())
    assert meta["ganimation.step"] == "7" and meta["ganimation.note"] == "half"
    assert dst.stat().st_size < 0.6 * src.stat().st_size
    G2, cfg, _ = load_generator(dst)
    x, y = torch.rand(1, 3, 32, 32) * 2 - 1, torch.rand(1, 17)
    with torch.no_grad():
        diff = (G(x, y)[0] - G2(x, y)[0]).abs().max().item()
    assert cfg == CFG and 0 < diff < 2e-2


def test_truncated_release_is_a_clear_error(tmp_path):
    path = save_release(tmp_path / "g.safetensors", build_generator(CFG), CFG)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        read_release(path)
    with pytest.raises(CheckpointError, match="not found"):
        read_release(tmp_path / "missing.safetensors")


def test_foreign_safetensors_rejected(tmp_path):
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2)}, str(tmp_path / "x.safetensors"))
    with pytest.raises(CheckpointError, match="metadata"):
        read_release(tmp_path / "x.safetensors")


def test_state_round_trip_weights_only(tmp_path):
    G = build_generator(CFG)
    opt = torch.optim.Adam(G.parameters())
    G(torch.rand(1, 3, 32, 32), torch.rand(1, 17))[0].sum().backward()
    opt.step()
    save_state(tmp_path / "s.pt", {"step": 3, "config": "{}", "g": G.state_dict(), "opt": opt.state_dict(),
                                   "rng": torch.get_rng_state()})
    st = load_state(tmp_path / "s.pt")
    assert st["step"] == 3 and torch.equal(st["rng"], torch.get_rng_state())
    (tmp_path / "bad.pt").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="damaged"):
        load_state(tmp_path / "bad.pt")


def test_atomic_write_keeps_previous_file_when_killed(tmp_path):
    target = tmp_path / "state.pt"
    save_state(target, {"step": 1})

    def dies_mid_write(tmp):
        with open(tmp, "wb") as fh:
            fh.write(b"partial")
        raise KeyboardInterrupt  # the run is killed while saving

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, dies_mid_write)
    assert load_state(target)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["state.pt"]  # no temp file left behind
