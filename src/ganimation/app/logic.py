"""What the web demo does, as plain functions (no gradio here, so they are unit-testable).

A browser session holds one :class:`Session`: the uploaded photo, its faces
(detected once per photo: box, aligned crop, estimated AUs, blend region) and
the target AUs the user set for each face. Moving a slider only re-runs the
generator on the selected face's crop and pastes the edited faces back
(:func:`render`); detection and AU estimation are not repeated.

The :class:`~ganimation.edit.Editor` is shared by all sessions and only read.
Detection uses the faces extra (MediaPipe) unless a ``detect_fn`` stand-in is
given (tests).

Errors a user can fix raise :class:`~ganimation.errors.GanimationError`
subclasses with a message meant for the page.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ganimation.aus import AU_CODES, NUM_AUS, PRESETS, check_vector, motion_start, resolve_target
from ganimation.errors import FaceNotFoundError, GanimationError, ImageError

ASSETS = Path(__file__).resolve().parent.parent / "assets"
#: Bundled example photos (redistributable; see assets/LICENSES.md).
EXAMPLES: tuple[Path, ...] = (ASSETS / "astronaut.png",)
DEFAULT_MAX_UPLOAD_MB = 20.0
#: Largest photo side processed; bigger uploads are downscaled (keeps the page fast).
MAX_SIDE = 2048
#: Side of the large before/after views of the selected face.
FACE_VIEW = 320
#: Engines offered in the page (see ganimation.faces.pipeline.ENGINES).
APP_ENGINES = ("warp", "gan")
#: the largest texture strength the app's slider offers (the CLI's --texture goes to 4)
MAX_TEXTURE = 2.0
#: Reenact tab: at most this many driving frames (about 10 s at 30 fps) and this upload size.
REENACT_MAX_FRAMES = 300
REENACT_MAX_MB = 50.0
#: Largest side of the rendered animation frames.
ANIMATION_SIDE = 384

# box colours: selected face, other faces
_SELECTED = (255, 196, 0)
_OTHER = (64, 160, 255)


@dataclass
class FaceState:
    """One detected face. Coordinates are photo pixels.

    ``crop`` ``(S, S, 3)`` uint8 aligned crop, ``transform`` ``(2, 3)`` photo ->
    crop, ``region`` ``(S, S)`` float32 feathered face mask, ``estimated``
    ``(17,)`` AUs in [0, 1].
    """

    box: np.ndarray
    confidence: float
    estimated: np.ndarray
    crop: np.ndarray
    transform: np.ndarray
    region: np.ndarray
    landmarks: np.ndarray | None = None   # (478, 3) photo pixels (the warp engine moves them)


@dataclass
class CropResult:
    """The generator's output for one face: edited crop, attention and colour map, paste weight."""

    target: np.ndarray
    edited: np.ndarray      # (S, S, 3) uint8
    attention: np.ndarray   # (S, S) float32, 1 = input kept
    color: np.ndarray       # (S, S, 3) uint8
    change: np.ndarray      # (S, S) float32, how much of the edit is used


@dataclass
class Session:
    """Per-browser-session state (kept in a ``gr.State``)."""

    key: str
    image: np.ndarray                     # (H, W, 3) uint8 photo
    faces: list[FaceState]
    name: str = "photo"
    selected: int = 0                     # the face the sliders edit
    preset: str | None = None             # last expression preset clicked
    targets: dict[int, np.ndarray] = field(default_factory=dict)   # face -> target AUs set by the user
    starts: dict[int, np.ndarray] = field(default_factory=dict)    # face -> AUs a preset's motion starts from
    cache: dict[int, CropResult] = field(default_factory=dict)     # face -> last generator output
    workdir: str | None = None
    engine: str = "warp"                  # "warp" (landmark motion + warp) or "gan" (generator on the crop)
    texture: float | None = None          # the warp engine's texture strength (None: its default)

    def target(self, face: int) -> np.ndarray:
        """The face's current target (its estimated AUs until the user changes them)."""
        check_face(self, face)
        t = self.targets.get(face)
        return (self.faces[face].estimated if t is None else t).copy()

    def start(self, face: int) -> np.ndarray:
        """The AUs the warp engine moves the face from: its estimated AUs, or those the last preset
        clicked for it started from (:func:`ganimation.aus.motion_start`)."""
        check_face(self, face)
        s = self.starts.get(face)
        return (self.faces[face].estimated if s is None else s).copy()

    def output_dir(self) -> Path:
        if self.workdir is None or not Path(self.workdir).is_dir():
            self.workdir = tempfile.mkdtemp(prefix="ganimation-app-")
        return Path(self.workdir)


