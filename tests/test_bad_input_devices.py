"""Bad inputs, devices: one check with a one-line message listing what this machine has."""

from __future__ import annotations

import argparse

import pytest
import torch

from ganimation.devices import available_devices, resolve_device
from ganimation.errors import DeviceError, GanimationError

BAD = ["cuda:99", "meta", "foo", "cpu:-1", "cpu:1", "cuda:x", "xla", ""]
if not torch.cuda.is_available():
    BAD.append("cuda")
if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
    BAD.append("mps")
BAD.remove("")  # "" means auto


@pytest.mark.parametrize("spec", BAD)
def test_unusable_devices_are_one_line_errors(spec):
    with pytest.raises(DeviceError) as exc:
        resolve_device(spec)
    text = str(exc.value)
    assert isinstance(exc.value, GanimationError) and "\n" not in text
    assert text.startswith(f"--device {spec!r}") and "this machine has: cpu" in text


@pytest.mark.parametrize("spec", [None, "", "auto", "cpu", "CPU", " cpu ", "cpu:0", torch.device("cpu")])
def test_usable_devices_resolve(spec):
    dev = resolve_device(spec)
    assert dev.type in ("cpu", "cuda", "mps")
    if spec not in (None, "", "auto"):
        assert dev == torch.device("cpu")


def test_available_devices_lists_cpu_first():
    names = available_devices()
    assert names[0] == "cpu" and len(names) == 1 + torch.cuda.device_count() * torch.cuda.is_available() + (
        "mps" in names)


def test_editor_and_cli_use_the_check():
    from ganimation.cli.common import load_editor
    from ganimation.edit import Editor

    with pytest.raises(DeviceError):
        Editor.from_pretrained(None, device="meta")
    with pytest.raises(DeviceError):
        load_editor(argparse.Namespace(weights="does-not-matter.safetensors", device="foo"))


def test_train_device_is_checked_before_any_work(tmp_path):
    from ganimation.config import load_config
    from ganimation.train import train

    cfg = load_config(None, [f"data.path={tmp_path / 'nowhere'}", "train.device=cuda:99"])
    with pytest.raises(DeviceError) as exc:
        train(cfg, tmp_path / "run")
    assert str(exc.value).startswith("train.device 'cuda:99'")
    assert not (tmp_path / "run").exists()
