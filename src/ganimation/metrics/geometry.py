"""Landmark geometry of an expression edit, measured on the landmarks of the edited image.

The landmarks are MediaPipe's 478 points found *on the edited image* (not the
AU estimator's blendshapes), taken into the pose-normalised face frame of
:func:`ganimation.motion.frame.to_frame`: units are inter-ocular distances
(IOD), the origin lies between the eyes, y points down, and head rotation,
position and face size cancel out. Every measure is a signed length in IOD
where a larger value means *more* of the named feature:

=================== ======================================================= ====================
measure             definition (frame y is down)                            more means
=================== ======================================================= ====================
mouth_open          y(14) - y(13): inner lip gap                            mouth opens
lip_corner_height   (y13 + y14)/2 - mean y(61, 291): corners vs mouth centre corners above centre
lip_corner_lift     -mean y(61, 291): corners vs the eye line               corners up
brow_height         -mean y of the brow points (inner, middle, outer)       brows up
brow_inner_height   -mean y(107, 336): inner brow ends vs the eye line      inner brows up
upper_lip_raise     y(2) - y(0): minus the subnasale-to-upper-lip distance   upper lip up
eye_opening         mean lid gap |y159 - y145|, |y386 - y374|               eyes open
mouth_width         |x291 - x61|                                            mouth stretched
=================== ======================================================= ====================

``lip_corner_height`` follows the usual "relative to the mouth centre"
definition, but opening the mouth lowers that centre, so an open mouth reads
as corners up by half the opening. The preset criteria therefore use
``lip_corner_lift`` (the corners against the pose-fitted eye line, which the
expression does not move).

:data:`PRESET_CRITERIA` gives each preset its defining measure(s) and the
direction they must move; :func:`preset_pass` says whether an edit moved them
the right way by at least :data:`PASS_IOD` (all listed measures must pass).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

#: The smallest change (IOD) that counts as a visible move of a defining measure.
PASS_IOD = 0.03

MEASURES: tuple[str, ...] = ("mouth_open", "lip_corner_height", "lip_corner_lift", "brow_height",
                             "brow_inner_height", "upper_lip_raise", "eye_opening", "mouth_width")

_BROWS = (70, 63, 105, 66, 107, 300, 293, 334, 296, 336)

#: Preset -> ((measure, sign), ...): every listed measure must change by at least
#: ``sign * PASS_IOD`` (sign +1: must grow, -1: must shrink).
PRESET_CRITERIA: dict[str, tuple[tuple[str, int], ...]] = {
    "happy": (("lip_corner_lift", +1),),
    "sad": (("lip_corner_lift", -1),),
    "surprise": (("mouth_open", +1), ("brow_height", +1)),
    "anger": (("brow_height", -1),),
    "disgust": (("upper_lip_raise", +1),),
    "fear": (("brow_inner_height", +1), ("mouth_width", +1)),
}


def frame_points(landmarks: np.ndarray) -> np.ndarray:
    """``(478, 3)`` pose-normalised frame coordinates (IOD) of ``(478, 3)`` image landmarks.

    Uses :func:`ganimation.motion.frame.to_frame`. ``(478, 2)`` landmarks
    (no depth) are accepted and get z = 0, which makes the pose fit 2D-like
    (fine for near-frontal faces).
    """
    from ganimation.motion.frame import to_frame

    lm = np.asarray(landmarks, np.float64)
    if lm.ndim != 2 or lm.shape[0] != 478 or lm.shape[1] not in (2, 3):
        raise ValueError(f"landmarks must be (478, 2) or (478, 3); got {lm.shape}")
    if lm.shape[1] == 2:
        lm = np.concatenate([lm, np.zeros((478, 1))], axis=1)
    return to_frame(lm)[0]


def measures_from_frame(p: np.ndarray) -> dict[str, float]:
    """The :data:`MEASURES` (IOD) of ``(478, 2|3)`` points already in the face frame."""
    p = np.asarray(p, np.float64)
    x, y = p[:, 0], p[:, 1]
    corners_y = (y[61] + y[291]) / 2
    return {
        "mouth_open": float(y[14] - y[13]),
        "lip_corner_height": float((y[13] + y[14]) / 2 - corners_y),
        "lip_corner_lift": float(-corners_y),
        "brow_height": float(-y[list(_BROWS)].mean()),
        "brow_inner_height": float(-(y[107] + y[336]) / 2),
        "upper_lip_raise": float(y[2] - y[0]),
        "eye_opening": float((abs(y[159] - y[145]) + abs(y[386] - y[374])) / 2),
        "mouth_width": float(abs(x[291] - x[61])),
    }


def expression_measures(landmarks: np.ndarray) -> dict[str, float]:
    """The :data:`MEASURES` (IOD) of one face's ``(478, 2|3)`` image landmarks (pixels)."""
    return measures_from_frame(frame_points(landmarks))


def measure_deltas(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """``after - before`` for every measure (IOD)."""
    return {k: float(after[k] - before[k]) for k in MEASURES}


def preset_pass(preset: str, deltas: Mapping[str, float], threshold: float = PASS_IOD) -> bool | None:
    """Whether ``deltas`` (IOD, :func:`measure_deltas`) move ``preset``'s defining measures the
    right way by at least ``threshold``; None for a preset without a criterion (neutral, contempt)."""
    crit = PRESET_CRITERIA.get(preset)
    if crit is None:
        return None
    return all(sign * deltas[m] >= threshold for m, sign in crit)


def geometry_summary(presets: Sequence[str], deltas: Sequence[Mapping[str, float] | None],
                     threshold: float = PASS_IOD) -> dict:
    """Per preset and overall: pass rate, mean change of every measure, n measured.

    ``presets``: N preset names; ``deltas``: N dicts from :func:`measure_deltas`,
    None where the edited face was not found (counted in ``n_unread`` and as a
    failure in ``pass_rate``; ``pass_rate_read`` counts only read faces).
    """
    if len(presets) != len(deltas):
        raise ValueError(f"{len(presets)} presets for {len(deltas)} deltas")
    per: dict[str, dict] = {}
    all_pass: list[bool] = []
    all_read: list[bool] = []
    for name in dict.fromkeys(presets):
        if name not in PRESET_CRITERIA:
            continue
        rows = [d for p, d in zip(presets, deltas) if p == name]
        read = [d for d in rows if d is not None]
        passes = [bool(preset_pass(name, d, threshold)) for d in read]
        comp = {f"{m} {'up' if s > 0 else 'down'}": float(np.mean([s * d[m] >= threshold for d in read])) if read else None
                for m, s in PRESET_CRITERIA[name]}
        per[name] = {
            "n": len(rows), "n_unread": len(rows) - len(read),
            "criterion": " and ".join(f"{m} {'+' if s > 0 else '-'}{threshold:g}" for m, s in PRESET_CRITERIA[name]),
            "pass_rate": float(sum(passes) / len(rows)) if rows else None,
            "pass_rate_read": float(np.mean(passes)) if passes else None,
            "component_pass_rate": comp,
            "mean_delta": {m: float(np.mean([d[m] for d in read])) for m in MEASURES} if read else None,
        }
        all_pass += passes + [False] * (len(rows) - len(read))
        all_read += [True] * len(read) + [False] * (len(rows) - len(read))
    return {"threshold_iod": threshold, "n": len(all_pass), "n_unread": int(len(all_read) - sum(all_read)),
            "pass_rate": float(np.mean(all_pass)) if all_pass else None, "per_preset": per}
