"""Eye interior after a warp: an eye that opens or closes shows the eyeball where it was, not stretched.

When the lids open (AU05, surprise and fear), the warp stretches everything
between them: the iris becomes a tall oval, the pupil a slit, the shadow under
the upper lid a grey band. A real eye does not stretch: the eyeball stays
where it was and the lids uncover more of it, the hidden top of the iris and
the white above it. :func:`redraw_eyes` draws that for each eye that opens:

- inside the warped opening, the source eye's own pixels are placed *rigidly*
  (the similarity transform of the two eye corners: no vertical stretch), so
  the iris keeps its shape and size;
- what the source did not show (the lids covered it, above the placed
  eyeball and below it where the lower lid goes down) is filled: inside the
  iris (MediaPipe's iris circle, out to the edge the photo's own pixels show,
  :func:`iris_edge`) with the source's own iris completed around its circle
  (:func:`complete_iris`: each radius read where the lids did not cover it,
  catchlights left out, and interpolated around the circle where they did;
  a radial colour profile when the photo shows too little of the iris),
  elsewhere with the face's sclera colour (both eyes' readings pooled,
  :func:`shared_sclera`; each checked against the skin under its eye: a
  narrow eye's reading of lashes and shadow is brought toward a white in the
  photo's light, :func:`plausible_sclera`), both shaded darker under the
  upper lid;
- the band just below the source's upper lid (lashes and their shadow), the
  lower lid's margin, and outside the iris whatever is darker than the white
  are not copied into the middle of the new opening (they showed as lines
  across the opened eye); inside the iris a narrower band is left out, so the
  iris keeps the photo's own pixels and catchlights wherever it showed them;
- what is drawn gets the photo's own blur around the eye (:func:`photo_blur`),
  so a soft photo does not get a sharp, pasted-in white.

An eye that closes (sad's lid droop, AU45; a cheek raise or lid tightener,
AU06/AU07) is the same thing the other way: the warp squeezes the eyeball
between the lids that come together, the iris into a flat dark ellipse. The
source's eyeball is placed rigidly inside the smaller opening instead, in the
lowered lid's shadow, so the lid covers the top of the iris as a real lid
does; nothing needs filling. Eyes that barely change are left to the warp,
and so is an eye too small or too closed in the source to show any sclera,
and the far eye of a turned face (:data:`FORESHORTENED`), partly hidden
behind the nose.
No network runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganimation.images import luminance
from ganimation.motion.lids import HELD_TO
from ganimation.motion.regions import EYE_CONTOURS, IRIS_SETS, UPPER_LID, facing_lids
from ganimation.warp.blur import photo_blur
from ganimation.warp.dense import polygon_mask, roi_around, sample
from ganimation.warp.light import skin_below, white_tint

#: the opening must grow by this share (and at least MIN_GROWTH IOD) before the eye is redrawn
GROWTH_FROM = 0.08
MIN_GROWTH = 0.01
#: source openings below this height (IOD) are treated as closed: no sclera to draw from (the motion holds
#: such an eye (partly) closed in the first place: :func:`ganimation.motion.lids.keep_closed`)
OPEN_FROM = HELD_TO
#: band under the source's upper lid not copied (lashes, lid shadow): a share of the opening plus IOD
LASH_BAND, LASH_MIN = 0.3, 0.02
#: band over the source's lower lid not copied into an opening eye (the lid margin's wet line and lashes,
#: which go down with the lid): a share of the opening plus IOD
WATERLINE_BAND, WATERLINE_MIN = 0.2, 0.015
#: mean drop of the lower lid (pixels) from which the eyeball it uncovers is drawn too, faded in over
#: LOWER_DROP_RAMP pixels below it (an animation's or a video's frames do not jump); for smaller drops the
#: lower lid's margin is kept and the warp's lid below it left as it is (a small eye's few pixels of sclera)
LOWER_DROP_FROM, LOWER_DROP_RAMP = 1.0, 0.5
#: the sclera colour: median of the visible sclera pixels at or above this luminance percentile
SCLERA_PERCENTILE = 75
#: a sclera is at least this bright against the skin under the eye (its luminance share); a narrow eye
#: shows too little white for its colour to be read (wild_dev's 46_single_face, smiling: lashes and lid
#: shadow read as a sclera of 0.61 the skin's luminance, and the opened eyes were filled purple-grey),
#: so a darker reading is mixed toward a near-white at that brightness, in full from SCLERA_DARK of it
SCLERA_MIN_SHARE, SCLERA_DARK = 0.95, 0.6
#: rings of the iris's radial colour profile (what fills the iris the lid uncovers)
IRIS_RINGS = 4
#: the iris fill reaches this many of MediaPipe's iris radii: its circle often falls inside the dark
#: limbal ring, and sclera drawn there showed as a grey ring around the iris on large faces; the sclera
#: colour is sampled beyond it
IRIS_EDGE = 1.15
#: darkening of the uncovered sclera right at the upper lid, fading over this share of the opening
LID_SHADOW, SHADOW_DEPTH = 0.25, 0.3
#: an eye narrower than this share of the other (a face turned 35-40 degrees or more: the far eye is
#: partly behind the nose, and MediaPipe's contour runs on behind it) is left to the warp; drawn, its
#: eyeball showed over the nose
FORESHORTENED = 0.6
#: the iris the lids uncover is the source's own iris completed around its circle (:func:`complete_iris`):
#: every radius out to IRIS_REACH of MediaPipe's iris radius (past the limbus, into the white) is read
#: where the source shows it and interpolated around the circle where the lids covered it, out to the
#: edge its pixels show (:func:`iris_edge`)
IRIS_REACH = 1.4
#: a circle of the iris is read from the source only where it shows at least this many pixels of it:
#: a squinting eye shows its iris's outer circles over 2-3 pixels beside the lids, which read the lid
#: margin and lashes (wild_dev's 45_multi_face, iris radius 4 px: (53, 31, 29) for a blue-grey iris, and
#: the opened eye got a brown ring); on eyes of 10 px iris radius those circles show 5-10 pixels
IRIS_MIN_ARC = 3.0
#: what counts as showing the iris in the source: inside the lids, away from the upper lid by this share
#: of the opening plus pixels (its lashes and shadow)
IRIS_LID_BAND, IRIS_LID_MIN = 0.12, 0.5
#: ... and from the lower lid by at least as much and at least the placed eyeball's band, up to this share
#: of the lid gap (its margin drawn across the lower iris showed as a line)
IRIS_LOWER_CAP = 0.4
#: the placed eyeball keeps, outside the iris, only what is at least this bright against the white (none
#: of what is 0.1 less)
SCLERA_CLEAN = 0.8


def _opening(points: np.ndarray, contour: tuple[int, ...]) -> float:
    """Mean distance between the facing upper- and lower-lid points of ``contour`` (pixels)."""
    upper, lower = facing_lids(contour)
    return float(np.linalg.norm(points[upper] - points[lower], axis=1).mean())


def _similarity(src_a: np.ndarray, src_b: np.ndarray, dst_a: np.ndarray, dst_b: np.ndarray) -> np.ndarray:
    """``(2, 3)`` similarity mapping ``dst_a``, ``dst_b`` onto ``src_a``, ``src_b`` (target -> source)."""
    ds, dt = complex(*(src_b - src_a)), complex(*(dst_b - dst_a))
    z = ds / dt if abs(dt) > 1e-9 else 1.0
    a, b = z.real, z.imag
    m = np.array([[a, -b, 0.0], [b, a, 0.0]])
    m[:, 2] = src_a - m[:, :2] @ dst_a
    return m


def _visible(points: np.ndarray, contour: tuple[int, ...], band: float, lower_band: float = 0.0,
             lower_cap: float = 0.25) -> np.ndarray:
    """``(N, 2)`` the lid contour with the upper lid lowered by ``band`` pixels and the lower lid raised by
    ``lower_band`` (each at most a share of each lid gap: half, and ``lower_cap`` for the lower lid)."""
    poly = points[list(contour)].copy()
    n = len(contour)
    for i in range(1, UPPER_LID - 1):          # upper-lid point i faces lower-lid point n - i
        gap = poly[n - i] - poly[i]
        length = max(float(np.linalg.norm(gap)), 1e-6)
        poly[i] += gap * min(0.5, band / length)
        poly[n - i] -= gap * min(lower_cap, lower_band / length)
    return poly


def _opens(h_s: float, h_t: float, iod: float) -> bool:
    """Whether an eye whose lid gap goes from ``h_s`` to ``h_t`` pixels opens enough (and was open enough
    in the source) to be redrawn."""
    return h_s >= OPEN_FROM * iod and h_t >= h_s * (1 + GROWTH_FROM) and h_t - h_s >= MIN_GROWTH * iod


def _closes(h_s: float, h_t: float, iod: float) -> bool:
    """Whether an eye whose lid gap goes from ``h_s`` to ``h_t`` pixels closes enough (and was open enough
    in the source) for its eyeball to be placed rigidly under the lids."""
    return h_s >= OPEN_FROM * iod and h_t <= h_s * (1 - GROWTH_FROM) and h_s - h_t >= MIN_GROWTH * iod


def plausible_sclera(measured: np.ndarray, skin: np.ndarray | None) -> np.ndarray:
    """The sclera colour ``(3,)`` to fill with: ``measured`` (from the eye's visible white), mixed toward a
    white of :data:`SCLERA_MIN_SHARE` the luminance of ``skin`` (``(3,)``, the skin under the eye;
    None: ``measured`` as it is) when it reads darker than that: in full at :data:`SCLERA_DARK` of it.
    That white has the colour of a white in the light that shows the skin
    (:func:`ganimation.warp.light.white_tint`): an orange-lit face's is orange, not grey-blue."""
    measured = np.asarray(measured, np.float32)
    if skin is None:
        return measured
    skin = np.asarray(skin, np.float32)
    skin_lum = float(luminance(skin[None])[0])
    floor = SCLERA_MIN_SHARE * skin_lum
    seen = float(luminance(measured[None])[0])
    if seen >= floor or floor <= 0:
        return measured
    near_white = floor * white_tint(skin)
    keep = float(np.clip((seen / floor - SCLERA_DARK) / (1.0 - SCLERA_DARK), 0.0, 1.0))
    return (keep * measured + (1.0 - keep) * near_white).astype(np.float32)


def _iris_colours(pixels: np.ndarray, sclera: np.ndarray) -> np.ndarray:
    """``(N,)`` bool: which of an iris circle's visible ``pixels`` ``(N, 3)`` show the iris itself.

    Catchlights and the white the circle takes in where MediaPipe's iris rim is a little off are
    brighter than halfway from the iris's dark level (its 25th luminance percentile) to the ``sclera``
    colour ``(3,)``; left in, they made the drawn iris a pale ring around a dark pupil (wild_dev's
    dark-eyed portraits, 40_obama: the outer half of the profile read 94-127 against 38-57 inside).
    """
    lum = luminance(np.asarray(pixels, np.float32))
    white = float(luminance(np.asarray(sclera, np.float32)[None])[0])
    return lum <= 0.5 * (float(np.percentile(lum, 25)) + white)


def complete_iris(crop: np.ndarray, shown: np.ndarray, centre: np.ndarray, radius: float) -> np.ndarray | None:
    """The iris of ``crop`` ``(h, w, 3)`` float32 completed around its circle, in polar form.

    ``shown`` ``(h, w)``: where the crop shows the eyeball (1) rather than lid, lash or catchlight;
    ``centre`` ``(2,)`` and ``radius``: MediaPipe's iris circle in crop pixels. Returns ``(R, A, 3)``
    float32: row ``i`` is the radius ``(i + 0.5) / R * IRIS_REACH * radius``, column ``j`` the angle
    ``2 pi j / A`` (image x toward 0, y toward pi / 2); each row is the crop read around that circle,
    with the angles it does not show interpolated between the nearest it does (an iris's fibres run
    along its radii, its limbal ring and the white beyond it around it), and a row it shows nowhere,
    or over less than :data:`IRIS_MIN_ARC` pixels of its circle, taken from the nearest row it shows
    more of. None when the crop shows none of the circle.
    """
    from ganimation.faces import models

    cv2 = models.require("cv2", "eye redrawing")
    reach = IRIS_REACH * radius
    n_r = max(4, int(np.ceil(reach)))
    n_a = max(24, int(np.ceil(2 * np.pi * reach)))
    rr = ((np.arange(n_r) + 0.5) / n_r * reach)[:, None]
    th = 2 * np.pi * np.arange(n_a) / n_a
    mx = (centre[0] + rr * np.cos(th)[None]).astype(np.float32)
    my = (centre[1] + rr * np.sin(th)[None]).astype(np.float32)
    values = cv2.remap(np.ascontiguousarray(crop, np.float32), mx, my, cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REPLICATE)
    ok = cv2.remap(np.ascontiguousarray(shown, np.float32), mx, my, cv2.INTER_LINEAR,
                   borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0.99
    shown_arc = ok.sum(1) * (2 * np.pi * rr[:, 0] / n_a)       # pixels of each circle the crop shows
    rows = np.flatnonzero(ok.any(1) & (shown_arc >= IRIS_MIN_ARC))
    if not len(rows):
        rows = np.flatnonzero(ok.any(1))
    if not len(rows):
        return None
    # each angle between the nearest angles shown before and after it on its circle (three turns laid
    # side by side, so that the neighbours of the middle turn's angles wrap around)
    ok3 = np.tile(ok[rows], (1, 3))
    at = np.arange(3 * n_a)
    before = np.maximum.accumulate(np.where(ok3, at, -1), axis=1)[:, n_a:2 * n_a]
    after = np.minimum.accumulate(np.where(ok3, at, 3 * n_a)[:, ::-1], axis=1)[:, ::-1][:, n_a:2 * n_a]
    here = at[n_a:2 * n_a][None]
    share = np.where(after > before, (here - before) / np.maximum(after - before, 1), 0.0)[..., None]
    turns = np.tile(values[rows], (1, 3, 1))
    lo = np.take_along_axis(turns, before[..., None], axis=1)
    hi = np.take_along_axis(turns, after[..., None], axis=1)
    out = np.empty_like(values)
    out[rows] = ((1.0 - share) * lo + share * hi).astype(np.float32)
    nearest = rows[np.abs(np.arange(n_r)[:, None] - rows[None]).argmin(1)]
    return out[nearest]


def iris_edge(polar: np.ndarray, white: float) -> float:
    """Where the iris of a :func:`complete_iris` result ``polar`` ends, in MediaPipe iris radii: the first
    radius beyond half of one whose median luminance is past halfway from the iris's (the median of the
    rows inside half a radius) to the ``white`` of the eye, interpolated between rows and at most
    :data:`IRIS_EDGE`; MediaPipe's radius, 1, when none is (a narrow eye shows only lashes and shadow
    beside its iris) or when the iris is nearly as light as the white."""
    n_r = polar.shape[0]
    lum = np.median(luminance(polar.reshape(-1, 3)).reshape(n_r, -1), axis=1)
    rows = (np.arange(n_r) + 0.5) / n_r * IRIS_REACH                 # row centres in iris radii
    iris = float(np.median(lum[rows < 0.5])) if np.any(rows < 0.5) else float(lum[0])
    if white - iris < 20.0:
        return 1.0
    level = 0.5 * (iris + white)
    past = np.flatnonzero((rows > 0.5) & (lum > level))
    if not len(past):
        return 1.0
    i = int(past[0])
    if i == 0 or lum[i - 1] >= level:
        return float(min(rows[i], IRIS_EDGE))
    # where the luminance crosses the level between the two rows (a small change of the white moves it
    # a little, not a whole row)
    return float(min(rows[i - 1] + (rows[i] - rows[i - 1]) * (level - lum[i - 1]) / (lum[i] - lum[i - 1]),
                     IRIS_EDGE))


def _read_polar(polar: np.ndarray, px: np.ndarray, py: np.ndarray, centre: np.ndarray,
                radius: float) -> np.ndarray:
    """``(h, w, 3)``: the :func:`complete_iris` result ``polar`` read at the source points ``px``, ``py``
    ``(h, w)`` (the circle's ``centre`` and ``radius`` in the same coordinates; beyond its reach, its
    outermost row)."""
    from ganimation.faces import models

    cv2 = models.require("cv2", "eye redrawing")
    n_r, n_a = polar.shape[:2]
    wrapped = np.concatenate([polar[:, -1:], polar, polar[:, :1]], axis=1)     # the angle wraps around
    dx, dy = px - centre[0], py - centre[1]
    row = np.hypot(dx, dy) / (IRIS_REACH * radius) * n_r - 0.5
    col = np.mod(np.arctan2(dy, dx), 2 * np.pi) / (2 * np.pi) * n_a + 1.0
    return cv2.remap(wrapped, col.astype(np.float32), row.astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def _radial_profile(iris_px: np.ndarray, iris_ring: np.ndarray, ring_t: np.ndarray) -> np.ndarray:
    """``(h, w, 3)`` float32: the iris drawn from a radial profile of its visible colours ``iris_px``
    ``(N, 3)`` at their radii ``iris_ring`` ``(N,)`` (:data:`IRIS_RINGS` rings out to :data:`IRIS_EDGE`,
    per-ring medians), at the radii ``ring_t`` ``(h, w)``: what :func:`complete_iris` falls back to."""
    bins = np.minimum((iris_ring / IRIS_EDGE * IRIS_RINGS).astype(int), IRIS_RINGS - 1)
    fallback = np.median(iris_px, axis=0)          # medians: a catchlight does not grey a ring
    profile = np.stack([np.median(iris_px[bins == k], axis=0) if np.any(bins == k) else fallback
                        for k in range(IRIS_RINGS)])
    at = IRIS_EDGE * (np.arange(IRIS_RINGS) + 0.5) / IRIS_RINGS   # ring centres; linear in between
    return np.stack([np.interp(ring_t, at, profile[:, k]) for k in range(3)], -1).astype(np.float32)


def _clean_white(lum: np.ndarray, in_iris: np.ndarray, white: float, drops: float, outer: np.ndarray,
                 inner: np.ndarray, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
    """``(h, w)`` float32 0-1: where the placed eyeball keeps the source's pixels of luminance ``lum``
    ``(h, w)`` (at pixel coordinates ``cx``, ``cy``): inside the iris (``in_iris``, 0-1), and outside it
    what is at least :data:`SCLERA_CLEAN` of the ``white`` (none of what is 0.1 less): the lids'
    margins, lashes and their shadows that the lid bands did not take showed as lines across an opened
    eye. Below the line between the ``outer`` and ``inner`` corners ``(2,)`` only as far as the lower
    lid goes down (``drops``, 0-1): a lower lid that stays keeps its margin where the warp has it."""
    clean = np.maximum(in_iris, np.clip((lum / max(white, 1.0) - SCLERA_CLEAN) / 0.1 + 1.0, 0.0, 1.0))
    a, b = outer, inner
    below = ((b[0] - a[0]) * (cy - a[1]) - (b[1] - a[1]) * (cx - a[0])) * np.sign(b[0] - a[0]) > 0
    return np.where(below, 1.0 - drops * (1.0 - clean), clean).astype(np.float32)


@dataclass
class SourceEye:
    """What one eye of the photo before the warp shows, in a window ``box`` ``(x0, y0, x1, y1)`` of it.

    - ``crop``: ``(h, w, 3)`` float32, the window's pixels.
    - ``visible``: ``(N, 2)`` polygon (photo pixels) of the eyeball the lids show, less the band under the
      upper lid (lashes, lid shadow) and, when the lower lid goes down, its margin (``drops``, 0-1).
    - ``above``, ``below``: ``(M, 2)`` polygons of what lies above that (lid, lashes, the hidden eyeball)
      and below it: uncovered as the lids open.
    - ``mask``: ``(h, w)`` float32, ``visible`` rasterised in the window.
    - ``centre`` ``(2,)`` and ``radius``: MediaPipe's iris circle (photo pixels); ``ring``: ``(h, w)`` each
      window pixel's distance from its centre in iris radii; ``grid``: ``(cx, cy)``, each ``(h, w)``, the
      window pixels' photo coordinates.
    - ``sclera``: ``(N, 3)`` float32, the visible eyeball's pixels outside the iris (:data:`IRIS_EDGE`).
    - ``skin``: ``(3,)`` the skin under the eye (:func:`ganimation.warp.light.skin_below`), or None.
    """

    box: tuple[int, int, int, int]
    crop: np.ndarray
    visible: np.ndarray
    above: np.ndarray
    below: np.ndarray
    drops: float
    mask: np.ndarray
    centre: np.ndarray
    radius: float
    ring: np.ndarray
    grid: tuple[np.ndarray, np.ndarray]
    sclera: np.ndarray
    skin: np.ndarray | None

    def sclera_reading(self) -> np.ndarray | None:
        """``(3,)`` the white's colour as the photo shows it: the median of the visible sclera pixels at
        or above :data:`SCLERA_PERCENTILE` of their luminance; None when fewer than 3 show."""
        if len(self.sclera) < 3:
            return None
        lum = luminance(self.sclera)
        return np.median(self.sclera[lum >= np.percentile(lum, SCLERA_PERCENTILE)], axis=0).astype(np.float32)


def source_eye(source_image: np.ndarray, src: np.ndarray, dst: np.ndarray, eye: int, iod: float, h_s: float,
               h_t: float) -> SourceEye | None:
    """:class:`SourceEye` of eye ``eye`` (0: image left, 1: image right) of ``source_image`` ``(H, W, 3)``
    uint8 with landmarks ``src`` moving to ``dst`` (``(478, 2)`` pixels), lid gap ``h_s`` -> ``h_t``
    pixels; None when the eye lies at (or beyond) the photo's edge."""
    contour, iris = EYE_CONTOURS[eye], IRIS_SETS[eye]
    # the source's visible eyeball (below the lash band; above the lower lid's margin too when that lid
    # goes down)
    _, lower = facing_lids(contour)
    drop = float(np.mean(dst[lower, 1] - src[lower, 1])) if h_t > h_s else 0.0
    drops = float(np.clip((drop - LOWER_DROP_FROM) / LOWER_DROP_RAMP + 1.0, 0.0, 1.0))   # 0-1, full at FROM
    lower_band = drops * (WATERLINE_BAND * h_s + WATERLINE_MIN * iod)
    vis_s = _visible(src, contour, LASH_BAND * h_s + LASH_MIN * iod, lower_band)
    top, bottom = vis_s[:UPPER_LID], np.concatenate([vis_s[UPPER_LID - 1:], vis_s[:1]])
    above_s = np.concatenate([top, top[::-1] - [0.0, 4.0 * h_s + 4.0]])
    below_s = np.concatenate([bottom, bottom[::-1] + [0.0, 4.0 * h_s + 4.0]])
    sx0, sy0, sx1, sy1 = roi_around(np.concatenate([src[list(contour)], above_s]), source_image.shape[1],
                                    source_image.shape[0], pad=2)
    if sx1 - sx0 < 3 or sy1 - sy0 < 3:
        return None
    mask = polygon_mask((sy1 - sy0, sx1 - sx0), vis_s, (sx0, sy0))
    crop = source_image[sy0:sy1, sx0:sx1].astype(np.float32)
    centre = src[iris[0]]
    radius = float(np.linalg.norm(src[list(iris[1:])] - centre, axis=1).mean())
    cx, cy = np.meshgrid(np.arange(sx0, sx1), np.arange(sy0, sy1))
    ring = np.hypot(cx - centre[0], cy - centre[1]) / max(radius, 1e-6)     # radius units
    return SourceEye(box=(sx0, sy0, sx1, sy1), crop=crop, visible=vis_s, above=above_s, below=below_s, drops=drops,
                     mask=mask, centre=centre, radius=radius, ring=ring, grid=(cx, cy),
                     sclera=crop[(mask > 0.9) & ~(ring < IRIS_EDGE)],
                     skin=skin_below(source_image, src, contour, iod))


def shared_sclera(eyes: list[SourceEye | None]) -> list[np.ndarray | None]:
    """One white for a face's eyes: per eye of ``eyes`` (None: not read), the ``(3,)`` colour to fill its
    uncovered sclera with, or None when no eye shows enough white to read.

    Each eye's reading (:meth:`SourceEye.sclera_reading`, made plausible against the skin under it,
    :func:`plausible_sclera`) gives a brightness against that skin and a tint; the two eyes' are pooled,
    weighted by how many sclera pixels each shows, and every eye gets the pooled tint at the pooled
    brightness times its own skin's luminance. A narrow eye's few pixels of white take in its lid and
    skin (wild_dev's 42_kit_with_rose read (222, 176, 168) beside the other eye's (230, 223, 209)):
    drawn on their own, the two opened eyes of one face had a pink and a cold white; a face lit from
    one side keeps a darker white on its darker side.
    """
    def skin_lum(e: SourceEye) -> float:
        return float(luminance(e.skin[None])[0]) if e.skin is not None else 0.0

    readings = {}                        # eye -> (tint (3,), luminance, luminance / skin's or None, pixels)
    for k, e in enumerate(eyes):
        measured = e.sclera_reading() if e is not None else None
        if measured is not None:
            colour = plausible_sclera(measured, e.skin)
            lum = max(float(luminance(colour[None])[0]), 1.0)
            readings[k] = (colour / lum, lum, lum / skin_lum(e) if skin_lum(e) > 0 else None, float(len(e.sclera)))
    if not readings:
        return [None] * len(eyes)
    read = list(readings.values())
    tint = np.average([r[0] for r in read], axis=0, weights=[r[3] for r in read])
    against_skin = [r for r in read if r[2] is not None]
    share = (float(np.average([r[2] for r in against_skin], weights=[r[3] for r in against_skin]))
             if against_skin else None)
    out: list[np.ndarray | None] = []
    for k, e in enumerate(eyes):
        if e is None:
            out.append(None)
            continue
        if share is not None and skin_lum(e) > 0:
            lum = share * skin_lum(e)
        elif k in readings:
            lum = readings[k][1]
        else:
            lum = float(np.average([r[1] for r in read], weights=[r[3] for r in read]))
        out.append(np.clip(tint * lum, 0.0, 255.0).astype(np.float32))
    return out


def _eye(out: np.ndarray, source_image: np.ndarray, src: np.ndarray, dst: np.ndarray, eye: int, iod: float,
         h_s: float, h_t: float, seen: SourceEye, sclera: np.ndarray | None) -> None:
    """Redraw one opening or closing eye of ``out`` in place (see the module docstring); ``h_s``, ``h_t``:
    its lid gap before and after (pixels); ``seen``: what the photo shows of it (:func:`source_eye`);
    ``sclera``: the ``(3,)`` colour its uncovered white is filled with (:func:`shared_sclera`; None:
    an opening eye is left to the warp)."""
    from ganimation.faces import models

    cv2 = models.require("cv2", "eye redrawing")
    contour = EYE_CONTOURS[eye]
    H, W = out.shape[:2]
    poly_t = dst[list(contour)]
    x0, y0, x1, y1 = roi_around(poly_t, W, H, pad=2)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return
    shape = (y1 - y0, x1 - x0)
    m = _similarity(src[contour[0]], src[contour[UPPER_LID - 1]], dst[contour[0]], dst[contour[UPPER_LID - 1]])
    gx, gy = np.meshgrid(np.arange(x0, x1, dtype=np.float64), np.arange(y0, y1, dtype=np.float64))
    px = (m[0, 0] * gx + m[0, 1] * gy + m[0, 2]).astype(np.float32)
    py = (m[1, 0] * gx + m[1, 1] * gy + m[1, 2]).astype(np.float32)
    sx0, sy0, sx1, sy1 = seen.box
    kept = cv2.remap(seen.mask, px - sx0, py - sy0, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    rigid = sample(source_image, px, py).astype(np.float32)
    opening_t = polygon_mask(shape, poly_t, (x0, y0))
    # distance below the upper lid: the lid's shadow on the eyeball
    upper_t = dst[list(contour[:UPPER_LID])]
    lid_t = np.concatenate([upper_t, upper_t[::-1] - [0.0, 4.0 * h_t + 4.0]])
    depth = cv2.distanceTransform((polygon_mask(shape, lid_t, (x0, y0)) < 0.5).astype(np.uint8), cv2.DIST_L2, 3)
    shade = 1.0 - LID_SHADOW * np.clip(1.0 - depth / max(SHADOW_DEPTH * h_t, 1.0), 0.0, 1.0)
    soft = max(0.5, 0.08 * h_s)
    if h_t < h_s:     # closing: the lids cover the eyeball where it is, in their shadow; nothing to fill
        kept = cv2.GaussianBlur(kept, (0, 0), sigmaX=soft)
        _blend(out, rigid * shade[..., None], kept, opening_t, (x0, y0, x1, y1), iod)
        return
    if sclera is None:
        return
    # the placed eyeball and what the lids uncover around it add up to one at their border (the kept
    # mask is blurred below; uncovered alone stopped at its unblurred edge, and the warp's stretched
    # catchlights showed through there as a pale line across the iris)
    window = (sy1 - sy0, sx1 - sx0)
    cover = np.maximum(polygon_mask(window, seen.above, (sx0, sy0)), seen.mask)
    if seen.drops > 0.0:
        cover = np.maximum(cover, seen.drops * polygon_mask(window, seen.below, (sx0, sy0)))
    cover = cv2.remap(cover, px - sx0, py - sy0, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    crop, ring_s, centre, radius = seen.crop, seen.ring, seen.centre, seen.radius
    # the photo's own blur around the eye: what is drawn gets as soft (its edges at the lid and against
    # the placed eyeball included)
    lum_s = luminance(crop)
    blur = photo_blur(lum_s)
    # the iris as a radial profile of its visible pixels (pupil, iris, darker limbal ring)
    seen_iris = (seen.mask > 0.9) & (ring_s < IRIS_EDGE)
    if not seen_iris.any():
        return
    iris_px, iris_ring = crop[seen_iris], ring_s[seen_iris]
    iris_only = _iris_colours(iris_px, sclera)
    if iris_only.sum() >= 3:
        iris_px, iris_ring = iris_px[iris_only], iris_ring[iris_only]
    ring_t = np.hypot(px - centre[0], py - centre[1]) / max(radius, 1e-6)
    # the iris the lids uncover: the source's own completed around its circle (where the source shows
    # it: less of the lid's margins left out than for the placed eyeball, catchlights not spread), out
    # to the edge its pixels show; the radial profile of its colours where it shows too little of it
    band = IRIS_LID_BAND * h_s + IRIS_LID_MIN
    shown_s = polygon_mask(window, _visible(src, contour, band, max(band, WATERLINE_BAND * h_s + WATERLINE_MIN * iod),
                                            IRIS_LOWER_CAP), (sx0, sy0))
    dark, white = float(np.percentile(luminance(iris_px), 25)), float(luminance(sclera[None])[0])
    catchlight = (ring_s < 1.0) & (lum_s > 0.5 * (dark + white))
    polar = complete_iris(crop, shown_s * ~catchlight, centre - [sx0, sy0], radius)
    if polar is not None:
        edge = iris_edge(polar, white)
        iris_fill = _read_polar(polar, px, py, centre, radius)
    else:
        edge, iris_fill = IRIS_EDGE, _radial_profile(iris_px, iris_ring, ring_t)
    in_iris = ring_t < edge
    cx, cy = seen.grid
    clean = _clean_white(lum_s, np.clip((edge - ring_s) * radius + 0.5, 0.0, 1.0), white, seen.drops,
                         src[contour[0]], src[contour[UPPER_LID - 1]], cx, cy)
    kept = cv2.remap(seen.mask * clean, px - sx0, py - sy0, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=0)
    kept = cv2.GaussianBlur(kept, (0, 0), sigmaX=max(soft, blur))
    fill = np.where(in_iris[..., None], iris_fill, sclera[None, None, :]) * shade[..., None]
    if blur > 0.5:
        fill = cv2.GaussianBlur(fill.astype(np.float32), (0, 0), sigmaX=blur)
    uncovered = np.clip(cover * (1 - kept), 0.0, 1.0)
    weight = np.clip(kept + uncovered, 0.0, 1.0)
    drawn = (kept[..., None] * rigid + uncovered[..., None] * fill) / np.maximum(kept + uncovered, 1e-3)[..., None]
    if polar is not None:
        # inside the iris, the source's own pixels wherever it shows them (its catchlights included),
        # the completed iris elsewhere: one iris, not a placed strip across a drawn disc
        shown_t = cv2.remap(shown_s, px - sx0, py - sy0, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                            borderValue=0)
        shown_t = np.clip(cv2.GaussianBlur(shown_t, (0, 0), sigmaX=max(0.5, blur)), 0.0, 1.0)[..., None]
        iris = shown_t * rigid + (1 - shown_t) * fill
        disc = np.clip((edge - ring_t) * radius + 0.5, 0.0, 1.0)          # a pixel-wide edge
        drawn = disc[..., None] * iris + (1 - disc[..., None]) * drawn
        weight = disc * np.clip(cover, 0.0, 1.0) + (1 - disc) * weight      # where the eyeball shows
    _blend(out, drawn, weight, opening_t, (x0, y0, x1, y1), iod, blur)


def _blend(out: np.ndarray, drawn: np.ndarray, weight: np.ndarray, opening: np.ndarray,
           roi: tuple[int, int, int, int], iod: float, blur: float = 0.0) -> None:
    """Put ``drawn`` ``(h, w, 3)`` into ``out``'s ``roi`` in place, with ``weight`` ``(h, w)``, inside the new
    opening ``opening`` ``(h, w)`` only, feathered (by at least the photo's ``blur``, pixels) so that the
    warped lid margin stays."""
    from ganimation.faces import models

    cv2 = models.require("cv2", "eye redrawing")
    x0, y0, x1, y1 = roi
    alpha = cv2.GaussianBlur(opening, (0, 0), sigmaX=max(0.5, 0.015 * iod, blur))
    alpha = (np.clip(alpha * 2.0 - 0.5, 0.0, 1.0) * weight)[..., None]
    region = out[y0:y1, x0:x1].astype(np.float32)
    out[y0:y1, x0:x1] = np.clip(np.rint(region * (1 - alpha) + drawn * alpha), 0, 255).astype(np.uint8)


def redraw_eyes(image: np.ndarray, source_image: np.ndarray, source: np.ndarray, target: np.ndarray,
                iod: float, *, inplace: bool = False) -> np.ndarray:
    """``image`` ``(H, W, 3)`` uint8 (the warped photo) with every eye that opens wider or closes redrawn.

    ``source_image``: the photo before the warp (same size); ``source``, ``target``: ``(478, 2+)``
    landmark pixels before / after; ``iod``: inter-ocular distance in pixels. Returns a new array
    (``image`` itself when no eye opens or closes, and with ``inplace``: ``image`` redrawn where it
    is); pixels farther than a pixel outside the new eye openings are unchanged.
    """
    src = np.asarray(source, np.float64)[:, :2]
    dst = np.asarray(target, np.float64)[:, :2]
    if src.shape != (478, 2) or dst.shape != (478, 2):
        return image
    gaps = [(_opening(src, c), _opening(dst, c)) for c in EYE_CONTOURS]
    widths = [float(np.linalg.norm(src[c[0]] - src[c[UPPER_LID - 1]])) for c in EYE_CONTOURS]
    moving = [eye for eye, (h_s, h_t) in enumerate(gaps) if (_opens(h_s, h_t, iod) or _closes(h_s, h_t, iod))
              and widths[eye] >= FORESHORTENED * max(widths)]
    if not moving:
        return image
    # both eyes that show their white are read, the one not redrawn too: one white for the face
    seen = [source_eye(source_image, src, dst, eye, iod, *gaps[eye])
            if eye in moving or (gaps[eye][0] >= OPEN_FROM * iod and widths[eye] >= FORESHORTENED * max(widths))
            else None for eye in range(len(EYE_CONTOURS))]
    whites = shared_sclera(seen)
    out = image if inplace else image.copy()
    for eye in moving:
        if seen[eye] is not None:
            _eye(out, source_image, src, dst, eye, iod, *gaps[eye], seen[eye], whites[eye])
    return out
