"""A restricted unpickler for data pickles (GANimation's ``aus_openface.pkl``).

A plain ``pickle.load`` runs whatever callable the file names, so a dataset
downloaded from anywhere could execute code. :func:`load` reads only what an
AU table holds: dicts, lists, tuples, strings, bytes, numbers, ``None`` and
numpy arrays, dtypes and scalars, written by Python 3 (any protocol, numpy 1
or 2 module names) or by Python 2 (read with ``encoding="latin1"``). Any
other global (``os.system``, ``builtins.eval``, a class of some package) is
refused with a one-line :class:`ganimation.errors.DatasetError` naming the
file; nothing the pickle names is imported or called.
"""

from __future__ import annotations

import _compat_pickle
import codecs
import copyreg
import io
import os
import pickle
from pathlib import Path

import numpy as np

from ganimation.errors import DatasetError, one_line


def _numpy_function(module: str, name: str):
    import importlib

    return getattr(importlib.import_module(module), name)


try:
    _NP_RECONSTRUCT = _numpy_function("numpy._core.multiarray", "_reconstruct")
    _NP_SCALAR = _numpy_function("numpy._core.multiarray", "scalar")
    _NP_FROMBUFFER = _numpy_function("numpy._core.numeric", "_frombuffer")
except (ImportError, AttributeError):  # numpy 1.x
    _NP_RECONSTRUCT = _numpy_function("numpy.core.multiarray", "_reconstruct")
    _NP_SCALAR = _numpy_function("numpy.core.multiarray", "scalar")
    _NP_FROMBUFFER = _numpy_function("numpy.core.numeric", "_frombuffer")


#: Spellings of latin1 that ``_codecs.encode`` calls in pickles may use.
_LATIN1 = ("latin1", "latin", "iso88591", "l1")


def _encode(text, encoding="utf-8", errors="strict"):
    """``_codecs.encode`` as protocols 0-2 use it for ``bytes``: latin1 only."""
    if not isinstance(text, str) or str(encoding).lower().replace("-", "").replace("_", "") not in _LATIN1:
        raise pickle.UnpicklingError("_codecs.encode is only allowed to rebuild bytes from latin1 text")
    return codecs.encode(text, "latin1", errors)


def _reconstruct(cls, *args):
    """numpy's ``_reconstruct`` for plain ``ndarray`` only (no subclasses)."""
    if cls is not np.ndarray:
        raise pickle.UnpicklingError("only plain numpy arrays may be rebuilt")
    return _NP_RECONSTRUCT(cls, *args)


def _copyreg_reconstructor(cls, base, state):
    """``copy_reg._reconstructor`` (old Python 2 protocols), for ndarray only."""
    if cls is not np.ndarray or base is not np.ndarray:
        raise pickle.UnpicklingError("copy_reg._reconstructor is only allowed for numpy arrays")
    return copyreg._reconstructor(cls, base, state)


def _frombuffer(buf, dtype, shape, order):
    """numpy's protocol-5 ``_frombuffer`` for plain dtypes (never object arrays)."""
    if not isinstance(dtype, np.dtype) or dtype.hasobject:
        raise pickle.UnpicklingError("numpy arrays of Python objects are not allowed")
    return _NP_FROMBUFFER(buf, dtype, shape, order)


def _scalar(dtype, *args):
    """numpy's ``scalar`` (a numpy number from its bytes), for plain dtypes only."""
    if not isinstance(dtype, np.dtype) or dtype.hasobject:
        raise pickle.UnpicklingError("numpy scalars of Python objects are not allowed")
    return _NP_SCALAR(dtype, *args)


#: Every global a data pickle may name, after Python 2 names are mapped to Python 3 ones.
ALLOWED: dict[tuple[str, str], object] = {
    ("builtins", "complex"): complex,
    ("builtins", "bytearray"): bytearray,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("_codecs", "encode"): _encode,
    ("copyreg", "_reconstructor"): _copyreg_reconstructor,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}
for _module in ("numpy.core.multiarray", "numpy._core.multiarray"):
    ALLOWED[(_module, "_reconstruct")] = _reconstruct
    ALLOWED[(_module, "scalar")] = _scalar
for _module in ("numpy.core.numeric", "numpy._core.numeric"):
    ALLOWED[(_module, "_frombuffer")] = _frombuffer


class RestrictedUnpickler(pickle.Unpickler):
    """Builds plain data only; any global outside :data:`ALLOWED` raises ``UnpicklingError``."""

    def find_class(self, module: str, name: str):
        key = (module, name)  # Python 2 names (copy_reg, __builtin__) as Python 3 spells them:
        if key in _compat_pickle.NAME_MAPPING:
            key = _compat_pickle.NAME_MAPPING[key]
        elif module in _compat_pickle.IMPORT_MAPPING:
            key = (_compat_pickle.IMPORT_MAPPING[module], name)
        if key in ALLOWED:
            return ALLOWED[key]
        raise _Refused(f"{module}.{name}")

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("persistent ids are not allowed")


class _Refused(pickle.UnpicklingError):
    """A global outside :data:`ALLOWED`; its text is the global's dotted name."""


def loads(data: bytes, *, name: str = "pickle", encoding: str = "latin1"):
    """Unpickle ``data`` with :class:`RestrictedUnpickler`; ``name`` is shown in errors."""
    try:
        return RestrictedUnpickler(io.BytesIO(data), encoding=encoding).load()
    except _Refused as exc:
        raise DatasetError(
            f"{name}: refused: the pickle asks for {one_line(exc, 60)}, which could run code; only dicts, "
            "lists, strings, numbers and numpy arrays are read. Re-create the file from a trusted source"
        ) from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, KeyError,
            IndexError, OverflowError, MemoryError, RecursionError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{name}: cannot read the pickle ({type(exc).__name__}: {one_line(exc, 80)}); "
                           "it is damaged or not a data pickle: re-create it") from None


def load(path: str | os.PathLike, *, encoding: str = "latin1"):
    """Unpickle the file at ``path`` safely (see the module docstring); errors name the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    return loads(data, name=str(path), encoding=encoding)
