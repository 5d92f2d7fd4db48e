"""The 17 Facial Action Units, their names, emotion presets and AU strings.

This module is the single definition of the AU set used everywhere in the
project: the OpenFace intensity set, in OpenFace's order. OpenFace reports
intensities on a 0-5 scale; the models work on 0-1 (divide by 5).

AU strings look like ``"AU12=0.8,AU06=0.5"`` (``AU`` prefix and leading zero
optional, ``=`` or ``:``, commas or spaces between items).
"""

from __future__ import annotations

import math
import re
from typing import Mapping, Sequence

import numpy as np

from ganimation.errors import AUParseError, one_line

AU_CODES: tuple[str, ...] = (
    "AU01", "AU02", "AU04", "AU05", "AU06", "AU07", "AU09", "AU10", "AU12",
    "AU14", "AU15", "AU17", "AU20", "AU23", "AU25", "AU26", "AU45",
)
NUM_AUS = len(AU_CODES)
OPENFACE_SCALE = 5.0

AU_NAMES: dict[str, str] = {
    "AU01": "inner brow raiser",
    "AU02": "outer brow raiser",
    "AU04": "brow lowerer",
    "AU05": "upper lid raiser",
    "AU06": "cheek raiser",
    "AU07": "lid tightener",
    "AU09": "nose wrinkler",
    "AU10": "upper lip raiser",
    "AU12": "lip corner puller",
    "AU14": "dimpler",
    "AU15": "lip corner depressor",
    "AU17": "chin raiser",
    "AU20": "lip stretcher",
    "AU23": "lip tightener",
    "AU25": "lips part",
    "AU26": "jaw drop",
    "AU45": "blink",
}

#: Face regions, for grouping controls (the web demo's sliders).
AU_REGIONS: dict[str, tuple[str, ...]] = {
    "brows": ("AU01", "AU02", "AU04"),
    "eyes": ("AU05", "AU07", "AU45"),
    "cheeks and nose": ("AU06", "AU09"),
    "mouth": ("AU10", "AU12", "AU14", "AU15", "AU17", "AU20", "AU23", "AU25"),
    "jaw": ("AU26",),
}

#: Prototypical emotion expressions (FACS/EMFACS), intensities on 0-1; :func:`preset_target` says
#: what happens to the AUs a preset does not list, and an AU listed at 0 is cleared. Departures,
#: measured in docs/au_motion.md ("Presets"):
#: - disgust's AU16 and contempt's unilateral AU12/AU14 are outside the 17-AU set: approximated with
#:   AU10 and bilateral AU12+AU14;
#: - surprise raises the inner brows half as far as the outer ones (AU01 0.45, AU02 0.9): the whole brow
#:   rises evenly, where AU01 0.9 drew them up at the middle into the oblique brow of sad and fear and
#:   moved the face's identity more, for no more recognition;
#: - surprise's round, narrower opening (AU27, mouth stretch, also outside the set) is approximated
#:   with AU23's narrowing: without it the opened mouth keeps a smile's width and reads as laughter;
#: - fear's stretched lips are pulled down at the corners (AU15 0.4): level, stretched, parted lips
#:   read as a grin;
#: - fear knits its brows lightly (AU04 0.2): AU04 pulls the inner brows down against the AU01 raise
#:   that makes fear's brows, and at 0.4 the raise was often too small to measure;
#: - anger clears AU01/AU02 (raised brows work against its AU04) and leaves out AU05: raised lids
#:   under lowered brows stretch the skin between them, and the brows are then measured higher;
#: - sad's drooping upper lids (AU41/AU43, outside the set) are approximated with three quarters of a blink
#:   (AU45 0.75; each eye closes that share of its own opening: :mod:`ganimation.motion.lids`).
PRESETS: dict[str, dict[str, float]] = {
    "neutral": {},
    "happy": {"AU06": 0.8, "AU12": 1.0, "AU25": 0.4},
    "sad": {"AU01": 0.9, "AU04": 0.7, "AU15": 0.9, "AU17": 0.3, "AU45": 0.75},
    "surprise": {"AU01": 0.45, "AU02": 0.9, "AU05": 0.8, "AU23": 0.7, "AU25": 0.8, "AU26": 0.8},
    "fear": {"AU01": 1.0, "AU02": 0.6, "AU04": 0.2, "AU05": 0.9, "AU07": 0.4, "AU15": 0.4,
             "AU20": 1.0, "AU25": 0.8, "AU26": 0.5},
    "anger": {"AU01": 0.0, "AU02": 0.0, "AU04": 1.0, "AU07": 0.8, "AU23": 0.8},
    "disgust": {"AU09": 1.0, "AU10": 1.0, "AU15": 0.6, "AU17": 0.3},
    "contempt": {"AU12": 0.3, "AU14": 0.8},
}
#: AUs a preset asks for *at least*: a face that already shows more keeps it. Happy parts the lips
#: (AU25 0.4); a smile that already shows its teeth is not closed by it, nor are the upper lip
#: raise, dimples and wide stretch of a broad grin taken away (AU10, AU14, AU20: the estimate reads
#: them on grins, and clearing them made happy on a grinning photo a smaller smile with fewer teeth).
#: Sad's lid droop (AU45 0.75) does not open eyes that are closed or blinking (a video's blinks stay
#: blinks).
PRESET_AT_LEAST: dict[str, tuple[str, ...]] = {"happy": ("AU10", "AU14", "AU20", "AU25", "AU26"),
                                               "sad": ("AU45",)}
