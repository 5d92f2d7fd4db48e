"""Odd and bad inputs through the CLI: a one-line message and a non-zero exit, or a clean result."""

import io
import struct
import zlib
from importlib import resources

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("mediapipe")
pytest.importorskip("cv2")

from ganimation.cli.main import main  # noqa: E402


@pytest.fixture(scope="module")
def astro():
    return Image.open(resources.files("ganimation") / "assets" / "astronaut.png").convert("RGB")


def _png_header_only(path, w, h):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))


def _run(capsys, *argv):
    code = main(list(argv))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def _bad(tmp_path, astro, kind):
    p = tmp_path / f"{kind}.png"
    if kind == "not_an_image":
        p = tmp_path / "notes.jpg"
        p.write_text("this is not an image\n")
    elif kind == "truncated":
        p = tmp_path / "cut.jpg"
        buf = io.BytesIO()
        astro.save(buf, "JPEG", quality=95)
        p.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    elif kind == "one_pixel":
        Image.new("RGB", (1, 1), (200, 150, 120)).save(p)
    elif kind == "huge_header":
        _png_header_only(p, 20000, 20000)
    elif kind == "no_face":
        rng = np.random.default_rng(0)
        Image.fromarray(np.full((240, 320, 3), 90, np.uint8) + rng.integers(0, 20, (240, 320, 3), dtype=np.uint8)).save(p)
    elif kind == "empty":
        p.write_bytes(b"")
    return p


@pytest.mark.parametrize("kind", ["not_an_image", "truncated", "one_pixel", "huge_header", "no_face", "empty"])
def test_bad_inputs_fail_with_one_line(tmp_path, capsys, astro, kind):
    p = _bad(tmp_path, astro, kind)
    code, out, err = _run(capsys, "annotate", str(p))
    assert code != 0
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, err
    assert str(p.name) in lines[0] or kind == "no_face"
    assert "Traceback" not in err


def test_missing_file(tmp_path, capsys):
    code, _, err = _run(capsys, "annotate", str(tmp_path / "nope.jpg"))
    assert code == 2 and "no such file" in err


@pytest.mark.parametrize("mode", ["CMYK", "I;16", "RGBA", "L", "P"])
def test_odd_modes_are_read(tmp_path, capsys, astro, mode):
    if mode == "I;16":
        arr = np.asarray(astro.convert("L"), np.uint16) * 257
        img = Image.fromarray(arr)  # 16-bit grayscale
        p = tmp_path / "a16.png"
        img.save(p)
        assert Image.open(p).mode.startswith("I")
    elif mode == "CMYK":
        p = tmp_path / "cmyk.jpg"
        astro.convert("CMYK").save(p, quality=95)
        assert Image.open(p).mode == "CMYK"
    elif mode == "RGBA":
        p = tmp_path / "rgba.png"
        a = astro.convert("RGBA")
        a.putalpha(200)
        a.save(p)
    else:
        p = tmp_path / f"{mode}.png"
        astro.convert(mode).save(p)
    code, out, err = _run(capsys, "annotate", str(p))
    assert code == 0, err
    assert "1 face(s)" in out


def test_library_refuses_huge_header_before_decoding(tmp_path):
    from ganimation.errors import ImageError
    from ganimation.images import load_rgb

    p = tmp_path / "huge.png"
    _png_header_only(p, 20000, 20000)
    with pytest.raises(ImageError):
        load_rgb(p)


def test_a_phones_heic_photo_is_edited_upright_and_written_as_jpeg(tmp_path, capsys, astro, monkeypatch):
    """HEIC (iPhone) photos: read through pillow-heif, its rotation applied once; ``edit`` writes the
    edit where asked, ``edit FOLDER`` as NAME.jpg beside the other photos; without pillow-heif, a
    one-line message says what to install."""
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    from ganimation.errors import ImageError
    from ganimation.images import load_rgb

    tall = astro.crop((0, 0, 512, 400))
    exif = Image.Exif()
    exif[0x0112] = 6                                   # stored sideways, shown turned a quarter
    folder = tmp_path / "phone"
    folder.mkdir()
    heic = folder / "IMG_0001.HEIC"
    tall.save(heic, format="HEIF", quality=90, exif=exif.tobytes())
    img = load_rgb(heic)
    assert img.shape == (512, 400, 3)                  # turned once, not twice
    code, out, err = _run(capsys, "edit", str(heic), "--expression", "happy", "-o", str(tmp_path / "out.jpg"))
    assert code == 0, err
    assert load_rgb(tmp_path / "out.jpg").shape == img.shape
    code, out, err = _run(capsys, "edit", str(folder), "--expression", "happy", "-o", str(tmp_path / "edited"))
    assert code == 0, err
    assert [p.name for p in (tmp_path / "edited").iterdir()] == ["IMG_0001.jpg"]

    import builtins

    real_import = builtins.__import__

    def no_heif(name, *args, **kwargs):
        if name.startswith("pillow_heif"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_heif)
    with pytest.raises(ImageError, match="pillow-heif"):
        load_rgb(heic)


def test_arrays_of_other_types_are_read_as_the_same_photo(astro):
    """A 16-bit array (OpenCV and imageio read 16-bit PNG/TIFF so) is scaled, not clipped to white; small
    ints, floats 0-1 and booleans are read; values no type explains are refused in one line."""
    from ganimation.errors import ImageError
    from ganimation.images import as_rgb_array

    rgb = np.asarray(astro)
    np.testing.assert_array_equal(as_rgb_array(rgb.astype(np.uint16) * 257), rgb)
    np.testing.assert_array_equal(as_rgb_array(rgb.astype(np.int64)), rgb)
    np.testing.assert_array_equal(as_rgb_array(rgb / 255.0), rgb)
    assert set(np.unique(as_rgb_array(rgb > 128))) == {0, 255}
    for bad, says in ((rgb.astype(np.int32) * 300, "int32"), (rgb * 300.0, "0 to 1"),
                      (rgb.astype(np.int16) - 10, "-10"), (rgb.astype(np.complex64), "complex64"),
                      (np.zeros((0, 5, 3), np.uint8), "too small")):
        with pytest.raises(ImageError, match=says):
            as_rgb_array(bad)


@pytest.mark.parametrize("option, says", [({"texture": -1}, "texture"), ({"texture": float("inf")}, "texture"),
                                          ({"texture": "strong"}, "texture"), ({"paste": "blend"}, "paste"),
                                          ({"feather": float("nan")}, "feather"), ({"engine": "gan"}, "editor")])
def test_edit_photo_refuses_bad_options_before_searching_faces(monkeypatch, option, says):
    """Python callers get the CLI's checks: a texture strength outside 0-4 (infinite made NaN pixels), an
    unknown paste mode or feather, or the gan engine without weights, before any face is searched."""
    from ganimation.errors import GanimationError
    from ganimation.faces import pipeline

    monkeypatch.setattr(pipeline, "find_faces", lambda *a, **k: pytest.fail("faces were searched"))
    with pytest.raises(GanimationError, match=says):
        pipeline.edit_photo(None, np.zeros((64, 64, 3), np.uint8), expression="happy", **option)