# -- loading and detection ---------------------------------------------------
def uploaded_file(path, max_mb: float, *, missing: str, what: str, smaller: str) -> Path:
    """The path of an uploaded file, checked: given, still there, at most ``max_mb`` MB."""
    if path is None:
        raise ImageError(missing)
    p = Path(path)
    if not p.is_file():
        raise ImageError(f"the uploaded {what} is gone; upload it again")
    size_mb = p.stat().st_size / 1e6
    if size_mb > max_mb:
        raise ImageError(f"the {what} is {size_mb:.1f} MB, more than the {max_mb:g} MB limit; upload {smaller}")
    return p


def load_image(path: str | os.PathLike, *, max_mb: float = DEFAULT_MAX_UPLOAD_MB,
               max_side: int = MAX_SIDE) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB photo from an uploaded file, downscaled to ``max_side``.

    Raises :class:`ImageError` for a missing, too large or unreadable file.
    """
    from ganimation.images import open_image

    p = uploaded_file(path, max_mb, missing="no photo given; upload a JPEG or PNG or pick the example",
                      what="file", smaller="a smaller photo")
    try:
        img, _ = open_image(p)
    except ImageError as exc:  # the temp path means nothing to the user
        raise ImageError(str(exc).replace(str(p), p.name)) from None
    if max(img.size) > max_side:
        from PIL import Image

        scale = max_side / max(img.size)
        img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.LANCZOS)
    return np.asarray(img, dtype=np.uint8).copy()


def image_key(image: np.ndarray) -> str:
    """Content hash of a photo (detection is cached per photo)."""
    h = hashlib.sha1(np.ascontiguousarray(image).tobytes())
    h.update(str(image.shape).encode())
    return h.hexdigest()


_DETECTOR = None
_DETECT_LOCK = threading.Lock()


def _default_detect(image: np.ndarray) -> list:
    """MediaPipe detection with one detector shared by all sessions (it is not thread-safe)."""
    global _DETECTOR
    from ganimation.faces.detect import FaceDetector

    with _DETECT_LOCK:
        if _DETECTOR is None:
            _DETECTOR = FaceDetector()
        return _DETECTOR.detect(image)


def _default_estimate(face) -> np.ndarray:
    from ganimation.faces.estimate import estimate_aus

    return estimate_aus(face)


def analyze(image: np.ndarray, image_size: int, *, session: Session | None = None, name: str = "photo",
            detect_fn: Callable[[np.ndarray], list] | None = None,
            estimate_fn: Callable[[object], np.ndarray] | None = None, engine: str | None = None) -> Session:
    """Detect and align the faces of ``image`` and estimate their AUs.

    Returns ``session`` unchanged when it already holds this photo (detection
    is cached per photo within a session). ``detect_fn(image) -> [Face]``
    (largest first) and ``estimate_fn(face) -> (17,)`` default to the faces
    extra. ``engine``: ``warp`` or ``gan`` (default: the session's, else
    :data:`ganimation.faces.pipeline.DEFAULT_ENGINE`). Raises :class:`FaceNotFoundError`
    when there is no face.
    """
    from ganimation.faces.align import align_face, face_mask
    from ganimation.faces.pipeline import DEFAULT_ENGINE

    engine = check_engine(engine or (session.engine if session is not None else DEFAULT_ENGINE))
    key = image_key(image)
    if session is not None and session.key == key and session.image.shape == image.shape:
        session.engine = engine
        return session
    faces = (detect_fn or _default_detect)(image)
    if not faces:
        raise FaceNotFoundError("no face found in the photo; use a photo with a clearly visible, roughly "
                                "frontal face (at least ~40 px between the eyes)")
    states = []
    for f in faces:
        al = align_face(image, f, image_size)
        est = np.clip(check_vector((estimate_fn or _default_estimate)(f), name="estimated AUs"), 0, 1)
        states.append(FaceState(box=np.asarray(f.box, np.float32), confidence=float(f.confidence),
                                estimated=est.astype(np.float32), crop=al.crop, transform=al.transform,
                                region=face_mask(image_size, al.landmarks),
                                landmarks=np.asarray(f.landmarks, np.float64)))
    return Session(key=key, image=image, faces=states, name=name, engine=engine)


def check_engine(engine: str) -> str:
    if engine not in APP_ENGINES:
        raise GanimationError(f"engine {engine!r}; choose one of {', '.join(APP_ENGINES)}")
    return engine


def set_texture(session: Session, strength: float) -> None:
    """Set the warp engine's texture strength (0 = shape only; :mod:`ganimation.texture.au_texture`)."""
    value = float(strength)
    if not np.isfinite(value) or not 0.0 <= value <= MAX_TEXTURE:
        raise GanimationError(f"texture strength {strength!r}; use a number from 0 to {MAX_TEXTURE:g}")
    session.texture = value


