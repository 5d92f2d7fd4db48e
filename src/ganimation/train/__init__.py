"""Training: step functions, the loop (one process or DDP), reporting.

``python -m ganimation.train`` (or ``torchrun ... -m ganimation.train``) takes
the same arguments as ``ganimation train``.
"""

from ganimation.train.loop import TrainResult, train

__all__ = ["train", "TrainResult"]
