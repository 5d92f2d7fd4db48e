"""Mouth interior after a warp: shading the opening a closed source mouth cannot show.

When the target mouth opens wider than the source's, the warp stretches
what was between the lips (the lip line, or teeth the source showed) across
the opening. :func:`shade_mouth` darkens the *new* part of the opening
toward a mouth-cavity colour: between each upper and lower inner-lip point
it leaves the source's own opening (half at the upper lip, half at the
lower, where the teeth of a smiling source sit) and shades the band in the
middle, with a feathered edge and the coarse shading of the warped texture
kept. It is the non-learned stand-in for the paper's mouth-interior network.
Given the photo before the warp (the warp engine does), it first redraws the
opening from it with what the source's opening showed kept where it was,
unstretched, under the upper lip (:func:`carry_teeth`: the teeth stay with
the skull, so a lip that comes down covers their top): a smile's teeth no
longer become tall fangs, nor fill the opening of a released smile.

When the target mouth *closes* an opening the source showed (a smile with
teeth edited toward sad or anger), the warp squeezes the teeth and the dark
corners into a thin, jagged band between the lips; :func:`shade_mouth` then
fills that band from the surrounding lips and draws a soft seam where they
meet (:func:`close_mouth`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ganimation.images import luminance
from ganimation.motion.regions import (
    INNER_LIPS,
    LIP_PAIRS,
    LOWER_LIP_RINGS,
    UPPER_LIP_RINGS,
    inner_mouth_gap,
)
from ganimation.warp.dense import polygon_mask, roi_around, sample
from ganimation.warp.mesh import landmark_triangles, signed_areas
from ganimation.warp.mouth_interior import (
    LOWER_CHAIN,
    UPPER_CHAIN,
    draw_interior,
    mouth_coordinates,
    photo_chroma,
)

#: share of the warped texture (its coarse shading) kept under the drawn interior
TEXTURE_KEPT = 0.15
#: opening beyond the source's (in IOD) at which the shading is complete
FULL_AT = 0.12
#: closing of the source's opening (IOD) at which the closed lips are fully redrawn
CLOSED_AT = 0.05
#: area (IOD^2) of turned-over mouth triangles at which a closed mouth's redraw is complete
FOLDS_FULL_AT = 0.002
#: target opening (IOD) below which the lips count as closed
CLOSED_BELOW = 0.04
#: ... or in pixels, whichever is wider: on a small face (inter-ocular distance under 50 px) a gap
#: of a pixel or two is what the warp makes of squeezed teeth, a line of specks, not an opening
CLOSED_BELOW_PX = 2.0
#: share of the source's own opening kept under the upper lip when :func:`carry_teeth` carried it there
UPPER_SHARE_CARRIED = 1.0
#: the photo's own opening (IOD) from which :func:`carry_teeth` carries it in full and the cavity below is
#: painted in full (both fade in from 0 below it)
CARRIED_FULL_AT = 0.02
#: smoothing (Gaussian sigma, pixels) of :func:`carry_teeth`'s change-over from the teeth to the lower lip
CHANGEOVER_BLUR = 1.0
#: luminance (0-255) by which an opening's brighter pixels stand above the lips where it shows teeth in
#: full: its carried teeth then stand for the drawn interior's upper teeth (:func:`teeth_shown`)
TEETH_ABOVE_LIPS = 30.0
#: least blur (Gaussian sigma, pixels) of the drawn interior; a softer photo's own blur around its lips
#: is given to the interior (:func:`_lips_blur`), so that crisp teeth are not pasted into a soft face
INTERIOR_BLUR = 0.5
#: grain (0-255) of the photo around the mouth below which the drawn interior gets none
GRAIN_FROM = 0.5
#: :func:`photo_grain`'s tile statistic reads Gaussian noise of spread s as s / 1.4 (measured on noise of 2 and 6)
GRAIN_SCALE = 1.4
#: share of the lips' brightness left on the seam where the lips meet
SEAM_DARKNESS = 0.7




def _inner_corners(points: np.ndarray) -> np.ndarray:
    """``(2, 2)``: the image-left and image-right corners of the inner lips of ``points`` ``(478, 2)``."""
    return points[[INNER_LIPS[0], INNER_LIPS[10]]]


def _cavity_chains(source: np.ndarray, target: np.ndarray, upper_share: float = 0.5
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower boundary chains ``(11, 2)`` of the new opening (corner to corner); ``upper_share``
    of the source's own opening stays under the upper lip, the rest above the lower lip."""
    src = np.asarray(source, np.float64)[:, :2]
    dst = np.asarray(target, np.float64)[:, :2]
    upper, lower = [], []
    for u, l in LIP_PAIRS:
        gap_t = dst[l] - dst[u]
        gap_s = float(np.linalg.norm(src[l] - src[u]))
        n = float(np.linalg.norm(gap_t))
        down = float((dst[u] - src[u]) @ gap_t) / max(n, 1e-9)   # the upper lip's move toward the lower
        shown = min(gap_s, n)                        # the part of the target gap the source already shows
        # what stays under the upper lip: the share carried there, less what a lowered upper lip covers of
        # the teeth (they stay with the skull; only a carried share of 1 is all teeth)
        under = float(np.clip(upper_share * shown - down * (2.0 * upper_share - 1.0), 0.0, n))
        upper.append(dst[u] + under / max(n, 1e-9) * gap_t)
        lower.append(dst[l] - (1.0 - upper_share) * shown / max(n, 1e-9) * gap_t)
    corners = _inner_corners(dst)
    return np.concatenate([corners[:1], upper, corners[1:]]), np.concatenate([corners[:1], lower, corners[1:]])