def set_engine(session: Session, engine: str) -> None:
    """Switch the session between the warp and the generator engine."""
    session.engine = check_engine(engine)


def check_face(session: Session, face) -> int:
    try:
        i = int(face)
    except (TypeError, ValueError):
        raise GanimationError(f"face {face!r} is not a face number") from None
    if not 0 <= i < len(session.faces):
        raise FaceNotFoundError(f"face {i} does not exist; the photo has {len(session.faces)} face(s)")
    return i


def face_choices(session: Session) -> list[tuple[str, int]]:
    """``(label, index)`` pairs for a face selector (largest face first)."""
    out = []
    for i, f in enumerate(session.faces):
        w = int(f.box[2] - f.box[0])
        out.append((f"Face {i}" + (" (largest)" if i == 0 and len(session.faces) > 1 else "") + f" · {w} px", i))
    return out


def face_at(session: Session, x: float, y: float) -> int | None:
    """The face whose box holds the photo point ``(x, y)`` (the smallest such box), or None."""
    hits = [(float((f.box[2] - f.box[0]) * (f.box[3] - f.box[1])), i) for i, f in enumerate(session.faces)
            if f.box[0] <= x <= f.box[2] and f.box[1] <= y <= f.box[3]]
    return min(hits)[1] if hits else None


def annotate(session: Session, selected: int | None = None) -> np.ndarray:
    """The photo with every face box drawn and numbered; the selected one highlighted."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.fromarray(session.image)
    draw = ImageDraw.Draw(img)
    h, w = session.image.shape[:2]
    lw = max(2, round(max(h, w) / 300))
    fsize = max(12, round(max(h, w) / 30))
    try:
        font = ImageFont.load_default(size=fsize)
    except TypeError:  # Pillow < 10.1
        font = ImageFont.load_default()
    for i, f in enumerate(session.faces):
        color = _SELECTED if i == selected else _OTHER
        x0, y0, x1, y1 = (float(v) for v in f.box)
        draw.rectangle([x0, y0, x1, y1], outline=color, width=lw if i != selected else 2 * lw)
        label = str(i)
        tb = draw.textbbox((0, 0), label, font=font)
        tw, th = tb[2] - tb[0], tb[3] - tb[1]
        ty = y0 - th - 2 * lw - 4 if y0 - th - 2 * lw - 4 >= 0 else y0
        draw.rectangle([x0, ty, x0 + tw + 8, ty + th + 2 * lw + 4], fill=color)
        draw.text((x0 + 4 - tb[0], ty + lw + 2 - tb[1]), label, fill=(0, 0, 0), font=font)
    return np.asarray(img)


# -- targets -------------------------------------------------------------------
def initial_sliders(session: Session, face) -> list[float]:
    """Slider values when a face is selected: its target (the estimated AUs until edited)."""
    return [round(float(v), 3) for v in session.target(check_face(session, face))]


def estimated_sliders(session: Session, face) -> list[float]:
    """The face's estimated AUs (the reset values)."""
    return [round(float(v), 3) for v in session.faces[check_face(session, face)].estimated]


