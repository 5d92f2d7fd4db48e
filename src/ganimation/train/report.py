"""The one reporter for training metrics: TensorBoard scalars and a JSONL log."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

log = logging.getLogger("ganimation.train")


def truncate_log(path: Path, last_step: int) -> int:
    """Keep only the ``metrics.jsonl`` lines of steps <= ``last_step``; return how many were dropped.

    Unparseable lines (a line cut by a kill) are dropped too. The file is
    rewritten atomically (temporary file + rename), and only when it changes.
    """
    if not path.is_file():
        return 0
    kept, dropped = [], 0
    with open(path, "rb") as fh:
        for raw in fh:
            try:
                entry = json.loads(raw)
                keep = isinstance(entry, dict) and int(entry["step"]) <= last_step
            except (ValueError, KeyError, TypeError):
                keep = False
            if keep:
                kept.append(raw if raw.endswith(b"\n") else raw + b"\n")
            else:
                dropped += 1
    if dropped:
        from ganimation.checkpoint import atomic_write

        atomic_write(path, lambda tmp: Path(tmp).write_bytes(b"".join(kept)))
    return dropped


class Reporter:
    """Writes ``{name: float}`` per step to ``metrics.jsonl`` and TensorBoard (``tb/``).

    Disabled (a no-op) on non-main DDP ranks. ``start_step``: the step a run
    starts (or resumes) at; log entries after it, written by a run killed before
    its next save, are dropped from ``metrics.jsonl`` (and TensorBoard's
    events after it are purged) so that each step is logged once.
    """

    def __init__(self, run_dir: str | Path, enabled: bool = True, tensorboard: bool = True, start_step: int = 0):
        self.enabled = enabled
        self._tb = None
        self._fh = None
        if not enabled:
            return
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        dropped = truncate_log(run_dir / "metrics.jsonl", start_step)
        if dropped:
            log.info("dropped %d metrics.jsonl entries after step %d (logged by a run stopped before its next save)",
                     dropped, start_step)
        self._fh = open(run_dir / "metrics.jsonl", "a")
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self._tb = SummaryWriter(str(run_dir / "tb"), purge_step=start_step if start_step > 0 else None)
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
