"""Keep native libraries' log lines (MediaPipe, TensorFlow Lite / LiteRT) off the terminal.

MediaPipe's C++ code writes ``W0000 ... face_landmarker_graph.cc``, ``INFO:
Created TensorFlow Lite XNNPACK delegate`` and similar lines straight to file
descriptor 2, ignoring ``GLOG_minloglevel`` and ``TF_CPP_MIN_LOG_LEVEL`` in
current wheels. :func:`silenced_stderr` points descriptor 2 at ``/dev/null``
while a native call runs (Python's own ``sys.stderr`` is flushed first, and
nothing Python writes is lost outside those calls); :class:`QuietCalls` wraps
an object so that every method call runs that way. ``ganimation -v`` (debug
logging) leaves the lines visible: see :func:`native_logs_wanted`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading

_lock = threading.Lock()
_depth = 0
_saved_fd: int | None = None


def native_logs_wanted() -> bool:
    """True when debug logging is on (``ganimation -v``): native log lines are then shown."""
    return logging.getLogger("ganimation").isEnabledFor(logging.DEBUG)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # closed or detached stream
            pass


@contextlib.contextmanager
def silenced_stderr(enabled: bool = True):
    """Send what is written to file descriptor 2 to ``/dev/null`` inside the block.

    Nested and concurrent blocks share one redirection (the last to leave
    restores the descriptor). Where descriptor 2 cannot be redirected (no
    ``/dev/null``, no descriptor 2), the block runs unchanged.
    """
    global _depth, _saved_fd
    if not enabled:
        yield
        return
    with _lock:
        if _depth == 0:
            _flush()
            try:
                saved = os.dup(2)
            except OSError:
                saved = None
            if saved is not None:
                try:
                    devnull = os.open(os.devnull, os.O_WRONLY)
                except OSError:
                    os.close(saved)
                    saved = None
                else:
                    os.dup2(devnull, 2)
                    os.close(devnull)
            _saved_fd = saved
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved_fd is not None:
                _flush()
                os.dup2(_saved_fd, 2)
                os.close(_saved_fd)
                _saved_fd = None


class QuietCalls:
    """Proxy that runs every method of ``target`` inside :func:`silenced_stderr`.

    Attribute reads and writes go to ``target``; ``enabled=False`` makes the
    proxy transparent (``ganimation -v``).
    """

    def __init__(self, target, enabled: bool = True):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_enabled", enabled)

    def __getattr__(self, name: str):
        value = getattr(self._target, name)
        if not callable(value) or not self._enabled:
            return value

        def call(*args, **kwargs):
            with silenced_stderr():
                return value(*args, **kwargs)

        return call

    def __setattr__(self, name: str, value) -> None:
        setattr(self._target, name, value)
