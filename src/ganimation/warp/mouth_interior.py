"""The inside of an opened mouth, drawn from a real one.

When an edit opens a mouth the photo showed closed, nothing in the photo can
fill the opening. Earlier versions painted a palette there (a grey-white band
of upper teeth, a flat dark cavity, a red tongue), which read as a slot cut
into the face. The interior is now taken from real open mouths, rectified
into mouth coordinates and shipped as ``assets/mouth_interior.npz``
(``benchmarks/fit_mouth_interior.py`` makes it from frames of permissively
licensed talking-face clips; ``assets/LICENSES.md`` names them). Two of them,
as the mouth opens in two ways (:data:`EXEMPLARS`): ``open``, a jaw that
drops with relaxed lips (the upper teeth under the upper lip, the tongue
below: surprise), and ``stretched``, lips pulled tight sideways (AU20) that
bare both rows of teeth (fear). For each ``NAME``:

- ``NAME_image`` ``(R, C, 3)`` uint8: column ``c`` lies ``s = (c + 0.5) / C`` of the
  way from the left to the right inner-lip corner, row ``r`` lies
  ``(r + 0.5) / R`` of the way from the upper inner lip to the lower one (the
  lower boundary pulled up by a share of the opening where the landmarks
  leave lip or a bright tongue below it); white-balanced so that its upper
  teeth have the colour :data:`TEETH_RGB`;
- ``NAME_gap`` ``(C,)``: the opening at each column, in inter-ocular distances (IOD).

:func:`draw_interior` maps a target opening onto it the way a jaw opens: the
upper part of the exemplar stays under the upper lip (the upper teeth do not
stretch), the lower part stays on the lower lip (tongue, lower teeth), both
at their real size in IOD; an opening smaller than the exemplar's shows the
two parts with the middle cut out, a larger one stretches the dark middle.
The colours are scaled by the photo's light level and lose their saturation
in a grey photo. ``stretch`` (0-1, the lip stretcher AU20 of the target)
blends from the ``open`` exemplar to the ``stretched`` one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from ganimation.motion.regions import LOWER_LIP_RINGS, UPPER_LIP_RINGS

#: landmark indices of the upper and lower inner lip, each from the image-left to the image-right corner
#: (the inner contours of the lips' rings)
UPPER_CHAIN, LOWER_CHAIN = UPPER_LIP_RINGS[0], LOWER_LIP_RINGS[0]
#: colour the exemplar's upper teeth are white-balanced to
TEETH_RGB = np.array([226.0, 216.0, 200.0], np.float32)
#: the exemplars of the asset, in the order of ``stretch`` 0 -> 1
EXEMPLARS = ("open", "stretched")
#: default share of the landmark opening, at the lower inner lip, that the rectified exemplar leaves out
LOWER_TRIM = 0.3
#: depth (IOD) over which an opening deeper than the exemplar's changes over to the cavity colour
MIDDLE_RAMP = 0.02
#: exemplar size (rows, columns)
SHAPE = (48, 96)
#: depth (IOD) of the photo's carried teeth from which they stand in full for the exemplar's upper teeth
CARRIED_FROM = 0.01
#: saturation of the photo around the mouth (max-min over max of RGB) at which the interior keeps its colour
FULL_CHROMA_AT = 0.2

ASSET = Path(__file__).resolve().parents[1] / "assets" / "mouth_interior.npz"


def mouth_axes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mouth's unit axis from corner ``a`` to corner ``b`` (pixels) and its unit normal, pointing from
    the upper toward the lower lip (down the image)."""
    axis = (b - a) / max(float(np.linalg.norm(b - a)), 1e-6)
    normal = np.array([-axis[1], axis[0]])
    return axis, (-normal if normal[1] < 0 else normal)


