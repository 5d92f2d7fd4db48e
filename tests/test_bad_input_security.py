"""Bad inputs, security: data pickles cannot run code; damaged dataset files are one-line errors."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from ganimation import safe_pickle
from ganimation.aus import NUM_AUS
from ganimation.data.sources import load_samples
from ganimation.errors import DatasetError


class _RunsCode:
    """Unpickling this calls os.system: what a hostile aus_openface.pkl would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvalsCode:
    def __reduce__(self):
        return (eval, ("__import__('os').getcwd()",))


def _official(root, table: bytes, names=("a", "b")):
    """An official GANimation layout with the given pickle bytes."""
    from PIL import Image

    (root / "imgs").mkdir(parents=True)
    for name in names:
        Image.fromarray(np.full((16, 16, 3), 128, np.uint8)).save(root / "imgs" / f"{name}.jpg")
    (root / "train_ids.csv").write_text("".join(f"{n}.jpg\n" for n in names))
    (root / "test_ids.csv").write_text("")
    (root / "aus_openface.pkl").write_bytes(table)
    return root


def _one_line(exc_info) -> str:
    text = str(exc_info.value)
    assert "\n" not in text and "Traceback" not in text
    return text


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_that_runs_a_command_is_refused_and_nothing_runs(tmp_path, protocol):
    marker = tmp_path / "pwned"
    data = pickle.dumps({"a": _RunsCode(marker)}, protocol=protocol)
    root = _official(tmp_path / "ds", data)
    with pytest.raises(DatasetError) as exc:
        load_samples(root)
    text = _one_line(exc)
    assert str(root / "aus_openface.pkl") in text and "system" in text and "could run code" in text
    assert not marker.exists()


@pytest.mark.parametrize("payload", [_EvalsCode(), np.random.default_rng(0), [1, {2: pickle.dumps}], np.ma.masked_array([1.0])])
def test_other_globals_are_refused(payload):
    with pytest.raises(DatasetError) as exc:
        safe_pickle.loads(pickle.dumps(payload, protocol=2), name="x.pkl")
    assert _one_line(exc).startswith("x.pkl: refused")


@pytest.mark.parametrize("protocol", [2, None])  # Python 2's protocol and today's default
def test_dict_of_numpy_arrays_still_loads(tmp_path, protocol):
    rng = np.random.default_rng(1)
    table = {"a": rng.uniform(0, 5, NUM_AUS), "b": rng.uniform(0, 5, NUM_AUS).astype(np.float32)}
    data = pickle.dumps(table, protocol=protocol)
    samples = load_samples(_official(tmp_path / "ds", data))
    assert [s.path.stem for s in samples] == ["a", "b"]
    np.testing.assert_allclose(samples[0].aus, table["a"] / 5, rtol=1e-6)
    np.testing.assert_allclose(samples[1].aus, table["b"] / 5, rtol=1e-6)


def test_python2_style_numpy_names_and_plain_types_load():
    # numpy 1 (and Python 2) pickles name numpy.core.multiarray; numpy 2 writes numpy._core
    value = {"x": np.arange(NUM_AUS, dtype=np.float64), "s": np.float32(2.5), "l": [1, 2.0, "t", b"u", None],
             "t": (1, 2), "c": complex(1, 2)}
    data = pickle.dumps(value, protocol=2)
    assert b"numpy._core.multiarray" in data
    old = data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    for blob in (data, old):
        out = safe_pickle.loads(blob)
        np.testing.assert_array_equal(out["x"], value["x"])
        assert out["s"] == np.float32(2.5) and out["l"] == value["l"] and out["t"] == (1, 2) and out["c"] == 1 + 2j


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_protocol_round_trips(protocol):
    value = {"a": np.linspace(0, 5, NUM_AUS), "b": [np.int64(3), 4.5], "c": bytearray(b"xy")}
    out = safe_pickle.loads(pickle.dumps(value, protocol=protocol))
    np.testing.assert_array_equal(out["a"], value["a"])
    assert out["b"] == [3, 4.5] and bytes(out["c"]) == b"xy"


@pytest.mark.parametrize("values", [["x"] * NUM_AUS, "not numbers", {"AU01": 1}, [None] * NUM_AUS,
                                    [[1, 2], [3]]])
def test_non_numeric_au_values_are_a_one_line_error(tmp_path, values):
    table = {"a": values, "b": np.zeros(NUM_AUS)}
    root = _official(tmp_path / "ds", pickle.dumps(table, protocol=2))
    with pytest.raises(DatasetError) as exc:
        load_samples(root)
    text = _one_line(exc)
    assert "aus_openface.pkl" in text and len(text) < 400


@pytest.mark.parametrize("blob", [b"", b"\x80\x02", os.urandom(64), b"garbage that is not a pickle"])
def test_damaged_pickle_is_a_one_line_error(tmp_path, blob):
    root = _official(tmp_path / "ds", blob)
    with pytest.raises(DatasetError) as exc:
        load_samples(root)
    assert "aus_openface.pkl" in _one_line(exc)


def test_binary_id_list_and_annotations_are_one_line_errors(tmp_path):
    root = _official(tmp_path / "ds", pickle.dumps({"a": np.zeros(NUM_AUS)}, protocol=2), names=("a",))
    (root / "train_ids.csv").write_bytes(b"\xff\xfe\x00\x81" * 50)
    with pytest.raises(DatasetError) as exc:
        load_samples(root)
    assert "train_ids.csv" in _one_line(exc)

    prepared = tmp_path / "prep"
    (prepared / "crops").mkdir(parents=True)
    (prepared / "annotations.csv").write_bytes(b"file,AU01\n" + bytes(range(128, 256)) * 20)
    with pytest.raises(DatasetError) as exc:
        load_samples(prepared)
    assert "annotations.csv" in _one_line(exc)


def test_state_files_are_read_with_weights_only(tmp_path):
    """torch state: a pickled object of any other class is refused, not constructed."""
    import torch

    from ganimation.checkpoint import load_state
    from ganimation.errors import CheckpointError

    marker = tmp_path / "pwned"
    torch.save({"step": 1, "evil": _RunsCode(marker)}, tmp_path / "state.pt")
    with pytest.raises(CheckpointError):
        load_state(tmp_path / "state.pt")
    assert not marker.exists()
