"""Synthetic AU faces: a procedural face renderer with ground truth.

A face is drawn from an :class:`Identity` (face shape and proportions, skin,
eyes, brows, nose, lips, hair, glasses, background, lighting) and a ``(17,)``
AU vector on the 0-1 scale (:data:`ganimation.aus.AU_CODES` order). Each AU
moves only its own region, as FACS describes it (see ``docs/synthetic.md``);
:func:`region_masks` gives, per AU, the pixels it may change. Identity and
AUs are independent, so the same identity can be rendered with any other
expression: paired ground truth for evaluation.

Rendering is plain Pillow + numpy: the face is drawn at 2-3x the output size
and downsampled with a Lanczos filter (anti-aliasing), then lit. The output is
a deterministic function of ``(identity, aus, size)``.

Layout: a roughly centred, aligned face crop (eyes at ~40 % of the height,
mouth at ~70 %, chin at ~90 %), like the 128 px crops GANimation trains on.
"""

from __future__ import annotations

import csv
import logging
import math
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ganimation.aus import AU_CODES, NUM_AUS, PRESETS, check_vector, to_vector
from ganimation.errors import DatasetError

log = logging.getLogger(__name__)

RGB = tuple[int, int, int]
_A = {code: i for i, code in enumerate(AU_CODES)}

MIN_SIZE, MAX_SIZE = 32, 512

# --------------------------------------------------------------------------
# identity
# --------------------------------------------------------------------------

HAIR_STYLES = ("short", "long", "bald", "fringe", "curly", "bun")
BACKGROUNDS = ("flat", "linear", "radial", "noise", "stripes", "clutter")
GLASSES = ("none", "round", "rect")

_SKIN_TONES = np.array([
    (255, 226, 200), (244, 201, 170), (230, 180, 140), (210, 155, 110),
    (180, 122, 84), (141, 92, 62), (104, 66, 45), (76, 50, 36),
], np.float64)
_HAIR_COLOURS = [  # (colour, weight)
    ((24, 20, 18), 4), ((52, 36, 26), 4), ((96, 64, 40), 3), ((140, 72, 38), 1),
    ((196, 160, 100), 2), ((226, 204, 150), 1), ((140, 138, 136), 1), ((214, 212, 206), 1),
]
_IRIS_COLOURS = [(66, 42, 24), (100, 64, 36), (126, 100, 56), (84, 116, 66),
                 (70, 112, 168), (108, 128, 146)]
_LIPSTICK = [(170, 30, 45), (200, 80, 110), (120, 40, 70), (190, 60, 50)]


@dataclass(frozen=True)
class Identity:
    """Identity parameters of a synthetic face (everything but the expression).

    Lengths are fractions of the crop side, in face coordinates: origin at the
    point between the eyes, x to the right, y down. The face is placed at
    ``(cx, eye_y)`` in the crop and scaled by ``scale``.
    """

    seed: int                     # for textures (background noise, clutter, skin)
    # placement
    cx: float = 0.5
    eye_y: float = 0.40
    scale: float = 1.0
    # face outline
    face_hw: float = 0.32         # half-width at the cheekbones
    head_top: float = 0.42        # top of the skull above the eye line
    jaw_w: float = 0.80           # jaw width / face width
    jaw_y: float = 0.30           # jaw angle below the eye line
    chin_y: float = 0.50          # chin bottom below the eye line
    chin_w: float = 0.10          # half-width of the chin
    # skin
    skin: RGB = (230, 180, 140)
    blush: float = 0.3
    # eyes
    eye_sep: float = 0.135        # half the distance between the eye centres
    eye_w: float = 0.062          # half-width of an eye
    eye_h: float = 0.026          # upper-lid height above the eye centre line
    eye_lo: float = 0.55          # lower-lid depth / eye_h
    eye_tilt: float = 0.0         # outer corner up (+) or down (-), units of eye_h
    iris: RGB = (100, 64, 36)
    iris_r: float = 0.42          # iris radius / eye_w
    # brows
    brow_gap: float = 0.078       # eye centre to brow centre line
    brow_thick: float = 0.018
    brow_arch: float = 0.012
    brow_len: float = 1.0         # length factor
    brow: RGB = (50, 35, 25)
    # nose
    nose_y: float = 0.19          # nose tip below the eye line
    nose_w: float = 0.042         # half-width of the nostrils
    # mouth
    mouth_y: float = 0.305
    mouth_w: float = 0.085        # half-width
    lip_up: float = 0.018
    lip_lo: float = 0.024
    lip: RGB = (180, 100, 95)
    bow: float = 0.006            # cupid's bow depth
    # hair, clothes, glasses
    hair_style: int = 0
    hair: RGB = (52, 36, 26)
    hairline: float = 0.215       # hairline above the eye line
    hair_volume: float = 0.04
    glasses: int = 0
    glasses_colour: RGB = (30, 30, 30)
    shirt: RGB = (60, 90, 140)
    # background and light
    bg_kind: int = 0
    bg_colours: tuple[RGB, RGB, RGB] = ((200, 200, 200), (150, 150, 170), (90, 90, 100))
    bg_angle: float = 0.0
    light_angle: float = 0.0      # direction the light comes from (radians, 0 = from the right)
    light_strength: float = 0.15  # 0 = flat, 0.35 = strong side light


def _pick(rng: np.random.Generator, items, weights=None):
    if weights is None:
        return items[int(rng.integers(len(items)))]
    p = np.asarray(weights, np.float64)
    return items[int(rng.choice(len(items), p=p / p.sum()))]


def _jitter(rng, colour, amount) -> RGB:
    c = np.asarray(colour, np.float64) + rng.normal(0, amount, 3)
    return tuple(int(v) for v in np.clip(c, 0, 255))


def _rand_colour(rng, lo=0, hi=255) -> RGB:
    return tuple(int(v) for v in rng.integers(lo, hi + 1, 3))


def sample_identity(rng: np.random.Generator) -> Identity:
    """A random identity, independent of any expression."""
    u = rng.uniform
    t = u(0, len(_SKIN_TONES) - 1)
    i = int(t)
    skin = _SKIN_TONES[i] * (1 - (t - i)) + _SKIN_TONES[min(i + 1, len(_SKIN_TONES) - 1)] * (t - i)
    skin = _jitter(rng, skin * np.array([1.0, u(0.96, 1.03), u(0.94, 1.04)]), 4)
    hair = _jitter(rng, _pick(rng, [c for c, _ in _HAIR_COLOURS], [w for _, w in _HAIR_COLOURS]), 6)
    hair_lum = sum(hair) / 3
    brow = tuple(int(v) for v in np.clip(np.asarray(hair) * (0.55 if hair_lum > 120 else 0.9), 0, 255))
    if rng.random() < 0.12:
        lip = _jitter(rng, _pick(rng, _LIPSTICK), 8)
    else:
        s = np.asarray(skin, np.float64)
        lip = _jitter(rng, s * np.array([0.80, 0.55, 0.58]) + np.array([25, 8, 12]), 6)
    kind = int(rng.integers(len(BACKGROUNDS)))
    bg = tuple(_rand_colour(rng, 10, 245) for _ in range(3))
    face_hw = u(0.33, 0.375)
    mouth_w = u(0.098, 0.118)
    return Identity(
        seed=int(rng.integers(2**31 - 1)),
        cx=0.5 + u(-0.015, 0.015), eye_y=0.40 + u(-0.015, 0.015), scale=u(0.94, 1.05),
        face_hw=face_hw, head_top=u(0.40, 0.46), jaw_w=u(0.72, 0.88), jaw_y=u(0.26, 0.31),
        chin_y=u(0.45, 0.50), chin_w=u(0.08, 0.13),
        skin=skin, blush=u(0.0, 0.6),
        eye_sep=u(0.14, 0.16), eye_w=u(0.066, 0.078), eye_h=u(0.027, 0.035),
        eye_lo=u(0.45, 0.65), eye_tilt=u(-0.3, 0.5), iris=_jitter(rng, _pick(rng, _IRIS_COLOURS), 8),
        iris_r=u(0.38, 0.46),
        brow_gap=u(0.078, 0.092), brow_thick=u(0.017, 0.028), brow_arch=u(0.004, 0.02),
        brow_len=u(0.9, 1.1), brow=brow,
        nose_y=u(0.165, 0.195), nose_w=u(0.045, 0.058),
        mouth_y=u(0.285, 0.305), mouth_w=mouth_w, lip_up=u(0.017, 0.025), lip_lo=u(0.022, 0.032),
        lip=lip, bow=u(0.003, 0.009),
        hair_style=int(_pick(rng, range(len(HAIR_STYLES)), [4, 4, 1, 2, 2, 1])),
        hair=hair, hairline=u(0.2, 0.24), hair_volume=u(0.02, 0.06),
        glasses=int(_pick(rng, range(3), [7, 1.5, 1.5])),
        glasses_colour=_pick(rng, [(25, 25, 25), (90, 60, 40), (170, 170, 175), (120, 20, 30)]),
        shirt=_rand_colour(rng, 20, 230),
        bg_kind=kind, bg_colours=bg, bg_angle=u(0, 2 * math.pi),
        light_angle=u(0, 2 * math.pi), light_strength=u(0.0, 0.3),
    )