def preset_sliders(session: Session, face, expression: str, intensity: float = 1.0) -> list[float]:
    """Slider values for a preset: from the face's estimated AUs toward ``expression``. The warp
    engine's motion for this face then starts where the preset's does (:meth:`Session.start`)."""
    i = check_face(session, face)
    est = session.faces[i].estimated
    target = resolve_target(current=est, expression=expression, intensity=float(intensity))
    session.starts[i] = motion_start(est, expression=expression, intensity=float(intensity), target=target)
    return [round(float(v), 3) for v in target]


def slider_vector(values: Sequence[float]) -> np.ndarray:
    """``(17,)`` float32 in [0, 1] from slider values (checked)."""
    vals = list(values)
    if len(vals) != NUM_AUS:
        raise GanimationError(f"{len(vals)} AU values; expected {NUM_AUS}")
    vec = check_vector(np.asarray([0.0 if v is None else float(v) for v in vals], np.float32), name="AU sliders")
    return np.clip(vec, 0.0, 1.0)


def reset(session: Session, face) -> list[float]:
    """Forget the user's target for ``face``; returns its estimated AUs."""
    i = check_face(session, face)
    session.targets.pop(i, None)
    session.starts.pop(i, None)
    session.cache.pop(i, None)
    return estimated_sliders(session, i)


# -- editing ---------------------------------------------------------------------
def _edit_crop(editor, face: FaceState, target: np.ndarray) -> CropResult:
    res = editor.edit_crops(face.crop[None], target[None].astype(np.float32))
    att = np.clip(np.asarray(res.attention[0], np.float32), 0.0, 1.0)
    change = getattr(res, "change", None)
    change = np.asarray(change[0], np.float32) if change is not None else 1.0 - att
    return CropResult(target=target.copy(), edited=np.asarray(res.images[0], np.uint8), attention=att,
                      color=np.asarray(res.color[0], np.uint8), change=change)


def crop_result(session: Session, editor, face: int) -> CropResult:
    """The generator's output for ``face`` at its current target (cached per target)."""
    target = session.target(face)
    cached = session.cache.get(face)
    if cached is None or not np.array_equal(cached.target, target):
        cached = session.cache[face] = _edit_crop(editor, session.faces[face], target)
    return cached


def _compose(session: Session, results: dict[int, CropResult]) -> np.ndarray:
    from ganimation.faces.align import paste_back

    out = session.image
    for i, r in sorted(results.items()):
        f = session.faces[i]
        out = paste_back(out, r.edited, f.crop, f.transform, f.region * r.change)
    return out if out is not session.image else session.image.copy()


def _warp_face(image: np.ndarray, face: FaceState, start: np.ndarray, target: np.ndarray,
               texture: float | None = None) -> np.ndarray:
    from ganimation.geometry_edit import edit_face_geometry

    if face.landmarks is None:
        raise GanimationError("this face has no landmarks for the warp engine; switch to the gan engine")
    return edit_face_geometry(image, face.landmarks, start, target, texture=texture).image


def _edited_faces(session: Session, include: int | None = None) -> list[int]:
    """Faces whose target differs from the AUs their motion starts from (plus ``include``)."""
    return [j for j in range(len(session.faces)) if j == include or
            (j in session.targets and not np.allclose(session.targets[j], session.start(j), atol=1e-4))]


def _compose_warp(session: Session, faces: list[int]) -> np.ndarray:
    out = session.image
    for j in faces:
        out = _warp_face(out, session.faces[j], session.start(j), session.target(j), session.texture)
    return out if out is not session.image else session.image.copy()


def face_view(session: Session, image: np.ndarray, face: int, side: int = FACE_VIEW) -> np.ndarray:
    """The window around ``face`` in ``image`` (same size as the session photo), resized to ``side``."""
    from PIL import Image

    x0, y0, x1, y1 = _face_window(session, face)
    crop = Image.fromarray(np.ascontiguousarray(image[y0:y1, x0:x1]))
    scale = side / max(crop.size)
    return np.asarray(crop.resize((max(1, round(crop.width * scale)), max(1, round(crop.height * scale))),
                                  Image.LANCZOS if scale < 1 else Image.BICUBIC))