def cavity_polygon(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``(K, 2)`` polygon of the newly opened mouth: the target opening less the source's, per lip pair."""
    upper, lower = _cavity_chains(source, target)
    return np.concatenate([upper, lower[-2:0:-1]])


def carry_teeth(image: np.ndarray, photo: np.ndarray, source: np.ndarray, target: np.ndarray,
                upper_share: float | None = None, weight: float = 1.0, *, inplace: bool = False) -> np.ndarray:
    """``image`` ``(H, W, 3)`` uint8 (the warped photo) with its mouth opening redrawn from ``photo`` (the
    photo before the warp) so that what the source's opening showed moves with the lips, unstretched.

    The warp stretches the source's opening (teeth of a smile, the dark gap) across the whole target
    opening: teeth became tall fangs when a smiling mouth opened for surprise or fear. Here the target
    opening takes the photo's pixels where they were: a smile shows the upper teeth, which stay with
    the skull when the jaw drops, so an upper lip that comes down covers their top (a released smile
    shows less of them) and above one that rises the warp's stretch of them stays. ``upper_share`` (default
    :data:`UPPER_SHARE_CARRIED`, 1) of the photo's own opening goes with the upper lip and the rest
    with the lower lip; pixels between the two (the new opening, which :func:`shade_mouth` paints as
    the cavity) change over in the middle, over 2 px.
    ``source``, ``target``: ``(478, 2+)`` landmark pixels before / after the warp; ``weight`` in [0, 1]
    blends the carried opening over the warped one. Returns a new array (``inplace``: ``image``
    redrawn where it is), or ``image`` when the target opening has no area or ``weight`` is 0.
    """
    if weight <= 0.0:
        return image
    src = np.asarray(source, np.float64)[:, :2]
    dst = np.asarray(target, np.float64)[:, :2]
    poly = dst[list(INNER_LIPS)]
    x0, y0, x1, y1 = roi_around(poly, image.shape[1], image.shape[0], pad=2)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return image
    mask = polygon_mask((y1 - y0, x1 - x0), poly, (x0, y0)) * np.float32(min(float(weight), 1.0))
    if not mask.any():
        return image
    uppers, lowers = list(UPPER_CHAIN), list(LOWER_CHAIN)
    a = dst[uppers[0]]
    axis, normal, u, v = mouth_coordinates(a, dst[uppers[-1]], (y1 - y0, x1 - x0), (x0, y0))
    gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float64)

    def along(chain: list[int], values: np.ndarray) -> list[np.ndarray]:
        """Per pixel: ``values`` ``(len(chain), K)`` of the chain's points interpolated at the pixel's u."""
        cu = (dst[chain] - a) @ axis
        order = np.argsort(cu)
        return [np.interp(u, cu[order], col) for col in np.asarray(values)[order].T]

    share = UPPER_SHARE_CARRIED if upper_share is None else float(upper_share)
    gap = np.linalg.norm(src[lowers] - src[uppers], axis=1)     # the photo's own opening per lip pair
    vu, ux, uy, shown = along(uppers, np.column_stack([(dst[uppers] - a) @ normal, dst[uppers] - src[uppers], gap]))
    vl, lx, ly = along(lowers, np.column_stack([(dst[lowers] - a) @ normal, dst[lowers] - src[lowers]]))
    # the teeth stay with the skull: an upper lip that comes down covers their top instead of pushing them
    # down (a released smile's teeth no longer fill the new opening); above one that rises the warp's
    # stretch of the teeth under it stays
    down = ux * normal[0] + uy * normal[1]          # the upper lip's move toward the lower lip, per column
    vu = vu - down                                  # the source's upper lip: where the carried opening starts
    mask = mask * np.clip(v - vu + 0.5, 0.0, 1.0).astype(np.float32)
    below_upper = (v - vu) - share * shown          # > 0: past what stays under the upper lip
    above_lower = (vl - v) - (1.0 - share) * shown  # > 0: short of what stays on the lower lip
    lower = np.clip(0.5 + (below_upper - above_lower) / 2.0, 0.0, 1.0)   # a 2-px change-over
    # smoothed across the lips too: where a corner moved far from the photo's (a smile's corner, up, edited
    # toward fear's, down), the change-over turned within a pixel sideways and sampled the photo's dark
    # corner and its lips in turn, a staircase of dark specks along the upper lip
    from ganimation.faces import models

    lower = models.require("cv2", "mouth shading").GaussianBlur(lower.astype(np.float32), (0, 0),
                                                                sigmaX=CHANGEOVER_BLUR).astype(np.float64)
    mx = (gx - lower * lx).astype(np.float32)      # the teeth in place; past them, with the lower lip
    my = (gy - lower * ly).astype(np.float32)
    carried = sample(photo, mx, my).astype(np.float32)
    region = image[y0:y1, x0:x1].astype(np.float32)
    out = image if inplace else image.copy()
    out[y0:y1, x0:x1] = np.clip(np.rint(region * (1 - mask[..., None]) + carried * mask[..., None]), 0, 255
                                ).astype(np.uint8)
    return out