#: AUs a preset sets to 0 when it does not list them: the smile and the mouth, which make an expression
#: read as another (a smile left on a sad face reads as happy).
PRESET_CLEARS: tuple[str, ...] = ("AU06", "AU10", "AU12", "AU14", "AU15", "AU17", "AU20", "AU23", "AU25", "AU26")
#: The other AUs a preset does not list (brows, eyes, nose wrinkle, blink) keep their current value up
#: to this much: small values there are mostly the face's own shape (deep-set eyes read as AU04 or AU07)
#: and moving them changes who the person looks like; stronger ones are brought down to it.
PRESET_KEEPS_UP_TO = 0.3
#: The AUs that make each preset the expression it is: the movement its geometry criterion measures
#: (:data:`ganimation.metrics.geometry.PRESET_CRITERIA`; lip corners up, down, a dropped jaw under
#: raised brows, lowered brows, a raised upper lip, raised inner brows over stretched lips), with
#: two more of the prototypes' hallmarks: sad's raised inner brows (high, arched brows read as AU01,
#: and sad then only lowered and knitted them, AU04: an angry look) and fear's dropped jaw (a broad
#: smile's parted lips read as AU25/AU26, and fear left a smiler's mouth nearly closed over the
#: smile's teeth, a grin).
PRESET_DEFINES: dict[str, tuple[str, ...]] = {
    "happy": ("AU12",), "sad": ("AU01", "AU15"), "surprise": ("AU01", "AU02", "AU26"), "anger": ("AU04",),
    "disgust": ("AU10",), "fear": ("AU01", "AU20", "AU26"),
}
#: A preset moves its defining AUs (:data:`PRESET_DEFINES`) by at least this share of their preset
#: value (times the intensity), whatever the estimate reads on the photo (:func:`motion_start`). From
#: one photo the estimate cannot tell an expression from the face's own shape (low-set brows read as
#: AU04, upturned lip corners as AU12), and a face read as already showing the expression did not
#: move at all: anger left a man with low brows as he was, happy on a smile lowered its corners.
#: Chosen on the development faces (docs/au_motion.md): the smaller of 0.5 and 0.7 whose defining
#: measures moved visibly in 80 % of the edits there.
PRESET_MOVES_AT_LEAST = 0.7
PRESET_ALIASES = {
    "happiness": "happy", "smile": "happy", "sadness": "sad", "surprised": "surprise",
    "afraid": "fear", "angry": "anger", "disgusted": "disgust",
}

