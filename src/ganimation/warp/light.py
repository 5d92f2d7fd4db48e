"""The colour of the light on a face, read from its skin, for what the warp engine draws.

An opened eye's white and an opened mouth's inside are drawn where the photo
showed neither. Drawn in neutral colours, they stood out of a warm-lit photo
as grey-blue (UTKFace 43_1_0_20170109141845861, lit orange: whites of (129,
119, 112) beside skin of (204, 106, 36)). Skin and the white of an eye under
one light keep a ratio of colours (:data:`SKIN_OVER_WHITE`), so the skin
under the eyes tells what a white looks like in the photo
(:func:`white_tint`), and how far the photo's light differs from a typical
photo's (:func:`light_gain`), beyond what people's skin tones alone vary
(:data:`SKIN_SPREAD`). A grey photo's skin carries no colour to read: its
white is grey, and its gain 1.
"""

from __future__ import annotations

import numpy as np

from ganimation.images import luminance

#: the skin's colour over the white of the eye under the same light (R, G, B, relative to red): the median
#: of 150 eyes whose white reads plausibly (wild_dev and the development UTKFace faces; interquartile
#: range 0.81-0.91 for G and 0.70-0.84 for B)
SKIN_OVER_WHITE = np.array([1.0, 0.87, 0.78], np.float32)
#: the white's colour (unit luminance) on the median of those faces: a typical photo's light
TYPICAL_WHITE = np.array([1.127, 0.953, 0.903], np.float32)
#: the skin's saturation ((max - min) / max of its RGB) from which the light's colour is read in full;
#: below it the reading fades toward grey (0 on a grey photo)
FULL_SKIN_SATURATION = 0.25
#: how far (relative, per channel) people's skin alone moves the reading from a typical photo's: only a
#: light that moves it further is read (read in full, Kit Harington's pale skin in a neutral photo gave its
#: drawn mouth a lilac cast)
SKIN_SPREAD = 0.1


def _unit(colour: np.ndarray) -> np.ndarray:
    """``colour`` ``(3,)`` scaled to luminance 1."""
    return colour / max(float(luminance(colour[None])[0]), 1e-6)


def _read(skin: np.ndarray) -> tuple[np.ndarray, float]:
    """The light beside ``skin`` ``(3,)`` against a typical photo's, per channel (relative; 0 within
    :data:`SKIN_SPREAD`), and how far it is read (0-1, by the skin's saturation)."""
    skin = np.maximum(np.asarray(skin, np.float32), 1e-3)
    saturation = float((skin.max() - skin.min()) / skin.max())
    off = _unit(skin / SKIN_OVER_WHITE) / TYPICAL_WHITE - 1.0
    beyond = np.sign(off) * np.maximum(np.abs(off) - SKIN_SPREAD, 0.0)
    return beyond.astype(np.float32), float(np.clip(saturation / FULL_SKIN_SATURATION, 0.0, 1.0))


def white_tint(skin: np.ndarray) -> np.ndarray:
    """``(3,)`` float32, unit luminance: the colour of the white of an eye in the light that shows ``skin``
    ``(3,)`` (RGB 0-255) as it is (a typical photo's white, :data:`TYPICAL_WHITE`, where the skin is
    within the spread of people's skin; grey on a grey photo)."""
    light, read = _read(skin)
    return (1.0 + read * (_unit(TYPICAL_WHITE * (1.0 + light)) - 1.0)).astype(np.float32)


def light_gain(skin: np.ndarray) -> np.ndarray:
    """``(3,)`` float32, unit luminance: per-channel gain from a typical photo's light to the light that
    shows ``skin`` ``(3,)``: what turns colours drawn for a typical photo (a mouth's inside) into this
    photo's. 1 on a grey photo and where the skin is within the spread of people's skin."""
    light, read = _read(skin)
    return _unit(1.0 + read * light).astype(np.float32)


def skin_below(image: np.ndarray, points: np.ndarray, contour, iod: float) -> np.ndarray | None:
    """``(3,)`` median colour of the skin under an eye of lid ``contour`` (landmark indices into ``points``
    ``(478, 2)`` pixels of ``image`` ``(H, W, 3)``): a box across the eye's corners, 0.1-0.25 IOD below
    its lower lid; None when the box is off the photo."""
    lid = np.asarray(points, np.float64)[list(contour), :2]
    x0, x1 = int(max(0, lid[:, 0].min())), int(min(image.shape[1], lid[:, 0].max()))
    y0 = int(max(0, lid[:, 1].max() + 0.1 * iod))
    y1 = int(min(image.shape[0], lid[:, 1].max() + 0.25 * iod))
    if x1 <= x0 or y1 <= y0:
        return None
    return np.median(image[y0:y1, x0:x1].reshape(-1, 3).astype(np.float32), axis=0)


def face_skin(image: np.ndarray, points: np.ndarray, iod: float) -> np.ndarray | None:
    """``(3,)`` the skin under both eyes of the face of ``points`` ``(478, 2+)`` pixels in ``image``
    (the median of :func:`skin_below` of each), or None when neither is on the photo."""
    from ganimation.warp.eyes import EYE_CONTOURS

    found = [s for s in (skin_below(image, points, c, iod) for c in EYE_CONTOURS) if s is not None]
    return np.median(found, axis=0).astype(np.float32) if found else None
