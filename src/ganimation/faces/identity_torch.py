"""dlib's ResNet face-recognition network ported to PyTorch (differentiable identity embedding).

``load_dlib_resnet(path=None)`` reads dlib's own serialized weights
(``dlib_face_recognition_resnet_model_v1.dat``, Davis King, public domain/CC0;
shipped by the PyPI package ``face_recognition_models``, located by path and
never imported) into :class:`DlibFaceResNet`, an equivalent PyTorch network.
It needs neither dlib nor a download, and it is differentiable, so it can
serve as a training loss (DefGAN's identity term).

The network is the one of dlib's ``dnn_face_recognition_ex.cpp``
(``anet_type``): a 7x7/2 convolution with 32 filters, 3x3/2 max pooling, then
residual levels of 3x32, 4x64, 3x128, 3x256 and 1x256 channels (the first
block of each level after the first downsamples: a stride-2 convolution on
the main path and 2x2 average pooling on the skip path, added with zero
padding where channels or sizes differ, as dlib's ``add_prev`` does), global
average pooling and a 256->128 fully connected layer without bias. dlib's
``affine`` layers (frozen batch norm) are folded into the convolutions.

Input convention of :meth:`DlibFaceResNet.forward`: ``(B, 3, 150, 150)`` RGB
in [0, 255] (float), the aligned 150x150 chip that ``dlib.get_face_chip``
cuts (padding 0.25). dlib subtracts per-channel means (122.782, 117.001,
104.298) and divides by 256; the port does the same. Output ``(B, 128)``:
the same descriptor as ``dlib.face_recognition_model_v1.compute_face_descriptor``
(tests check agreement); two faces are the same person below a distance of 0.6.

:meth:`DlibFaceResNet.embed` takes images in the project's [-1, 1] range at
any size and resizes them to 150x150 bilinearly first (``[-1, 1] -> [0, 255]``
by ``(x + 1) * 127.5``). The project's aligned crops are framed a little
differently from dlib's chips, so descriptors of whole crops differ from
dlib's on detected faces; for a loss between an input crop and its edit
(both framed alike) that does not matter.
"""

from __future__ import annotations

import math
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ganimation.errors import CheckpointError, MissingDependencyError

DLIB_MEANS = (122.782, 117.001, 104.298)
CHIP_SIZE = 150
EMBED_DIM = 128
# (channels, blocks) per level from the input side; the first block of every level but the first downsamples.
LEVELS = ((32, 3), (64, 4), (128, 3), (256, 3), (256, 1))


