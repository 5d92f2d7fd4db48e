"""What a photo carries besides its pixels, through an edit: colour profiles (phones' Display P3, cameras'
Adobe RGB: read as sRGB, kept by a photo edit), a JPEG's quantization, the print resolution, EXIF."""

import struct
from importlib import resources

import numpy as np
import pytest
from PIL import Image, ImageCms

from ganimation.images import load_rgb, open_image, profile_to_srgb, save_image

#: Display P3's primaries adapted to D50, as ICC profiles store them (rXYZ, gXYZ, bXYZ)
P3_COLORANTS = {b"rXYZ": (0.5151, 0.2412, -0.0011), b"gXYZ": (0.2919, 0.6922, 0.0419),
                b"bXYZ": (0.1571, 0.0666, 0.7841)}


def display_p3_profile() -> bytes:
    """An ICC profile with Display P3's primaries and sRGB's tone curve (Display P3 itself), made from
    Little CMS's built-in sRGB profile by writing the P3 colorants into its rXYZ/gXYZ/bXYZ tags."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    data[84:100] = bytes(16)                                     # the profile ID (an MD5) no longer holds
    for i in range(struct.unpack(">I", data[128:132])[0]):
        sig, offset, _size = struct.unpack(">4sII", data[132 + 12 * i:144 + 12 * i])
        if sig in P3_COLORANTS:
            assert data[offset:offset + 4] == b"XYZ "
            data[offset + 8:offset + 20] = struct.pack(">3i", *(round(v * 65536) for v in P3_COLORANTS[sig]))
    return bytes(data)


@pytest.fixture(scope="module")
def astro():
    return Image.open(resources.files("ganimation") / "assets" / "astronaut.png").convert("RGB")


def test_a_p3_photo_is_read_in_srgb_colours(tmp_path):
    """A saturated P3 red is a still more saturated sRGB red; grey stays grey; the profile is used up."""
    raw = np.array([[[200, 60, 50], [128, 128, 128], [60, 160, 70]]], np.uint8).repeat(8, 0).repeat(8, 1)
    p = tmp_path / "p3.png"
    Image.fromarray(raw).save(p, icc_profile=display_p3_profile())
    img = load_rgb(p)
    assert img.shape == raw.shape
    red, grey, green = img[0, 0].astype(int), img[0, 8].astype(int), img[0, 16].astype(int)
    assert red[0] > 200 + 10 and red[1] < 60 - 10            # P3 red lies outside sRGB's: more saturated there
    assert abs(grey - 128).max() <= 1
    assert green[1] > 160 and green[0] < 60
    _, info = open_image(p)
    assert info["icc_profile"] is None                        # the pixels are sRGB now


def test_an_srgb_profile_and_a_broken_one_leave_the_pixels_as_they_are(tmp_path, astro):
    raw = np.asarray(astro)[:64, :64]
    srgb = tmp_path / "srgb.png"
    Image.fromarray(raw).save(srgb, icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    assert np.array_equal(load_rgb(srgb), raw)
    broken = tmp_path / "broken.png"
    Image.fromarray(raw).save(broken, icc_profile=b"not a colour profile" * 10)
    assert np.array_equal(load_rgb(broken), raw)
    assert profile_to_srgb(Image.fromarray(raw), b"junk") is None


def test_alpha_and_palette_images_with_a_profile_are_converted(tmp_path):
    raw = np.zeros((16, 16, 4), np.uint8)
    raw[..., :3] = (200, 60, 50)
    raw[..., 3] = 255
    p = tmp_path / "rgba.png"
    Image.fromarray(raw).save(p, icc_profile=display_p3_profile())
    assert load_rgb(p)[0, 0, 0] > 210
    pal = tmp_path / "pal.png"
    Image.fromarray(raw[..., :3]).convert("P").save(pal, icc_profile=display_p3_profile())
    assert load_rgb(pal)[0, 0, 0] > 210


def test_keeping_the_profile_keeps_the_pixels_and_save_writes_it(tmp_path):
    raw = np.full((16, 16, 3), (200, 60, 50), np.uint8)
    p = tmp_path / "p3.png"
    icc = display_p3_profile()
    Image.fromarray(raw).save(p, icc_profile=icc)
    img, info = open_image(p, srgb=False)
    assert np.array_equal(np.asarray(img), raw) and info["icc_profile"] == icc
    from PIL import features

    for name in ("out.jpg", "out.png", "out.webp", "out.tif") + (("out.avif",) if features.check("avif") else ()):
        save_image(tmp_path / name, raw, icc_profile=icc)
        assert Image.open(tmp_path / name).info.get("icc_profile") == icc, name
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>'
    for name in ("x.jpg", "x.png", "x.webp"):                      # XMP where the format has a place for it
        save_image(tmp_path / name, raw, xmp=xmp)
        assert Image.open(tmp_path / name).info.get("xmp") == xmp, name


def test_edit_writes_a_p3_photo_with_its_profile_and_its_own_pixels(tmp_path, capsys, astro):
    """``ganimation edit`` of a phone's P3 photo: the edit keeps the profile, so the photo shows the colours
    it had; away from the face, the pixels are the photo's own (PNG: to the bit)."""
    pytest.importorskip("mediapipe")
    pytest.importorskip("cv2")
    from ganimation.cli.main import main

    icc = display_p3_profile()
    src = tmp_path / "phone.png"
    astro.save(src, icc_profile=icc)
    out = tmp_path / "edited.png"
    assert main(["edit", str(src), "--expression", "surprise", "-o", str(out)]) == 0, capsys.readouterr().err
    written = Image.open(out)
    assert written.info.get("icc_profile") == icc
    a, b = np.asarray(astro), np.asarray(written.convert("RGB"))
    changed = np.abs(a.astype(int) - b).max(2) > 0
    assert changed.any()                                       # the face was edited ...
    assert not changed[:, :40].any() and not changed[-40:].any()   # ... in the photo's own colours around it
    tif = tmp_path / "edited.tif"                              # every suffix -o accepts is written
    assert main(["edit", str(src), "--expression", "surprise", "-o", str(tif)]) == 0, capsys.readouterr().err
    assert np.array_equal(np.asarray(Image.open(tif).convert("RGB")), b)
    assert Image.open(tif).info.get("icc_profile") == icc


