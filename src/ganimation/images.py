"""Reading and writing images safely: every odd input becomes RGB uint8 or a clear error.

Handles EXIF orientation, CMYK, palette, 16-bit, alpha (composited on white),
grayscale; refuses images over :data:`MAX_PIXELS` before decoding their pixels,
images smaller than :data:`MIN_SIDE`, truncated and non-image files. Phones'
HEIC/HEIF photos are read through pillow-heif (the ``faces`` extra), registered
with Pillow the first time one is opened.

Colour profiles: phones (Display P3) and cameras (Adobe RGB) embed an ICC
profile that says what their pixel values mean. :func:`load_rgb` converts such
a photo's colours to sRGB, what arrays, videos, GIFs and browsers assume;
:func:`open_image` with ``srgb=False`` keeps an RGB photo's own pixels and
hands its profile on, so that an edited photo is written with it
(:func:`save_image` ``icc_profile=``) and shows the colours it had. A profile
that Little CMS cannot read is ignored (the pixels are used as they are).
"""

from __future__ import annotations

import io
import os
import secrets
import warnings
from pathlib import Path

import numpy as np

from ganimation.errors import ImageError

#: suffixes of the photos phones take as HEIF (read when pillow-heif is installed)
HEIF_SUFFIXES = (".heic", ".heif")
#: the image files :func:`save_image` writes, by suffix
OUTPUT_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP", ".bmp": "BMP", ".tif": "TIFF",
                  ".tiff": "TIFF", ".avif": "AVIF"}
MAX_PIXELS = 80_000_000  # ~ 9000 x 9000
MIN_SIDE = 8
#: Longest side read. OpenCV's warpAffine and remap abort the process (SIGABRT, no
#: message) on images with a side of 32,767 px or more, so every image is checked here,
#: where all of them are read, before any library sees its pixels.
MAX_SIDE = 32_000


