"""Export the generator to ONNX and check it with ONNX Runtime.

The exported graph has two inputs and three outputs:

- ``image``: ``(N, 3, S, S)`` float32 in [-1, 1] (``S`` = the model's image size),
- ``aus``: ``(N, K)`` float32 target AU intensities in [0, 1] (``K`` = 17),
- ``result``, ``color``: ``(N, 3, S, S)`` in [-1, 1]; ``attention``: ``(N, 1, S, S)`` in [0, 1].

``N`` is a dynamic axis unless ``dynamic_batch=False``. The model config
(``ganimation.model``, JSON) and the AU codes (``ganimation.au_codes``, JSON
list) are stored in the model's ``metadata_props`` so that
:class:`ganimation.onnx_editor.OnnxEditor` can rebuild everything it needs
from the ``.onnx`` file alone.

The graph is written by PyTorch's TorchScript-based exporter
(``torch.onnx.export(..., dynamo=False)``): it needs only ``onnx``, exports
the 128-px generator in about two seconds and matches PyTorch to ~1e-6. The
dynamo exporter (``dynamo=True``, needs ``onnxscript``) also works but is
slower; it is used automatically only if the TorchScript exporter is missing.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import secrets
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganimation.aus import AU_CODES
from ganimation.errors import GanimationError, MissingDependencyError

log = logging.getLogger("ganimation.export")

INPUT_NAMES = ("image", "aus")
OUTPUT_NAMES = ("result", "color", "attention")
#: Tolerance the export check must meet (max abs difference, outputs in [-1, 1]).
TOLERANCE = 1e-3


class ExportError(GanimationError):
    """The model could not be exported, or ONNX Runtime disagrees with PyTorch."""


class _ThreeOutputs(torch.nn.Module):
    """``(image, aus) -> (result, color, attention)`` for any generator architecture."""

    def __init__(self, generator: torch.nn.Module):
        super().__init__()
        self.generator = generator

    def forward(self, image: torch.Tensor, aus: torch.Tensor):
        out = self.generator(image, aus)
        return out[0], out[1], out[2]


def require_onnx(runtime_only: bool = False) -> None:
    """Raise :class:`MissingDependencyError` when ``onnx`` / ``onnxruntime`` are not installed."""
    names = ("onnxruntime",) if runtime_only else ("onnx", "onnxruntime")
    missing = []
    for name in names:
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise MissingDependencyError(f"ONNX export/inference needs {' and '.join(missing)}: "
                                     f"pip install {' '.join(missing)}")


def _resolve(source, model_config=None, metadata: dict | None = None):
    """``(generator (CPU, fp32, eval), model_config, metadata)`` from a path, an Editor or a module."""
    from ganimation.checkpoint import load_generator

    if isinstance(source, (str, os.PathLike)):
        net, cfg, meta = load_generator(source, "cpu")
        return net, cfg, dict(meta)
    gen = getattr(source, "generator", None)
    if gen is not None and hasattr(source, "config"):  # an Editor
        return gen, source.config, dict(getattr(source, "metadata", {}) or {})
    if isinstance(source, torch.nn.Module):
        if model_config is None:
            raise TypeError("exporting a bare module needs model_config=")
        return source, model_config, dict(metadata or {})
    raise TypeError(f"cannot export {type(source).__name__}: pass a weights path, an Editor or a generator")


def export_onnx(weights_path_or_editor, out_path: str | os.PathLike, opset: int = 17, dynamic_batch: bool = True,
                *, model_config=None, check: bool = True, check_batch: int = 2, seed: int = 0,
                dynamo: bool | None = None) -> float | None:
    """Export the generator to ``out_path`` (``.onnx``); return the check's max abs difference.

    ``weights_path_or_editor``: release weights (``.safetensors``), an
    :class:`ganimation.edit.Editor`, or a generator module (then pass
    ``model_config``). With ``check`` (default) ONNX Runtime runs the file on
    ``check_batch`` random faces in [-1, 1] with random AUs in [0, 1] and the
    largest absolute difference from PyTorch over the three outputs is
    returned; above :data:`TOLERANCE` an :class:`ExportError` is raised (the
    file is still written, for inspection). ``check=False`` returns ``None``.
    ``dynamo``: ``None`` picks the TorchScript exporter when available.
    """
    require_onnx(runtime_only=False)
    import onnx

    net, cfg, meta = _resolve(weights_path_or_editor, model_config)
    device = next(net.parameters()).device
    was_training = net.training
    wrapper = _ThreeOutputs(net).to("cpu").float().eval()
    s, k = int(cfg.image_size), int(cfg.num_aus)
    gen = torch.Generator().manual_seed(seed)
    example = (torch.rand(check_batch, 3, s, s, generator=gen) * 2 - 1, torch.rand(check_batch, k, generator=gen))
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # written to a hidden temporary file beside the target and renamed when complete:
    # a failed or interrupted export leaves neither a partial model nor the temporary file
    tmp = out_path.with_name(f".{out_path.name[:200]}.{secrets.token_hex(4)}.tmp.onnx")
    try:
        _export(wrapper, example, tmp, opset, dynamic_batch, dynamo)
        model = onnx.load(str(tmp))
        props = {
            "format": "ganimation-onnx",
            "ganimation.model": json.dumps(dataclasses.asdict(cfg)),
            "ganimation.au_codes": meta.get("ganimation.au_codes") or json.dumps(list(AU_CODES)),
            "ganimation.inputs": json.dumps({"image": f"(N, 3, {s}, {s}) float32 in [-1, 1]",
                                             "aus": f"(N, {k}) float32 in [0, 1]"}),
        }
        for key, value in meta.items():  # carry the release file's other metadata (step, loss preset, ...)
            if key.startswith("ganimation.") and key not in props:
                props[key] = value
        del model.metadata_props[:]
        for key, value in props.items():
            entry = model.metadata_props.add()
            entry.key, entry.value = key, value
        model.producer_name = "ganimation"
        onnx.checker.check_model(model)
        onnx.save(model, str(tmp))
        os.replace(tmp, out_path)
    finally:
        net.to(device).train(was_training)
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
    if not check:
        return None
    diff = check_onnx(out_path, wrapper, example)
    log.info("exported %s (opset %d); ONNX Runtime vs PyTorch max abs diff %.3g", out_path, opset, diff)
    if not diff <= TOLERANCE:
        raise ExportError(f"{out_path}: ONNX Runtime differs from PyTorch by {diff:.3g} (> {TOLERANCE}); "
                          "try another --opset")
    return diff


def _export(wrapper, example, out_path: Path, opset: int, dynamic_batch: bool, dynamo: bool | None) -> None:
    use_dynamo = bool(dynamo)  # None -> TorchScript exporter first
    kwargs: dict[str, Any] = dict(input_names=list(INPUT_NAMES), output_names=list(OUTPUT_NAMES),
                                  opset_version=opset)
    if use_dynamo:
        if dynamic_batch:
            batch = torch.export.Dim("batch")
            kwargs["dynamic_shapes"] = ({0: batch}, {0: batch})
    elif dynamic_batch:
        kwargs["dynamic_axes"] = {name: {0: "batch"} for name in INPUT_NAMES + OUTPUT_NAMES}
    with warnings.catch_warnings(), torch.no_grad():
        # The shape checks in forward() and the InstanceNorm "training mode" note are harmless while tracing.
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(wrapper, example, str(out_path), dynamo=use_dynamo, **kwargs)
        except (ImportError, ModuleNotFoundError) as exc:
            raise MissingDependencyError(f"the ONNX exporter needs a missing package ({exc}); "
                                         "pip install onnx (and onnxscript for dynamo=True)") from None
        except (RuntimeError, ValueError, TypeError) as exc:
            if dynamo is None and not use_dynamo:
                log.warning("TorchScript ONNX exporter failed (%s); trying the dynamo exporter", exc)
                return _export(wrapper, example, out_path, opset, dynamic_batch, True)
            raise ExportError(f"ONNX export failed: {str(exc).splitlines()[0]}") from None


def session_options(threads: int | None = None):
    """ONNX Runtime CPU session options: all graph optimisations, ``threads`` intra-op threads."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        so.intra_op_num_threads = int(threads)
    so.log_severity_level = 3
    return so