_ITEM = re.compile(r"^(?:au)?(\d+)\s*[=:]\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)$", re.I)
#: Longest AU item read (``"AU12=0.123456"`` is 13); longer ones are refused before any regex runs.
_MAX_ITEM = 64


def au_index(code: str) -> int:
    """Position of ``code`` (``"AU12"``, ``"au12"``, ``"12"``, ``12``) in :data:`AU_CODES`."""
    code = str(code)
    m = re.fullmatch(r"(?:au)?(\d+)", code.strip(), re.I)
    digits = (m.group(1).lstrip("0") or "0") if m else ""
    if digits and len(digits) <= 3:
        norm = f"AU{int(digits):02d}"
        if norm in AU_CODES:
            return AU_CODES.index(norm)
    raise AUParseError(
        f"unknown Action Unit {_echo(code)}; use one of {', '.join(AU_CODES)}"
    )


def _echo(text: object) -> str:
    """User input quoted for an error message: one line, at most about 80 characters."""
    return one_line(repr(str(text)), 80)


def parse_aus(text: str, *, relative: bool = False) -> dict[str, float]:
    """Parse ``"AU12=0.8,AU06=0.5"`` into ``{"AU12": 0.8, "AU06": 0.5}``.

    Values are on the 0-1 scale; with ``relative=True`` they are offsets in
    [-1, 1]. Raises :class:`AUParseError` with a message naming the bad item
    (shortened when long); a string of separators only (``",,,"``) is an error too.
    """
    if text is None or not str(text).strip():
        raise AUParseError('empty AU string; write e.g. "AU12=0.8,AU06=0.5"')
    lo, hi = (-1.0, 1.0) if relative else (0.0, 1.0)
    out: dict[str, float] = {}
    for item in re.split(r"[,;\s]+", str(text).strip()):
        if not item:
            continue
        m = _ITEM.match(item) if len(item) <= _MAX_ITEM else None
        if not m:
            raise AUParseError(
                f'cannot read {_echo(item)} in the AU string; write items like "AU12=0.8"'
            )
        code = AU_CODES[au_index(m.group(1))]
        value = float(m.group(2))
        if not relative and m.group(2)[0] in "+-":
            raise AUParseError(
                f"{code}={one_line(m.group(2), 40)} has a sign, as an offset from the face's own AUs has: add "
                "--relative (relative=True in Python) for offsets, or give the intensity itself, 0 to 1"
            )
        if not math.isfinite(value) or not lo <= value <= hi:
            raise AUParseError(
                f"{code}={one_line(m.group(2), 40)} is outside [{lo:g}, {hi:g}]; AU intensities "
                f"use the 0-1 scale (OpenFace's 0-5 divided by 5)"
            )
        if code in out:
            raise AUParseError(f"{code} is given twice in the AU string")
        out[code] = value
    if not out:
        raise AUParseError(f'no AU items in {_echo(text)}; write e.g. "AU12=0.8,AU06=0.5"')
    return out


def to_vector(aus: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
              base: np.ndarray | None = None) -> np.ndarray:
    """A ``(17,)`` float32 vector from a dict of AUs (others from ``base`` or 0).

    A sequence or array must already have 17 finite entries.
    """
    if aus is None:
        aus = {}
    if isinstance(aus, Mapping):
        vec = np.zeros(NUM_AUS, np.float32) if base is None else check_vector(base).copy()
        for code, value in aus.items():
            vec[au_index(code)] = float(value)
        return check_vector(vec)
    return check_vector(np.asarray(aus, dtype=np.float32))


