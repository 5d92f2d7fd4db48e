"""The training-throughput benchmark takes its model and schedule from a training config."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_script():
    spec = importlib.util.spec_from_file_location("bench_train_throughput",
                                                  ROOT / "benchmarks" / "bench_train_throughput.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_config_and_overrides_set_model_and_schedule(tmp_path):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text("model: {image_size: 32, g_channels: 8, g_res_blocks: 1, d_channels: 8, d_layers: 3}\n"
                   "train: {n_critic: 3}\nloss: {preset: paper}\n")
    out = tmp_path / "bench.json"
    rc = _load_script().main(["--config", str(cfg), "--set", "model.upsample=resize", "--set", "train.n_critic=2",
                              "--batches", "2", "--steps", "2", "--warmup", "2", "--threads", "1",
                              "--out", str(out)])
    result = json.loads(out.read_text())
    assert rc == 0
    assert result["model"]["upsample"] == "resize" and result["model"]["g_channels"] == 8
    assert result["n_critic"] == 2 and result["loss_preset"] == "paper"
    [row] = result["rows"]
    assert row["name"] == "eager_fp32" and row["finite"] and row["samples_per_s"] > 0
