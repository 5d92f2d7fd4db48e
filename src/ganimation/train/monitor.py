"""Detecting GANimation's known failure: the attention mask saturating or collapsing."""

from __future__ import annotations

import logging

log = logging.getLogger("ganimation.train")


class AttentionMonitor:
    """Watches the attention at each log point.

    ``saturated``: the edit returns the input: even the 1 % most edited pixels
    of each image keep an attention above ``high`` (``low_quantile``, the
    mean over the batch of each image's 1st percentile; without it, the mean
    attention is compared). A face that fills a small share of its crop has a
    high mean attention in a healthy run (0.96 on synthetic 64-px faces, whose
    AUs change about 6 % of the pixels), hence the percentile.
    ``collapsed``: mean attention below ``low`` (the colour branch repaints the
    whole image, background included). A state must persist ``patience`` log
    points before a warning is raised, and is reported once per episode.
    """

    def __init__(self, high: float = 0.95, low: float = 0.05, patience: int = 3):
        self.high, self.low, self.patience = high, low, patience
        self._state, self._count, self._warned = "ok", 0, False
        self.events: list[tuple[int, str, float]] = []

    def update(self, step: int, mean_attention: float, low_quantile: float | None = None) -> str:
        edited = mean_attention if low_quantile is None else low_quantile
        state = "saturated" if edited > self.high else "collapsed" if mean_attention < self.low else "ok"
        if state != self._state:
            self._state, self._count, self._warned = state, 0, False
        self._count += 1
        if state != "ok" and self._count >= self.patience and not self._warned:
            self._warned = True
            value = edited if state == "saturated" else mean_attention
            self.events.append((step, state, value))
            what = ("the edit returns the input unchanged; lower loss.mask or raise loss.au"
                    if state == "saturated" else
                    "the colour branch repaints everything, background included; raise loss.mask / loss.tv")
            stat = "1st percentile" if state == "saturated" and low_quantile is not None else "mean"
            log.warning("!!! attention mask %s at step %d (%s %.3f): %s", state.upper(), step, stat, value, what)
        return state