# --------------------------------------------------------------------------
# AU sampling
# --------------------------------------------------------------------------

_PRESET_NAMES = tuple(k for k in PRESETS if k != "neutral")


def sample_aus(rng: np.random.Generator) -> np.ndarray:
    """A random ``(17,)`` float32 AU vector in [0, 1], sparse-ish and realistic.

    About 12 % neutral faces; about 40 % start from an emotion preset at a
    random intensity (with jitter); on top of that each AU is switched on
    independently with a small probability, at a uniform intensity. Blinks
    (AU45) are rare and exclude AU05 (a raised lid cannot be seen shut).
    """
    vec = np.zeros(NUM_AUS, np.float64)
    r = rng.random()
    if r < 0.12:
        return vec.astype(np.float32)
    if r < 0.52:
        name = _PRESET_NAMES[int(rng.integers(len(_PRESET_NAMES)))]
        vec += to_vector(PRESETS[name]) * rng.uniform(0.25, 1.0)
        vec += (vec > 0) * rng.normal(0, 0.12, NUM_AUS)
    on = rng.random(NUM_AUS) < 0.16
    on[_A["AU45"]] = rng.random() < 0.08
    vec = np.where(on, np.maximum(vec, rng.uniform(0.05, 1.0, NUM_AUS)), vec)
    if vec[_A["AU45"]] > 0:
        vec[_A["AU05"]] = 0.0
    return np.clip(vec, 0.0, 1.0).astype(np.float32)


# --------------------------------------------------------------------------
# geometry helpers
# --------------------------------------------------------------------------


