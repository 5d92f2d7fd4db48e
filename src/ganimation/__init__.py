"""ganimation: edit facial expressions by Facial Action Unit intensities.

Heavy modules (torch networks, face detectors) are imported lazily, so
``import ganimation`` is cheap. The public entry points are:

- :class:`ganimation.edit.Editor` -- load weights, edit a face crop.
- :func:`ganimation.train.train` -- train a model from a config.
- :mod:`ganimation.aus` -- the 17 Action Units, presets and AU strings.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "Editor"]


def __getattr__(name):  # lazy re-exports, nothing heavy at import time
    if name == "Editor":
        from ganimation.edit import Editor

        return Editor
    raise AttributeError(name)
