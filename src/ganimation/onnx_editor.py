"""An :class:`~ganimation.edit.Editor` that runs an exported ONNX generator with ONNX Runtime.

>>> editor = OnnxEditor.from_onnx("generator.onnx")      # written by `ganimation export`
>>> out = editor.edit_crops(crops, targets)               # same CropEdit as Editor

It is a drop-in for :class:`ganimation.edit.Editor`: ``edit_crops``, ``edit``,
``image_size``, ``config`` and ``metadata`` behave the same, because only the
generator is replaced by :class:`OrtGenerator`, a callable with the same
``(x, y) -> (result, color, attention)`` contract; the uint8 <-> [-1, 1]
conversions are Editor's own. The model runs on the CPU. The export holds the
three common outputs only, so DefGAN's offsets (``CropEdit.offsets``) are
``None`` here.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from ganimation.checkpoint import config_from_metadata
from ganimation.devices import resolve_device
from ganimation.edit import Editor
from ganimation.errors import CheckpointError, ConfigError
from ganimation.export import INPUT_NAMES, OUTPUT_NAMES, load_session


class OnnxEditor(Editor):
    """Edits aligned face crops with an ONNX Runtime session (CPU).

    ``threads``: ONNX Runtime intra-op threads (default: its own choice, one
    per physical core). ``batch_size``: crops per ``session.run`` call.
    """

    def __init__(self, session, model_config, metadata: dict | None = None, batch_size: int = 32,
                 path: str | os.PathLike | None = None):
        # Editor.__init__ expects a torch module; set the same attributes here instead.
        self.session = session
        self.generator = self.forward = OrtGenerator(session)
        self.device = torch.device("cpu")
        self.config = model_config
        self.image_size = int(model_config.image_size)
        self.arch = model_config.arch
        self.metadata = dict(metadata or {})
        self.batch_size = batch_size
        self.path = Path(path) if path is not None else None

    @classmethod
    def from_onnx(cls, path: str | os.PathLike, threads: int | None = None, **kwargs) -> "OnnxEditor":
        """Load a model written by :func:`ganimation.export.export_onnx`."""
        sess = load_session(path, threads)
        meta = dict(sess.get_modelmeta().custom_metadata_map)
        if "ganimation.model" not in meta:
            raise CheckpointError(f"{path}: no ganimation model config in its metadata; "
                                  "export it with `ganimation export`")
        cfg = config_from_metadata(meta, path)
        names = [i.name for i in sess.get_inputs()]
        if names != list(INPUT_NAMES):
            raise CheckpointError(f"{path}: inputs {names}, expected {list(INPUT_NAMES)}")
        return cls(sess, cfg, meta, path=path, **kwargs)

    @classmethod
    def from_pretrained(cls, path=None, device=None, **kwargs) -> "OnnxEditor":
        """Same signature as :meth:`Editor.from_pretrained`; ``path`` must be a ``.onnx`` file."""
        if path is None:
            raise CheckpointError("OnnxEditor needs a .onnx file; create one with `ganimation export`")
        if device is not None and resolve_device(device).type != "cpu":
            raise ConfigError("OnnxEditor runs on the CPU; use Editor for a GPU")
        return cls.from_onnx(path, **kwargs)



class OrtGenerator:
    """An ONNX Runtime session called like a generator: ``(x, y) -> (result, color, attention)``.

    ``x`` ``(B, 3, S, S)`` float in [-1, 1] and ``y`` ``(B, K)`` CPU tensors in,
    CPU float32 tensors out (the three outputs of :mod:`ganimation.export`).
    """

    def __init__(self, session):
        self.session = session

    def __call__(self, x: torch.Tensor, y: torch.Tensor):
        feeds = {INPUT_NAMES[0]: np.ascontiguousarray(x.detach().cpu().numpy(), dtype=np.float32),
                 INPUT_NAMES[1]: np.ascontiguousarray(y.detach().cpu().numpy(), dtype=np.float32)}
        result, color, attention = self.session.run(list(OUTPUT_NAMES), feeds)
        return torch.from_numpy(result), torch.from_numpy(color), torch.from_numpy(attention)

    def eval(self) -> "OrtGenerator":
        return self

    def to(self, *args, **kwargs) -> "OrtGenerator":
        return self