def _smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _bezier(p0, p1, p2, n=12):
    """Quadratic Bezier through p0, p2 whose midpoint passes through p1."""
    p0, p1, p2 = (np.asarray(p, np.float64) for p in (p0, p1, p2))
    c = 2 * p1 - 0.5 * (p0 + p2)
    t = np.linspace(0, 1, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * c + t ** 2 * p2


class _Frame:
    """Face coordinates -> hi-res pixel coordinates."""

    def __init__(self, ident: Identity, px: int):
        self.px = px
        self.ox = ident.cx * px
        self.oy = ident.eye_y * px
        self.k = ident.scale * px

    def pts(self, xy) -> list[tuple[float, float]]:
        a = np.asarray(xy, np.float64).reshape(-1, 2)
        return list(zip((self.ox + self.k * a[:, 0]).tolist(), (self.oy + self.k * a[:, 1]).tolist()))

    def box(self, cx, cy, rx, ry) -> list[float]:
        x, y = self.ox + self.k * cx, self.oy + self.k * cy
        return [x - self.k * rx, y - self.k * ry, x + self.k * rx, y + self.k * ry]

    def w(self, d) -> int:
        return max(1, int(round(self.k * d)))


def _mix(a, b, t) -> RGB:
    return tuple(int(round(x * (1 - t) + y * t)) for x, y in zip(a, b))


def _shade(c, f) -> RGB:
    return tuple(int(max(0, min(255, round(v * f)))) for v in c)


def _rgba(c, alpha) -> tuple[int, int, int, int]:
    return (int(c[0]), int(c[1]), int(c[2]), int(max(0, min(255, round(alpha)))))


# --------------------------------------------------------------------------
# identity layers (cached): background, skin texture, light map
# --------------------------------------------------------------------------


def _background(ident: Identity, px: int) -> np.ndarray:
    rng = np.random.default_rng([ident.seed, 7])
    c0, c1, c2 = (np.asarray(c, np.float32) for c in ident.bg_colours)
    yy, xx = np.mgrid[0:px, 0:px].astype(np.float32) / px
    kind = BACKGROUNDS[ident.bg_kind]
    if kind == "flat":
        img = np.broadcast_to(c0, (px, px, 3)).copy()
    elif kind == "linear":
        t = (xx - 0.5) * math.cos(ident.bg_angle) + (yy - 0.5) * math.sin(ident.bg_angle) + 0.5
        t = np.clip(t, 0, 1)[..., None]
        img = c0 * (1 - t) + c1 * t
    elif kind == "radial":
        t = np.clip(np.hypot(xx - 0.5, yy - 0.45) / 0.75, 0, 1)[..., None]
        img = c1 * (1 - t) + c0 * t
    elif kind == "noise":
        g = rng.random((6, 6)).astype(np.float32)
        low = np.asarray(Image.fromarray(g).resize((px, px), Image.BICUBIC))
        fine = rng.random((px // 4, px // 4)).astype(np.float32)
        fine = np.asarray(Image.fromarray(fine).resize((px, px), Image.BILINEAR))
        t = np.clip(low * 0.85 + fine * 0.3 - 0.1, 0, 1)[..., None]
        img = c0 * (1 - t) + c2 * t
    elif kind == "stripes":
        period = rng.uniform(0.05, 0.2)
        t = (xx * math.cos(ident.bg_angle) + yy * math.sin(ident.bg_angle)) / period
        t = (np.sin(t * 2 * math.pi) > 0).astype(np.float32)[..., None]
        img = c0 * (1 - t) + c1 * t
    else:  # clutter
        im = Image.new("RGB", (px, px), tuple(int(v) for v in c0))
        d = ImageDraw.Draw(im)
        for _ in range(int(rng.integers(10, 22))):
            col = tuple(int(v) for v in rng.integers(0, 256, 3))
            x0, y0 = rng.uniform(-0.1, 1.0, 2) * px
            w, h = rng.uniform(0.05, 0.4, 2) * px
            shape = rng.integers(3)
            if shape == 0:
                d.rectangle([x0, y0, x0 + w, y0 + h], fill=col)
            elif shape == 1:
                d.ellipse([x0, y0, x0 + w, y0 + h], fill=col)
            else:
                d.line([x0, y0, x0 + w, y0 + h], fill=col, width=max(1, int(px * rng.uniform(0.01, 0.04))))
        img = np.asarray(im.filter(ImageFilter.GaussianBlur(px * 0.004)), np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def _skin_layer(ident: Identity, px: int, colour: RGB, fr: _Frame) -> np.ndarray:
    """Skin colour with spherical shading toward the face edges and side light."""
    yy, xx = np.mgrid[0:px, 0:px].astype(np.float32)
    x = (xx - fr.ox) / fr.k
    y = (yy - fr.oy) / fr.k
    r2 = (x / (ident.face_hw * 1.05)) ** 2 + ((y - 0.06) / 0.5) ** 2
    sphere = 1.0 - 0.22 * np.clip(r2, 0, 1.6) ** 1.5
    lx, ly = math.cos(ident.light_angle), math.sin(ident.light_angle)
    side = 1.0 + 0.35 * ident.light_strength * np.clip(x * lx + y * ly, -0.5, 0.5) * 2
    rng = np.random.default_rng([ident.seed, 11])
    noise = rng.normal(0, 1, (px // 3 + 1, px // 3 + 1)).astype(np.float32)
    noise = np.asarray(Image.fromarray(noise).resize((px, px), Image.BILINEAR))
    f = (sphere * side)[..., None] * (1 + 0.012 * noise[..., None])
    return np.clip(np.asarray(colour, np.float32) * f, 0, 255).astype(np.uint8)


class _Layers:
    __slots__ = ("bg", "skin", "light")


_CACHE: OrderedDict = OrderedDict()
_CACHE_MAX = 16


def _layers(ident: Identity, size: int, ss: int) -> _Layers:
    key = (ident, size, ss)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    px = size * ss
    lay = _Layers()
    # smooth identity layers are computed at the output size and upsampled
    lay.bg = Image.fromarray(_background(ident, size)).resize((px, px), Image.BILINEAR)
    lay.skin = Image.fromarray(_skin_layer(ident, size, ident.skin, _Frame(ident, size))).resize((px, px), Image.BILINEAR)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5
    lx, ly = math.cos(ident.light_angle), math.sin(ident.light_angle)
    lay.light = (1.0 + ident.light_strength * (xx * lx + yy * ly) * 1.2).astype(np.float32)[..., None]
    _CACHE[key] = lay
    if len(_CACHE) > _CACHE_MAX:
        _CACHE.popitem(last=False)
    return lay


# --------------------------------------------------------------------------
# expression geometry
# --------------------------------------------------------------------------


def _face_outline(ident: Identity, drop: float) -> np.ndarray:
    """Closed face outline (face coords), jaw lowered by ``drop``."""
    hw = ident.face_hw
    a = np.linspace(math.pi, 0, 21)  # left temple -> top -> right temple
    skull = np.stack([hw * 0.98 * np.cos(a), 0.02 - (ident.head_top + 0.02) * np.sin(a)], 1)
    jx = hw * ident.jaw_w
    right = [(hw, 0.02), (hw * 0.995, 0.10), (hw * 0.975, 0.17)]
    right += list(_bezier((hw * 0.94, 0.22), (jx + 0.35 * (hw * 0.94 - jx), ident.jaw_y),
                          (ident.chin_w + 0.04, ident.chin_y - 0.04), 8))
    right += list(_bezier((ident.chin_w + 0.02, ident.chin_y - 0.015), (ident.chin_w * 0.55, ident.chin_y - 0.002),
                          (0.0, ident.chin_y), 5))
    right = np.asarray(right)
    left = right[::-1] * np.array([-1, 1])
    outline = np.concatenate([skull, right[1:], left[1:]])
    return _jaw_drop(outline, ident, drop)


def _jaw_drop(pts: np.ndarray, ident: Identity, drop: float) -> np.ndarray:
    pts = np.array(pts, np.float64)
    y0 = ident.nose_y + 0.03
    y1 = ident.mouth_y + 0.01
    w = _smoothstep((pts[:, 1] - y0) / (y1 - y0))
    pts[:, 1] += drop * w
    return pts


# --------------------------------------------------------------------------
# drawing
# --------------------------------------------------------------------------


def _paste_polygon(img: Image.Image, src, poly_px, fill_fn=None):
    """Paste ``src`` (an image of the canvas size, or an RGB colour) inside a polygon."""
    xs = [p[0] for p in poly_px]
    ys = [p[1] for p in poly_px]
    x0 = max(0, int(math.floor(min(xs))) - 1)
    y0 = max(0, int(math.floor(min(ys))) - 1)
    x1 = min(img.width, int(math.ceil(max(xs))) + 2)
    y1 = min(img.height, int(math.ceil(max(ys))) + 2)
    if x1 <= x0 or y1 <= y0:
        return None
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    ImageDraw.Draw(mask).polygon([(x - x0, y - y0) for x, y in poly_px], fill=255)
    if isinstance(src, Image.Image):
        patch = src.crop((x0, y0, x1, y1))
    else:
        patch = Image.new("RGB", (x1 - x0, y1 - y0), src)
    if fill_fn is not None:
        fill_fn(patch, (x0, y0))
    img.paste(patch, (x0, y0), mask)
    return (x0, y0, x1, y1)


def _draw_hair_back(d, fr, ident):
    style = HAIR_STYLES[ident.hair_style]
    hw, v = ident.face_hw, ident.hair_volume
    if style == "long":
        top = -ident.head_top - v
        poly = [(-hw - v - 0.02, 0.0)] + list(_bezier((-hw - v - 0.02, 0.0), (0, top - 0.02), (hw + v + 0.02, 0.0), 16))
        poly += [(hw + v + 0.06, 0.35), (hw + v + 0.1, 0.75), (-hw - v - 0.1, 0.75), (-hw - v - 0.06, 0.35)]
        d.polygon(fr.pts(poly), fill=ident.hair)
    elif style == "curly":
        r = hw + v + 0.05
        d.ellipse(fr.box(0, -0.12, r, ident.head_top - 0.02 + v), fill=ident.hair)
    elif style == "bun":
        d.ellipse(fr.box(0, -ident.head_top - 0.05, 0.1, 0.08), fill=_shade(ident.hair, 0.9))


def _draw_hair_front(d, fr, ident):
    style = HAIR_STYLES[ident.hair_style]
    hw, v, hl = ident.face_hw, ident.hair_volume, ident.hairline
    if style == "bald":
        return
    dark = _shade(ident.hair, 0.8)
    top = -ident.head_top - v
    side = hw + 0.012
    if style == "fringe":
        lower = min(hl, 0.19) - 0.0
        edge = [(side, -0.02), (side - 0.01, -0.08)]
        edge += list(_bezier((hw - 0.02, -lower + 0.02), (0.0, -lower - 0.005), (-hw + 0.02, -lower + 0.02), 13))
        # jagged fringe tips
        tips = [(x, y + (0.012 if i % 2 else 0.0)) for i, (x, y) in enumerate(edge[2:])]
        edge = edge[:2] + tips + [(-side + 0.01, -0.08), (-side, -0.02)]
    else:
        temple = 0.02 if style != "curly" else 0.06
        edge = [(side, temple), (hw - 0.01, -0.06)]
        edge += list(_bezier((hw - 0.035, -hl + 0.03), (0.0, -hl), (-hw + 0.035, -hl + 0.03), 13))
        edge += [(-hw + 0.01, -0.06), (-side, temple)]
    ang = np.linspace(math.pi, 0, 19)
    rx = hw * 0.98 + 0.012 + v * 0.5
    crown = np.stack([rx * np.cos(ang), -0.02 + (top + 0.02 - 0.006) * np.sin(ang)], 1)
    poly = edge + [tuple(p) for p in crown]
    d.polygon(fr.pts(poly), fill=ident.hair)
    # a few strands for texture
    for i in range(7):
        x = -hw * 0.7 + i * hw * 0.233
        d.line(fr.pts(_bezier((x * 0.3, top + 0.03), (x * 0.8, -hl - 0.06), (x, -hl - 0.005), 6)),
               fill=_rgba(dark, 120), width=fr.w(0.004))
    if style == "curly":
        for i in range(14):
            a = math.pi * (i / 13.0)
            x, y = -math.cos(a) * (hw + v * 0.6), -0.02 - math.sin(a) * (ident.head_top + v * 0.6)
            d.ellipse(fr.box(x, y, 0.035, 0.035), fill=ident.hair)


def _draw_neck(d, fr, ident, drop):
    skin = ident.skin
    nw = ident.face_hw * ident.jaw_w * 0.62
    d.polygon(fr.pts([(-nw, 0.2), (nw, 0.2), (nw + 0.01, 0.62), (-nw - 0.01, 0.62)]), fill=_shade(skin, 0.78))
    sh = ident.shirt
    d.polygon(fr.pts([(-0.6, 0.72), (-nw - 0.02, 0.6), (0, 0.66), (nw + 0.02, 0.6), (0.6, 0.72), (0.6, 0.9), (-0.6, 0.9)]), fill=sh)
    d.line(fr.pts([(-nw - 0.02, 0.6), (0, 0.66), (nw + 0.02, 0.6)]), fill=_shade(sh, 0.7), width=fr.w(0.006))


def _draw_ears(d, fr, ident):
    c = _shade(ident.skin, 0.88)
    for s in (-1, 1):
        x = s * (ident.face_hw - 0.005)
        d.ellipse(fr.box(x + s * 0.022, 0.06, 0.03, 0.065), fill=c)
        d.arc(fr.box(x + s * 0.024, 0.06, 0.016, 0.045), 0, 360, fill=_rgba(_shade(c, 0.75), 160), width=fr.w(0.005))


def _draw_neck_shadow(d, fr, ident, outline):
    # shadow the chin casts on the neck: the jaw outline shifted down
    below = outline[outline[:, 1] > ident.jaw_y - 0.06]
    below = below[np.argsort(below[:, 0])]
    sh = below + np.array([0.0, 0.035])
    poly = np.concatenate([below, sh[::-1]])
    d.polygon(fr.pts(poly), fill=_rgba(_shade(ident.skin, 0.45), 90))


def _brow_points(ident: Identity, g, s):
    """Centre line of one brow (inner -> outer), s = -1 left, +1 right."""
    a01, a02, a04 = g["AU01"], g["AU02"], g["AU04"]
    ex, L = ident.eye_sep, ident.brow_len
    y0 = -ident.brow_gap
    inner = (s * (ex - 0.08 * L - 0.026 * a04), y0 + 0.004 - 0.058 * a01 + 0.036 * a04)
    mid = (s * (ex + 0.005), y0 - ident.brow_arch - 0.022 * a01 - 0.042 * a02 + 0.026 * a04)
    outer = (s * (ex + 0.085 * L), y0 + 0.012 - 0.004 * a01 - 0.052 * a02 + 0.014 * a04)
    return _bezier(inner, mid, outer, 12)


def _draw_brows(d, fr, ident, g):
    for s in (-1, 1):
        c = _brow_points(ident, g, s)
        n = len(c)
        tang = np.gradient(c, axis=0)
        nrm = np.stack([-tang[:, 1], tang[:, 0]], 1)
        nrm /= np.linalg.norm(nrm, axis=1, keepdims=True) + 1e-9
        t = np.linspace(0, 1, n)
        th = ident.brow_thick * (1.0 - 0.55 * t ** 1.5) * (0.85 + 0.3 * np.sin(np.pi * np.clip(t * 1.3, 0, 1)))
        up = c + nrm * th[:, None] * 0.5
        dn = c - nrm * th[:, None] * 0.5
        d.polygon(fr.pts(np.concatenate([up, dn[::-1]])), fill=_rgba(ident.brow, 235))
        # hairs
        for k in range(1, n - 1, 2):
            p = c[k]
            q = p + np.array([s * 0.008, -0.004])
            d.line(fr.pts([p - nrm[k] * th[k] * 0.4, q + nrm[k] * th[k] * 0.3]), fill=_rgba(_shade(ident.brow, 0.7), 150), width=fr.w(0.003))


def _draw_forehead(d, fr, ident, g):
    a01, a02, a04 = g["AU01"], g["AU02"], g["AU04"]
    wr = _shade(ident.skin, 0.62)
    base = -ident.brow_gap - 0.05
    if a01 > 0:  # horizontal wrinkles, centre of the forehead
        for k in range(3):
            y = base - 0.022 * k - 0.03 * a01
            w = 0.08 - 0.012 * k
            d.line(fr.pts(_bezier((-w, y + 0.008), (0, y - 0.004), (w, y + 0.008), 9)), fill=_rgba(wr, 200 * a01), width=fr.w(0.006))
    if a02 > 0:  # wrinkles above the outer brows
        for s in (-1, 1):
            for k in range(2):
                y = base - 0.022 * k - 0.04 * a02
                x0 = s * (ident.eye_sep - 0.01)
                x1 = s * (ident.eye_sep + 0.09)
                d.line(fr.pts(_bezier((x0, y + 0.004), ((x0 + x1) / 2, y - 0.01), (x1, y + 0.012), 9)), fill=_rgba(wr, 200 * a02), width=fr.w(0.006))
    if a04 > 0:  # vertical furrows between the brows + bulge
        for s in (-1, 1):
            x = s * 0.016
            d.line(fr.pts([(x, -ident.brow_gap + 0.025), (x * 0.6, -ident.brow_gap - 0.045)]), fill=_rgba(wr, 230 * a04), width=fr.w(0.008))
        d.ellipse(fr.box(0, -ident.brow_gap - 0.01, 0.03, 0.022), fill=_rgba(_shade(ident.skin, 1.15), 80 * a04))
        for s in (-1, 1):  # brow bulge shadow over the eye socket
            d.ellipse(fr.box(s * (ident.eye_sep - 0.02), -ident.brow_gap * 0.55, 0.05, 0.016), fill=_rgba(_shade(ident.skin, 0.6), 90 * a04))


def _eye_curves(ident: Identity, g, s):
    a05, a06, a07, a45 = g["AU05"], g["AU06"], g["AU07"], g["AU45"]
    ex, ew, eh = ident.eye_sep, ident.eye_w, ident.eye_h
    t = np.linspace(0, 1, 15)
    xs = s * (ex - ew + 2 * ew * t)
    base = 0.004 * (1 - t) - ident.eye_tilt * eh * 0.3 * t
    h_up = eh * (1 + 0.9 * a05 - 0.42 * a07 - 0.15 * a06)
    h_lo = eh * ident.eye_lo * (1 - 0.55 * a07 - 0.45 * a06)
    sh_u = np.sin(np.pi * t ** 0.85) ** 0.9
    sh_l = np.sin(np.pi * t ** 1.1) ** 1.1
    lower = base + h_lo * sh_l
    open_up = base - h_up * sh_u
    closed = base + 0.55 * h_lo * sh_l
    upper = open_up * (1 - a45) + closed * a45
    upper = np.minimum(upper, lower - 1e-4)
    return np.stack([xs, upper], 1), np.stack([xs, lower], 1)


def _draw_eyes(img, d, fr, ident, g, skin_img):
    a05, a06, a07, a45 = g["AU05"], g["AU06"], g["AU07"], g["AU45"]
    ex, ew, eh = ident.eye_sep, ident.eye_w, ident.eye_h
    lash = (25, 18, 15)
    dark_skin = _shade(ident.skin, 0.72)
    for s in (-1, 1):
        up, lo = _eye_curves(ident, g, s)
        # lid shadow (eye socket) and crease, above the upper lid
        crease = up.copy()
        t = np.linspace(0, 1, len(up))
        crease[:, 1] = np.minimum(up[:, 1] - 0.006, (0.002 - eh * 1.65 - 0.006) * np.sin(np.pi * t) ** 0.7 + 0.002)
        d.polygon(fr.pts(np.concatenate([crease, up[::-1]])), fill=_rgba(dark_skin, 45 + 40 * a07))
        d.line(fr.pts(crease[2:-2]), fill=_rgba(_shade(ident.skin, 0.6), 110 * (1 - 0.7 * a05)), width=fr.w(0.004))
        # eyeball inside the lids
        poly = fr.pts(np.concatenate([up, lo[::-1]]))
        cy_iris = 0.15 * eh
        ir = ident.iris_r * ew

        def eyeball(patch, org, s=s):
            pd = ImageDraw.Draw(patch, "RGBA")
            ox, oy = org

            def B(cx, cy, rx, ry):
                b = fr.box(cx, cy, rx, ry)
                return [b[0] - ox, b[1] - oy, b[2] - ox, b[3] - oy]

            pd.ellipse(B(s * ex, cy_iris, ir, ir), fill=ident.iris)
            pd.ellipse(B(s * ex, cy_iris, ir * 0.72, ir * 0.72), outline=_shade(ident.iris, 1.3), width=fr.w(0.003))
            pd.ellipse(B(s * ex, cy_iris, ir, ir), outline=_shade(ident.iris, 0.55), width=fr.w(0.004))
            pd.ellipse(B(s * ex, cy_iris, ir * 0.42, ir * 0.42), fill=(12, 10, 10))
            hx = math.cos(ident.light_angle) * ir * 0.35
            hy = math.sin(ident.light_angle) * ir * 0.35
            pd.ellipse(B(s * ex + hx, cy_iris + hy - ir * 0.1, ir * 0.16, ir * 0.16), fill=(250, 250, 250, 230))
            # upper lid shadow on the eyeball
            pts = [(x - ox, y - oy) for x, y in fr.pts(up)]
            pd.line(pts, fill=(60, 40, 40, 90), width=fr.w(0.009))

        if a45 < 0.999:
            _paste_polygon(img, (236, 232, 226), poly, eyeball)
        # lid margins and lashes
        d.line(fr.pts(up), fill=_rgba(lash, 235), width=fr.w(0.0065), joint="curve")
        for k in range(8, 15, 2):
            p = up[k]
            d.line(fr.pts([p, p + np.array([s * 0.008, -0.009 - 0.002 * (k - 8)])]), fill=_rgba(lash, 200), width=fr.w(0.003))
        d.line(fr.pts(lo), fill=_rgba(_shade(ident.skin, 0.55), 170), width=fr.w(0.0035))
        # AU07: tension line below the lower lid; AU06: lower-lid bulge and crow's feet
        if a07 > 0:
            ln = lo[2:-2] + np.array([0, 0.009])
            d.line(fr.pts(ln), fill=_rgba(_shade(ident.skin, 0.5), 210 * a07), width=fr.w(0.006))
            ln = up[3:-3] + np.array([0, -0.008])
            d.line(fr.pts(ln), fill=_rgba(_shade(ident.skin, 0.55), 150 * a07), width=fr.w(0.005))
        if a06 > 0:
            bulge = lo[1:-1] + np.array([0, 0.02])
            d.polygon(fr.pts(np.concatenate([lo[1:-1], bulge[::-1]])), fill=_rgba(_shade(ident.skin, 1.15), 110 * a06))
            d.line(fr.pts(bulge), fill=_rgba(_shade(ident.skin, 0.55), 200 * a06), width=fr.w(0.006))
            ox = s * (ex + ew + 0.012)
            for ang in (-0.5, 0.0, 0.5):
                dx, dy = math.cos(ang) * 0.04, math.sin(ang) * 0.04
                d.line(fr.pts([(ox, 0.0 + dy * 0.2), (ox + s * dx, dy)]), fill=_rgba(_shade(ident.skin, 0.5), 210 * a06), width=fr.w(0.005))


def _draw_cheeks(d, fr, ident, g):
    a06 = g["AU06"]
    for s in (-1, 1):
        cx = s * (ident.eye_sep + 0.02)
        cy = 0.135 - 0.05 * a06
        blush = _mix(ident.skin, (220, 90, 90), 0.5)
        for k, r in enumerate((0.075, 0.055, 0.035)):
            d.ellipse(fr.box(cx, cy, r * 1.1, r * 0.8), fill=_rgba(blush, (12 + 14 * a06) * (0.4 + ident.blush)))
        # cheek apple highlight and the shadow under it
        d.ellipse(fr.box(cx, cy - 0.01, 0.05, 0.032), fill=_rgba(_shade(ident.skin, 1.2), 90 * a06))
        d.arc(fr.box(cx, cy + 0.005, 0.07, 0.05), 30 if s > 0 else 60, 120 if s > 0 else 150,
              fill=_rgba(_shade(ident.skin, 0.6), 170 * a06), width=fr.w(0.008))


def _nasolabial(ident: Identity, g, s):
    a12, a20 = g["AU12"], g["AU20"]
    p0 = (s * (ident.nose_w + 0.016), ident.nose_y - 0.005)
    end_x = ident.mouth_w * (1 + 0.3 * a12 + 0.25 * a20) + 0.028
    p2 = (s * end_x, ident.mouth_y + 0.03 - 0.02 * a12)
    p1 = (s * ((p0[0] * s + end_x) / 2 + 0.022), (p0[1] + p2[1]) / 2 - 0.005)
    return _bezier(p0, p1, p2, 10)


def _draw_nasolabial(d, fr, ident, g):
    k = (0.5 * g["AU06"] + 0.6 * g["AU09"] + 0.9 * g["AU10"] + 1.0 * g["AU12"] + 0.4 * g["AU20"])
    alpha = 30 + 130 * min(1.0, k)
    for s in (-1, 1):
        d.line(fr.pts(_nasolabial(ident, g, s)), fill=_rgba(_shade(ident.skin, 0.62), alpha), width=fr.w(0.006), joint="curve")


def _draw_nose(d, fr, ident, g):
    a09 = g["AU09"]
    ny, nw = ident.nose_y, ident.nose_w
    sk = ident.skin
    ny2 = ny - 0.018 * a09
    nw2 = nw * (1 + 0.2 * a09)
    # bridge shading
    for s in (-1, 1):
        d.line(fr.pts(_bezier((s * 0.022, 0.0), (s * 0.024, ny * 0.55), (s * (nw2 - 0.004), ny2 - 0.035), 8)),
               fill=_rgba(_shade(sk, 0.7), 80), width=fr.w(0.008))
    # tip highlight and under-nose shadow
    d.ellipse(fr.box(0, ny2 - 0.02, 0.022, 0.02), fill=_rgba(_shade(sk, 1.12), 90))
    d.ellipse(fr.box(0, ny2 + 0.012, nw2 * 0.8, 0.012), fill=_rgba(_shade(sk, 0.7), 80))
    # alar wings and nostrils
    for s in (-1, 1):
        d.ellipse(fr.box(s * (nw2 - 0.014), ny2 - 0.006, 0.016, 0.016), fill=_rgba(_shade(sk, 1.04), 120))
        d.arc(fr.box(s * (nw2 - 0.012), ny2 - 0.006, 0.017, 0.017), -80 if s > 0 else 100, 110 if s > 0 else 290,
              fill=_rgba(_shade(sk, 0.5), 170), width=fr.w(0.006))
        d.ellipse(fr.box(s * nw2 * 0.42, ny2 + 0.004, 0.013, 0.007), fill=_rgba(_shade(sk, 0.3), 230))
    # AU09 wrinkles across the bridge
    if a09 > 0:
        for k in range(3):
            y = 0.04 + 0.02 * k
            w = 0.03 + 0.004 * k
            d.line(fr.pts(_bezier((-w, y + 0.006), (0, y - 0.006), (w, y + 0.006), 7)),
                   fill=_rgba(_shade(sk, 0.45), 230 * a09), width=fr.w(0.007))
        for s in (-1, 1):  # sneer lines beside the nose
            d.line(fr.pts([(s * 0.03, 0.02), (s * (nw2 + 0.008), 0.11)]), fill=_rgba(_shade(sk, 0.5), 200 * a09), width=fr.w(0.007))


class _Mouth:
    def __init__(self, ident: Identity, g):
        a10, a12, a14, a15, a17 = g["AU10"], g["AU12"], g["AU14"], g["AU15"], g["AU17"]
        a20, a23, a25, a26 = g["AU20"], g["AU23"], g["AU25"], g["AU26"]
        my, mw = ident.mouth_y, ident.mouth_w
        self.cx = mw * (1 + 0.28 * a12 + 0.36 * a20 - 0.2 * a23 - 0.2 * a14)
        self.cy = my - 0.045 * a12 + 0.042 * a15 + 0.012 * a20 + 0.008 * a17
        drop = 0.085 * a26
        thin = (1 - 0.7 * a23) * (1 - 0.3 * a20) * (1 - 0.2 * a12)
        self.ul = ident.lip_up * thin
        self.ll = ident.lip_lo * thin * (1 + 0.3 * a17)
        self.a23 = a23
        self.up_raise = 0.024 * a10
        self.su_c = my - self.up_raise - 0.004 * a25     # upper stomion, centre
        self.sl_c = my + 0.024 * a25 + drop - 0.018 * a17  # lower stomion, centre
        self.sl_c = max(self.sl_c, self.su_c)
        self.bow = ident.bow * (1 - 0.5 * a23)
        self.a10 = a10
        self.drop = drop
        self.a14 = a14

    def curves(self, n=21):
        x = np.linspace(-1, 1, n)
        X = x * self.cx
        f = 1 - x ** 2
        su = self.cy + (self.su_c - self.cy) * f ** 0.9
        # AU10 raises the upper lip as a squarish block
        su = su - self.up_raise * 0.4 * (1 - np.abs(x) ** 4) * (1 - f ** 0.9)
        sl = self.cy + (self.sl_c - self.cy) * f ** 0.7
        tu = self.ul * (0.15 + 0.85 * f ** 0.55)
        outer_u = su - tu + self.bow * np.exp(-(x / 0.12) ** 2) - self.bow * 0.6 * np.exp(-((np.abs(x) - 0.32) / 0.14) ** 2)
        outer_u = outer_u - self.up_raise * 0.35 * f  # whole upper lip up (AU10)
        tl = self.ll * (0.12 + 0.88 * f ** 0.5)
        outer_l = sl + tl
        return X, su, sl, outer_u, outer_l


def _draw_mouth(img, d, fr, ident, g):
    m = _Mouth(ident, g)
    X, su, sl, ou, ol = m.curves()
    lip = ident.lip
    gap = sl - su
    if gap.max() > 0.0015:
        inner = np.concatenate([np.stack([X, su], 1), np.stack([X, sl], 1)[::-1]])
        teeth_h = 0.022

        def interior(patch, org):
            pd = ImageDraw.Draw(patch, "RGBA")
            ox, oy = org

            def P(pts):
                return [(x - ox, y - oy) for x, y in fr.pts(pts)]

            pd.polygon(P(np.stack([X, sl + 0.02], 1).tolist() + [(X[-1], sl.max() - 0.04), (X[0], sl.max() - 0.04)]), fill=(150, 60, 70))  # tongue
            # upper teeth hang from the upper stomion, lower teeth rise from the lower one
            tx = X * 0.82
            pd.polygon(P(np.concatenate([np.stack([tx, su - 0.01], 1), np.stack([tx, su + teeth_h * (0.55 + 0.45 * (1 - (X / m.cx) ** 2))], 1)[::-1]])), fill=(238, 236, 225))
            for k in range(-3, 4):
                xx = k * 0.016
                if abs(xx) < m.cx * 0.8:
                    pd.line(P([(xx, su[10] - 0.01), (xx, su[10] + teeth_h)]), fill=(190, 185, 175, 200), width=fr.w(0.0025))
            if m.drop > 0.02:
                pd.polygon(P(np.concatenate([np.stack([tx * 0.9, sl + 0.01], 1), np.stack([tx * 0.9, sl - teeth_h * 0.6], 1)[::-1]])), fill=(222, 220, 208))

        _paste_polygon(img, (60, 20, 25), fr.pts(inner), interior)
    # lips
    d.polygon(fr.pts(np.concatenate([np.stack([X, ou], 1), np.stack([X, su], 1)[::-1]])), fill=_shade(lip, 0.9))
    d.polygon(fr.pts(np.concatenate([np.stack([X, sl], 1), np.stack([X, ol], 1)[::-1]])), fill=lip)
    d.ellipse(fr.box(0, (sl[10] + ol[10]) / 2 - 0.002, m.cx * 0.35, m.ll * 0.22), fill=_rgba((255, 255, 255), 55))
    d.line(fr.pts(np.stack([X, su], 1)), fill=_rgba(_shade(lip, 0.45), 200), width=fr.w(0.004), joint="curve")
    d.line(fr.pts(np.stack([X, ou], 1)), fill=_rgba(_shade(lip, 0.8), 120), width=fr.w(0.0025))
    # corners
    for s in (-1, 1):
        d.ellipse(fr.box(s * m.cx, m.cy, 0.006, 0.005), fill=_rgba(_shade(lip, 0.4), 180))
    # AU14: tightened corners drawn inward, a bulge beside each corner and a
    # dimple crease beyond it
    if m.a14 > 0:
        sk, a = ident.skin, m.a14
        for s in (-1, 1):
            d.ellipse(fr.box(s * (m.cx + 0.008), m.cy - 0.001, 0.011, 0.015), fill=_rgba(_shade(sk, 1.2), 150 * a))
            d.ellipse(fr.box(s * (m.cx + 0.026), m.cy - 0.002, 0.012, 0.021), fill=_rgba(_shade(sk, 0.55), 170 * a))
            d.arc(fr.box(s * (m.cx + 0.02), m.cy, 0.02, 0.036), -70 if s > 0 else 110, 70 if s > 0 else 250,
                  fill=_rgba(_shade(sk, 0.4), 255 * a), width=fr.w(0.009))
            d.ellipse(fr.box(s * m.cx, m.cy, 0.007, 0.006), fill=_rgba(_shade(lip, 0.3), 220 * a))
    # AU23: pressed lips, vertical lip lines
    if m.a23 > 0:
        for k in range(-3, 4):
            x = k * m.cx * 0.22
            i = int(round((x / m.cx + 1) * 10))
            d.line(fr.pts([(x, float(ou[i]) - 0.012), (x * 1.05, float(ou[i]) + 0.002)]), fill=_rgba(_shade(ident.skin, 0.55), 170 * m.a23), width=fr.w(0.004))
            d.line(fr.pts([(x, float(ol[i]) - 0.002), (x * 1.05, float(ol[i]) + 0.01)]), fill=_rgba(_shade(ident.skin, 0.55), 140 * m.a23), width=fr.w(0.004))
    return m, ol


def _draw_chin(d, fr, ident, g, m, ol):
    a17 = g["AU17"]
    sk = ident.skin
    y_lip = float(ol[10])
    # mentolabial sulcus (the crease under the lower lip)
    sul_y = y_lip + 0.02 - 0.006 * a17
    d.line(fr.pts(_bezier((-0.045, sul_y + 0.006), (0, sul_y), (0.045, sul_y + 0.006), 7)),
           fill=_rgba(_shade(sk, 0.6), 50 + 170 * a17), width=fr.w(0.007))
    chin = ident.chin_y + m.drop
    d.ellipse(fr.box(0, chin - 0.055 - 0.015 * a17, 0.055, 0.032), fill=_rgba(_shade(sk, 1.15), 40 + 80 * a17))
    if a17 > 0:
        rng = np.random.default_rng([ident.seed, 17])
        pts = rng.uniform(-1, 1, (16, 2))
        for x, y in pts:
            d.ellipse(fr.box(x * 0.04, chin - 0.055 + y * 0.02, 0.005, 0.004), fill=_rgba(_shade(sk, 0.6), 180 * a17))


def _draw_glasses(d, fr, ident):
    if GLASSES[ident.glasses] == "none":
        return
    c = ident.glasses_colour
    ex, ew = ident.eye_sep, ident.eye_w
    rx, ry = ew + 0.02, 0.042
    w = fr.w(0.006)
    for s in (-1, 1):
        b = fr.box(s * ex, 0.012, rx, ry)
        d.ellipse(b, fill=(255, 255, 255, 22)) if GLASSES[ident.glasses] == "round" else d.rounded_rectangle(b, radius=fr.k * 0.02, fill=(255, 255, 255, 22))
        if GLASSES[ident.glasses] == "round":
            d.ellipse(b, outline=c, width=w)
        else:
            d.rounded_rectangle(b, radius=fr.k * 0.02, outline=c, width=w)
        d.line(fr.pts([(s * (ex + rx), -0.005), (s * (ident.face_hw + 0.01), -0.01)]), fill=c, width=w)
    d.line(fr.pts(_bezier((-(ex - rx), -0.005), (0, -0.02), (ex - rx, -0.005), 6)), fill=c, width=w)


def _check_size(size: int) -> int:
    size = int(size)
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise DatasetError(f"image size {size} is outside [{MIN_SIZE}, {MAX_SIZE}] px; use e.g. 64, 128 or 256")
    return size


def _supersample(size: int) -> int:
    return 3 if size <= 96 else 2


def render(identity: Identity, aus, size: int = 128) -> np.ndarray:
    """Draw one face: ``(size, size, 3)`` uint8 RGB.

    ``aus``: ``(17,)`` intensities in [0, 1] (values outside are clipped) or a
    dict like ``{"AU12": 0.8}``. Deterministic in ``(identity, aus, size)``.
    """
    size = _check_size(size)
    a = np.clip(to_vector(aus) if isinstance(aus, dict) else check_vector(aus), 0.0, 1.0)
    ss = _supersample(size)
    px = size * ss
    lay = _layers(identity, size, ss)
    fr = _Frame(identity, px)
    g = {code: float(a[i]) for code, i in _A.items()}
    drop = 0.085 * g["AU26"]

    img = lay.bg.copy()
    d = ImageDraw.Draw(img, "RGBA")
    _draw_hair_back(d, fr, identity)
    _draw_neck(d, fr, identity, drop)
    _draw_ears(d, fr, identity)
    outline = _face_outline(identity, drop)
    _paste_polygon(img, lay.skin, fr.pts(outline))
    d = ImageDraw.Draw(img, "RGBA")
    d.line(fr.pts(np.concatenate([outline, outline[:1]])), fill=_rgba(_shade(identity.skin, 0.7), 90), width=fr.w(0.004))
    _draw_cheeks(d, fr, identity, g)
    _draw_nasolabial(d, fr, identity, g)
    _draw_forehead(d, fr, identity, g)
    _draw_nose(d, fr, identity, g)
    _draw_eyes(img, d, fr, identity, g, lay.skin)
    _draw_brows(d, fr, identity, g)
    m, ol = _draw_mouth(img, d, fr, identity, g)
    _draw_chin(d, fr, identity, g, m, ol)
    _draw_hair_front(d, fr, identity)
    _draw_glasses(d, fr, identity)

    out = img.resize((size, size), Image.LANCZOS)
    arr = np.asarray(out, np.float32) * lay.light
    return np.clip(arr + 0.5, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------
# region masks
# --------------------------------------------------------------------------


def region_masks(identity: Identity, size: int = 128) -> dict[str, np.ndarray]:
    """Per AU, a ``(size, size)`` bool mask of the pixels that AU may change.

    The masks hold whatever the other AUs are: changing only AU ``k`` between
    two renders of the same identity changes pixels only where
    ``masks[k]`` is True.
    """
    size = _check_size(size)
    fr = _Frame(identity, size)
    margin = 5.0 / fr.k  # Lanczos support (3 px) + anti-aliasing, in face units
    ex, ew, eh = identity.eye_sep, identity.eye_w, identity.eye_h
    hw = identity.face_hw
    my, mw = identity.mouth_y, identity.mouth_w
    ny, nw = identity.nose_y, identity.nose_w

    def new():
        im = Image.new("L", (size, size), 0)
        return im, ImageDraw.Draw(im)

    def ell(d, cx, cy, rx, ry):
        d.ellipse(fr.box(cx, cy, rx + margin, ry + margin), fill=255)

    def rect(d, x0, y0, x1, y1):
        d.rectangle(fr.box((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 + margin, (y1 - y0) / 2 + margin), fill=255)

    def naso(d):
        for s in (-1, 1):
            for a12 in (0.0, 0.5, 1.0):
                for a20 in (0.0, 0.5, 1.0):
                    c = _nasolabial(identity, {"AU12": a12, "AU20": a20}, s)
                    d.line(fr.pts(c), fill=255, width=max(1, int(math.ceil(fr.k * (0.006 + 2 * margin)))))
                    for p in c[[0, -1]]:
                        ell(d, p[0], p[1], 0.006, 0.006)

    brow_top = identity.brow_gap + 0.05 + 0.044 + 0.03  # highest forehead wrinkle
    masks = {}
    # brows and forehead
    im, d = new()
    rect(d, -(ex + 0.11), -brow_top - 0.012, ex + 0.11, -identity.brow_gap + 0.062)
    brows = im
    for code in ("AU01", "AU02", "AU04"):
        masks[code] = brows
    # eyes
    im, d = new()
    for s in (-1, 1):
        rect(d, s * ex - ew - 0.012, -eh * 1.8 - 0.02, s * ex + ew + 0.02, eh * 0.7 + 0.022)
        ell(d, s * ex, -0.005, ew + 0.022, eh * 2.0 + 0.01)
    eyes = im
    for code in ("AU05", "AU07", "AU45"):
        masks[code] = eyes
    # cheeks
    im, d = new()
    im.paste(255, mask=eyes)
    for s in (-1, 1):
        ell(d, s * (ex + 0.02), 0.11, 0.085, 0.09)
        ell(d, s * (ex + ew + 0.03), 0.005, 0.04, 0.04)
    naso(d)
    masks["AU06"] = im
    # nose
    im, d = new()
    rect(d, -nw * 1.2 - 0.035, 0.02, nw * 1.2 + 0.035, ny + 0.03)
    naso(d)
    masks["AU09"] = im
    # mouth
    mouth_x = mw * 1.72 + 0.045
    im, d = new()
    rect(d, -mouth_x, my - 0.075, mouth_x, my + 0.15)
    mouth = im
    for code in ("AU14", "AU15", "AU23", "AU25"):
        masks[code] = mouth
    for code in ("AU10", "AU12", "AU20"):
        im = mouth.copy()
        naso(ImageDraw.Draw(im))
        masks[code] = im
    # chin
    im, d = new()
    im.paste(255, mask=mouth)
    rect(d, -0.08, my, 0.08, identity.chin_y + 0.09 + 0.01)
    masks["AU17"] = im
    # jaw
    im, d = new()
    im.paste(255, mask=mouth)
    outline = _face_outline(identity, 0.0)
    fixed = outline[:, 1] <= ny + 0.03
    y_top = float(outline[fixed, 1].max()) - 0.01  # the last outline vertex the jaw drop leaves in place
    rect(d, -hw - 0.05, min(y_top, ny + 0.02), hw + 0.05, identity.chin_y + 0.14)
    masks["AU26"] = im
    return {code: np.asarray(masks[code]) > 0 for code in AU_CODES}


# --------------------------------------------------------------------------
# datasets and evaluation pairs
# --------------------------------------------------------------------------

PAIRS_DIR = "pairs"
PAIRS_TABLE = "pairs.csv"
PAIR_COLUMNS = ("pair_id", "identity", "source_file", "target_file",
                *(f"src_{c}" for c in AU_CODES), *(f"tgt_{c}" for c in AU_CODES))
PER_IDENTITY = 4  # dataset images drawn per identity


def identity_for(seed: int, identity_index: int) -> Identity:
    """The ``identity_index``-th identity of a dataset seeded with ``seed``."""
    return sample_identity(np.random.default_rng([seed, identity_index, 1]))


def _item(seed: int, index: int, per_identity: int) -> tuple[int, np.ndarray]:
    """(identity index, AUs) of dataset image ``index``: depends only on (seed, index)."""
    aus = sample_aus(np.random.default_rng([seed, index, 2]))
    return index // per_identity, np.round(aus, 4).astype(np.float32)  # as stored in the table


def _render_item(job):
    seed, index, per_identity, size = job
    ident_idx, aus = _item(seed, index, per_identity)
    return index, ident_idx, aus, render(identity_for(seed, ident_idx), aus, size)


def _render_pair(job):
    seed, k, size = job
    rng = np.random.default_rng([seed, k, 3])
    ident = sample_identity(rng)
    src = np.round(sample_aus(rng), 4).astype(np.float32)  # rendered exactly as stored
    tgt = np.round(sample_aus(rng), 4).astype(np.float32)
    return k, src, tgt, render(ident, src, size), render(ident, tgt, size)


def _imap(fn, jobs, workers: int):
    if workers <= 1:
        yield from map(fn, jobs)
        return
    import multiprocessing as mp

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ctx.Pool(workers) as pool:
        yield from pool.imap(fn, jobs, chunksize=16)


def held_out_identities(seed: int, n_identities: int, test_fraction: float) -> set[int]:
    """Identity indices held out for the test split (a seeded choice)."""
    n_test = int(round(n_identities * test_fraction))
    if test_fraction > 0 and n_identities > 1:
        n_test = min(max(n_test, 1), n_identities - 1)
    perm = np.random.default_rng([seed, 4]).permutation(n_identities)
    return set(int(i) for i in perm[:n_test])


def synthesize_dataset(out_dir: str | os.PathLike, count: int, size: int = 128, seed: int = 0, pairs: int = 0,
                       test_fraction: float = 0.1, progress: Callable[[int], None] | None = None,
                       workers: int = 1, per_identity: int = PER_IDENTITY) -> dict:
    """Render ``count`` faces into a prepared dataset at ``out_dir``.

    Faces come ``per_identity`` to an identity (ids ``synth<seed>_<n>`` in the
    ``identity`` column); a ``test_fraction`` of the identities (not images)
    form the ``test`` split. With ``pairs=K`` it also writes K evaluation
    pairs (same identity, two independent expressions) under
    ``out_dir/pairs/`` (see :func:`read_pairs`). Image ``i`` depends only on
    ``(seed, i)``, so the result does not depend on ``workers``. Re-running
    into the same folder with the same settings resumes. ``progress(n)`` is
    called after each written image (dataset and pair images alike).
    Returns a summary dict.
    """
    from ganimation.data.prepared import CROPS, PreparedWriter, Record, read_meta

    size = _check_size(size)
    count, pairs, per_identity = int(count), int(pairs), int(per_identity)
    if count < 0 or pairs < 0:
        raise DatasetError("count and pairs must be >= 0")
    if per_identity < 1:
        raise DatasetError("per_identity must be >= 1")
    if not 0.0 <= float(test_fraction) < 1.0:
        raise DatasetError(f"test fraction {test_fraction} is outside [0, 1)")
    out = Path(out_dir)
    settings = {"generator": "ganimation.synthetic", "seed": int(seed), "per_identity": per_identity,
                "test_fraction": float(test_fraction)}
    if (out / "dataset.json").is_file():
        meta = read_meta(out)
        old = {k: meta.get(k) for k in settings}
        if old != settings or int(meta.get("image_size", size)) != size:
            raise DatasetError(
                f"{out} already holds a dataset made with other settings ({old}, {meta.get('image_size')} px); "
                "choose a new output folder or the same --seed/--size/--test-fraction to resume"
            )
        made = meta.get("count")
        if made is not None and int(made) != count:
            # the held-out identities are drawn from all identities of the count: another count moves some
            # of the faces written already to the other split, and an identity would sit in both
            raise DatasetError(
                f"{out} holds a dataset of --count {made}; resume it with the same count (a different one "
                "would put some identities in both the train and the test split), or choose a new output folder"
            )
    n_ids = (count + per_identity - 1) // per_identity
    held_out = held_out_identities(seed, n_ids, test_fraction)
    n_test = 0
    with PreparedWriter(out, size, extra_meta={**settings, "count": count}) as writer:
        done = writer.done_files()
        todo = [i for i in range(count) if f"synth_{i:07d}.png" not in done]
        jobs = [(int(seed), i, per_identity, size) for i in todo]
        for index, ident_idx, aus, img in _imap(_render_item, jobs, workers):
            split = "test" if ident_idx in held_out else "train"
            writer.add(img, Record(file=f"synth_{index:07d}.png", aus=aus, split=split,
                                   identity=f"synth{seed}_{ident_idx:06d}", source=f"synthetic:{seed}:{index}"))
            if progress is not None:
                progress(1)
    n_test = sum(1 for i in range(count) if i // per_identity in held_out)
    if pairs:
        _write_pairs(out / PAIRS_DIR, pairs, size, int(seed), workers, progress)
    log.debug("synthesized %d faces (%d identities) into %s", count, n_ids, out)
    return {"dir": str(out), "count": count, "identities": n_ids, "test_images": n_test,
            "train_images": count - n_test, "pairs": pairs, "size": size, "seed": int(seed),
            "crops": str(out / CROPS)}


def _write_pairs(root: Path, count: int, size: int, seed: int, workers: int, progress) -> None:
    root.mkdir(parents=True, exist_ok=True)
    table = root / PAIRS_TABLE
    tmp = table.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(PAIR_COLUMNS)
        for k, src, tgt, a, b in _imap(_render_pair, [(seed, k, size) for k in range(count)], workers):
            pid = f"{k:06d}"
            names = (f"{pid}_src.png", f"{pid}_tgt.png")
            for name, img in zip(names, (a, b)):
                Image.fromarray(img).save(root / name)
                if progress is not None:
                    progress(1)
            w.writerow([pid, f"pair{seed}_{k:06d}", *names, *(f"{v:.4f}" for v in src), *(f"{v:.4f}" for v in tgt)])
    os.replace(tmp, table)


@dataclass
class Pair:
    """One evaluation pair: the same identity with a source and a target expression."""

    pair_id: str
    identity: str
    source_file: Path
    target_file: Path
    source_aus: np.ndarray  # (17,) float32
    target_aus: np.ndarray  # (17,) float32

    def load(self) -> tuple[np.ndarray, np.ndarray]:
        """The two images, ``(S, S, 3)`` uint8 RGB each."""
        return (np.asarray(Image.open(self.source_file).convert("RGB")),
                np.asarray(Image.open(self.target_file).convert("RGB")))


def read_pairs(directory: str | os.PathLike) -> list[Pair]:
    """Read ``pairs.csv`` from ``directory`` (a dataset folder or its ``pairs/``)."""
    root = Path(directory)
    if not (root / PAIRS_TABLE).is_file() and (root / PAIRS_DIR / PAIRS_TABLE).is_file():
        root = root / PAIRS_DIR
    path = root / PAIRS_TABLE
    if not path.is_file():
        raise DatasetError(f"{path} is missing; make pairs with `ganimation synth -o DIR --pairs K`")
    out = []
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in PAIR_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DatasetError(f"{path}: missing columns {', '.join(missing[:4])}...; regenerate the pairs")
        for line, row in enumerate(reader, start=2):
            try:
                src = np.array([float(row[f"src_{c}"]) for c in AU_CODES], np.float32)
                tgt = np.array([float(row[f"tgt_{c}"]) for c in AU_CODES], np.float32)
            except ValueError:
                raise DatasetError(f"{path}:{line}: an AU value is not a number; regenerate the pairs") from None
            out.append(Pair(row["pair_id"], row["identity"], root / row["source_file"], root / row["target_file"],
                            src, tgt))
    return out
