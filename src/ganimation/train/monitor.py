"""Detecting GANimation's known failure: the attention mask saturating or collapsing."""

from __future__ import annotations

import logging

log = logging.getLogger("ganimation.train")


class AttentionMonitor:
    """Watches the mean attention at each log point.

    ``saturated``: mean attention above ``high`` (the edit returns the input);
    ``collapsed``: below ``low`` (the colour branch repaints the whole image,
    background included). A state must persist ``patience`` log points before
    a warning is raised, and is reported once per episode.
    """

    def __init__(self, high: float = 0.95, low: float = 0.05, patience: int = 3):
        self.high, self.low, self.patience = high, low, patience
        self._state, self._count, self._warned = "ok", 0, False
        self.events: list[tuple[int, str, float]] = []

    def update(self, step: int, mean_attention: float) -> str:
        state = "saturated" if mean_attention > self.high else "collapsed" if mean_attention < self.low else "ok"
        if state != self._state:
            self._state, self._count, self._warned = state, 0, False
        self._count += 1
        if state != "ok" and self._count >= self.patience and not self._warned:
            self._warned = True
            self.events.append((step, state, mean_attention))
            what = ("the edit returns the input unchanged; lower loss.mask or raise loss.au"
                    if state == "saturated" else
                    "the colour branch repaints everything, background included; raise loss.mask / loss.tv")
            log.warning("!!! attention mask %s at step %d (mean %.3f): %s", state.upper(), step, mean_attention, what)
        return state