def check_vector(vec: np.ndarray, *, name: str = "AU vector") -> np.ndarray:
    """Check a ``(..., 17)`` array is finite; return it as float32."""
    vec = np.asarray(vec, dtype=np.float32)
    if vec.shape[-1:] != (NUM_AUS,):
        raise AUParseError(f"{name} has shape {vec.shape}; expected (..., {NUM_AUS})")
    if not np.all(np.isfinite(vec)):
        raise AUParseError(f"{name} contains NaN or infinite values")
    return vec


def from_dict(aus: Mapping[str, float]) -> dict[str, float]:
    """Normalise AU keys (``"au6"`` -> ``"AU06"``); the values as floats."""
    out = {}
    for k, v in aus.items():
        code = AU_CODES[au_index(k)]
        try:
            out[code] = float(v)
        except (TypeError, ValueError):
            raise AUParseError(f"{one_line(str(k), 20)}={one_line(repr(v), 40)} is not a number; give AU values "
                               "on the 0-1 scale") from None
    return out


def to_dict(vec: np.ndarray) -> dict[str, float]:
    """``{"AU01": v0, ...}`` from a ``(17,)`` vector."""
    vec = check_vector(vec)
    return {code: float(v) for code, v in zip(AU_CODES, vec)}


def preset_name(name: str) -> str:
    key = name.strip().lower()
    key = PRESET_ALIASES.get(key, key)
    if key not in PRESETS:
        raise AUParseError(
            f"unknown expression {_echo(name)}; choose one of {', '.join(PRESETS)}"
        )
    return key


def preset_vector(name: str) -> np.ndarray:
    """The ``(17,)`` AU vector of an expression preset (other AUs 0)."""
    return to_vector(PRESETS[preset_name(name)])


def interpolate(source: np.ndarray, target: np.ndarray, alpha: float | np.ndarray) -> np.ndarray:
    """GANimation's interpolation ``alpha * target + (1 - alpha) * source``."""
    alpha = np.asarray(alpha, dtype=np.float32)
    return (alpha[..., None] * check_vector(target) + (1 - alpha[..., None]) * check_vector(source)).astype(np.float32)


def preset_target(current: np.ndarray | None, name: str) -> np.ndarray:
    """The ``(17,)`` AUs a preset asks of a face showing ``current`` (None: all 0).

    The preset's own AUs take its values (those of :data:`PRESET_AT_LEAST` keep a
    higher current value); the smile and mouth AUs it does not list
    (:data:`PRESET_CLEARS`) go to 0; its other unlisted AUs keep their current
    value up to :data:`PRESET_KEEPS_UP_TO`.
    """
    key = preset_name(name)
    current = np.zeros(NUM_AUS, np.float32) if current is None else check_vector(current)
    target = np.minimum(current, PRESET_KEEPS_UP_TO).astype(np.float32)
    for k, code in enumerate(AU_CODES):
        if code in PRESETS[key]:
            target[k] = PRESETS[key][code]
        elif code in PRESET_CLEARS:
            target[k] = 0.0
    for code in PRESET_AT_LEAST.get(key, ()):
        k = AU_CODES.index(code)
        target[k] = max(target[k], current[k])
    return target


def apply_preset(current: np.ndarray | None, name: str, intensity: float = 1.0) -> np.ndarray:
    """Move ``current`` AUs toward :func:`preset_target`: intensity 1 gives it exactly, 0 keeps ``current``."""
    if not (0.0 <= float(intensity) <= 1.0):
        raise AUParseError(f"intensity {intensity} is outside [0, 1]")
    current = np.zeros(NUM_AUS, np.float32) if current is None else check_vector(current)
    return interpolate(current, preset_target(current, name), float(intensity))