@dataclass
class Rendered:
    """The edited photo and the selected face's views."""

    image: np.ndarray           # (H, W, 3) uint8 edited photo
    crop: np.ndarray            # (S, S, 3) uint8 edited crop of the selected face
    attention: np.ndarray       # (S, S, 3) uint8 attention mask as grey (white = input kept)
    color: np.ndarray           # (S, S, 3) uint8 colour map
    target: np.ndarray          # (17,) selected face's target
    before: np.ndarray | None = None   # (h, w, 3) uint8 the selected face in the photo, large
    after: np.ndarray | None = None    # (h, w, 3) uint8 the same window after the edit


def render(session: Session, editor, face, values: Sequence[float] | np.ndarray | None = None) -> Rendered:
    """Set ``face``'s target to ``values`` (17 slider values; None keeps it) and edit the photo.

    Every face whose target differs from its estimated AUs is edited (each
    face keeps the target last set for it); only faces whose target changed
    since the last call run through the generator.
    """
    i = check_face(session, face)
    if values is not None:
        session.targets[i] = slider_vector(values)
    if session.engine == "warp":
        from ganimation.faces.align import warp as warp_crop

        image = _compose_warp(session, _edited_faces(session))
        f = session.faces[i]
        crop = warp_crop(image, f.transform, f.crop.shape[0])
        kept = np.all(crop == f.crop, axis=-1)
        att = np.repeat((kept * 255).astype(np.uint8)[..., None], 3, axis=2)
        return Rendered(image=image, crop=crop, attention=att, color=f.crop, target=session.target(i),
                        before=face_view(session, session.image, i), after=face_view(session, image, i))
    results = {j: crop_result(session, editor, j) for j in _edited_faces(session, include=i)}
    r = results[i]
    att = np.repeat((np.clip(r.attention, 0, 1) * 255 + 0.5).astype(np.uint8)[..., None], 3, axis=2)
    image = _compose(session, results)
    return Rendered(image=image, crop=r.edited, attention=att, color=r.color, target=r.target,
                    before=face_view(session, session.image, i), after=face_view(session, image, i))


