"""Bad inputs, configuration: every value has a range, checked before any work; errors are one line."""

from __future__ import annotations

import pytest

from ganimation.cli.main import main
from ganimation.config import Config, ModelConfig, load_config, model_config_from_dict
from ganimation.errors import ConfigError


def _cli_error(capsys, argv) -> str:
    """Run the CLI; assert exit 2 and exactly one stderr line ``error: ...``; return it."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("item,key", [
    ("train.lr_g=nan", "train.lr_g"), ("train.lr_g=-1", "train.lr_g"), ("train.lr_d=0", "train.lr_d"),
    ("train.lr_d=.inf", "train.lr_d"), ("train.save_every=0", "train.save_every"),
    ("train.log_every=0", "train.log_every"), ("train.sample_every=-5", "train.sample_every"),
    ("train.batch_size=0", "train.batch_size"), ("train.n_critic=0", "train.n_critic"),
    ("train.beta1=1", "train.beta1"), ("train.beta2=-0.1", "train.beta2"), ("train.ema=1", "train.ema"),
    ("train.epochs=-1", "train.epochs"), ("train.steps=-3", "train.steps"), ("train.seed=-1", "train.seed"),
    ("train.target_noise=nan", "train.target_noise"), ("train.au_warmup=-1", "train.au_warmup"),
    ("train.decay_epochs=-1", "train.decay_epochs"), ("train.amp=fp8", "train.amp"),
    ("data.cache=bogus", "data.cache"), ("data.num_workers=-1", "data.num_workers"),
    ("data.cache_max_gb=nan", "data.cache_max_gb"),
    ("loss.au=-1", "loss.au"), ("loss.gp=nan", "loss.gp"), ("loss.tv=.inf", "loss.tv"),
    ("model.image_size=0", "model.image_size"), ("model.g_channels=100000000", "model.g_channels"),
    ("model.d_layers=40", "model.d_layers"), ("model.max_offset=nan", "model.max_offset"),
    ("model.num_aus=0", "model.num_aus"),
])
def test_out_of_range_values_are_refused(item, key):
    with pytest.raises(ConfigError) as exc:
        load_config(None, [item])
    text = str(exc.value)
    assert key in text and "\n" not in text


def test_defaults_and_shipped_configs_pass():
    Config.from_dict({})
    from pathlib import Path

    from ganimation.train.wggan import is_wggan_config, load_wggan_config

    for path in sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml")):
        load_wggan_config(path) if is_wggan_config(path) else load_config(path)


@pytest.mark.parametrize("text", [
    "model: [unclosed\n  image_size: 32\n",
    "train:\n  lr_g: 1e-4\n lr_d: 2\n",
    "\tmodel: {}\n",
])
def test_bad_yaml_is_one_line(tmp_path, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    msg = str(exc.value)
    assert "\n" not in msg and "invalid YAML" in msg and "line" in msg and str(path) in msg


@pytest.mark.parametrize("content", [b"\xff\xfe\x00garbage\x81" * 20, b"- just\n- a list\n", b"model: 5\n",
                                     b"model:\n  image_size: [1, 2]\n"])
def test_odd_config_files_are_config_errors(tmp_path, content):
    path = tmp_path / "odd.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert "\n" not in str(exc.value)


def test_train_cli_refuses_bad_yaml_and_negative_until_step(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: {lr_g: [\n")
    line = _cli_error(capsys, ["train", "--data", str(tmp_path), "--out", str(tmp_path / "r"), "--config", str(bad)])
    assert "invalid YAML" in line
    for step in ("-1", "0"):
        line = _cli_error(capsys, ["train", "--data", str(tmp_path), "--out", str(tmp_path / "r"),
                                   "--until-step", step])
        assert "--until-step" in line
    line = _cli_error(capsys, ["train", "--data", str(tmp_path), "--out", str(tmp_path / "r"),
                               "--set", "train.save_every=0"])
    assert "train.save_every" in line
    assert not (tmp_path / "r").exists()  # refused before any work


def test_long_unknown_key_is_shortened():
    with pytest.raises(ConfigError) as exc:
        load_config(None, ["train." + "x" * 5000 + "=1"])
    assert len(str(exc.value)) < 400


@pytest.mark.parametrize("bad", [
    {"image_size": "64"}, {"image_size": 0}, {"g_channels": 10 ** 9}, {"d_layers": 3.5}, {"arch": 7},
    {"image_size": True}, {"upsample": None},
])
def test_stored_model_configs_are_strict(bad):
    base = {"image_size": 32, "g_channels": 8, "g_res_blocks": 1, "d_channels": 8, "d_layers": 3}
    with pytest.raises(ConfigError):
        model_config_from_dict({**base, **bad}, strict=True)
    assert model_config_from_dict(base, strict=True) == ModelConfig(**base)
