"""Editing faces in photos in the wild.

:func:`edit_photo` detects every selected face, estimates its AUs and builds
its target, then edits with one of three engines (:data:`ENGINES`):

- ``warp`` (default): the AU change becomes landmark motion
  (:mod:`ganimation.geometry_edit`) and the photo is warped at its own
  resolution; no network runs, pixels beyond the warp's outer ring are
  bit-identical to the input.
- ``gan``: every face is aligned to the canonical crop
  (:mod:`ganimation.faces.align`), all crops are edited in one call to
  ``editor.edit_crops(crops, targets)`` and each result is pasted back with
  the inverse transform. The blend weight is a feathered face-region mask
  times ``1 - attention`` of the model (attention 1 keeps the input), and the
  *change* of the crop is what is pasted, so pixels outside the blend region
  are bit-identical to the input.
- ``hybrid``: the warp, then the generator on the warped faces.

The editor contract (``ganimation.edit.Editor`` or any stand-in; the warp
engine needs none):
``editor.image_size: int``; ``editor.edit_crops(crops (N,S,S,3) uint8,
targets (N,17) float32) -> result`` with ``result.images`` (N,S,S,3) uint8,
``result.attention`` (N,S,S) float32 in [0, 1] (1 = keep input) and
``result.color`` (N,S,S,3) uint8; an optional ``editor.engine`` names the
engine it wants by default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ganimation.aus import NUM_AUS, check_vector, motion_start, resolve_target
from ganimation.errors import FaceNotFoundError, GanimationError

#: Editing engines: ``warp`` (AU motion model + triangulated warp at the photo's resolution),
#: ``gan`` (the generator on the aligned crop), ``hybrid`` (the warp, then the generator on the warped face).
ENGINES = ("warp", "gan", "hybrid")
#: The engine used when neither the call nor the editor names one (see docs/engines.md for the measurements).
DEFAULT_ENGINE = "warp"


@dataclass
class FaceEdit:
    """One edited face. Coordinates are in the photo's pixels."""

    box: np.ndarray             # (4,) x0, y0, x1, y1
    landmarks: np.ndarray       # (478, 2)
    confidence: float
    estimated: np.ndarray       # (17,) estimated AUs, 0-1
    target: np.ndarray          # (17,) target AUs, 0-1
    transform: np.ndarray       # (2, 3) photo -> crop
    crop: np.ndarray            # (S, S, 3) uint8 input crop
    edited: np.ndarray          # (S, S, 3) uint8 edited crop
    attention: np.ndarray       # (S, S) float32, 1 = input kept
    mask: np.ndarray            # (S, S) float32 blend weight used (face mask * (1 - attention))

    def to_json(self) -> dict:
        from ganimation.aus import to_dict

        return {"box": [round(float(v), 1) for v in self.box], "confidence": round(float(self.confidence), 3),
                "estimated": {k: round(v, 3) for k, v in to_dict(self.estimated).items()},
                "target": {k: round(v, 3) for k, v in to_dict(self.target).items()}}


@dataclass
class PhotoEdit:
    """The edited photo ``image`` (H, W, 3) uint8 and the per-face details."""

    image: np.ndarray
    faces: list[FaceEdit] = field(default_factory=list)


