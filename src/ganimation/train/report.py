"""The one reporter for training metrics: TensorBoard scalars and a JSONL log."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

log = logging.getLogger("ganimation.train")


class Reporter:
    """Writes ``{name: float}`` per step to ``metrics.jsonl`` and TensorBoard (``tb/``).

    Disabled (a no-op) on non-main DDP ranks.
    """

    def __init__(self, run_dir: str | Path, enabled: bool = True, tensorboard: bool = True):
        self.enabled = enabled
        self._tb = None
        self._fh = None
        if not enabled:
            return
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        self._fh = open(run_dir / "metrics.jsonl", "a")
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self._tb = SummaryWriter(str(run_dir / "tb"))
            except ImportError:  # tensorboard is a core dependency; stay usable without it
                log.warning("tensorboard is not installed: metrics go to metrics.jsonl only")

    def scalars(self, step: int, values: dict[str, float]) -> None:
        if not self.enabled:
            return
        clean = {k: (float(v) if math.isfinite(float(v)) else None) for k, v in values.items()}
        self._fh.write(json.dumps({"step": step, **clean}) + "\n")
        self._fh.flush()
        if self._tb is not None:
            for key, value in values.items():
                self._tb.add_scalar(key, float(value), step)

    def image(self, step: int, tag: str, image_hwc_uint8) -> None:
        if self.enabled and self._tb is not None:
            self._tb.add_image(tag, image_hwc_uint8, step, dataformats="HWC")

    def close(self) -> None:
        if self._fh:
            self._fh.close()
        if self._tb is not None:
            self._tb.close()
