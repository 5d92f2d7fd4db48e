"""The independent AU judge: a small CNN that reads the 17 AUs off a synthetic face.

It is trained only on renders of :mod:`ganimation.data.synthetic` (never on
a generator's output), so it can score how well an edit reached its target
AUs on synthetic data: ``mean |judge(edit) - target|``. The trained weights
ship as ``ganimation/assets/au_judge.safetensors`` (fp16, config in the
metadata); ``benchmarks/train_au_judge.py`` retrains them.

Input: images ``(N, H, W, 3)`` uint8 RGB (any square size; resized to 64 px
with antialiased bilinear). Output of :meth:`AUJudge.predict`: ``(N, 17)`` float32 in [0, 1], in
:data:`ganimation.aus.AU_CODES` order.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ganimation.aus import NUM_AUS
from ganimation.errors import CheckpointError

ASSET = Path(__file__).resolve().parent.parent / "assets" / "au_judge.safetensors"
KIND = "ganimation-au-judge"
DEFAULT_LR = 1e-3  # AdamW peak learning rate of train_judge (and of benchmarks/train_au_judge.py)


@dataclass(frozen=True)
class JudgeConfig:
    image_size: int = 64
    width: int = 24          # channels of the first stage; doubled twice
    hidden: int = 128
    num_aus: int = NUM_AUS
    head: str = "leaky-linear"  # or "relu-sigmoid": the head of judges saved before this field existed


def _block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class AUJudge(nn.Module):
    """CNN regressor ``(N, 3, 64, 64)`` in [-1, 1] -> ``(N, 17)`` AU intensities.

    The head (``head="leaky-linear"``) is a LeakyReLU hidden layer and a
    linear output: :meth:`forward` returns unbounded values (trained against
    targets in [0, 1]) and :meth:`predict` clips them to [0, 1]. The first
    head (``"relu-sigmoid"``, still loaded for old files) lost AUs for good:
    five sigmoid outputs were pushed where their gradient is below Adam's
    epsilon, and with a linear output most ReLU hidden units died instead
    (121 of 128), leaving seven AUs read as a constant.
    """

    def __init__(self, config: JudgeConfig | None = None, **kwargs):
        super().__init__()
        self.config = config or JudgeConfig(**kwargs)
        w = self.config.width
        self.features = nn.Sequential(
            _block(3, w, 2), _block(w, w, 1),                 # 32
            _block(w, 2 * w, 2), _block(2 * w, 2 * w, 1),     # 16
            _block(2 * w, 4 * w, 2), _block(4 * w, 4 * w, 1),  # 8
            _block(4 * w, 4 * w, 2),                          # 4
        )
        side = self.config.image_size // 16
        if self.config.head not in ("leaky-linear", "relu-sigmoid"):
            raise ValueError(f"unknown judge head {self.config.head!r}")
        act = nn.ReLU(inplace=True) if self.config.head == "relu-sigmoid" else nn.LeakyReLU(0.1, inplace=True)
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(4 * w * side * side, self.config.hidden), act,
            nn.Linear(self.config.hidden, self.config.num_aus),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``(N, 3, S, S)`` float in [-1, 1] with S = image_size; returns raw ``(N, 17)`` AUs
        (not clipped: clip to [0, 1] to read them, as :meth:`predict` does)."""
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"AUJudge expects (N, 3, H, W), got {tuple(x.shape)}")
        y = self.head(self.features(x))
        return torch.sigmoid(y) if self.config.head == "relu-sigmoid" else y

    # -- images in, AUs out -------------------------------------------------

    def preprocess(self, images) -> torch.Tensor:
        """``(N, H, W, 3)`` uint8 (numpy or tensor) -> ``(N, 3, S, S)`` float in [-1, 1]."""
        x = torch.as_tensor(np.asarray(images)) if not isinstance(images, torch.Tensor) else images
        if x.ndim == 3:
            x = x[None]
        if x.ndim != 4 or x.shape[-1] != 3:
            raise ValueError(f"images must be (N, H, W, 3) uint8 RGB, got {tuple(x.shape)}")
        x = x.permute(0, 3, 1, 2).float() / 127.5 - 1.0
        s = self.config.image_size
        if x.shape[-2:] != (s, s):
            x = F.interpolate(x, size=(s, s), mode="bilinear", antialias=True, align_corners=False)
        return x

    @torch.no_grad()
    def predict(self, images, batch_size: int = 256) -> np.ndarray:
        """AU intensities ``(N, 17)`` float32 in [0, 1] of ``(N, H, W, 3)`` uint8 images."""
        was = self.training
        self.eval()
        dev = next(self.parameters()).device
        arr = images if isinstance(images, torch.Tensor) else np.asarray(images)
        if arr.ndim == 3:
            arr = arr[None]
        out = []
        for i in range(0, len(arr), batch_size):
            x = self.preprocess(arr[i:i + batch_size]).to(dev)
            out.append(self.forward(x).float().clamp(0.0, 1.0).cpu())
        self.train(was)
        if not out:
            return np.zeros((0, self.config.num_aus), np.float32)
        return torch.cat(out).numpy().astype(np.float32)

    # -- files --------------------------------------------------------------

    def save(self, path: str | os.PathLike, half: bool = True, extra: dict | None = None) -> None:
        """Safetensors weights (fp16 by default) with the config in the metadata."""
        from safetensors.torch import save_file

        tensors = {}
        for k, v in self.state_dict().items():
            v = v.detach().cpu()
            if half and v.is_floating_point():
                v = v.half()
            tensors[k] = v.contiguous()
        meta = {"kind": KIND, "config": json.dumps(asdict(self.config))}
        if extra:
            meta["extra"] = json.dumps(extra)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        save_file(tensors, str(path), metadata=meta)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, device: str | torch.device = "cpu") -> "AUJudge":
        """Load a judge; ``path=None`` loads the shipped weights."""
        from safetensors import safe_open

        path = Path(path) if path is not None else ASSET
        if not path.is_file():
            raise CheckpointError(
                f"AU judge weights {path} are missing; train them with "
                "`python benchmarks/train_au_judge.py` or reinstall ganimation"
            )
        try:
            with safe_open(str(path), framework="pt") as fh:
                meta = fh.metadata() or {}
                state = {k: fh.get_tensor(k) for k in fh.keys()}
        except Exception as exc:  # safetensors raises several types for a bad file
            raise CheckpointError(f"{path}: not a readable safetensors file ({exc})") from exc
        if meta.get("kind") != KIND:
            raise CheckpointError(f"{path}: not an AU judge (kind={meta.get('kind')!r})")
        try:
            config = json.loads(meta["config"])
            config.setdefault("head", "relu-sigmoid")  # files written before the field existed
            model = cls(JudgeConfig(**config))
        except (KeyError, ValueError, TypeError, AttributeError, RecursionError) as exc:
            raise CheckpointError(f"{path}: invalid judge config in its metadata ({type(exc).__name__}); "
                                  "train the judge again") from None
        ref = model.state_dict()
        state = {k: v.to(ref[k].dtype) if k in ref else v for k, v in state.items()}
        try:
            model.load_state_dict(state)
        except RuntimeError as exc:
            raise CheckpointError(f"{path}: weights do not match the judge config ({exc})") from exc
        return model.to(device).eval()