def _padded_add(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """dlib's ``add_prev``: sum of two tensors zero-padded (right/bottom, extra channels) to the larger shape."""
    if a.shape == b.shape:
        return a + b
    c, h, w = (max(a.shape[i], b.shape[i]) for i in (1, 2, 3))

    def pad(t):
        return F.pad(t, (0, w - t.shape[3], 0, h - t.shape[2], 0, c - t.shape[1]))

    return pad(a) + pad(b)


class _ResBlock(nn.Module):
    """``relu(add_prev(conv-affine-relu-conv-affine(x), skip(x)))``; skip = 2x2 avg pool when downsampling."""

    def __init__(self, c_in: int, c_out: int, down: bool):
        super().__init__()
        self.down = down
        self.conv1 = nn.Conv2d(c_in, c_out, 3, 2 if down else 1, 0 if down else 1)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv2(F.relu(self.conv1(x)))
        skip = F.avg_pool2d(x, 2, 2) if self.down else x
        return F.relu(_padded_add(h, skip))


class DlibFaceResNet(nn.Module):
    """dlib's metric-learning ResNet (29 convolutions). ``(B, 3, 150, 150)`` RGB [0, 255] -> ``(B, 128)``."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 32, 7, 2, 0)
        blocks = []
        c_prev = 32
        for level, (c, n) in enumerate(LEVELS):
            for i in range(n):
                blocks.append(_ResBlock(c_prev, c, down=(level > 0 and i == 0)))
                c_prev = c
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(256, EMBED_DIM, bias=False)
        self.register_buffer("mean", torch.tensor(DLIB_MEANS).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 3 or x.shape[2:] != (CHIP_SIZE, CHIP_SIZE):
            raise ValueError(f"expected (B, 3, {CHIP_SIZE}, {CHIP_SIZE}) RGB in [0, 255], got {tuple(x.shape)}")
        h = (x - self.mean.to(x.dtype)) / 256.0
        h = F.max_pool2d(F.relu(self.stem(h)), 3, 2)
        h = self.blocks(h)
        return self.fc(h.mean(dim=(2, 3)))

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """``(B, 3, H, W)`` in [-1, 1] (any H, W; resized to 150x150) -> ``(B, 128)``."""
        x = images
        if x.shape[2:] != (CHIP_SIZE, CHIP_SIZE):
            x = F.interpolate(x, size=(CHIP_SIZE, CHIP_SIZE), mode="bilinear", align_corners=False)
        return self((x + 1.0) * 127.5)


# ---- dlib's serialization --------------------------------------------------------------


class _Reader:
    """dlib ``serialize`` primitives: variable-length integers, (mantissa, exponent) floats,
    length-prefixed strings, tensors (version 2: shape then raw little-endian float32)."""

    def __init__(self, buf: bytes, pos: int = 0):
        self.buf, self.pos = buf, pos

    def int(self) -> int:
        ctrl = self.buf[self.pos]
        n = ctrl & 0x0F
        value = int.from_bytes(self.buf[self.pos + 1:self.pos + 1 + n], "little")
        self.pos += 1 + n
        return -value if ctrl & 0x80 else value

    def float(self) -> float:
        mantissa = self.int()
        return math.ldexp(mantissa, self.int())

    def str(self) -> str:
        n = self.int()
        s = self.buf[self.pos:self.pos + n].decode("latin1")
        self.pos += n
        return s

    def shape(self) -> tuple[int, ...]:
        self.int()  # version
        return tuple(self.int() for _ in range(4))

    def tensor(self) -> np.ndarray:
        version = self.int()
        if version != 2:
            raise CheckpointError(f"unsupported dlib tensor version {version}")
        dims = [self.int() for _ in range(4)]
        n = int(np.prod(dims))
        data = np.frombuffer(self.buf, "<f4", n, self.pos).copy()
        self.pos += 4 * n
        return data


def _find_layers(buf: bytes) -> list[tuple[str, int]]:
    """Positions of the serialized layer details, input side first (dlib writes sub-networks first)."""
    names = (b"con_4", b"affine_", b"fc_2", b"input_rgb_image_sized")
    out = []
    for name in names:
        start = 0
        needle = bytes([1, len(name)]) + name
        while (i := buf.find(needle, start)) >= 0:
            out.append((i, name.decode()))
            start = i + 1
    return [(n, p) for p, n in sorted(out)]


def read_dlib_resnet_weights(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Parse dlib's ``.dat`` into a state dict for :class:`DlibFaceResNet` (affine layers folded)."""
    buf = Path(path).read_bytes()
    if b"loss_metric_" not in buf[:64]:
        raise CheckpointError(f"{path} is not a dlib metric-learning network (no loss_metric header)")
    layers = _find_layers(buf)
    convs: list[tuple[np.ndarray, np.ndarray]] = []
    pending = None
    fc = None
    means = None
    for name, pos in layers:
        r = _Reader(buf, pos)
        r.str()
        if name == "input_rgb_image_sized":
            means = (r.float(), r.float(), r.float())
        elif name == "con_4":
            params = r.tensor()
            nf, nr, nc = r.int(), r.int(), r.int()
            k = (params.size - nf) // (nf * nr * nc)
            pending = (params[:nf * k * nr * nc].reshape(nf, k, nr, nc), params[nf * k * nr * nc:])
        elif name == "affine_":
            params = r.tensor()
            if pending is None:
                raise CheckpointError(f"{path}: affine layer without a preceding convolution")
            w, b = pending
            gamma, beta = params[:w.shape[0]], params[w.shape[0]:]
            convs.append((w * gamma[:, None, None, None], b * gamma + beta))
            pending = None
        elif name == "fc_2":
            n_out, n_in = r.int(), r.int()
            params = r.tensor()
            fc = params[:n_in * n_out].reshape(n_in, n_out).T
    net = DlibFaceResNet()
    expected = 1 + 2 * sum(n for _, n in LEVELS)
    if len(convs) != expected or fc is None or fc.shape != (EMBED_DIM, 256):
        raise CheckpointError(f"{path}: found {len(convs)} convolution+affine pairs and fc {getattr(fc, 'shape', None)}; "
                              f"expected {expected} and (128, 256) (dlib_face_recognition_resnet_model_v1)")
    if means is not None and not np.allclose(means, DLIB_MEANS, atol=1e-3):
        raise CheckpointError(f"{path}: unexpected input means {means}")
    conv_names = ["stem"] + [f"blocks.{i}.conv{j}" for i in range(len(net.blocks)) for j in (1, 2)]
    state = {}
    for name, (w, b) in zip(conv_names, convs):
        state[f"{name}.weight"] = torch.from_numpy(np.ascontiguousarray(w, np.float32))
        state[f"{name}.bias"] = torch.from_numpy(np.ascontiguousarray(b, np.float32))
    state["fc.weight"] = torch.from_numpy(np.ascontiguousarray(fc, np.float32))
    return state


def load_dlib_resnet(path: str | os.PathLike | None = None) -> DlibFaceResNet:
    """The frozen PyTorch port in eval mode, float32, on the CPU.

    ``path``: dlib's ``dlib_face_recognition_resnet_model_v1.dat``; ``None``
    looks in the installed ``face_recognition_models`` package (raises
    :class:`~ganimation.errors.MissingDependencyError` saying what to install).
    """
    if path is None:
        from ganimation.faces.models import dlib_model_path

        path = dlib_model_path("resnet")
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"dlib ResNet weights {path} not found")
    net = DlibFaceResNet()
    net.load_state_dict(read_dlib_resnet_weights(path), strict=True)
    return net.eval().requires_grad_(False)


@lru_cache(maxsize=4)
def _cached(device: str) -> DlibFaceResNet:
    return load_dlib_resnet().to(device)


def cached_embedder(device: str | torch.device = "cpu") -> DlibFaceResNet:
    """One frozen :class:`DlibFaceResNet` per device (weights from ``face_recognition_models``)."""
    try:
        return _cached(str(torch.device(device)))
    except MissingDependencyError as exc:
        raise MissingDependencyError(
            f"{exc}; or train DefGAN without the identity loss: --set loss.def_identity=0") from None