def estimate_crop_aus(crop: np.ndarray, *, face_model=None, calibration=None) -> np.ndarray:
    """``(17,)`` AUs (0-1) of an already aligned crop ``(S, S, 3)`` uint8.

    Raises :class:`FaceNotFoundError` when the crop holds no detectable face.
    """
    from ganimation.faces.detect import get_detector
    from ganimation.faces.estimate import estimate_aus
    from ganimation.images import as_rgb_array

    crop = as_rgb_array(crop)
    det = get_detector(face_model, search="whole")
    faces = det.detect(crop)
    if not faces:
        # tight crops: give the detector some context
        pad = crop.shape[0] // 4
        padded = np.pad(crop, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
        faces = det.detect(padded)
        if faces:
            faces[0].landmarks[:, :2] -= pad
    if not faces:
        raise FaceNotFoundError("no face found in the crop; pass an aligned face crop")
    return estimate_aus(faces[0], calibration)


def select_faces(faces, face) -> list[int]:
    """Indices of the faces ``face`` names: ``"all"``, ``"largest"`` or an index (faces sorted largest first)."""
    if face == "all" or face is None:
        return list(range(len(faces)))
    if face == "largest":
        return [0]  # detect() sorts largest first
    try:
        i = int(face)
    except (TypeError, ValueError):
        raise GanimationError(f"face={face!r}; use 'all', 'largest' or a face index") from None
    if not 0 <= i < len(faces):
        raise FaceNotFoundError(f"face index {i} does not exist; {len(faces)} face(s) found (0..{len(faces) - 1})")
    return [i]


def find_faces(image: np.ndarray, face="all", *, face_model=None, search: str = "proposals") -> list:
    """Detected faces, largest first. For ``face="largest"`` the detector looks for the largest face
    only (:meth:`~ganimation.faces.detect.FaceDetector.detect` with ``largest=True``): the small
    faces the ``proposals``/``thorough`` searches add are only searched when the whole-photo pass
    keeps none, and faces or proposals too small to be the largest are not landmarked again (on
    wild_dev photos the full search is most of an edit's time)."""
    from ganimation.faces.detect import get_detector

    return get_detector(face_model, search=search).detect(image, largest=face == "largest")


def reference_face(image: np.ndarray, name: str, *, largest: bool = True, search: str = "proposals"):
    """The largest face of a reference photo (``--like REF``, the app's Transfer tab), or a one-line
    :class:`FaceNotFoundError` naming ``name``. ``largest``: the detector looks for the largest face only
    (:func:`find_faces` with ``"largest"``), else for every face first."""
    faces = find_faces(image, "largest" if largest else "all", search=search)
    if not faces:
        raise FaceNotFoundError(f"no face found in {name}; use a photo with a clearly visible, roughly frontal face")
    return faces[0]


def resolve_engine(editor, engine: str | None) -> str:
    """``engine``, else the editor's ``engine`` attribute, else :data:`DEFAULT_ENGINE`; checked."""
    name = engine or getattr(editor, "engine", None) or DEFAULT_ENGINE
    if name not in ENGINES:
        raise GanimationError(f"engine {name!r}; choose one of {', '.join(ENGINES)}")
    return name


def check_stages(stages, engine: str) -> tuple[str, ...]:
    """The checked wg-GAN stages of an edit; the learned ones only after the warp engine's warp."""
    from ganimation.refine import parse_stages

    steps = parse_stages(stages)
    if "refine" in steps and engine != "warp":
        raise GanimationError(f"the learned wg-GAN stages follow the warp engine, not {engine!r}")
    return steps


#: how the gan engines' edited crop goes back into the photo (:func:`ganimation.faces.align.paste_back`)
PASTE_MODES = ("residual", "replace")
#: the widest feather of the pasted crop's mask, as a share of the crop's side
MAX_FEATHER = 0.5


def check_paste(paste: str, feather: float) -> None:
    """Refuse a ``paste`` mode not in :data:`PASTE_MODES` or a ``feather`` outside 0 to :data:`MAX_FEATHER`."""
    if paste not in PASTE_MODES:
        raise GanimationError(f"paste={paste!r}; use one of {', '.join(PASTE_MODES)}")
    try:
        ok = 0.0 <= float(feather) <= MAX_FEATHER
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise GanimationError(f"feather={feather!r}; use a share of the crop from 0 to {MAX_FEATHER:g}")


def edit_photo(editor, image_rgb_uint8: np.ndarray, *, aus=None, expression: str | None = None,
               intensity: float = 1.0, relative: bool = False, face="all", targets=None,
               face_model=None, calibration=None, paste: str = "residual",
               feather: float = 0.06, search: str = "proposals", engine: str | None = None,
               like: np.ndarray | None = None, texture: float | None = None, stages=None, found=None,
               starts=None, like_amount: float = 1.0, like_descriptor: np.ndarray | None = None,
               like_same=None) -> PhotoEdit:
    """Edit the expression of the faces in a photo.

    - ``image_rgb_uint8``: ``(H, W, 3)`` uint8 RGB.
    - Targets: ``aus`` (string or dict; absolute values set on top of the
      face's estimated AUs, or offsets with ``relative=True``), and/or
      ``expression`` + ``intensity`` (from the estimate toward the preset; the warp
      engine moves a preset's defining AUs at least part of the way even where the
      estimate reads them as shown already: :func:`ganimation.aus.motion_start`);
      or ``targets``: one ``(17,)`` vector per selected face.
    - ``face``: ``"all"``, ``"largest"`` or an index (faces sorted largest first).
    - ``paste``: ``"residual"`` (default) or ``"replace"`` (see :func:`ganimation.faces.align.paste_back`).
    - ``engine``: ``"warp"``, ``"gan"`` or ``"hybrid"`` (:data:`ENGINES`); default: the
      editor's ``engine`` attribute, else :data:`DEFAULT_ENGINE`. ``editor`` may be None
      for the ``warp`` engine.
    - ``like``: instead of AU targets, the ``(478, 3)`` landmarks of a reference face
      whose expression every selected face takes (``edit --like``), as landmark motion
      (:func:`ganimation.geometry_edit.reference_motion`); warp engine only (for the
      others, pass the reference's estimated AUs as ``aus``, as ``edit --like`` does).
      ``like_amount`` (0-1): the share of that motion applied (``animate --like`` goes
      from 0 to 1; the motion is linear in it). ``like_descriptor``: the reference face's
      dlib descriptor ``(128,)`` (:func:`ganimation.faces.identity.descriptor_or_none`); a face
      of the same person (:func:`ganimation.faces.identity.same_person_for_like`) takes the
      motion fitted by the AUs alone, the others with the face-shape basis that keeps another
      person's face shape out (None: every face with it). ``like_same``: that choice made
      already, one bool per selected face (an animation makes it once for all its frames).
    - ``texture``: strength of the warp engine's texture stage (shading of folds and
      wrinkles, :mod:`ganimation.texture.au_texture`); None: its default, 0: off. The
      hybrid engine leaves it to the generator.
    - ``stages``: the wg-GAN stages after the warp engine's warp (``"warp"``, the default,
      ``"warp,refine"`` or ``"warp,refine,mouth"``: :func:`ganimation.refine.parse_stages`).
    - ``found``: the photo's faces, largest first, where the caller has detected them already
      (an animation edits one photo many times); ``face`` then selects among them.
    - ``starts``: with ``targets``, one ``(17,)`` vector per selected face: the AUs the warp
      engine's motion starts from (default: each face's estimate). An animation passes the
      same starts to every frame, so each face moves linearly from no change to its target.

    Raises :class:`FaceNotFoundError` when no face is found.
    """
    from ganimation.faces.align import align_face, face_mask, paste_back
    from ganimation.faces.align import warp as warp_crop
    from ganimation.faces.estimate import estimate_aus
    from ganimation.images import as_rgb_array
    from ganimation.texture.au_texture import strength as texture_strength

    image = as_rgb_array(image_rgb_uint8)
    engine = resolve_engine(editor, engine)
    steps = check_stages(stages, engine)
    texture_strength(texture)                 # a bad setting is refused before the faces are searched
    check_paste(paste, feather)
    if engine in ("gan", "hybrid") and editor is None:
        raise GanimationError(f"engine {engine!r} needs an editor (weights)")
    faces = list(found) if found is not None else find_faces(image, face, face_model=face_model, search=search)
    if not faces:
        raise FaceNotFoundError(
            "no face found in the photo; use a photo with a clearly visible, roughly frontal face "
            "(at least ~40 px between the eyes)")
    idx = select_faces(faces, face)
    if targets is not None:
        targets = _per_face(targets, "target", len(idx))
        if starts is not None:
            starts = _per_face(starts, "start", len(idx))
    elif starts is not None:
        raise GanimationError("starts go with targets: one start and one target vector per selected face")
    elif like is not None:
        if engine != "warp":
            raise GanimationError(f"a reference face's motion needs the warp engine, not {engine!r}")
        if not 0.0 <= float(like_amount) <= 1.0:
            raise GanimationError(f"like_amount {like_amount}: use a share in [0, 1]")
        if like_same is not None and len(like_same) != len(idx):
            raise GanimationError(f"like_same has {len(like_same)} values for {len(idx)} selected face(s)")
    elif aus is None and expression is None:
        raise GanimationError("give a target: aus (e.g. 'AU12=0.8'), an expression preset, or targets")
    infos = []
    for n, i in enumerate(idx):
        f = faces[i]
        est = estimate_aus(f, calibration)
        start = est
        if targets is not None:
            tgt = np.clip(targets[n], 0, 1).astype(np.float32)
            if starts is not None:
                start = np.clip(starts[n], 0, 1).astype(np.float32)
        elif like is not None:
            tgt = est
        else:
            tgt = resolve_target(current=est, aus=aus, expression=expression, intensity=intensity, relative=relative)
            start = motion_start(est, aus=aus, expression=expression, intensity=intensity, relative=relative,
                                 target=tgt)
        infos.append((f, est, tgt, start))
    out = image
    landmarks = [f.landmarks for f, *_ in infos]
    warped = [None] * len(infos)
    if engine in ("warp", "hybrid"):
        from ganimation.faces.identity import same_person_for_like
        from ganimation.geometry_edit import (
            apply_motion,
            edit_face_geometry,
            lip_stretch,
            reference_motion,
        )
        from ganimation.refine import Refinement
        from ganimation.warp.dense import SMOOTH

        strength = 0.0 if engine == "hybrid" else texture
        refinement = Refinement.load(use_mouth="mouth" in steps) if "refine" in steps else None
        reading = SMOOTH if refinement is not None else None   # the learned stages were trained on it
        # each face is warped in the photo the faces before it left: its landmarks go where their warps
        # (whose outer rings reach a neighbour's face) moved it
        placed = [np.array(f.landmarks, np.float64) for f, *_ in infos]
        for n, (f, est, tgt, start) in enumerate(infos):
            if like is not None:
                same = bool(like_same[n]) if like_same is not None else same_person_for_like(like_descriptor, image,
                                                                                              f.box)
                motion, coef = reference_motion(placed[n], like, identity=False if same else None)
                motion, coef = motion * float(like_amount), coef * float(like_amount)
                ge = apply_motion(out, placed[n], motion, aus_change=coef, texture=strength,
                                  lip_stretch=lip_stretch(est + coef), interpolation=reading)
            else:
                ge = edit_face_geometry(out, placed[n], start, tgt, texture=strength, interpolation=reading)
            if refinement is not None:
                ge.image = refinement.refine_frame(ge.image, ge.warp, mouth="mouth" in steps)
            out = ge.image
            warped[n] = ge
            landmarks[n] = np.concatenate([ge.warp.target, f.landmarks[:, 2:3]], 1).astype(np.float32)
            ge.warp.warp.carry_all(placed[n + 1:])   # the faces after it, where this warp moved them
    size = int(editor.image_size) if editor is not None else 128
    gan = None
    if engine in ("gan", "hybrid"):
        gan = _edit_crops_gan(editor, out, landmarks, [tgt for _, _, tgt, _ in infos], size)
    if gan is not None:
        for n, (al_g, edited_g, _att, change_g) in enumerate(gan):
            mask_g = face_mask(size, al_g.landmarks, feather=feather) * np.clip(change_g, 0.0, 1.0)
            out = paste_back(out, edited_g, al_g.crop, al_g.transform, mask_g, mode=paste)
    face_edits = []
    for n, (f, est, tgt, _) in enumerate(infos):
        al = align_face(image, f, size)
        if engine == "gan":
            _al, edited, attention, change = gan[n]
            mask = face_mask(size, al.landmarks, feather=feather) * np.clip(change, 0.0, 1.0)
        else:  # the crop of the result at the input's alignment; attention 1 where nothing changed
            edited = warp_crop(out, al.transform, size)
            attention = np.all(edited == al.crop, axis=-1).astype(np.float32)
            mask = 1.0 - attention
        face_edits.append(FaceEdit(box=f.box, landmarks=f.landmarks[:, :2], confidence=f.confidence, estimated=est,
                                   target=tgt, transform=al.transform, crop=al.crop, edited=edited,
                                   attention=attention, mask=mask))
    return PhotoEdit(image=out if out is not image else image.copy(), faces=face_edits)


def _per_face(vectors, name: str, faces: int) -> list[np.ndarray]:
    """``vectors`` (a list of ``(17,)`` or an ``(N, 17)`` array), checked: one per selected face."""
    out = [check_vector(v, name=name) for v in (vectors if isinstance(vectors, (list, tuple)) else list(np.asarray(vectors)))]
    if len(out) != faces:
        raise GanimationError(f"{len(out)} {name} vector(s) for {faces} selected face(s)")
    return out


class _Landmarks:
    """A stand-in face holding only landmarks ``(478, 2|3)`` (for :func:`align_face` on moved landmarks)."""

    def __init__(self, landmarks: np.ndarray):
        self.landmarks = np.asarray(landmarks)

    def points5(self) -> np.ndarray:
        from ganimation.faces.detect import Face

        return Face.points5(self)  # type: ignore[arg-type]


def _edit_crops_gan(editor, image: np.ndarray, landmarks: list, targets: list, size: int) -> list:
    """The generator on each face of ``image`` (aligned by ``landmarks``): per face
    ``(aligned, edited (S,S,3) uint8, attention (S,S), change (S,S))``."""
    from ganimation.faces.align import align_face

    aligned = [align_face(image, _Landmarks(lm), size) for lm in landmarks]
    result = editor.edit_crops(np.stack([a.crop for a in aligned]).astype(np.uint8),
                               np.stack(targets).astype(np.float32).reshape(-1, NUM_AUS))
    edited = np.asarray(result.images)
    attention = np.asarray(result.attention, np.float32)
    change = np.asarray(result.change, np.float32)  # 1 - attention, raised where a DefGAN warp moves pixels
    n = len(aligned)
    if edited.shape != (n, size, size, 3) or attention.shape != (n, size, size):
        raise GanimationError(f"editor returned images {edited.shape} / attention {attention.shape}; "
                              f"expected ({n}, {size}, {size}, 3) / ({n}, {size}, {size})")
    return [(aligned[i], edited[i].astype(np.uint8), attention[i], change[i]) for i in range(n)]


def edit_photo_file(editor, in_path: str | os.PathLike, out_path: str | os.PathLike, *,
                    opened: tuple | None = None, **kw) -> PhotoEdit:
    """Edit the photo at ``in_path`` and write it to ``out_path``.

    The output has the input's (upright, EXIF-applied) size; EXIF is kept
    with the orientation tag reset to 1 and the thumbnail of the unedited
    photo unlinked (:func:`ganimation.images.exif_for_edit`), an RGB photo's colour profile
    (Display P3, Adobe RGB ...) is kept with its pixels as they are (the
    edit is made in the photo's own colours), so are its print resolution
    and XMP (JPEG, WebP, PNG),
    and the format follows ``out_path``'s suffix (a JPEG photo written as
    JPEG keeps its own quantization tables and chroma subsampling; other
    JPEGs are written at quality 95). ``opened``: the ``(image, info)``
    pair ``ganimation.images.open_image(in_path, srgb=False)`` returned,
    where the caller has read it already (a 20 MP JPEG takes about 0.25 s
    to decode).
    """
    from ganimation.images import exif_for_edit, open_image, save_image

    img, info = opened if opened is not None else open_image(in_path, srgb=False)
    arr = np.asarray(img, dtype=np.uint8)
    res = edit_photo(editor, arr, **kw)
    save_image(out_path, res.image, exif=exif_for_edit(info.get("exif")), icc_profile=info.get("icc_profile"),
               jpeg=info.get("jpeg"), dpi=info.get("dpi"), xmp=info.get("xmp"))
    return res
