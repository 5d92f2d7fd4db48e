"""Import MediaPipe without the plotting library its drawing helpers load.

``import mediapipe`` runs ``mediapipe.tasks.python.vision``'s package file, which imports every
vision task and ``drawing_utils``, and that module imports ``matplotlib.pyplot`` for its landmark
plots. This project never draws with MediaPipe, and on the two cores it was measured on, pyplot's
import (matplotlib's artists build their docstrings as they load) was about 0.65 s of the 1.0 s that
``import mediapipe`` took (``benchmarks/results/mediapipe_import_time.md``): most of a one-photo
``ganimation edit``'s own work.

:func:`import_mediapipe` imports MediaPipe with a stand-in for ``matplotlib`` and
``matplotlib.pyplot`` in ``sys.modules`` and takes the stand-ins out again right after, so any
later ``import matplotlib`` gets the real library. ``drawing_utils`` keeps the stand-in as its
``plt``: the first attribute read from it imports the real ``matplotlib.pyplot`` and answers from
it, so MediaPipe's drawing helpers still work for a caller who uses them. Where ``matplotlib`` is
imported already, or not installed, MediaPipe is imported as it is.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types


class _Deferred(types.ModuleType):
    """A stand-in module whose first attribute read imports the real module ``name`` and answers from it."""

    def __getattr__(self, attr: str):
        if attr.startswith("__") or sys.modules.get(self.__name__) is self:
            raise AttributeError(attr)     # the import machinery's questions, or MediaPipe still importing
        return getattr(importlib.import_module(self.__name__), attr)


def import_mediapipe() -> types.ModuleType:
    """The ``mediapipe`` module, imported without importing ``matplotlib`` (see the module docstring).

    Raises ``ImportError`` as ``import mediapipe`` does."""
    if ("mediapipe" in sys.modules or "matplotlib" in sys.modules
            or importlib.util.find_spec("matplotlib") is None):
        return importlib.import_module("mediapipe")    # (waits for an import another thread has begun)
    pyplot = _Deferred("matplotlib.pyplot")
    package = _Deferred("matplotlib")
    package.pyplot = pyplot
    stand_ins = {"matplotlib": package, "matplotlib.pyplot": pyplot}
    sys.modules.update(stand_ins)
    try:
        return importlib.import_module("mediapipe")
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