def teeth_shown(photo: np.ndarray, source: np.ndarray) -> float:
    """0-1: how far the photo's own mouth opening shows teeth: its brighter pixels (75th luminance
    percentile) against the lips' median, from none at the lips' level to full :data:`TEETH_ABOVE_LIPS`
    above it (a smile's upper teeth are brighter than the lips, the dark gap of a closed smile or a
    parting mouth darker). 0 when the opening has no pixel. ``photo`` ``(H, W, 3)`` uint8, ``source``
    ``(478, 2+)`` its landmark pixels."""
    opening, lips = _mouth_pixels(photo, source)
    if not len(opening) or not len(lips):
        return 0.0
    return float(np.clip((np.percentile(luminance(opening), 75) - np.median(luminance(lips))) / TEETH_ABOVE_LIPS,
                         0.0, 1.0))


def _mouth_pixels(photo: np.ndarray, source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(opening (N, 3), lips (M, 3))`` float32: the pixels of the photo's own mouth opening (inside the
    inner lips of ``source`` ``(478, 2+)`` landmark pixels) and of its lips around it; empty where none."""
    src = np.asarray(source, np.float64)[:, :2]
    outer = src[list(UPPER_LIP_RINGS[-1]) + list(LOWER_LIP_RINGS[-1])[-2:0:-1]]
    x0, y0, x1, y1 = roi_around(outer, photo.shape[1], photo.shape[0], pad=1)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32)
    opening = polygon_mask((y1 - y0, x1 - x0), src[list(INNER_LIPS)], (x0, y0)) > 0.5
    lips = (polygon_mask((y1 - y0, x1 - x0), outer, (x0, y0)) > 0.5) & ~opening
    region = photo[y0:y1, x0:x1].astype(np.float32)
    return region[opening], region[lips]


def shade_mouth(image: np.ndarray, source: np.ndarray, target: np.ndarray, iod: float, *,
                photo: np.ndarray | None = None, stretch: float = 0.0, inplace: bool = False) -> np.ndarray:
    """Darken the opened mouth of ``image`` ``(H, W, 3)`` uint8 (returns a new array, or ``image`` unchanged;
    ``inplace``: ``image`` redrawn where it is).

    ``source``, ``target``: ``(478, 2+)`` landmark pixels before / after the warp; ``iod`` the face's
    inter-ocular distance in pixels. ``photo``: the ``(H, W, 3)`` photo before the warp; when given,
    what the source's opening showed is first carried with the lips unstretched (:func:`carry_teeth`).
    ``stretch`` (0-1): how far the lips are stretched sideways (AU20); the drawn interior goes from a
    dropped jaw's (upper teeth, tongue) to stretched lips' (both rows of teeth):
    :func:`ganimation.warp.mouth_interior.draw_interior`.
    """
    from ganimation.faces import models

    shown = inner_mouth_gap(source) / max(iod, 1e-6)
    excess = inner_mouth_gap(target) / max(iod, 1e-6) - shown
    strength = float(np.clip(excess / FULL_AT, 0.0, 1.0))
    if strength <= 0.0:
        return close_mouth(image, source, target, iod, inplace=inplace)
    cv2 = models.require("cv2", "mouth shading")
    given = image
    image = close_mouth(image, source, target, iod, inplace=inplace)     # a barely parting mouth's folded corners
    carried = photo is not None and shown > 0.0
    if carried:
        # faded in with the photo's own opening, full at CARRIED_FULL_AT IOD, so video frames do not jump;
        # below the carried opening lies the photo's lower lip: the cavity covers it, in full from there
        share = float(np.clip(shown / CARRIED_FULL_AT, 0.0, 1.0))
        image = carry_teeth(image, photo, source, target, UPPER_SHARE_CARRIED, weight=share,
                            inplace=inplace or image is not given)
        strength = max(strength, share)
    upper, lower = _cavity_chains(source, target, 0.5 + (UPPER_SHARE_CARRIED - 0.5) * share if carried else 0.5)
    poly = np.concatenate([upper, lower[-2:0:-1]])
    x0, y0, x1, y1 = roi_around(poly, image.shape[1], image.shape[0], pad=3)
    if x1 <= x0 or y1 <= y0:
        return image
    mask = polygon_mask((y1 - y0, x1 - x0), poly, (x0, y0))
    sigma = max(0.6, 0.03 * iod)
    mask = cv2.GaussianBlur(mask, (0, 0), sigmaX=sigma) * strength
    region = image[y0:y1, x0:x1].astype(np.float32)
    # the photo's light level, from the lips and skin around the mouth (clamped)
    brightness = float(np.clip(region.mean() / 150.0, 0.45, 1.1))
    light = _light(photo if photo is not None else image, source, iod)
    teeth = share * teeth_shown(photo, source) if carried else 0.0
    if teeth > 0.0:
        # a photo that shows its teeth says what teeth look like in it: the drawn ones take their colour
        brightness, light = _teeth_light(photo, source, brightness, light, teeth)
    dst = np.asarray(target, np.float64)[:, :2]
    interior = draw_interior(mask.shape, (x0, y0), dst[list(UPPER_CHAIN)], dst[list(LOWER_CHAIN)], iod,
                             brightness=brightness, chroma=photo_chroma(region), stretch=stretch,
                             teeth=upper if carried else None, teeth_weight=teeth, light=light)
    interior = cv2.GaussianBlur(interior, (0, 0), sigmaX=max(INTERIOR_BLUR, _lips_blur(photo, source, iod)
                                                             if photo is not None else 0.0))
    grain = photo_grain(region)
    if grain > GRAIN_FROM:
        interior = interior + (grain * _pixel_noise(x0, y0, mask.shape))[..., None]
    # keep only the coarse shading of the warped texture: the stretched lip line would show as streaks
    coarse = cv2.GaussianBlur(region, (0, 0), sigmaX=max(1.0, 0.08 * iod))
    shaded = interior * (1 - TEXTURE_KEPT) + coarse * TEXTURE_KEPT
    blended = region * (1 - mask[..., None]) + shaded * mask[..., None]
    out = image if inplace or image is not given else image.copy()     # a copy made above is drawn into
    keep = mask <= 0
    out[y0:y1, x0:x1] = np.where(keep[..., None], image[y0:y1, x0:x1], np.clip(np.rint(blended), 0, 255).astype(np.uint8))
    return out


def photo_teeth(photo: np.ndarray, source: np.ndarray) -> np.ndarray | None:
    """``(3,)`` float32: the colour of the teeth the photo's own mouth opening shows (the median of its
    pixels at or above the 75th luminance percentile, as :func:`teeth_shown` reads them), or None when
    the opening has no pixel. ``photo`` ``(H, W, 3)`` uint8, ``source`` ``(478, 2+)`` its landmark pixels."""
    pixels, _ = _mouth_pixels(photo, source)
    if not len(pixels):
        return None
    lum = luminance(pixels)
    return np.median(pixels[lum >= np.percentile(lum, 75)], axis=0).astype(np.float32)


def _teeth_light(photo: np.ndarray, source: np.ndarray, brightness: float, light: np.ndarray | None,
                 weight: float) -> tuple[float, np.ndarray | None]:
    """``(brightness, light)`` for :func:`ganimation.warp.mouth_interior.draw_interior` moved ``weight``
    (0-1, how far the photo shows teeth) of the way to those that give its drawn teeth
    (:data:`ganimation.warp.mouth_interior.TEETH_RGB`) the photo's own teeth colour (:func:`photo_teeth`).
    Read from the skin and lips, a dark-skinned face's drawn teeth were grey beside its own white ones."""
    from ganimation.warp.mouth_interior import TEETH_RGB

    own = photo_teeth(photo, source) if weight > 0.0 else None
    if own is None:
        return brightness, light
    gain = np.maximum(own, 1.0) / TEETH_RGB
    level = float(luminance(gain[None])[0])
    base = np.ones(3, np.float32) if light is None else np.asarray(light, np.float32)
    mixed = base + float(weight) * (gain / level - base)
    return brightness + float(weight) * (level - brightness), (mixed / float(luminance(mixed[None])[0])
                                                               ).astype(np.float32)


