"""ganimation: edit facial expressions by Facial Action Unit intensities.

Heavy modules (torch networks, face detectors) are imported lazily, so
``import ganimation`` is cheap. The public entry points are:

- :class:`ganimation.edit.Editor` -- load weights, edit a face crop.
- :func:`ganimation.faces.pipeline.edit_photo` -- edit the faces of a photo (``ganimation.edit_photo``).
- :func:`ganimation.video_edit.edit_video` -- edit the faces of a video's frames (``ganimation.edit_video``).
- :func:`ganimation.reenact.reenact` -- animate a photo by a driving video.
- :func:`ganimation.images.load_rgb` -- read any image as ``(H, W, 3)`` uint8 (``ganimation.load_rgb``).
- :func:`ganimation.train.train` -- train a model from a config.
- :mod:`ganimation.aus` -- the 17 Action Units, presets and AU strings.
"""

__version__ = "0.1.0"

__all__ = ["Editor", "__version__", "edit_photo", "edit_video", "load_rgb"]

#: lazy re-exports: name -> module (nothing heavy is imported with the package)
_EXPORTS = {"Editor": "ganimation.edit", "edit_photo": "ganimation.faces.pipeline",
            "edit_video": "ganimation.video_edit", "load_rgb": "ganimation.images"}


def __getattr__(name):
    if name in _EXPORTS:
        from importlib import import_module

        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
