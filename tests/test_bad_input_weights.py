"""Bad inputs, weights files: damaged metadata, absurd configs and NaN weights are one-line errors."""

from __future__ import annotations

import json

import pytest
import torch

from ganimation.checkpoint import load_generator, read_release, save_release
from ganimation.config import ModelConfig
from ganimation.errors import CheckpointError
from ganimation.nn import build_generator

CFG = ModelConfig(image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3)


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("w") / "g.safetensors"
    save_release(path, build_generator(CFG), CFG)
    return path


def _rewrite(src, dst, *, meta_update=None, tensor_fn=None):
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(src), framework="pt") as fh:
        meta = dict(fh.metadata())
        tensors = {k: fh.get_tensor(k) for k in fh.keys()}
    meta.update(meta_update or {})
    if tensor_fn is not None:
        tensors = tensor_fn(tensors)
    save_file(tensors, str(dst), metadata=meta)
    return dst


def _model_meta(**changes) -> str:
    d = json.loads(json.dumps(CFG.__dict__))
    d.update(changes)
    return json.dumps(d)


@pytest.mark.parametrize("meta,words", [
    ({"ganimation.model": "{not json"}, "not valid JSON"),
    ({"ganimation.model": "[1, 2]"}, "model config"),
    ({"ganimation.model": "null"}, "model config"),
    ({"ganimation.model": _model_meta(g_channels=2 ** 40)}, "model.g_channels"),
    ({"ganimation.model": _model_meta(d_channels=10 ** 7)}, "model.d_channels"),
    ({"ganimation.model": _model_meta(image_size=0)}, "model.image_size"),
    ({"ganimation.model": _model_meta(image_size=-32)}, "model.image_size"),
    ({"ganimation.model": _model_meta(image_size=10 ** 9)}, "model.image_size"),
    ({"ganimation.model": _model_meta(image_size="32")}, "model.image_size"),
    ({"ganimation.model": _model_meta(g_res_blocks=1e999)}, "model.g_res_blocks"),
    ({"ganimation.model": _model_meta(arch="evil")}, "model.arch"),
    ({"ganimation.au_codes": "{{{"}, "not valid JSON"),
    ({"ganimation.au_codes": "7"}, "au_codes"),
])
def test_bad_metadata_is_a_one_line_checkpoint_error(good, tmp_path, meta, words):
    bad = _rewrite(good, tmp_path / "bad.safetensors", meta_update=meta)
    with pytest.raises(CheckpointError) as exc:
        load_generator(bad)
    text = str(exc.value)
    assert "\n" not in text and words in text and str(bad) in text, text


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_weights_are_refused(good, tmp_path, value):
    def poison(tensors):
        key = sorted(k for k, v in tensors.items() if v.is_floating_point())[0]
        tensors[key] = tensors[key].clone()
        tensors[key].view(-1)[0] = value
        return tensors

    bad = _rewrite(good, tmp_path / "nan.safetensors", tensor_fn=poison)
    with pytest.raises(CheckpointError) as exc:
        read_release(bad)
    assert "NaN or infinite" in str(exc.value) and "\n" not in str(exc.value)


def test_good_file_and_fp16_still_load(good, tmp_path):
    from ganimation.checkpoint import convert_release

    net, cfg, _ = load_generator(good)
    assert cfg == CFG
    half = convert_release(good, tmp_path / "half.safetensors")
    assert load_generator(half)[1] == CFG


def test_a_training_state_given_as_weights_says_which_file_to_pass(tmp_path):
    """A run's state.pt (torch.save's zip) passed where release weights go names the file to pass instead
    of calling it truncated."""
    state = tmp_path / "state.pt"
    torch.save({"step": 3, "generator": build_generator(CFG).state_dict()}, state)
    with pytest.raises(CheckpointError, match="PyTorch checkpoint.*generator.safetensors"):
        read_release(state)
    garbage = tmp_path / "cut.safetensors"
    garbage.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{")
    with pytest.raises(CheckpointError, match="truncated"):
        read_release(garbage)
