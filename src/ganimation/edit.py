"""Inference: :class:`Editor` turns a face crop and target AUs into the edited crop.

The photo-in-the-wild pipeline (:mod:`ganimation.faces.pipeline`) finds and
aligns faces, calls :meth:`Editor.edit_crops`, and pastes the results back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import torch

from ganimation.aus import NUM_AUS, check_vector, resolve_target
from ganimation.errors import MissingDependencyError

ASSETS = Path(__file__).resolve().parent / "assets"
#: Weights used when none are given (shipped with the package when available).
DEFAULT_WEIGHTS = ASSETS / "ganimation_default.safetensors"


@dataclass
class CropEdit:
    """Result of editing N crops.

    ``images``: ``(N, H, W, 3)`` uint8 edited crops; ``attention``: ``(N, H, W)``
    float32 in [0, 1] (1 = input kept); ``color``: ``(N, H, W, 3)`` uint8 colour
    map; ``targets``: ``(N, 17)`` the AUs asked for; ``offsets``: ``(N, 2, H, W)``
    pixel offsets of the warp (DefGAN only, else None).
    """

    images: np.ndarray
    attention: np.ndarray
    color: np.ndarray
    targets: np.ndarray
    offsets: np.ndarray | None = None

    @property
    def change(self) -> np.ndarray:
        """``(N, H, W)`` in [0, 1]: how much each pixel may differ from the input.

        ``1 - attention``, raised where a DefGAN warp moves pixels (1 px of motion = 1).
        Paste-back blends with it.
        """
        change = 1.0 - np.clip(self.attention, 0.0, 1.0)
        if self.offsets is not None:
            motion = np.clip(np.sqrt((self.offsets ** 2).sum(axis=1)), 0.0, 1.0)
            change = np.maximum(change, motion)
        return change.astype(np.float32)


def default_device() -> torch.device:
    """``cuda`` when a GPU is usable, else ``cpu`` (:func:`ganimation.devices.default_device`)."""
    from ganimation.devices import default_device as _default

    return _default()


def _to_tensor(crops: np.ndarray, device) -> torch.Tensor:
    x = torch.from_numpy(np.array(crops, dtype=np.uint8)).to(device)
    return x.permute(0, 3, 1, 2).float().mul_(2.0 / 255.0).sub_(1.0)


def _to_uint8(x: torch.Tensor) -> np.ndarray:
    return ((x.float().clamp(-1, 1) + 1.0) * 127.5 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


class Editor:
    """Edits aligned face crops with a trained generator.

    >>> editor = Editor.from_pretrained("generator.safetensors")
    >>> out = editor.edit(crop, "AU12=0.8,AU06=0.5")        # or expression="happy"
    >>> out.images[0]                                           # (H, W, 3) uint8
    """

    def __init__(self, generator: torch.nn.Module, model_config, device=None, metadata: dict | None = None,
                 batch_size: int = 32, optimize: bool | None = None):
        from ganimation.devices import resolve_device

        self.device = resolve_device(device)
        self.generator = generator.to(self.device).eval()
        #: what edit_crops runs: on CPU a fused copy of ``generator`` (exact: max abs
        #: difference ~2e-5, 1.15-1.3x faster, docs/performance.md); else ``generator``
        self.forward = self.generator
        if optimize if optimize is not None else self.device.type == "cpu":
            from ganimation.nn.optimize import optimize_for_cpu

            self.forward = optimize_for_cpu(self.generator)
        self.config = model_config
        self.image_size = int(model_config.image_size)
        self.arch = model_config.arch
        self.metadata = dict(metadata or {})
        self.batch_size = batch_size

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike | None = None, device=None, **kwargs) -> "Editor":
        """Load release weights (``.safetensors``); ``None`` means the shipped default."""
        from ganimation.checkpoint import load_generator
        from ganimation.devices import resolve_device

        device = resolve_device(device)  # before the weights are read: a bad --device fails at once
        if path is not None and str(path).lower().endswith(".onnx"):
            from ganimation.onnx_editor import OnnxEditor

            return OnnxEditor.from_onnx(path, **kwargs)
        if path is None:
            if not DEFAULT_WEIGHTS.is_file():
                raise MissingDependencyError(
                    "no shipped weights in this installation; pass --weights FILE.safetensors "
                    "(train one with `ganimation train`)"
                )
            path = DEFAULT_WEIGHTS
        net, cfg, meta = load_generator(path, device)
        return cls(net, cfg, device, meta, **kwargs)

    @torch.inference_mode()
    def edit_crops(self, crops: np.ndarray, targets: np.ndarray) -> CropEdit:
        """Edit ``crops`` ``(N, S, S, 3)`` uint8 (S = ``image_size``) toward ``targets`` ``(N, 17)``."""
        crops = np.asarray(crops)
        if crops.ndim == 3:
            crops = crops[None]
        if crops.ndim != 4 or crops.shape[1:] != (self.image_size, self.image_size, 3) or crops.dtype != np.uint8:
            raise ValueError(f"crops must be (N, {self.image_size}, {self.image_size}, 3) uint8, "
                             f"got {crops.shape} {crops.dtype}")
        targets = check_vector(np.asarray(targets, np.float32).reshape(-1, NUM_AUS), name="target AUs")
        if len(targets) == 1 and len(crops) > 1:
            targets = np.repeat(targets, len(crops), axis=0)
        if len(targets) != len(crops):
            raise ValueError(f"{len(crops)} crops but {len(targets)} target vectors")
        outs, atts, cols, offs = [], [], [], []
        for i in range(0, len(crops), self.batch_size):
            x = _to_tensor(crops[i:i + self.batch_size], self.device)
            y = torch.from_numpy(targets[i:i + self.batch_size]).to(self.device)
            out = self.forward(x, y)
            result, color, attention = out[:3]
            outs.append(_to_uint8(result))
            cols.append(_to_uint8(color))
            atts.append(attention[:, 0].float().cpu().numpy())
            if len(out) > 4:  # DefGAN: (result, color, attention, warped, offsets)
                offs.append(out[4].float().cpu().numpy())
        return CropEdit(np.concatenate(outs), np.concatenate(atts), np.concatenate(cols), targets,
                        np.concatenate(offs) if offs else None)

    def edit(self, image, aus: str | Mapping[str, float] | np.ndarray | None = None, *, expression: str | None = None,
             intensity: float = 1.0, current: np.ndarray | None = None, relative: bool = False) -> CropEdit:
        """Edit one aligned crop (path, PIL image or array, any square size).

        ``aus``: an AU string, dict or ``(17,)`` vector; ``expression``: a preset
        applied with ``intensity`` on top of ``current`` (the crop's own AUs,
        zeros when unknown). A crop of another size is resized for the network
        and the result blended back at the input's resolution with the
        attention mask, so unedited pixels keep their full detail.
        """
        from ganimation.images import as_rgb_array

        crop = as_rgb_array(image)
        if isinstance(aus, np.ndarray):
            target = check_vector(aus, name="target AUs")
        else:
            target = resolve_target(current=current, aus=aus, expression=expression,
                                    intensity=intensity, relative=relative)
        h, w = crop.shape[:2]
        if (h, w) == (self.image_size, self.image_size):
            return self.edit_crops(crop[None], target[None])
        small = resize(crop, self.image_size)
        res = self.edit_crops(small[None], target[None])
        att = resize_float(res.attention[0], (w, h))
        color = resize(res.color[0], (w, h))
        base, offsets = crop, None
        if res.offsets is not None:  # DefGAN: warp the full-resolution crop by the upsampled field
            from ganimation.nn.warp import warp

            o = torch.from_numpy(res.offsets[:1])
            o = torch.nn.functional.interpolate(o, size=(h, w), mode="bilinear", align_corners=False)
            o = o * torch.tensor([w / self.image_size, h / self.image_size]).view(1, 2, 1, 1)
            img = torch.from_numpy(crop.astype(np.float32)).permute(2, 0, 1)[None]
            base = warp(img, o)[0].permute(1, 2, 0).numpy()
            offsets = o.numpy()
        blended = att[..., None] * base.astype(np.float32) + (1 - att[..., None]) * color.astype(np.float32)
        return CropEdit(np.clip(blended + 0.5, 0, 255).astype(np.uint8)[None], att[None], color[None],
                        res.targets, offsets)


def resize(image: np.ndarray, size) -> np.ndarray:
    """Resize ``(H, W, 3)`` uint8 to ``size`` (int for square, or ``(W, H)``)."""
    from PIL import Image

    wh = (size, size) if isinstance(size, int) else tuple(size)
    return np.asarray(Image.fromarray(image).resize(wh, Image.BICUBIC if wh[0] > image.shape[1] else Image.LANCZOS))


def resize_float(values: np.ndarray, wh) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(values.astype(np.float32)).resize(tuple(wh), Image.BILINEAR)).clip(0, 1)