def motion_start(current: np.ndarray | None, *, aus: str | Mapping[str, float] | None = None,
                 expression: str | None = None, intensity: float = 1.0, relative: bool = False,
                 target: np.ndarray | None = None) -> np.ndarray:
    """The ``(17,)`` AUs the warp engine's motion starts from when ``current`` is edited as
    :func:`resolve_target` resolves the same arguments.

    ``current`` itself, except for an ``expression`` preset's defining AUs
    (:data:`PRESET_DEFINES`) that ``aus`` does not set: each is lowered so
    that the motion to its target is at least ``intensity`` x
    :data:`PRESET_MOVES_AT_LEAST` x its preset value. Never above ``current``;
    equal to it at intensity 0, so an animation from ``start`` to the target
    moves linearly from no change to the edit. ``target``: that
    :func:`resolve_target` result where the caller has it already (it is
    not resolved again).
    """
    start = np.zeros(NUM_AUS, np.float32) if current is None else check_vector(current).copy()
    if expression is None:
        return start
    key = preset_name(expression)
    if target is None:
        target = resolve_target(current=start, aus=aus, expression=key, intensity=intensity, relative=relative)
    mine: set[str] = set()
    if aus is not None:
        mine = set(target_items(aus, relative=relative))
    for code in PRESET_DEFINES.get(key, ()):
        if code in mine:
            continue
        k = AU_CODES.index(code)
        least = float(intensity) * PRESET_MOVES_AT_LEAST * PRESETS[key].get(code, 0.0)
        start[k] = min(start[k], max(target[k] - least, 0.0))
    return start


def target_items(aus, *, relative: bool = False) -> dict[str, float]:
    """``{code: value}`` of an AU target given as a string (:func:`parse_aus`), a mapping
    (``{"AU12": 0.8}``, keys as :func:`au_index` reads them) or a ``(17,)`` vector in
    :data:`AU_CODES` order; values on the 0-1 scale (offsets in [-1, 1] with ``relative``), finite."""
    if isinstance(aus, str):
        return parse_aus(aus, relative=relative)
    if isinstance(aus, Mapping):
        items = from_dict(aus)
    else:
        try:
            vec = np.asarray(aus, dtype=np.float64)
        except (TypeError, ValueError):
            raise AUParseError(f"AU target of type {type(aus).__name__}; give a string (\"AU12=0.8\"), a dict "
                               f"({{\"AU12\": 0.8}}) or {NUM_AUS} values in the order {', '.join(AU_CODES)}") from None
        if vec.shape != (NUM_AUS,):
            raise AUParseError(f"an AU vector has {NUM_AUS} values in the order {', '.join(AU_CODES)}; got shape "
                               f"{vec.shape}")
        items = dict(zip(AU_CODES, vec.tolist()))
    lo, hi = (-1.0, 1.0) if relative else (0.0, 1.0)
    for code, value in items.items():
        if not math.isfinite(value) or not lo <= value <= hi:
            raise AUParseError(f"{code}={value:g} is outside [{lo:g}, {hi:g}]; AU intensities use the 0-1 scale "
                               "(OpenFace's 0-5 divided by 5)")
    return items


def resolve_target(*, current: np.ndarray | None = None, aus: str | Mapping[str, float] | None = None,
                   expression: str | None = None, intensity: float = 1.0,
                   relative: bool = False) -> np.ndarray:
    """The target ``(17,)`` vector from the user's way of asking for it.

    - ``expression``: preset applied on top of ``current`` with ``intensity``.
    - ``aus`` absolute: listed AUs set, others kept from ``current`` (or 0).
    - ``aus`` relative: listed offsets added to ``current``, clipped to [0, 1].
    Both may be given: the preset first, then the AU items.
    """
    if aus is None and expression is None:
        raise AUParseError("give a target: AUs (e.g. AU12=0.8) or an expression preset")
    vec = np.zeros(NUM_AUS, np.float32) if current is None else check_vector(current).copy()
    if expression is not None:
        vec = apply_preset(vec, expression, intensity)
    if aus is not None:
        for code, value in target_items(aus, relative=relative).items():
            i = AU_CODES.index(code)
            vec[i] = vec[i] + value if relative else value
    return np.clip(vec, 0.0, 1.0).astype(np.float32)