def load_session(path: str | os.PathLike, threads: int | None = None, providers: list[str] | None = None):
    """An ``onnxruntime.InferenceSession`` for ``path`` with clear errors for missing/damaged files."""
    require_onnx(runtime_only=True)
    import onnxruntime as ort

    path = Path(path)
    if not path.is_file():
        raise GanimationError(f"ONNX model {path} not found; create one with `ganimation export`")
    try:
        return ort.InferenceSession(str(path), sess_options=session_options(threads),
                                    providers=providers or ["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own error types (InvalidProtobuf, Fail, ...)
        raise GanimationError(f"{path}: not a readable ONNX model ({type(exc).__name__}: "
                              f"{str(exc).splitlines()[0][:200]}); export it again") from None


def check_onnx(path: str | os.PathLike, module: torch.nn.Module, example) -> float:
    """Max abs difference between ONNX Runtime on ``path`` and ``module`` on ``example`` inputs."""
    sess = load_session(path)
    feeds = {name: t.numpy() for name, t in zip(INPUT_NAMES, example)}
    got = sess.run(list(OUTPUT_NAMES), feeds)
    with torch.no_grad():
        ref = module(*example)
    return max(float(np.abs(g - r.float().numpy()).max()) for g, r in zip(got, ref))


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The ``metadata_props`` of an exported model (via ONNX Runtime, no ``onnx`` needed)."""
    return dict(load_session(path).get_modelmeta().custom_metadata_map)
