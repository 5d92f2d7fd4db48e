"""The shape of a mouth that opens: tapered toward the corners, not a rectangle.

The AU motion model moves the lower lip's inner landmarks down almost as far
next to the mouth corners as in the middle (a jaw drop, AU25/AU26): the
outermost lip pairs of a surprised mouth opened by 0.33 IOD against 0.39 in
the middle, so the opening had near-vertical sides beside the corners and
read as a slot cut into the face. A real opening tapers to its corners,
where the lips stay joined. :func:`round_opening` caps, per lip pair, how
much more the motion opens it than the photo showed at a share of the middle
pair's increase that falls toward the corners like an ellipse
(:data:`TAPER_POWER`), by moving that column of the lower lip (its inner and
outer contour and the two rings between) back up; the middle of the mouth,
its corners and every closing motion are left as they were. Lips stretched
sideways (AU20, fear) pull the corners back into a wide, flatter opening:
the ellipse is raised to a smaller power as they stretch
(:data:`STRETCHED_POWER`), so the opening stays wide along most of the
mouth and narrows only toward the corners. (It was left untapered, which
drew fear's mouth as a slot with blunt, near-vertical ends; tapering it as
far as surprise's cost a third of fear's recognised edits on the
development faces.)
"""

from __future__ import annotations

import numpy as np

from ganimation.motion.regions import LOWER_LIP_RINGS, UPPER_LIP_RINGS

#: exponent of the ellipse ``sqrt(1 - (2s - 1)^2)`` that caps the opening's increase at a position ``s``
#: (0-1, corner to corner) along the mouth, as a share of the middle pair's increase
TAPER_POWER = 1.0
#: the exponent for lips stretched sideways in full (AU20 1): a flatter ellipse, the opening wide along
#: most of the mouth (against no taper, fear recognised in 4 fewer of its edits on 180 development faces
#: at 0.3, 9 fewer at 0.5, and 5 fewer of 60 at 1.0; benchmarks/results/engines/stretched_taper_dev*.md)
STRETCHED_POWER = 0.3


def round_opening(frame_points: np.ndarray, motion: np.ndarray, stretch: float = 0.0) -> np.ndarray:
    """``motion`` ``(478, 3)`` (frame coordinates, IOD) with the mouth's opening tapered toward its corners.

    ``frame_points``: ``(478, 3)`` frame coordinates before the motion. For each of the nine inner-lip
    pairs between the corners, the increase of its gap over the photo's is capped at the middle pair's
    increase times ``e(s) ** k``, ``e(s) = sqrt(1 - (2s - 1)^2)``, ``s`` the pair's position from
    corner to corner after the motion, ``k`` going from :data:`TAPER_POWER` to :data:`STRETCHED_POWER`
    as the lips' sideways ``stretch`` (0-1, the target's AU20) goes from 0 to 1; the excess moves the
    lower lip's column back toward the upper lip. Returns a new array (``motion`` itself when nothing
    is capped).
    """
    t = float(np.clip(stretch, 0.0, 1.0))
    power = TAPER_POWER * (1.0 - t) + STRETCHED_POWER * t
    p = np.asarray(frame_points, np.float64)[:, :2]
    q = p + np.asarray(motion, np.float64)[:, :2]
    upper, lower = np.array(UPPER_LIP_RINGS[0]), np.array(LOWER_LIP_RINGS[0])
    gap_s = np.linalg.norm(p[lower] - p[upper], axis=1)
    d = q[lower] - q[upper]
    gap_t = np.linalg.norm(d, axis=1)
    rise = gap_t - gap_s                               # (11,): how much more each column opens
    centre = len(upper) // 2
    if rise[centre] <= 0.0:
        return motion
    a, b = q[upper[0]], q[upper[-1]]
    length = max(float(np.linalg.norm(b - a)), 1e-9)
    s = np.clip(((q[upper] + q[lower]) / 2 - a) @ ((b - a) / length) / length, 0.0, 1.0)
    cap = rise[centre] * np.sqrt(np.clip(1.0 - (2.0 * s - 1.0) ** 2, 0.0, 1.0)) ** power   # >= 0
    excess = np.maximum(rise - cap, 0.0)
    excess[[0, -1]] = 0.0                              # the corners themselves
    if not excess.any():
        return motion
    out = np.array(motion, np.float64, copy=True)
    direction = d / np.maximum(gap_t, 1e-9)[:, None]   # from the upper toward the lower inner lip
    for row in LOWER_LIP_RINGS:
        out[list(row), :2] -= excess[:, None] * direction
    return out