def mouth_coordinates(a: np.ndarray, b: np.ndarray, shape: tuple[int, int], origin: tuple[int, int]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`mouth_axes` and, for each pixel of a window ``shape`` ``(h, w)`` whose top-left pixel is
    ``origin`` ``(x0, y0)``, its coordinates ``u`` (along the axis) and ``v`` (along the normal) from ``a``."""
    h, w = shape
    axis, normal = mouth_axes(a, b)
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float64)
    px, py = gx + origin[0] - a[0], gy + origin[1] - a[1]
    return axis, normal, px * axis[0] + py * axis[1], px * normal[0] + py * normal[1]


def lip_profiles(upper: np.ndarray, lower: np.ndarray, axis: np.ndarray, normal: np.ndarray, u: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, float]:
    """The upper and lower inner lip's offsets along ``normal`` at positions ``u`` along ``axis`` (all from
    ``upper[0]``, the left corner), and the corner-to-corner length; ``upper``, ``lower``: ``(K, 2)``
    chains of pixels, corner to corner."""
    a = upper[0]
    uu, ul = (upper - a) @ axis, (lower - a) @ axis
    iu, il = np.argsort(uu), np.argsort(ul)
    vu = np.interp(u, uu[iu], ((upper - a) @ normal)[iu])
    vl = np.interp(u, ul[il], ((lower - a) @ normal)[il])
    return vu, vl, float(uu[-1])


def rectify(image: np.ndarray, upper: np.ndarray, lower: np.ndarray, iod: float,
            shape: tuple[int, int] = SHAPE, trim: float = LOWER_TRIM) -> tuple[np.ndarray, np.ndarray]:
    """The opening between inner-lip chains ``upper`` / ``lower`` ``(K, 2)`` (pixels of ``image``
    ``(H, W, 3)`` uint8, corner to corner), less ``trim`` of it at the lower lip, resampled to
    ``shape`` in mouth coordinates (module docstring), and its opening per column in IOD ``(C,)``."""
    from ganimation.faces import models

    cv2 = models.require("cv2", "mouth interior")
    rows, cols = shape
    a, b = upper[0], upper[-1]
    axis, normal = mouth_axes(a, b)
    length = float((b - a) @ axis)
    u = (np.arange(cols) + 0.5) / cols * length
    vu, vl, _ = lip_profiles(upper, lower, axis, normal, u)
    gap = (vl - vu) * (1.0 - trim)
    t = (np.arange(rows) + 0.5) / rows
    v = vu[None] + t[:, None] * gap[None]
    pts = a[None, None] + u[None, :, None] * axis + v[..., None] * normal
    patch = cv2.remap(np.ascontiguousarray(image), pts[..., 0].astype(np.float32), pts[..., 1].astype(np.float32),
                      cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return patch, (gap / max(float(iod), 1e-6)).astype(np.float32)


@lru_cache(maxsize=1)
def load_exemplars(path: str | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The shipped exemplars by name (:data:`EXEMPLARS`): ``(image (R, C, 3) float32, gap (C,) float32 IOD)``."""
    with np.load(path or ASSET) as z:
        return {n: (z[f"{n}_image"].astype(np.float32), z[f"{n}_gap"].astype(np.float32)) for n in EXEMPLARS}


def cavity_colour(exemplar: np.ndarray) -> np.ndarray:
    """``(3,)`` the dark of the cavity: the median colour of the darkest quarter of ``exemplar`` ``(R, C, 3)``."""
    flat = exemplar.reshape(-1, 3)
    lum = flat.mean(axis=1)
    return np.median(flat[lum <= np.quantile(lum, 0.25)], axis=0).astype(np.float32)


@lru_cache(maxsize=1)
def _cavities() -> dict[str, np.ndarray]:
    """:func:`cavity_colour` of each shipped exemplar, by name (computed once)."""
    return {name: cavity_colour(image) for name, (image, _gap) in load_exemplars().items()}