def test_a_jpeg_photo_is_written_with_its_own_quantization(tmp_path, capsys, astro):
    """``ganimation edit`` of a JPEG into a JPEG re-encodes with the photo's own quantization tables and
    chroma subsampling (and keeps its print resolution and XMP): away from the face its pixels barely move, and the file keeps its size (at
    quality 95 this quality-80 photo's file grew 1.7 times)."""
    pytest.importorskip("mediapipe")
    pytest.importorskip("cv2")
    from PIL import JpegImagePlugin

    from ganimation.cli.main import main

    src = tmp_path / "phone.jpg"
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="5"/></rdf:RDF></x:xmpmeta>')
    astro.save(src, quality=80, subsampling=2, dpi=(300, 300), xmp=xmp)
    out = tmp_path / "edited.jpg"
    assert main(["edit", str(src), "--expression", "happy", "-o", str(out)]) == 0, capsys.readouterr().err
    a, b = Image.open(src), Image.open(out)
    assert b.quantization == a.quantization and JpegImagePlugin.get_sampling(b) == 2
    assert tuple(round(v) for v in b.info["dpi"]) == (300, 300)        # the print resolution kept too
    assert b.info.get("xmp") == xmp                                     # and the XMP (a rating here)
    far = (slice(None), slice(0, 60))                                 # the flag, far from her face
    change = np.abs(np.asarray(a.convert("RGB"), int)[far] - np.asarray(b.convert("RGB"), int)[far])
    assert change.mean() < 0.3
    assert out.stat().st_size < 1.3 * src.stat().st_size


def _exif_block(order: str) -> bytes:
    """``Exif\\0\\0`` + a TIFF structure: IFD0 (Make "Cam", orientation 6) linked to an IFD1 thumbnail entry pair."""
    e = "<" if order == "II" else ">"
    ifd0_at, entries = 8, [(0x010F, 2, 4, b"Cam\0"), (0x0112, 3, 1, struct.pack(e + "HH", 6, 0))]
    ifd1_at = ifd0_at + 2 + 12 * len(entries) + 4
    body = struct.pack(e + "H", len(entries))
    for tag, kind, n, value in entries:
        body += struct.pack(e + "HHI", tag, kind, n) + value
    body += struct.pack(e + "I", ifd1_at)
    body += struct.pack(e + "H", 2) + struct.pack(e + "HHII", 0x0201, 4, 1, 0) + struct.pack(e + "HHII", 0x0202, 4, 1, 0)
    body += struct.pack(e + "I", 0)
    return b"Exif\0\0" + order.encode() + struct.pack(e + "HI", 42, ifd0_at) + body


@pytest.mark.parametrize("order", ["II", "MM"])
def test_an_edits_exif_is_the_photos_with_the_orientation_reset_and_no_old_thumbnail(order):
    """exif_for_edit patches the block in place: the camera's tags stay, the orientation becomes 1, the
    thumbnail (the unedited photo) is unlinked; a block it cannot read gives None."""
    from PIL import ExifTags

    from ganimation.images import exif_for_edit

    raw = _exif_block(order)
    before = Image.Exif()
    before.load(raw)
    assert before[0x0112] == 6 and len(before.get_ifd(ExifTags.IFD.IFD1)) == 2
    out = exif_for_edit(raw)
    assert len(out) == len(raw)
    after = Image.Exif()
    after.load(out)
    assert after[0x0112] == 1 and after[0x010F] == "Cam" and len(after.get_ifd(ExifTags.IFD.IFD1)) == 0
    assert exif_for_edit(b"Exif\0\0garbage") is None and exif_for_edit(None) is None


def test_a_turned_photos_xmp_loses_its_orientation_with_the_exif(tmp_path, capsys, astro):
    """A phone photo stored sideways says so in EXIF and XMP; the edit is upright, and neither says
    to turn it again."""
    pytest.importorskip("mediapipe")
    pytest.importorskip("cv2")
    from ganimation.cli.main import main

    exif = Image.Exif()
    exif[0x0112] = 6
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/></rdf:RDF></x:xmpmeta>')
    src = tmp_path / "sideways.jpg"
    astro.crop((0, 0, 512, 400)).save(src, quality=90, exif=exif.tobytes(), xmp=xmp)
    out = tmp_path / "edited.jpg"
    assert main(["edit", str(src), "--expression", "happy", "-o", str(out)]) == 0, capsys.readouterr().err
    edited = Image.open(out)
    assert edited.size == (400, 512) and edited.getexif().get(0x0112) == 1
    assert b"tiff:Orientation" not in edited.info["xmp"] and b"xmpmeta" in edited.info["xmp"]
