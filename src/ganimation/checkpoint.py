"""Checkpoints: release weights (safetensors + config) and resumable training state.

- Release weights: one ``.safetensors`` file holding the generator's tensors and,
  in its metadata, the model config (``ganimation.model``), the AU codes
  (``ganimation.au_codes``) and a format version, so the network can be rebuilt
  from the file alone.
- Resumable state: ``torch.save`` of plain tensors, numbers and strings only,
  loaded with ``torch.load(weights_only=True)``.

Both are written atomically: to a temporary file in the same folder, flushed
and renamed over the target, so a run killed mid-save leaves the previous file.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import torch

from ganimation.atomic import atomic_write
from ganimation.aus import AU_CODES
from ganimation.config import ModelConfig, model_config_from_dict
from ganimation.errors import CheckpointError, ConfigError, one_line

FORMAT_VERSION = "1"
def cpu_tensors(module: torch.nn.Module, dtype: torch.dtype | None = None) -> dict[str, torch.Tensor]:
    """``module``'s state on the CPU, contiguous, floating-point tensors cast to ``dtype`` if given."""
    tensors = {}
    for key, value in module.state_dict().items():
        t = value.detach().to("cpu")
        if dtype is not None and t.is_floating_point():
            t = t.to(dtype)
        tensors[key] = t.contiguous()
    return tensors


def save_release(path: str | os.PathLike, generator: torch.nn.Module, model_config: ModelConfig,
                 *, dtype: torch.dtype | None = None, extra: dict[str, Any] | None = None) -> Path:
    """Write the generator's weights with the config needed to rebuild it."""
    from safetensors.torch import save_file

    tensors = cpu_tensors(generator, dtype)
    meta = {
        "format": "ganimation-release",
        "format_version": FORMAT_VERSION,
        "ganimation.model": json.dumps(dataclasses.asdict(model_config)),
        "ganimation.au_codes": json.dumps(list(AU_CODES)),
    }
    for key, value in (extra or {}).items():
        meta[f"ganimation.{key}"] = value if isinstance(value, str) else json.dumps(value)
    return atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata=meta))


def read_safetensors(path: str | os.PathLike, what: str = "weights") -> tuple[dict[str, str], dict[str, torch.Tensor]]:
    """``(metadata, tensors)`` of a safetensors file; :class:`CheckpointError` when it is missing or damaged.

    ``what`` names the file in the not-found message (``"weights"``, ``"refiner weights"``...).
    """
    from safetensors import safe_open
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{what} file {path} not found")
    try:
        with safe_open(str(path), framework="pt") as fh:
            meta = fh.metadata() or {}
        tensors = load_file(str(path))
    except Exception as exc:  # safetensors raises its own error types for damaged files
        if _is_torch_archive(path):
            raise CheckpointError(
                f"{path} is a PyTorch checkpoint (a training run's state.pt?), not {what} in safetensors; "
                "pass the weights written beside state.pt at every save (generator.safetensors; a wggan run's "
                "refiner.safetensors and mouth.safetensors)") from None
        raise CheckpointError(
            f"{path}: not a readable safetensors file ({type(exc).__name__}: {one_line(exc, 100)}); "
            "the file may be truncated: download or export it again"
        ) from None
    return meta, tensors


