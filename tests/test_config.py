import pytest

from ganimation.config import Config, LossConfig, load_config
from ganimation.errors import ConfigError


def test_defaults_and_presets():
    c = Config()
    assert c.loss.preset == "official" and c.loss.au == 160 and c.train.batch_size == 25
    p = LossConfig.from_preset("paper")
    assert p.au == 4000 and p.au_form == "sq_sum" and p.tv_form == "l2_sum" and not p.gp_separate_step


def test_yaml_and_overrides(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("model:\n  image_size: 64\nloss:\n  preset: paper\n  cycle: 5\n")
    c = load_config(f, ["train.batch_size=8", "train.amp=bf16", "loss.tv=1e-4"])
    assert c.model.image_size == 64 and c.train.batch_size == 8 and c.train.amp == "bf16"
    assert c.loss.preset == "paper" and c.loss.cycle == 5 and c.loss.tv == 1e-4 and c.loss.au == 4000


def test_round_trip_json():
    c = load_config(None, ["model.g_channels=16", "train.ema=0.999"])
    assert Config.from_json(c.to_json()) == c


@pytest.mark.parametrize("bad", [["train.nope=1"], ["model.image_size=100"], ["train.batch_size=abc"],
                                 ["loss.preset=other"], ["oops"], ["train.amp=fp8"]])
def test_bad_overrides(bad):
    with pytest.raises(ConfigError):
        load_config(None, bad)
