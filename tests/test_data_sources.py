import pickle

import numpy as np
import pytest
from PIL import Image

from ganimation.aus import AU_CODES
from ganimation.data.sources import detect_layout, load_samples
from ganimation.errors import DatasetError

from conftest import write_toy_dataset


def _img(path, size=32):
    Image.fromarray(np.full((size, size, 3), 120, np.uint8)).save(path)


def make_official(root, aus=None, n=3):
    (root / "imgs").mkdir(parents=True)
    table = {}
    for i in range(n):
        _img(root / "imgs" / f"N_{i}.jpg")
        table[f"N_{i}"] = np.linspace(0, 5, 17) if aus is None else aus
    with open(root / "aus_openface.pkl", "wb") as fh:
        pickle.dump(table, fh, protocol=2)
    (root / "train_ids.csv").write_text("N_0.jpg\nN_1.jpg\n")
    (root / "test_ids.csv").write_text("N_2.jpg\n")
    return root


def make_openface(root, header_space=True, value="1.5"):
    root.mkdir(parents=True)
    cols = ["frame", "face_id", "confidence"] + [f"AU{c[2:]}_r" for c in AU_CODES]
    sep = ", " if header_space else ","
    for stem in ("a", "b"):
        _img(root / f"{stem}.png")
        rows = [sep.join(cols), ",".join(["1", "0", "0.5"] + ["0.5"] * 17),
                ",".join(["1", "1", "0.98"] + [value] * 17)]
        (root / f"{stem}.csv").write_text("\n".join(rows) + "\n")
    return root


def test_official_layout(tmp_path):
    root = make_official(tmp_path / "off")
    assert detect_layout(root) == "official"
    train = load_samples(root, "train")
    assert len(train) == 2 and np.allclose(train[0].aus, np.linspace(0, 1, 17))
    assert len(load_samples(root, "test")) == 1 and len(load_samples(root, "all")) == 3


def test_openface_layout_takes_most_confident_row(tmp_path):
    root = make_openface(tmp_path / "of")
    assert detect_layout(root) == "openface"
    s = load_samples(root)
    assert len(s) == 2 and np.allclose(s[0].aus, 0.3)


def test_prepared_layout(tmp_path):
    root = write_toy_dataset(tmp_path / "p", n=10, test=3)
    assert detect_layout(root) == "prepared"
    assert len(load_samples(root, "train")) == 7 and len(load_samples(root, "test")) == 3


@pytest.mark.parametrize("case,match", [
    ("nan", "NaN"), ("range", "outside"), ("count", "expected 17"), ("missing_img", "missing"),
    ("no_ids", "train_ids.csv is missing"), ("no_entry", "no AUs for"),
])
def test_bad_official(tmp_path, case, match):
    aus = {"nan": np.array([np.nan] * 17), "range": np.full(17, 7.0), "count": np.zeros(16)}.get(case)
    root = make_official(tmp_path / "off", aus=aus)
    if case == "missing_img":
        (root / "imgs" / "N_1.jpg").unlink()
    if case == "no_ids":
        (root / "train_ids.csv").unlink()
    if case == "no_entry":
        (root / "train_ids.csv").write_text("N_0.jpg\nZZZ.jpg\n")
    with pytest.raises(DatasetError, match=match):
        load_samples(root, "train")


def test_bad_openface_values(tmp_path):
    with pytest.raises(DatasetError, match="NaN"):
        load_samples(make_openface(tmp_path / "a", value="nan"))
    with pytest.raises(DatasetError, match="non-numeric"):
        load_samples(make_openface(tmp_path / "b", value="x"))


def test_bad_prepared_rows(tmp_path):
    root = write_toy_dataset(tmp_path / "p", n=6, test=0)
    table = root / "annotations.csv"
    lines = table.read_text().splitlines()
    bad = lines[1].split(",")
    bad[2] = "1.7"
    table.write_text("\n".join(lines[:1] + [",".join(bad)] + lines[2:]) + "\n")
    with pytest.raises(DatasetError, match=r"annotations.csv:2.*\[0, 1\]"):
        load_samples(root)


def test_unreadable_image_fails_at_start(tmp_path):
    from ganimation.data.dataset import FaceDataset, load_into_memory

    root = write_toy_dataset(tmp_path / "p", n=6, test=0)
    (root / "crops" / "f002.png").write_bytes(b"not an image")
    ds = FaceDataset(load_samples(root), 32)
    with pytest.raises(DatasetError, match="f002.png"):
        load_into_memory(ds)
    with pytest.raises(DatasetError, match="f002.png"):
        ds.check_headers()


def test_unknown_layout(tmp_path):
    (tmp_path / "x").mkdir()
    with pytest.raises(DatasetError, match="cannot tell the layout"):
        detect_layout(tmp_path / "x")