def open_image(path: str | os.PathLike, *, max_pixels: int = MAX_PIXELS, min_side: int = MIN_SIDE,
               max_side: int = MAX_SIDE, srgb: bool = True):
    """Open ``path`` as a PIL image in RGB, upright (EXIF applied).

    Returns ``(image, info)`` where ``info`` holds the original ``mode``,
    ``exif`` bytes, ``format``, ``icc_profile``, ``jpeg`` (:func:`jpeg_settings`), ``dpi`` and ``xmp``
    (to write the output alike).
    ``srgb``: an embedded colour profile other than sRGB is applied, the
    colours converted to sRGB (``info["icc_profile"]`` None then); ``False``
    keeps an RGB image's pixels and its profile in ``info`` (a CMYK or
    grayscale image's profile is applied either way: an RGB output cannot
    carry it).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        try:
            there = path.exists() or path.is_symlink()
        except OSError:  # a name too long, a symlink loop ...
            there = False
        if there and not path.is_symlink():
            raise ImageError(f"{path}: not a regular file (a folder, pipe or device); give an image file")
        raise ImageError(f"{path}: no such file" + (" (a broken or looping link)" if path.is_symlink() else ""))
    if path.suffix.lower() in HEIF_SUFFIXES:
        _register_heif(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
            w, h = img.size  # header only; pixels are not decoded yet
            if w * h > max_pixels:
                raise ImageError(
                    f"{path}: {w}x{h} is too large ({w * h / 1e6:.0f} MP > {max_pixels / 1e6:.0f} MP); "
                    "downscale it first"
                )
            if max(w, h) > max_side:
                raise ImageError(
                    f"{path}: {w}x{h} is too large (a side over {max_side} px, the limit); "
                    "downscale or crop it first"
                )
            if min(w, h) < min_side:
                raise ImageError(f"{path}: {w}x{h} is too small to hold a face (min side {min_side} px)")
            info = {"mode": img.mode, "format": img.format, "exif": img.info.get("exif"),
                    "icc_profile": img.info.get("icc_profile"), "jpeg": jpeg_settings(img), "dpi": img.info.get("dpi")}
            img.load()
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(f"{path}: not a readable image ({type(exc).__name__}); use a JPEG or PNG") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{path}: the image is damaged or truncated ({exc}); re-export it") from None
    try:
        img = ImageOps.exif_transpose(img)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not lose the image
        pass
    info["xmp"] = img.info.get("xmp")       # after the transpose, which resets an orientation it carries
    icc = info["icc_profile"]
    if icc and (srgb or img.mode not in _RGB_MODES):
        converted = profile_to_srgb(img, icc)
        info["icc_profile"] = None          # the pixels are sRGB now, or a profile that cannot be used is dropped
        img = converted if converted is not None else img
    return to_rgb(img), info


#: PIL modes whose pixels keep their embedded RGB profile when ``open_image(srgb=False)``
_RGB_MODES = ("RGB", "RGBA", "RGBX", "P", "PA")
#: colours whose round trip through a profile and back tells sRGB apart: greys, primaries, skin
_PROBE = np.array([[0, 0, 0], [128, 128, 128], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255],
                   [200, 150, 120], [90, 60, 40]], np.uint8)[None]


def profile_to_srgb(img, icc: bytes):
    """``img`` (RGB, RGBA, palette, CMYK, L or LA) with the colours of ICC profile
    ``icc`` converted to sRGB (relative colorimetric); ``img`` itself when the profile is sRGB, None when
    the profile cannot be read or does not fit the image's mode."""
    from PIL import Image, ImageCms

    if img.mode in ("P", "PA"):
        img = img.convert("RGBA")
    mode = img.mode
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.createProfile("sRGB")
        if mode in ("RGB", "RGBA", "RGBX"):
            probe = Image.fromarray(_PROBE)
            seen = ImageCms.profileToProfile(probe, src, srgb, outputMode="RGB")
            if np.abs(np.asarray(seen, np.int16) - _PROBE).max() <= 1:
                return img                   # an sRGB profile: the pixels as they are, bit for bit
        alpha = img.getchannel("A") if mode in ("RGBA", "LA") else None
        base = img.convert({"RGBA": "RGB", "RGBX": "RGB", "LA": "L"}.get(mode, mode))
        out = ImageCms.profileToProfile(base, src, srgb, renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                                        outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None
    if alpha is not None:
        out.putalpha(alpha)
    return out


def jpeg_settings(img) -> dict | None:
    """A JPEG's quantization tables and chroma subsampling (``{"qtables": ..., "subsampling": ...}``), for
    writing its edit alike (:func:`save_image` ``jpeg=``); None for other images. Re-encoded with its own
    tables, a photo's pixels away from the edit change by 0.01-0.25 levels on average (15 of the 16
    wild_dev JPEGs) and the file keeps its size; at quality 95 by 0.13-1.74 levels
    (benchmarks/jpeg_reencode.py)."""
    if getattr(img, "format", None) != "JPEG" or not getattr(img, "quantization", None):
        return None
    from PIL import JpegImagePlugin

    settings = {"qtables": img.quantization}
    sampling = JpegImagePlugin.get_sampling(img)
    if sampling >= 0:
        settings["subsampling"] = sampling
    return settings


#: the EXIF orientation tag
ORIENTATION = 0x0112


def exif_for_edit(raw: bytes | None) -> bytes | None:
    """A photo's EXIF block (``raw``, as Pillow reads it: ``b"Exif\\0\\0"`` and a TIFF structure) for its
    edit: byte for byte the same (camera, lens, time, GPS, maker notes) but with the orientation set to 1
    (the edit's pixels are upright) and the thumbnail unlinked (it shows the photo before the edit); None
    when there is none or it cannot be read. The block is patched in place, not rebuilt: rebuilding with
    Pillow failed on some cameras' blocks (a value out of its type's range on wild_dev's 40_obama.jpg),
    which dropped the whole EXIF."""
    import struct

    if not raw:
        return None
    data = bytearray(raw)
    base = 6 if data[:6] == b"Exif\x00\x00" else 0
    try:
        order = {b"II": "<", b"MM": ">"}[bytes(data[base:base + 2])]
        if struct.unpack_from(order + "H", data, base + 2)[0] != 42:
            return None
        ifd0 = base + struct.unpack_from(order + "I", data, base + 4)[0]
        (count,) = struct.unpack_from(order + "H", data, ifd0)
        for k in range(count):
            entry = ifd0 + 2 + 12 * k
            tag, kind, n = struct.unpack_from(order + "HHI", data, entry)
            if tag == ORIENTATION and kind == 3 and n == 1:          # SHORT, one value, stored in the entry
                struct.pack_into(order + "H", data, entry + 8, 1)
        struct.pack_into(order + "I", data, ifd0 + 2 + 12 * count, 0)   # no IFD1: the old thumbnail
    except (KeyError, struct.error):
        return None
    return bytes(data)


def _register_heif(path: Path) -> None:
    """Let Pillow open HEIC/HEIF files (once per process), or say what to install."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        raise ImageError(f"{path}: reading HEIC/HEIF photos needs pillow-heif: pip install \"ganimation[faces]\" "
                         "(or convert the photo to JPEG)") from None
    register_heif_opener()


def to_rgb(img):
    """Any PIL image as 8-bit RGB (alpha composited over white)."""
    from PIL import Image

    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        hi = 65535.0 if img.mode.startswith("I") and arr.max() > 255 else 255.0
        arr = np.clip(arr / hi * 255.0 + 0.5, 0, 255).astype(np.uint8)
        img = Image.fromarray(arr)  # 2-D uint8 -> mode "L"
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(bg, rgba)
    return img.convert("RGB")


def load_rgb(path: str | os.PathLike, **kwargs) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB array of the image at ``path`` (see :func:`open_image`)."""
    img, _ = open_image(path, **kwargs)
    return np.asarray(img, dtype=np.uint8).copy()


def as_rgb_array(image) -> np.ndarray:
    """Accept a path, PIL image or ``(H, W, 3|4)``/``(H, W)`` array; return ``(H, W, 3)`` uint8."""
    from PIL import Image

    if isinstance(image, (str, os.PathLike)):
        return load_rgb(image)
    if isinstance(image, Image.Image):
        return np.asarray(to_rgb(image), dtype=np.uint8).copy()
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ImageError(f"image array has shape {arr.shape}; expected (H, W, 3)")
    if arr.size == 0:
        raise ImageError(f"image is {arr.shape[1]}x{arr.shape[0]}; too small to hold a face")
    if arr.dtype == np.uint8:
        pass
    elif arr.dtype == np.bool_:
        arr = arr.astype(np.uint8) * np.uint8(255)
    elif arr.dtype == np.uint16:            # a 16-bit photo (PNG, TIFF) read by OpenCV or imageio
        arr = ((arr.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    elif np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)):
            raise ImageError("image array contains NaN or infinite values")
        top = float(arr.max())
        if top > 255.0:
            raise ImageError(f"image array of floats reaches {top:g}; give floats from 0 to 1 (or 0 to 255)")
        arr = np.clip(arr * (255.0 if top <= 1.0 else 1.0) + 0.5, 0, 255).astype(np.uint8)
    elif np.issubdtype(arr.dtype, np.integer):
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi > 255:
            raise ImageError(f"image array of {arr.dtype} holds values from {lo} to {hi}; give uint8 (0-255), "
                             "uint16 (0-65535) or floats from 0 to 1")
        arr = arr.astype(np.uint8)
    else:
        raise ImageError(f"image array of {arr.dtype}; give uint8 RGB values (0-255)")
    return np.ascontiguousarray(arr[..., :3])


def luminance(rgb: np.ndarray) -> np.ndarray:
    """``(..., 3)`` RGB -> ``(...)`` float32 luminance (ITU-R BT.601 weights), same scale as the input."""
    return np.asarray(rgb, np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def save_image(path: str | os.PathLike, image: np.ndarray, *, exif: bytes | None = None,
               icc_profile: bytes | None = None, quality: int = 95, jpeg: dict | None = None,
               dpi: tuple[float, float] | None = None, xmp: bytes | None = None) -> Path:
    """Write ``(H, W, 3)`` uint8 to ``path`` atomically (format from the suffix); ``exif`` and the colour
    profile ``icc_profile`` (the photo's, from :func:`open_image` with ``srgb=False``) go into a JPEG, PNG,
    WebP, TIFF or AVIF file. ``jpeg``: a JPEG photo's own settings (:func:`jpeg_settings`), used instead of
    ``quality`` when ``path`` is a JPEG. ``dpi``: the photo's print resolution, kept in a JPEG, PNG or TIFF;
    ``xmp``: its XMP metadata (ratings, keywords, a phone's or an editor's notes), kept in a JPEG, WebP or PNG."""
    from PIL import Image

    path = Path(path)
    suffix = path.suffix.lower()
    formats = OUTPUT_FORMATS
    if suffix not in formats:
        raise ImageError(f"{path}: unsupported output type {suffix!r}; use {', '.join(formats)}")
    if formats[suffix] == "AVIF":
        from PIL import features

        if not features.check("avif"):
            raise ImageError(f"{path}: this Pillow cannot write AVIF (built without libavif); use .jpg or .png")
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.fromarray(np.asarray(image, dtype=np.uint8))
    kwargs = {}
    if formats[suffix] == "JPEG" and jpeg:
        kwargs.update(jpeg)
    elif formats[suffix] in ("JPEG", "WEBP", "AVIF"):
        kwargs["quality"] = quality
    if exif and formats[suffix] in ("JPEG", "PNG", "WEBP", "TIFF", "AVIF"):
        kwargs["exif"] = exif
    if icc_profile and formats[suffix] in ("JPEG", "PNG", "WEBP", "TIFF", "AVIF"):
        kwargs["icc_profile"] = icc_profile
    if xmp and formats[suffix] in ("JPEG", "WEBP"):
        kwargs["xmp"] = xmp
    elif xmp and formats[suffix] == "PNG":                 # PNG keeps XMP in an iTXt chunk of Adobe's name
        from PIL import PngImagePlugin

        text = PngImagePlugin.PngInfo()
        text.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8", errors="replace") if isinstance(xmp, bytes) else xmp)
        kwargs["pnginfo"] = text
    if dpi and formats[suffix] in ("JPEG", "PNG", "TIFF"):
        try:
            kwargs["dpi"] = (round(float(dpi[0])), round(float(dpi[1])))
        except (TypeError, ValueError, IndexError):
            pass                                             # a damaged resolution tag is not worth an error
    # a hidden temporary file beside the target (``.NAME.RANDOM.tmp``), renamed over it when
    # complete and removed on any failure, so the target is either the old or the new image
    tmp = path.with_name(f".{path.name[:200]}.{secrets.token_hex(4)}.tmp")
    try:
        img.save(tmp, format=formats[suffix], **kwargs)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise ImageError(f"{path}: cannot write the image ({exc.strerror or exc}); "
                             "check the folder and free disk space") from None
        raise
    return path