def upper_teeth_share(exemplar: np.ndarray) -> float:
    """The share of ``exemplar``'s ``(R, C, 3)`` rows, from the top, that its upper teeth fill: down to
    where the median luminance of its middle columns falls below halfway from the teeth (the brightest
    row of its upper half) to the cavity (:func:`cavity_colour`); 0 when it never does."""
    rows, cols = exemplar.shape[:2]
    profile = np.median(exemplar[:, cols // 4: 3 * cols // 4].mean(axis=2), axis=1)
    top = profile[: rows // 2]
    peak = int(top.argmax())
    level = 0.5 * (float(top[peak]) + float(cavity_colour(exemplar).mean()))
    past = np.flatnonzero(profile[peak:] < level)
    return float(peak + past[0]) / rows if len(past) else 0.0


@lru_cache(maxsize=1)
def _upper_teeth() -> dict[str, float]:
    """:func:`upper_teeth_share` of each shipped exemplar, by name (computed once)."""
    return {name: upper_teeth_share(image) for name, (image, _gap) in load_exemplars().items()}


def draw_interior(shape: tuple[int, int], origin: tuple[int, int], upper: np.ndarray, lower: np.ndarray,
                  iod: float, brightness: float, chroma: float = 1.0, stretch: float = 0.0,
                  teeth: np.ndarray | None = None, teeth_weight: float = 1.0,
                  light: np.ndarray | None = None) -> np.ndarray:
    """``(h, w, 3)`` float32 colours of a mouth interior for a window ``shape`` ``(h, w)`` at ``origin``
    ``(x0, y0)``, for the opening between inner-lip chains ``upper`` / ``lower`` ``(K, 2)`` (pixels,
    corner to corner) of a face with inter-ocular distance ``iod`` pixels; colours times ``brightness``,
    their saturation times ``chroma`` (0-1); ``stretch`` (0-1) blends the ``open`` exemplar into the
    ``stretched`` one.

    ``teeth``: ``(K, 2)`` the lower edge (corner to corner) of the photo's own teeth carried under the
    upper lip (:func:`ganimation.warp.mouth.carry_teeth`), or None. The photo's teeth stand for the
    exemplar's upper teeth (:func:`upper_teeth_share`): the exemplar's rows down to their lower edge are
    moved up behind the photo's, so that below the photo's teeth the interior goes on with the
    exemplar's cavity, tongue and lower teeth, not a second row of upper teeth. ``teeth_weight`` (0-1)
    blends from the interior drawn without ``teeth`` to that one. ``light``: ``(3,)`` per-channel gain of
    the photo's light against a typical photo's (:func:`ganimation.warp.light.light_gain`; None: 1), so
    that a warm-lit face's mouth is not drawn in a typical photo's cooler colours.
    """
    iod = max(float(iod), 1e-6)
    axis, normal, u, v = mouth_coordinates(upper[0], upper[-1], shape, origin)
    vu, vl, length = lip_profiles(upper, lower, axis, normal, u)
    s = np.clip(u / max(length, 1e-6), 0.0, 1.0)
    g_t = np.maximum(vl - vu, 1e-6) / iod                   # target opening at the pixel's column (IOD)
    d = np.clip(v - vu, 0.0, None) / iod                     # depth below the upper lip (IOD)
    carried = np.zeros_like(d)
    if teeth is not None:
        _, vt, _ = lip_profiles(upper, np.asarray(teeth, np.float64)[:, :2], axis, normal, u)   # from upper[0]
        carried = np.clip(vt - vu, 0.0, None) / iod          # how deep the photo's own teeth reach (IOD)
    exemplars = load_exemplars()
    w = float(np.clip(stretch, 0.0, 1.0))
    col = 0.0
    for name, weight in zip(EXEMPLARS, (1.0 - w, w)):
        if weight > 0.0:
            ex, ex_gap = exemplars[name]
            drawn = _sample(ex, ex_gap, _cavities()[name], s, g_t, d, length, iod)
            shown = float(np.clip(teeth_weight, 0.0, 1.0))
            if shown > 0.0 and carried.any():
                # the exemplar's rows behind the photo's teeth: its upper teeth, less what the photo's own
                # already cover, moved up out of the opening (as if it began that much higher); faded in
                # as a blend of colours (moving the rows by a fraction would jump where its top and
                # bottom parts meet)
                g_e = _gap_at(ex_gap, s)
                hidden = np.clip(carried / CARRIED_FROM, 0.0, 1.0) * np.clip(_upper_teeth()[name] * g_e - carried,
                                                                             0.0, None)
                behind = _sample(ex, ex_gap, _cavities()[name], s, g_t + hidden, d + hidden, length, iod)
                drawn = drawn + shown * (behind - drawn)
            col = col + weight * drawn
    grey = col.mean(axis=2, keepdims=True)
    col = grey + float(np.clip(chroma, 0.0, 1.0)) * (col - grey)
    if light is not None:
        col = col * np.asarray(light, np.float32)
    return (col * float(brightness)).astype(np.float32)


def _gap_at(ex_gap: np.ndarray, s: np.ndarray) -> np.ndarray:
    """The exemplar's opening ``ex_gap`` ``(C,)`` (IOD) at ``s`` ``(h, w)`` of the way between the corners."""
    return np.maximum(np.interp(s * len(ex_gap) - 0.5, np.arange(len(ex_gap)), ex_gap), 1e-6)


def _sample(ex: np.ndarray, ex_gap: np.ndarray, cavity: np.ndarray, s: np.ndarray, g_t: np.ndarray, d: np.ndarray,
            length: float, iod: float) -> np.ndarray:
    """``(h, w, 3)`` float32: the exemplar ``ex`` ``(R, C, 3)`` (opening ``ex_gap`` ``(C,)`` IOD, cavity
    colour ``cavity`` ``(3,)``, :func:`cavity_colour`) at pixels
    ``s`` of the way between the corners, ``d`` IOD below the upper lip of a target opening ``g_t`` IOD
    (all ``(h, w)``), for a mouth ``length`` pixels wide."""
    from ganimation.faces import models

    cv2 = models.require("cv2", "mouth interior")
    rows, cols = ex.shape[:2]
    g_e = _gap_at(ex_gap, s)
    half = np.minimum(g_t, g_e) / 2.0
    from_bottom = g_t - d
    # the upper part down to half the opening, the lower part up from its other half (where the target
    # opens less than the exemplar, the exemplar's middle is cut out between them), changing over within
    # a pixel of where they meet: a hard cut there moved by a whole row as the opening changed by a
    # fraction of a pixel (a video's mouth)
    upper_t = np.clip(np.minimum(d, half) / g_e, 0.0, 1.0)
    lower_t = np.clip(np.maximum(g_e - from_bottom, g_e - half) / g_e, 0.0, 1.0)
    change = np.clip((d - half) * iod + 0.5, 0.0, 1.0)
    # where the target opens deeper than the exemplar, the middle is the cavity's own dark colour (its
    # stretched middle row would draw the side teeth as bars), reached over MIDDLE_RAMP IOD
    middle = np.clip((np.minimum(d, from_bottom) - half) / MIDDLE_RAMP, 0.0, 1.0)
    # the exemplar brought near the target's size first, so that a small mouth does not alias it
    scale_x = max(length, 1.0) / cols
    scale_y = float(np.median(g_e)) * iod / rows
    sx, sy = min(1.0, scale_x), min(1.0, scale_y)
    small = ex if sx >= 1.0 and sy >= 1.0 else cv2.resize(
        ex, (max(4, round(cols * sx)), max(4, round(rows * sy))), interpolation=cv2.INTER_AREA)
    mx = (s * small.shape[1] - 0.5).astype(np.float32)
    col = [cv2.remap(small, mx, (t * small.shape[0] - 0.5).astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE) for t in (upper_t, lower_t)]
    col = col[0] + change[..., None] * (col[1] - col[0])
    return col + middle[..., None] * (cavity - col)


def photo_chroma(region: np.ndarray) -> float:
    """0-1: how much colour the interior keeps in a photo whose pixels around the mouth are ``region``
    ``(h, w, 3)`` (0 for a grey photo, 1 from a saturation of :data:`FULL_CHROMA_AT`)."""
    r = np.asarray(region, np.float32).reshape(-1, 3)
    hi = r.max(axis=1)
    sat = float(np.mean((hi - r.min(axis=1)) / np.maximum(hi, 1.0)))
    return float(np.clip(sat / FULL_CHROMA_AT, 0.0, 1.0))