def _is_torch_archive(path: Path) -> bool:
    """Whether ``path`` is a zip archive, as ``torch.save`` writes (``state.pt``)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def read_release(path: str | os.PathLike) -> tuple[ModelConfig, dict[str, torch.Tensor], dict[str, str]]:
    """``(model_config, state_dict, metadata)`` of a release file, with clear errors."""
    path = Path(path)
    meta, tensors = read_safetensors(path)
    if "ganimation.model" not in meta:
        raise CheckpointError(f"{path}: no ganimation model config in its metadata; was it saved by ganimation?")
    cfg = config_from_metadata(meta, path)
    codes = _metadata_json(meta, "ganimation.au_codes", path, default=[])
    if not isinstance(codes, list):
        raise CheckpointError(f"{path}: ganimation.au_codes in its metadata is not a list; export the file again")
    if codes and list(codes) != list(AU_CODES)[: cfg.num_aus] and len(codes) == cfg.num_aus and cfg.num_aus == len(AU_CODES):
        raise CheckpointError(f"{path}: trained on AUs {one_line(codes, 120)}, which differ from {list(AU_CODES)}")
    check_finite(tensors, path)
    return cfg, tensors, meta


def _metadata_json(meta: dict[str, str], key: str, path, default=None):
    """One JSON value of a weights file's metadata, or a one-line :class:`CheckpointError`."""
    if key not in meta:
        return default
    try:
        return json.loads(meta[key])
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise CheckpointError(f"{path}: {key} in its metadata is not valid JSON ({one_line(exc, 80)}); "
                              "the file is damaged: export or download it again") from None


def config_from_metadata(meta: dict[str, str], path) -> ModelConfig:
    """The model config stored in a weights file, checked against the ranges of :class:`ModelConfig`.

    Used for safetensors and ONNX files alike: malformed JSON, values of the
    wrong type (a size given as a string) and out-of-range values (an absurd
    channel count, image size 0) raise :class:`CheckpointError` before any
    network is built.
    """
    d = _metadata_json(meta, "ganimation.model", path)
    try:
        return model_config_from_dict(d, strict=True)
    except ConfigError as exc:
        raise CheckpointError(f"{path}: invalid model config in its metadata ({exc})") from None


def check_finite(tensors: dict[str, torch.Tensor], path) -> None:
    """Raise :class:`CheckpointError` if a floating-point tensor holds NaN or infinity."""
    for key, t in tensors.items():
        if t.is_floating_point() and t.numel() and not bool(torch.isfinite(t).all()):
            raise CheckpointError(f"{path}: tensor {one_line(key, 60)} holds NaN or infinite values; "
                                  "the weights are damaged (or training diverged): use an earlier file")


def convert_release(src: str | os.PathLike, dst: str | os.PathLike, dtype: torch.dtype = torch.float16,
                    extra: dict[str, Any] | None = None) -> Path:
    """Copy a release file with its floating-point tensors cast to ``dtype``.

    The metadata (model config, AU codes, notes) is kept; ``extra`` adds
    ``ganimation.KEY`` entries. fp16 halves the file; weights are cast back
    to float32 when loaded.
    """
    from safetensors.torch import save_file

    _cfg, tensors, meta = read_release(src)
    tensors = {k: (v.to(dtype) if v.is_floating_point() else v).contiguous() for k, v in tensors.items()}
    meta = dict(meta)
    for key, value in (extra or {}).items():
        meta[f"ganimation.{key}"] = value if isinstance(value, str) else json.dumps(value)
    return atomic_write(dst, lambda tmp: save_file(tensors, tmp, metadata=meta))


def load_generator(path: str | os.PathLike, device: str | torch.device = "cpu") -> tuple[torch.nn.Module, ModelConfig, dict]:
    """Rebuild the generator from a release file, in eval mode, float32."""
    from ganimation.nn import build_generator

    cfg, tensors, meta = read_release(path)
    net = build_generator(cfg)
    tensors = {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}
    try:
        net.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"{path}: weights do not match the config in the file ({str(exc).splitlines()[0]})") from None
    return net.to(device).eval(), cfg, meta


def save_state(path: str | os.PathLike, state: dict[str, Any]) -> Path:
    """Write resumable training state (tensors, numbers, strings, nested dicts/lists)."""
    return atomic_write(path, lambda tmp: torch.save(state, tmp))


def load_state(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no training state at {path}; start without --resume")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # truncated zip, wrong pickle, ...
        raise CheckpointError(
            f"{path}: cannot load the training state ({type(exc).__name__}); the file is damaged. "
            "Restore a backup or start a new run"
        ) from None