def _light(image: np.ndarray, source: np.ndarray, iod: float) -> np.ndarray | None:
    """The per-channel gain of the light on the face of ``source`` ``(478, 2+)`` landmark pixels in ``image``
    (:func:`ganimation.warp.light.light_gain` of the skin under its eyes), None when that skin is off the
    photo."""
    from ganimation.warp.light import face_skin, light_gain

    skin = face_skin(image, source, iod)
    return None if skin is None else light_gain(skin)


def _lips_blur(photo: np.ndarray, source: np.ndarray, iod: float) -> float:
    """The photo's own blur (Gaussian sigma, pixels; :func:`ganimation.warp.blur.photo_blur`) read around
    the source's lips (``(478, 2+)`` landmark pixels), 0 where the lips are off the photo."""
    from ganimation.images import luminance
    from ganimation.motion.regions import LIPS
    from ganimation.warp.blur import photo_blur

    x0, y0, x1, y1 = roi_around(np.asarray(source, np.float64)[list(LIPS), :2], photo.shape[1], photo.shape[0],
                                pad=max(2.0, 0.05 * iod))
    if x1 - x0 < 3 or y1 - y0 < 3:
        return 0.0
    return photo_blur(luminance(photo[y0:y1, x0:x1].astype(np.float32)))


def photo_grain(region: np.ndarray, block: int = 4) -> float:
    """The grain (0-255) of ``region`` ``(h, w, 3)``: the spread of its finest detail (what a 1-px blur
    removes) in the smoother of its ``block`` x ``block`` tiles (the 20th percentile of their spreads),
    so that a beard's or lip's texture is not taken for the camera's noise; scaled by
    :data:`GRAIN_SCALE` so that Gaussian noise of spread ``s`` reads as ``s``."""
    from ganimation.faces import models

    cv2 = models.require("cv2", "mouth shading")
    r = np.asarray(region, np.float32)
    fine = (r - cv2.GaussianBlur(r, (0, 0), sigmaX=1.0)).mean(axis=2)
    h, w = (fine.shape[0] // block) * block, (fine.shape[1] // block) * block
    if h == 0 or w == 0:
        return 0.0
    tiles = fine[:h, :w].reshape(h // block, block, w // block, block).std(axis=(1, 3))
    return float(np.percentile(tiles, 20)) * GRAIN_SCALE


def _pixel_noise(x0: int, y0: int, shape: tuple[int, int]) -> np.ndarray:
    """``(h, w)`` float32 noise of mean 0 and spread 1 fixed to each pixel's position in the image (a hash of
    its coordinates), for a window ``shape`` whose top-left pixel is ``(x0, y0)``: a video frame's grain
    stays where it was as the mouth moves, instead of being redrawn every frame."""
    gy, gx = np.mgrid[y0:y0 + shape[0], x0:x0 + shape[1]].astype(np.float64)
    total = np.zeros(shape, np.float64)
    for k in range(4):                       # the sum of four uniform hashes: near-normal
        v = np.sin(gx * 12.9898 + gy * 78.233 + k * 37.719) * 43758.5453
        total += v - np.floor(v)
    return ((total - 2.0) * np.sqrt(3.0)).astype(np.float32)


def turned_over_near_mouth(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``(K, 3, 2)`` target pixel corners of the warp mesh's landmark triangles around the mouth that the
    motion ``source`` -> ``target`` (``(478, 2+)`` pixels) turns over (signed area changes sign)."""
    tri = _mouth_triangles()
    src = np.asarray(source, np.float64)[:, :2]
    dst = np.asarray(target, np.float64)[:, :2]
    flipped = signed_areas(src, tri) * signed_areas(dst, tri) < 0
    return dst[tri[flipped]]


@lru_cache(maxsize=1)
def _mouth_triangles() -> np.ndarray:
    """``(T, 3)`` landmark triangles of the warp mesh with a vertex in the mouth region."""
    from ganimation.motion.regions import region_weights

    tri = landmark_triangles()
    near = region_weights("mouth") > 0.5
    return tri[near[tri].any(1)]


def close_mouth(image: np.ndarray, source: np.ndarray, target: np.ndarray, iod: float, *,
                inplace: bool = False) -> np.ndarray:
    """Redraw the lips of a mouth the warp closed: ``image`` ``(H, W, 3)`` uint8 (a new array, or ``image``
    unchanged when the target mouth is open, or closes no opening and folds nothing; ``inplace``:
    ``image`` redrawn where it is).

    The band between the target inner lips (grown by a few pixels), where the warp squeezed the
    source's teeth and dark corners, is filled from the lips around it (OpenCV's Telea inpainting)
    and a soft seam is drawn through the middle of the lip pairs; the whole is feathered in by how
    closed the target is (:data:`CLOSED_BELOW` IOD, at least :data:`CLOSED_BELOW_PX` pixels) times
    the larger of how far the opening closed (full at :data:`CLOSED_AT` IOD) and how much of the mouth
    region the motion turned over (full at :data:`FOLDS_FULL_AT` IOD^2). The footprint of those turned-over triangles
    (:func:`turned_over_near_mouth`: a smile's corners, pulled in past the lip points beside them)
    joins the band: the warp painted them as hard-edged wedges of doubled lip and skin, and along
    the seam of a closed smile that is released as a jagged line of dark specks.
    ``source``, ``target``: ``(478, 2+)`` landmark pixels.
    """
    from ganimation.faces import models

    iod = max(float(iod), 1e-6)
    gap_s, gap_t = inner_mouth_gap(source) / iod, inner_mouth_gap(target) / iod
    closed = float(np.clip(1.0 - gap_t / max(CLOSED_BELOW, CLOSED_BELOW_PX / iod), 0.0, 1.0))
    if closed <= 0.0:
        return image
    dst = np.asarray(target, np.float64)[:, :2]
    folded = turned_over_near_mouth(source, dst)        # (K, 3, 2): a smile's corners, turned over
    # a closed smile released folds its corners too: repainted by how much turned over
    folded_area = float(np.abs(signed_areas(folded.reshape(-1, 2), np.arange(3 * len(folded)).reshape(-1, 3))).sum()
                        ) / iod ** 2 if len(folded) else 0.0
    strength = max(float(np.clip((gap_s - gap_t) / CLOSED_AT, 0.0, 1.0)),
                   float(np.clip(folded_area / FOLDS_FULL_AT, 0.0, 1.0))) * closed
    if strength <= 0.0:
        return image
    cv2 = models.require("cv2", "mouth shading")
    poly = dst[list(INNER_LIPS)]
    grow = max(1.5, 0.035 * iod)
    x0, y0, x1, y1 = roi_around(np.concatenate([poly, folded.reshape(-1, 2)]), image.shape[1], image.shape[0],
                                pad=3 * grow + 1)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return image
    origin = np.array([x0, y0], np.float64)
    band = np.zeros((y1 - y0, x1 - x0), np.uint8)
    pts = np.round((poly - origin) * 16).astype(np.int32)
    cv2.fillPoly(band, [pts], 255, lineType=cv2.LINE_8, shift=4)
    cv2.polylines(band, [pts], True, 255, thickness=1, lineType=cv2.LINE_8, shift=4)
    r = int(np.ceil(grow))
    band = cv2.dilate(band, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    if len(folded):
        wedges = np.zeros_like(band)
        cv2.fillPoly(wedges, list(np.round((folded - origin) * 16).astype(np.int32)), 255, lineType=cv2.LINE_8,
                     shift=4)
        band = np.maximum(band, cv2.dilate(wedges, np.ones((3, 3), np.uint8)))
    region = np.ascontiguousarray(image[y0:y1, x0:x1])
    filled = cv2.inpaint(region, band, max(2.0, 2 * grow), cv2.INPAINT_TELEA).astype(np.float32)
    corners = _inner_corners(dst)
    seam_pts = np.concatenate([corners[:1], [(dst[u] + dst[l]) / 2 for u, l in LIP_PAIRS], corners[1:]]) - origin
    seam = np.zeros(band.shape, np.float32)
    cv2.polylines(seam, [np.round(seam_pts * 16).astype(np.int32)], False, 1.0,
                  thickness=max(1, round(0.015 * iod)), lineType=cv2.LINE_AA, shift=4)
    seam = cv2.GaussianBlur(seam, (0, 0), sigmaX=max(0.7, 0.015 * iod))
    seam = np.clip(seam / max(float(seam.max()), 1e-6), 0.0, 1.0)
    redrawn = filled * (1.0 - (1.0 - SEAM_DARKNESS) * seam[..., None])
    soft = cv2.GaussianBlur(band.astype(np.float32) / 255.0, (0, 0), sigmaX=max(0.6, 0.3 * grow)) * strength
    blended = region.astype(np.float32) * (1 - soft[..., None]) + redrawn * soft[..., None]
    out = image if inplace else image.copy()
    out[y0:y1, x0:x1] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return out
