"""Devices: the one place that turns ``--device`` / ``train.device`` into a ``torch.device``.

:func:`resolve_device` accepts ``auto`` (or ``None``), ``cpu``, ``cuda``,
``cuda:N`` and ``mps``, checks that this machine has the device, and raises
:class:`ganimation.errors.DeviceError` with one line listing what it does
have (``cpu, cuda:0``) for anything else: ``cuda`` on a CPU build of
PyTorch, ``cuda:99``, ``meta``, ``foo``, ``cpu:-1``.
"""

from __future__ import annotations

import torch

from ganimation.errors import DeviceError, one_line

#: Device types ganimation can compute on (``meta``, ``xla``, ... cannot run a model end to end).
SUPPORTED_TYPES = ("cpu", "cuda", "mps")


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def available_devices() -> list[str]:
    """What this machine can compute on: ``["cpu", "cuda:0", ...]`` (and ``"mps"`` on Apple silicon)."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if _mps_available():
        names.append("mps")
    return names


def default_device() -> torch.device:
    """``cuda`` when a GPU is usable, else ``cpu``."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_device(spec: str | torch.device | None = None, *, what: str = "--device") -> torch.device:
    """The ``torch.device`` for ``spec``, checked against this machine.

    ``None``, ``""`` and ``"auto"`` give :func:`default_device`. ``what`` names
    the option in the message (``--device`` or ``train.device``).
    Raises :class:`DeviceError` (one line, listing :func:`available_devices`).
    """
    if spec is None or (isinstance(spec, str) and spec.strip().lower() in ("", "auto")):
        return default_device()
    shown = one_line(repr(str(spec)), 40)

    def refuse(reason: str) -> DeviceError:
        return DeviceError(f"{what} {shown}: {reason}; this machine has: {', '.join(available_devices())}")

    if isinstance(spec, torch.device):
        dev = spec
    else:
        try:
            dev = torch.device(str(spec).strip().lower())
        except (RuntimeError, ValueError, TypeError):
            raise refuse("not a device name (write cpu, cuda, cuda:N or mps)") from None
    if dev.type not in SUPPORTED_TYPES:
        raise refuse(f"ganimation cannot compute on {dev.type!r} devices")
    if dev.type == "cpu":
        if dev.index not in (None, 0):
            raise refuse("there is one CPU device; write cpu")
        return torch.device("cpu")
    if dev.type == "mps":
        if not _mps_available():
            raise refuse("no Apple MPS device is available")
        return dev
    if not torch.cuda.is_available():
        build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
        raise refuse(f"no usable CUDA GPU (PyTorch {torch.__version__} is {build})")
    count = torch.cuda.device_count()
    if dev.index is not None and dev.index >= count:
        raise refuse(f"there {'is' if count == 1 else 'are'} only {count} CUDA GPU{'' if count == 1 else 's'}")
    return dev