def augment(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Training augmentation on ``(N, 3, S, S)`` in [-1, 1]: shift by up to 2 px,
    brightness / contrast / colour jitter and a little noise."""
    n, _, s, _ = x.shape
    g = generator
    pad = F.pad(x, (2, 2, 2, 2), mode="replicate")
    dx, dy = torch.randint(0, 5, (2,), generator=g).tolist()
    x = pad[:, :, dy:dy + s, dx:dx + s]
    gain = 1 + 0.15 * (torch.rand(n, 1, 1, 1, generator=g) * 2 - 1)
    bias = 0.1 * (torch.rand(n, 1, 1, 1, generator=g) * 2 - 1)
    tint = 1 + 0.05 * (torch.rand(n, 3, 1, 1, generator=g) * 2 - 1)
    x = (x * gain * tint + bias) + 0.02 * torch.randn(x.shape, generator=g)
    return x.clamp(-1, 1)


def train_judge(train_images: np.ndarray, train_aus: np.ndarray, *, steps: int = 6000, batch_size: int = 128,
                lr: float = DEFAULT_LR, config: JudgeConfig | None = None, seed: int = 0,
                log_every: int = 200, callback=None, time_limit_s: float | None = None) -> AUJudge:
    """Train a judge on ``(N, S, S, 3)`` uint8 images (S = image_size) and ``(N, 17)`` AUs.

    AdamW with linear warm-up then cosine decay, L1 + MSE loss, light
    augmentation. ``callback(step, loss)`` is called every ``log_every``
    steps. The schedule is a function of progress in [0, 1]: ``step / steps``,
    or, with ``time_limit_s``, the larger of that and ``elapsed / time_limit_s``
    (so a time-boxed run still anneals to zero; it is then not bit-reproducible).
    """
    import math
    import time

    torch.manual_seed(seed)
    model = AUJudge(config)
    s = model.config.image_size
    if train_images.shape[1:] != (s, s, 3):
        raise ValueError(f"train_images must be (N, {s}, {s}, 3), got {train_images.shape}")
    images = torch.from_numpy(np.ascontiguousarray(train_images))
    targets = torch.from_numpy(np.asarray(train_aus, np.float32))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    g = torch.Generator().manual_seed(seed)
    model.train()
    t0 = time.time()
    running = 0.0
    step = 0
    while True:
        progress = step / steps
        if time_limit_s is not None:
            progress = max(progress, (time.time() - t0) / time_limit_s)
        if progress >= 1.0:
            break
        step += 1
        factor = min(1.0, progress / 0.05) * 0.5 * (1 + math.cos(math.pi * progress))
        for group in opt.param_groups:
            group["lr"] = lr * max(factor, 1e-3)
        idx = torch.randint(0, len(images), (batch_size,), generator=g)
        x = images[idx].permute(0, 3, 1, 2).float() / 127.5 - 1.0
        x = augment(x, g).contiguous(memory_format=torch.channels_last)
        y = targets[idx]
        pred = model(x)
        loss = F.l1_loss(pred, y) + F.mse_loss(pred, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        running += float(loss.detach())
        if step % log_every == 0:
            if callback is not None:
                callback(step, running / log_every)
            running = 0.0
    model.steps_done = step
    return model.eval()