def upscale_view(image: np.ndarray, side: int = 256) -> np.ndarray:
    """Nearest-neighbour upscale of a small crop for display."""
    k = max(1, side // max(image.shape[:2]))
    return np.repeat(np.repeat(image, k, axis=0), k, axis=1)


def _face_window(session: Session, face: int) -> tuple[int, int, int, int]:
    """A square-ish window around the face (2.4x its box), clipped to the photo."""
    h, w = session.image.shape[:2]
    b = session.faces[face].box
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    half = 1.2 * max(b[2] - b[0], b[3] - b[1])
    x0, x1 = int(max(0, cx - half)), int(min(w, cx + half))
    y0, y1 = int(max(0, cy - half)), int(min(h, cy + half))
    return x0, y0, x1, y1


def animation_frames(session: Session, editor, face, *, frames: int = 16, pingpong: bool = True,
                     side: int = ANIMATION_SIDE) -> np.ndarray:
    """``(F, h, w, 3)`` uint8: the photo around ``face`` going from its estimated AUs to its target."""
    from PIL import Image

    from ganimation.animate import trajectory

    i = check_face(session, face)
    f = session.faces[i]
    start = session.start(i) if session.engine == "warp" else f.estimated
    seq = trajectory(start, session.target(i), check_frames(frames), pingpong=pingpong)
    x0, y0, x1, y1 = _face_window(session, i)
    scale = min(1.0, side / max(x1 - x0, y1 - y0))
    size = (max(2, round((x1 - x0) * scale)) // 2 * 2, max(2, round((y1 - y0) * scale)) // 2 * 2)
    if session.engine == "warp":
        from ganimation.geometry_edit import edit_face_geometry

        base = _compose_warp(session, [j for j in _edited_faces(session) if j != i])
        return np.stack([np.asarray(Image.fromarray(
            edit_face_geometry(base, f.landmarks, start, aus, texture=session.texture).image[y0:y1, x0:x1]
        ).resize(size, Image.LANCZOS)) for aus in seq])
    res = editor.edit_crops(np.repeat(f.crop[None], len(seq), axis=0), seq)
    change = getattr(res, "change", None)
    change = np.asarray(change, np.float32) if change is not None else 1.0 - np.clip(res.attention, 0, 1)
    # other faces keep their current edits
    others = {j: crop_result(session, editor, j) for j in session.targets if j != i
              and not np.allclose(session.targets[j], session.faces[j].estimated, atol=1e-4)}
    base = _compose(session, others) if others else session.image
    from ganimation.faces.align import paste_back

    out = []
    for n in range(len(seq)):
        img = paste_back(base, np.asarray(res.images[n], np.uint8), f.crop, f.transform, f.region * change[n])
        out.append(np.asarray(Image.fromarray(img[y0:y1, x0:x1]).resize(size, Image.LANCZOS)))
    return np.stack(out)


#: Frame counts an animation may have (each way; the slider offers 6 to 32).
MIN_FRAMES, MAX_FRAMES = 2, 120


def check_frames(frames) -> int:
    """``frames`` as a whole number in [MIN_FRAMES, MAX_FRAMES]; NaN, infinity, text or a fraction is an error."""
    import math

    try:
        value = float(frames)
    except (TypeError, ValueError):
        raise GanimationError(f"the frame count must be a number from {MIN_FRAMES} to {MAX_FRAMES}") from None
    if not math.isfinite(value) or value != int(value) or not MIN_FRAMES <= value <= MAX_FRAMES:
        raise GanimationError(f"the frame count must be a whole number from {MIN_FRAMES} to {MAX_FRAMES}")
    return int(value)


def _stem(session: Session) -> str:
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(session.name).stem)[:40] or "photo"
    return f"{stem}-{time.strftime('%H%M%S')}"


def save_photo(session: Session, image: np.ndarray, face) -> list[str]:
    """Write the edited photo (PNG) and the AUs of every face (JSON); returns the paths."""
    from ganimation.aus import to_dict
    from ganimation.images import save_image

    check_face(session, face)
    d = session.output_dir()
    stem = _stem(session)
    png = save_image(d / f"{stem}-edited.png", image)
    info = {"photo": session.name, "au_codes": list(AU_CODES),
            "faces": [{"index": j, "box": [round(float(v), 1) for v in f.box],
                       "estimated": {k: round(v, 3) for k, v in to_dict(f.estimated).items()},
                       "target": {k: round(v, 3) for k, v in to_dict(session.target(j)).items()}}
                      for j, f in enumerate(session.faces)]}
    js = d / f"{stem}-aus.json"
    js.write_text(json.dumps(info, indent=1))
    return [str(png), str(js)]


def animate(session: Session, editor, face, *, frames: int = 16, fps: float = 12.0,
            pingpong: bool = True) -> tuple[str, str]:
    """Render the estimated -> target animation of ``face``; returns ``(mp4_path, gif_path)``."""
    from ganimation.animate import write_animation

    frames = check_frames(frames)  # before any work: a NaN from the API is an error, not a crash
    clip = animation_frames(session, editor, face, frames=frames, pingpong=pingpong)
    d = session.output_dir()
    stem = _stem(session)
    gif = write_animation(d / f"{stem}-face{int(face)}.gif", clip, fps=fps)
    mp4 = write_animation(d / f"{stem}-face{int(face)}.mp4", clip, fps=fps)
    return str(mp4), str(gif)


def reenact_clip(photo_path, video_path, *, face=0, region: str = "all", workdir: str | None = None,
                 max_frames: int = REENACT_MAX_FRAMES, max_mb: float = REENACT_MAX_MB) -> tuple[str, str]:
    """Animate the face of the uploaded photo by the uploaded driving video; returns ``(mp4_path, summary)``.

    The photo is read as in the Edit tab (downscaled to :data:`MAX_SIDE`), at most
    ``max_frames`` driving frames are used, and the MP4 has the driving video's frame rate and sound.
    """
    from ganimation.reenact import Reenactor
    from ganimation.video import FALLBACK_FPS, AudioTrack, FrameWriter, open_frames

    v = uploaded_file(video_path, max_mb, what="video", smaller="a shorter one",
                      missing="no driving video given; upload a short video of a face (MP4, MOV, WebM or GIF)")
    image = load_image(photo_path)
    out_dir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="ganimation-reenact-"))
    out = out_dir / f"reenact-{time.strftime('%H%M%S')}.mp4"
    with open_frames(v, max_frames=max_frames) as frames:
        fps = frames.fps or FALLBACK_FPS
        r = Reenactor(image, face=int(face), region=region)
        with FrameWriter(out, fps, audio=AudioTrack.of(v)) as writer:   # None for a GIF: it has no sound
            for frame in r.run(frames, fps):
                writer.write(frame.image)
    lost = f"; the face was lost in {r.lost} frame(s)" if r.lost else ""
    return str(out), f"{r.frames} frames at {fps:g} fps, {image.shape[1]}x{image.shape[0]}{lost}."


def edit_clip(video_path, *, expression: str | None = None, aus: str | None = None, intensity: float = 1.0,
              relative: bool = True, face: str = "all", texture: float | None = None, workdir: str | None = None,
              max_frames: int = REENACT_MAX_FRAMES, max_mb: float = REENACT_MAX_MB) -> tuple[str, str]:
    """Edit the expression of the uploaded video's faces (the Video tab); returns ``(mp4_path, summary)``.

    As ``ganimation edit VIDEO`` (:func:`ganimation.video_edit.edit_video`): each frame relative to
    its own expression, a preset and/or AUs (``relative``: ``aus`` are offsets), ``face`` ``"all"``
    or ``"largest"``; at most ``max_frames`` frames; the MP4 keeps the video's frame rate and sound.
    """
    from ganimation.video_edit import VideoEditStats, edit_video_file

    v = uploaded_file(video_path, max_mb, what="video", smaller="a shorter one",
                      missing="no video given; upload a short video of a face (MP4, MOV, WebM or GIF)")
    aus = (aus or "").strip() or None
    if expression in (None, "", "none"):
        expression = None
    if aus is None and expression is None:
        raise GanimationError("pick an expression or give AUs (e.g. AU12=+0.4) for the video")
    # the AU string and intensity are checked before the video is read
    resolve_target(current=None, aus=aus, expression=expression, intensity=float(intensity), relative=bool(relative))
    if face not in ("all", "largest"):
        raise GanimationError(f"faces {face!r}: use all or largest")
    out_dir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="ganimation-video-"))
    out = out_dir / f"edited-{time.strftime('%H%M%S')}.mp4"
    stats = VideoEditStats()
    fps, (w, h) = edit_video_file(v, out, max_frames=max_frames, stats=stats, aus=aus, expression=expression,
                                  intensity=float(intensity), relative=bool(relative), texture=texture, face=face)
    lost = f"; no face in {stats.lost} frame(s), passed through unedited" if stats.lost else ""
    return str(out), f"{stats.edited} of {stats.frames} frames at {fps:g} fps, {w}x{h}{lost}."


def transfer_photo(photo_path, reference_path, *, face: str = "all", texture: float | None = None,
                   workdir: str | None = None) -> tuple[str, str]:
    """Give the faces of the uploaded photo the expression of the largest face in the uploaded reference
    photo (the Transfer tab; ``ganimation edit PHOTO --like REF``); returns ``(png_path, summary)``.

    Both photos are read as in the Edit tab (downscaled to :data:`MAX_SIDE`); ``face`` ``"all"`` or
    ``"largest"``. As ``edit --like``: the reference's face shape (identity) is not transferred, and a
    face of the reference's own person takes its motion fitted by the AUs alone
    (:func:`ganimation.faces.pipeline.edit_photo`'s ``like_descriptor``).
    """
    from ganimation.faces.identity import descriptor_or_none
    from ganimation.faces.pipeline import edit_photo, reference_face
    from ganimation.images import save_image

    if face not in ("all", "largest"):
        raise GanimationError(f"faces {face!r}: use all or largest")
    image = load_image(photo_path)                 # a missing photo is named first
    if not reference_path:
        raise GanimationError("no reference photo given; upload a photo of the expression to copy")
    photo = load_image(reference_path)
    reference = reference_face(photo, "the reference photo")
    res = edit_photo(None, image, like=reference.landmarks, face=face, engine="warp", texture=texture,
                     like_descriptor=descriptor_or_none(photo, reference.box))
    out_dir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="ganimation-transfer-"))
    out = save_image(out_dir / f"transfer-{time.strftime('%H%M%S')}.png", res.image)
    return str(out), f"{len(res.faces)} face(s) given the reference's expression, {image.shape[1]}x{image.shape[0]}."


def preset_names() -> list[str]:
    return [p for p in PRESETS]
