"""Preset grids of real faces for the docs: rows = faces, columns = input + six presets, one engine.

Each cell is cut from the whole edited photo at its own resolution (the face
box grown by 35 % per side, resized to 256 px with Lanczos), so what the grid
shows is what `ganimation edit` writes, not the generator's 64-px crop.

    .venv/bin/python benchmarks/engines_grid.py            # docs/images/presets_grid.png (warp) and _gan.png
    .venv/bin/python benchmarks/engines_grid.py --engine hybrid -o /tmp/grid_hybrid.png
    .venv/bin/python benchmarks/engines_grid.py --texture-strip   # docs/images/texture_strengths.png
    .venv/bin/python benchmarks/engines_grid.py --closing-strip   # docs/images/closing_mouth.png
    .venv/bin/python benchmarks/engines_grid.py --eyes-strip      # docs/images/eye_folds.png
    .venv/bin/python benchmarks/engines_grid.py --open-eyes-strip # docs/images/eyes_open.png
    .venv/bin/python benchmarks/engines_grid.py --sharp-eyes-strip  # docs/images/eyes_open_sharp.png
    .venv/bin/python benchmarks/engines_grid.py --iris-strip      # docs/images/eyes_iris.png
    .venv/bin/python benchmarks/engines_grid.py --teeth-strip     # docs/images/carried_teeth.png
    .venv/bin/python benchmarks/engines_grid.py --soft-mouth-strip  # docs/images/soft_mouth.png
    .venv/bin/python benchmarks/engines_grid.py --small-mouth-strip # docs/images/small_mouth.png
    .venv/bin/python benchmarks/engines_grid.py --folds-strip     # docs/images/smile_folds.png
    .venv/bin/python benchmarks/engines_grid.py --sharp-warp-strip  # docs/images/sharp_warp.png
    .venv/bin/python benchmarks/engines_grid.py --lips-strip      # docs/images/lip_folds.png
    .venv/bin/python benchmarks/engines_grid.py --lip-bodies-strip  # docs/images/lip_bodies.png
    .venv/bin/python benchmarks/engines_grid.py --lid-droop-strip   # docs/images/lid_droop.png
    .venv/bin/python benchmarks/engines_grid.py --closed-eyes-strip # docs/images/closed_eyes.png
    .venv/bin/python benchmarks/engines_grid.py --defining-strip    # docs/images/defining_motion.png
    .venv/bin/python benchmarks/engines_grid.py --shine-strip       # docs/images/shine.png
    .venv/bin/python benchmarks/engines_grid.py --edge-strip        # docs/images/photo_edge.png
    .venv/bin/python benchmarks/engines_grid.py --whites-strip      # docs/images/whites_light.png
    .venv/bin/python benchmarks/engines_grid.py --squint-iris-strip # docs/images/iris_squint.png
    .venv/bin/python benchmarks/engines_grid.py --fear-taper-strip  # docs/images/fear_taper.png
    .venv/bin/python benchmarks/engines_grid.py --teeth-light-strip # docs/images/teeth_light.png
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

import numpy as np

WILD = Path("/work/shared/data/wild_dev")
UTK = Path("data/utkface_engines120")  # held-out UTKFace faces (benchmarks/results/engines/summary.md)
ROWS = [WILD / "40_obama.jpg", WILD / "48_einstein.jpg", WILD / "46_single_face.jpg",
        UTK / "26_1_3_20170104222813183.jpg.chip.jpg", UTK / "46_0_0_20170104183946093.jpg.chip.jpg",
        UTK / "72_1_0_20170110152914413.jpg.chip.jpg"]


def grid(engine: str, rows: list[Path], columns: list[tuple[str, dict]] | None = None,
         cut: str = "face") -> np.ndarray:
    """Rows = photos; columns = the input, then one edit per ``(label, edit_photo keyword arguments)``
    (default: the six presets; a ``before`` key names a context of :data:`BEFORE` to edit in).
    ``cut``: ``"face"`` (the face box grown by 35 %), ``"chin"`` (its lower 55 %), ``"eyes"`` (the box of the eyes and brows) or
    ``"mouth"`` (the box of the lips) or ``"folds"`` (the nasolabial folds and the lips)."""
    from ganimation.edit import Editor
    from ganimation.evaluation.engines import ENGINE_PRESETS, grid_cell, preset_grid
    from ganimation.faces.pipeline import edit_photo
    from ganimation.images import load_rgb

    columns = columns or [(p, {"expression": p}) for p in ENGINE_PRESETS]
    editor = Editor.from_pretrained() if engine != "warp" else None
    cells = []
    for path in rows:
        img = load_rgb(path)
        row, box = None, None
        for _, kw in columns:
            kw = dict(kw)
            before = kw.pop("before", None)
            with (BEFORE[before]() if before else contextlib.nullcontext()):
                res = edit_photo(editor, img, engine=engine, face="largest", **kw)
            if box is None:
                box = {"face": lambda f: f.box, "chin": lambda f: np.array([f.box[0], f.box[1] + 0.45 * (f.box[3] - f.box[1]),
                                                                            f.box[2], f.box[3]]),
                       "eyes": lambda f: eyes_box(f.landmarks),
                       "mouth": lambda f: mouth_box(f.landmarks), "folds": lambda f: folds_box(f.landmarks)
                       }[cut](res.faces[0])
                row = [grid_cell(img, box)]
            row.append(grid_cell(res.image, box))
        cells.append(row)
    return preset_grid(cells, ["input", *(label for label, _ in columns)])


TEXTURE_STRIP = [(f"{p}, texture {t:g}", {"expression": p, "texture": t})
                 for p in ("anger", "sad") for t in (0.0, 0.5, 1.5)]


def before_and_now(presets: tuple[str, ...], before: str) -> list[tuple[str, dict]]:
    """Columns ``"P, before"`` (edited inside the :data:`BEFORE` context ``before``) and ``"P"`` for each preset."""
    return [(f"{p}{', before' if then else ''}", {"expression": p, **({"before": before} if then else {})})
            for p in presets for then in (True, False)]


#: sad and anger of smiling faces, with a closing mouth as it was (squeezed, unlimited narrowing) and now
CLOSING_STRIP = before_and_now(("sad", "anger"), "closing")
#: anger (lowered brows over the lids) with the eye region's folds as they were and now
EYES_STRIP = before_and_now(("anger",), "eyes")
#: surprise and fear (lids raised) with the warp's stretched iris as it was and the redrawn eyes now
OPEN_EYES_STRIP = before_and_now(("surprise", "fear"), "open_eyes")
#: opening and raised lips with the mouth region's folds, the warp's specks and stretched teeth as they were and now
LIPS_STRIP = before_and_now(("surprise", "disgust", "fear"), "lips")
#: openings as the motion model gave them (a slot beside the corners) and tapered now
OPENING_STRIP = before_and_now(("surprise", "happy"), "opening")
#: fear's stretched opening untapered (blunt ends) and with the flatter taper of stretched lips now
FEAR_TAPER_STRIP = before_and_now(("fear",), "fear_taper")
#: fear of photos that show their teeth, the drawn interior lit from the skin and lips before / in the
#: colour of the photo's own teeth now
TEETH_LIGHT_STRIP = before_and_now(("fear",), "teeth_light")
#: broad smiles closed by sad and anger, crossing lips stopped at their inner points (thin lips) and as bodies now
LIP_BODIES_STRIP = before_and_now(("sad", "anger"), "lip_bodies")
#: surprise and fear of sharp photos with the iris rims in the warp mesh, the iris colours with catchlights
#: and white, and no eyeball drawn below a lowered lower lid (before), and now
SHARP_EYES_STRIP = before_and_now(("surprise", "fear"), "sharp_eyes")
#: surprise and fear of soft photos with the interior drawn at 0.5 px (before) and at the photo's blur (now)
SOFT_MOUTH_STRIP = before_and_now(("surprise", "fear"), "soft_mouth")
#: sad and anger of small smiling faces, the lips of a mouth closed to a pixel or two left to the warp (before)
#: and redrawn now
SMALL_MOUTH_STRIP = before_and_now(("sad", "anger"), "small_mouth")
#: anger and disgust of broad smiles, the photo's own smile folds kept (before) and lightened as the smile goes (now)
FOLDS_STRIP = before_and_now(("anger", "disgust"), "smile_folds")
#: surprise and fear of sharp photos, the warp reading the photo bilinearly (before) and by Lanczos (now)
SHARP_WARP_STRIP = before_and_now(("surprise", "fear"), "bilinear")
#: surprise and fear of sharp photos and a turned face, the uncovered iris drawn from a radial profile of
#: its colours, the lids' margins kept across the white and the far eye redrawn (before), and now
IRIS_STRIP = before_and_now(("surprise", "fear"), "iris")
#: surprise and fear of smiling photos, the exemplar's upper teeth drawn below the photo's own (before) and
#: left out where the photo's stand for them (now)
TEETH_STRIP = before_and_now(("surprise", "fear"), "second_teeth")
#: sad and fear of shiny skin, the texture stage darkening white shines grey (before) and leaving them (now)
SHINE_STRIP = before_and_now(("sad", "fear"), "shine")
#: sad and anger of tight crops whose chin the edit raises at the bottom edge: the edge row repeated (before)
#: and the photo mirrored there (now)
EDGE_STRIP = before_and_now(("sad", "anger"), "edge")
#: surprise and fear, each eye's white read from that eye alone and the mouth drawn in a typical photo's
#: colours (before), and one white for both eyes and the mouth in the photo's light (now)
WHITES_STRIP = before_and_now(("surprise", "fear"), "whites")
#: surprise and fear of squinting and sharp eyes, the iris's outer circles read wherever the photo shows them
#: (before) and only where it shows them over IRIS_MIN_ARC pixels (now)
SQUINT_IRIS_STRIP = before_and_now(("surprise", "fear"), "squint_iris")
#: sad's lid droop as it was (AU45 0.5, the same distance on every eye, the eyeball squeezed) and now
LID_DROOP_STRIP = before_and_now(("sad",), "lid_droop")
#: happy, anger and fear of faces read as showing them already, moved from the estimate (before) and now
DEFINING_STRIP = before_and_now(("happy", "anger", "fear"), "defining")
#: surprise and fear of eyes the photo shows closed, opened by the warp (before) and kept closed (now)
CLOSED_EYES_STRIP = before_and_now(("surprise", "fear"), "closed_eyes")


def _never_held(frame_points):
    """:func:`ganimation.motion.lids.held` as before it: no eye held closed."""
    import numpy as np

    return np.zeros(2)


def eyes_box(landmarks: np.ndarray) -> np.ndarray:
    """``(4,)`` x0, y0, x1, y1 around both eyes and brows (``landmarks`` ``(478, 2+)`` pixels), made square."""
    from ganimation.motion.regions import LEFT_BROW, LEFT_EYE, RIGHT_BROW, RIGHT_EYE

    p = np.asarray(landmarks, np.float64)[list(RIGHT_EYE + LEFT_EYE + RIGHT_BROW + LEFT_BROW), :2]
    (x0, y0), (x1, y1) = p.min(0), p.max(0)
    cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, 0.35 * (x1 - x0)   # grid_cell grows it by 35 % a side
    return np.array([cx - half, cy - half / 2, cx + half, cy + half / 2])


def mouth_box(landmarks: np.ndarray) -> np.ndarray:
    """``(4,)`` x0, y0, x1, y1 around the lips (``landmarks`` ``(478, 2+)`` pixels), 3:2 wide."""
    from ganimation.motion.regions import LIPS

    p = np.asarray(landmarks, np.float64)[list(LIPS), :2]
    (x0, y0), (x1, y1) = p.min(0), p.max(0)
    cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, 0.45 * (x1 - x0)   # grid_cell grows it by 35 % a side
    return np.array([cx - half, cy - half * 2 / 3, cx + half, cy + half * 2 / 3])


def folds_box(landmarks: np.ndarray) -> np.ndarray:
    """``(4,)`` x0, y0, x1, y1 around a smile's folds (:data:`ganimation.texture.folds.FOLD_CHAINS`: the
    nasolabial folds, crow's feet and lower-lid creases) and the lips (``landmarks`` ``(478, 2+)`` pixels)."""
    from ganimation.motion.regions import LIPS
    from ganimation.texture.folds import FOLD_CHAINS

    p = np.asarray(landmarks, np.float64)[list(LIPS) + [i for c in FOLD_CHAINS for i in c], :2]
    (x0, y0), (x1, y1) = p.min(0), p.max(0)
    return np.array([x0, y0, x1, y1])


@contextlib.contextmanager
def closing_as_before():
    """The warp engine without the lip redraw of a closing mouth (nor of a closed one's folded corners) and
    without the closed-mouth narrowing limit."""
    # benchmarks/ is on sys.path when run as a script
    from preset_variants import patched

    import ganimation.motion.au_model as M
    import ganimation.warp.mouth as W

    with patched(W, "CLOSED_AT", 1e9), patched(W, "FOLDS_FULL_AT", 1e9), patched(M, "MAX_CLOSED_NARROWING", 1e9):
        yield


def eye_folds_as_before():
    """The warp engine without :func:`ganimation.motion.unfold.unfold_eyes` (folded eye triangles kept)."""
    from preset_variants import patched

    import ganimation.motion.unfold as U

    return patched(U, "unfold_eyes", lambda frame, motion: motion)


def open_eyes_as_before():
    """The warp engine without :func:`ganimation.warp.eyes.redraw_eyes` (opening eyes only stretched)."""
    from preset_variants import patched

    import ganimation.warp.eyes as E

    return patched(E, "GROWTH_FROM", 1e9)


@contextlib.contextmanager
def sharp_eyes_as_before():
    """The warp engine with the iris rim landmarks in the warp mesh (their triangles pulled lid skin into an
    opening eye), every visible iris pixel colouring the redrawn iris, and the lower lid's margin kept
    across an opening eye (the border between the placed eyeball and the fill is today's)."""
    from preset_variants import patched

    import ganimation.geometry_edit as G
    import ganimation.warp.eyes as E
    import ganimation.warp.mesh as M

    with_rims = M.build_mesh(omit=())
    plain = G.warp_face

    def warp_face(image, source, target, *, pose=None, mesh=None):
        return plain(image, source, target, pose=pose, mesh=with_rims)

    with patched(G, "warp_face", warp_face), patched(E, "_iris_colours", lambda px, sclera: np.ones(len(px), bool)), \
            patched(E, "LOWER_DROP_FROM", 1e9):
        yield


def soft_mouth_as_before():
    """The warp engine with the mouth interior drawn at the exemplars' sharpness whatever the photo's blur."""
    from preset_variants import patched

    import ganimation.warp.mouth as W

    return patched(W, "_lips_blur", lambda photo, source, iod: 0.0)


@contextlib.contextmanager
def lips_as_before():
    """The warp engine without :func:`ganimation.motion.unfold.unfold_mouth`, without the warp's
    clamp of each pixel's sample to its source triangle's box (ganimation.warp.dense) and without
    :func:`ganimation.warp.mouth.carry_teeth`."""
    from preset_variants import no_carried_teeth, no_lip_repair, patched

    import ganimation.warp.dense as D

    def unclamped(src, tri):
        return np.tile(np.array([[-np.inf, -np.inf, np.inf, np.inf]], np.float32), (len(tri), 1))

    with no_lip_repair(), patched(D, "_source_boxes", unclamped), no_carried_teeth():
        yield


def opening_as_before():
    """The warp engine without :func:`ganimation.motion.opening.round_opening` (openings not tapered)."""
    from preset_variants import patched

    import ganimation.motion.opening as O

    return patched(O, "round_opening", lambda frame, motion, **_: motion)


def lip_bodies_as_before():
    """The warp engine with crossing lips stopped at their inner points only (``uncross(lip_bodies=False)``)."""
    from preset_variants import no_lip_bodies

    return no_lip_bodies()


@contextlib.contextmanager
def lid_droop_as_before():
    """Sad's lid droop as it was: AU45 0.5, every eye's lid lowered as far as the mean face's
    (no :func:`ganimation.motion.lids.droop_to_scale`) and a closing eye left to the warp."""
    from preset_variants import variants

    v = variants()
    with v["sad_au45_0.5"][1](), v["droop_not_scaled"][1](), v["closing_eyes_warped"][1]():
        yield


def small_mouth_as_before():
    """A mouth closed to a gap of a pixel or two counts as closed only below 0.04 IOD, as before
    (``warp.mouth.CLOSED_BELOW_PX`` 0)."""
    from preset_variants import patched

    import ganimation.warp.mouth as W

    return patched(W, "CLOSED_BELOW_PX", 0.0)


def smile_folds_as_before():
    """A released smile's own folds left as the photo has them (no :func:`ganimation.texture.folds.release_folds`)."""
    from preset_variants import patched

    import ganimation.texture.folds as F

    return patched(F, "release_folds", lambda image, landmarks, release, iod, **_: image)


def bilinear_as_before():
    """The warp reading the photo between its pixels bilinearly (``warp.dense.INTERPOLATION``), as before."""
    from preset_variants import patched

    import ganimation.warp.dense as D

    return patched(D, "INTERPOLATION", "INTER_LINEAR")


@contextlib.contextmanager
def iris_as_before():
    """The eye redraw with the uncovered iris drawn from a radial profile of its visible colours out to
    1.15 of MediaPipe's iris radius (no :func:`ganimation.warp.eyes.complete_iris`), the placed eyeball
    keeping whatever lies inside its lid bands (the lower lid's margin band as it was: 15 % of the gap plus
    0.01 IOD), and every eye redrawn however foreshortened."""
    from preset_variants import patched

    import ganimation.warp.eyes as E

    with patched(E, "complete_iris", lambda *a, **k: None), patched(E, "SCLERA_CLEAN", -1e9), \
            patched(E, "FORESHORTENED", 0.0), patched(E, "WATERLINE_BAND", 0.15), patched(E, "WATERLINE_MIN", 0.01):
        yield


def second_teeth_as_before():
    """The drawn mouth interior with the exemplar's upper teeth below the photo's carried ones (no
    ``teeth`` chain passed to :func:`ganimation.warp.mouth_interior.draw_interior`)."""
    from preset_variants import patched

    import ganimation.warp.mouth as W

    plain = W.draw_interior

    def without_teeth(*args, teeth=None, teeth_weight=1.0, **kwargs):
        return plain(*args, **kwargs)

    return patched(W, "draw_interior", without_teeth)


@contextlib.contextmanager
def whites_as_before():
    """Each opened eye's white read from that eye alone, a dark reading brought toward a near-white with a
    tenth of the skin's colour, and the mouth's inside drawn in a typical photo's colours (no light gain)."""
    from preset_variants import patched

    import ganimation.warp.eyes as E
    import ganimation.warp.mouth as W
    from ganimation.images import luminance

    def own_white(eyes):
        readings = [(e.sclera_reading(), e.skin) if e is not None else (None, None) for e in eyes]
        return [E.plausible_sclera(seen, skin) if seen is not None else None for seen, skin in readings]

    def near_white(skin):
        skin = np.asarray(skin, np.float32)
        lum = float(luminance(skin[None])[0])
        return 1.0 + 0.1 * (skin - lum) / (E.SCLERA_MIN_SHARE * max(lum, 1e-6))

    with patched(E, "shared_sclera", own_white), patched(E, "white_tint", near_white), \
            patched(W, "_light", lambda *a, **k: None):
        yield


def constant_as_before(module: str, name: str, value):
    """A ``before`` context that sets the constant ``name`` of ``module`` (a dotted name) to ``value``."""
    def before():
        import importlib

        from preset_variants import patched

        return patched(importlib.import_module(module), name, value)

    return before


def defining_as_before():
    """A preset's defining AUs moved only from the photo's estimate (no least motion)."""
    from preset_variants import variants

    return variants()["no_defining_floor"][1]()


#: ``before`` contexts of the strips
BEFORE = {"closing": closing_as_before, "eyes": eye_folds_as_before, "open_eyes": open_eyes_as_before,
          "sharp_eyes": sharp_eyes_as_before, "soft_mouth": soft_mouth_as_before,
          "lips": lips_as_before, "opening": opening_as_before, "lip_bodies": lip_bodies_as_before,
          "lid_droop": lid_droop_as_before, "defining": defining_as_before,
          "small_mouth": small_mouth_as_before, "smile_folds": smile_folds_as_before,
          "bilinear": bilinear_as_before, "whites": whites_as_before, "iris": iris_as_before, "second_teeth": second_teeth_as_before,
          # the texture stage darkening shines too (no pixel counts as a highlight)
          "shine": constant_as_before("ganimation.texture.au_texture", "HIGHLIGHT_FROM", 1e9),
          # the warp reading beyond the photo's edges as the edge row repeated
          "edge": constant_as_before("ganimation.warp.dense", "BORDER", "BORDER_REPLICATE"),
          # every circle of the iris read wherever the photo shows it, however little
          "squint_iris": constant_as_before("ganimation.warp.eyes", "IRIS_MIN_ARC", 1e-9),
          # an eye the photo shows closed opened by the motion like any other
          "closed_eyes": constant_as_before("ganimation.motion.lids", "held", _never_held),
          # lips stretched sideways left untapered (an ellipse to the power 0)
          "fear_taper": constant_as_before("ganimation.motion.opening", "STRETCHED_POWER", 0.0),
          # the drawn mouth interior lit as read from the skin and lips, also where the photo shows teeth
          "teeth_light": constant_as_before("ganimation.warp.mouth", "_teeth_light",
                                            lambda photo, source, brightness, light, weight: (brightness, light))}


#: the before/now strips: (flag of --FLAG-strip, file in docs/images, columns, default photos, cut, what it shows)
STRIPS = [
    ("eyes", "eye_folds.png", EYES_STRIP,
     [WILD / "46_single_face.jpg", WILD / "49_astronaut.png", ROWS[3]],
     "eyes", "anger's eyes and brows, folded triangles before/now"),
    ("open-eyes", "eyes_open.png", OPEN_EYES_STRIP,
     [ROWS[0], WILD / "49_astronaut.png", ROWS[3]],
     "eyes", "surprise and fear, eyes stretched before / redrawn now"),
    ("sharp-eyes", "eyes_open_sharp.png", SHARP_EYES_STRIP,
     [WILD / "40_obama.jpg", WILD / "38_Tom_Cruise_avp_2014_4.jpg", WILD / "46_single_face.jpg"],
     "eyes", "surprise and fear eyes of sharp photos, before and now"),
    ("iris", "eyes_iris.png", IRIS_STRIP,
     [WILD / "40_obama.jpg", WILD / "38_Tom_Cruise_avp_2014_4.jpg", WILD / "46_single_face.jpg",
      WILD / "47_breakingbad.jpg"],
     "eyes", "surprise and fear eyes, the iris's radial profile before / its own pixels completed now"),
    ("teeth", "carried_teeth.png", TEETH_STRIP,
     [WILD / "40_obama.jpg", WILD / "45_multi_face.jpg", WILD / "34_2008_001322.jpg", WILD / "49_astronaut.png"],
     "mouth", "surprise and fear of smiling photos, a second row of upper teeth before / none now"),
    ("shine", "shine.png", SHINE_STRIP,
     [WILD / "42_kit_with_rose.jpg", WILD / "40_obama.jpg", ROWS[4]],
     "eyes", "sad and fear brows of shiny skin, shines darkened grey before / left now"),
    ("edge", "photo_edge.png", EDGE_STRIP,
     [Path("data/utkface_dev120b/2_1_2_20161219142427449.jpg.chip.jpg"),
      Path("data/utkface_dev120b/61_0_2_20170111203805430.jpg.chip.jpg"),
      Path("data/utkface_dev120b/39_0_2_20170104201921434.jpg.chip.jpg")],
     "chin", ("sad and anger of tight crops, the chin at the bottom edge: the edge row repeated before / "
              "the photo mirrored now")),
    ("whites", "whites_light.png", WHITES_STRIP,
     [WILD / "42_kit_with_rose.jpg", WILD / "45_multi_face.jpg",
      Path("data/utkface_dev120b/43_1_0_20170109141845861.jpg.chip.jpg")],
     "face", "surprise and fear, whites per eye in neutral colours before / one white in the photo's light now"),
    ("squint-iris", "iris_squint.png", SQUINT_IRIS_STRIP,
     [WILD / "45_multi_face.jpg", WILD / "38_Tom_Cruise_avp_2014_4.jpg", WILD / "40_obama.jpg"],
     "eyes", "surprise and fear, the iris's outer circles read from a few pixels of lid before / not now"),
    ("soft-mouth", "soft_mouth.png", SOFT_MOUTH_STRIP,
     [ROWS[3], UTK / "26_1_2_20170104020703028.jpg.chip.jpg", ROWS[4], WILD / "38_Tom_Cruise_avp_2014_4.jpg"],
     "mouth", "surprise and fear mouths of soft photos, before and now"),
    ("small-mouth", "small_mouth.png", SMALL_MOUTH_STRIP,
     [WILD / "35_2008_002079.jpg", WILD / "36_2008_004176.jpg", WILD / "50_messi5.jpg"],
     "mouth", "sad and anger of small smiling faces, closed lips before and now"),
    ("folds", "smile_folds.png", FOLDS_STRIP,
     [WILD / "40_obama.jpg", WILD / "38_Tom_Cruise_avp_2014_4.jpg", WILD / "34_2008_001322.jpg",
      Path("data/utkface_dev120b/58_0_0_20170104213136437.jpg.chip.jpg")],
     "folds", "anger and disgust of broad smiles, the smile's folds before and now"),
    ("sharp-warp", "sharp_warp.png", SHARP_WARP_STRIP,
     [WILD / "40_obama.jpg", WILD / "48_einstein.jpg", WILD / "47_breakingbad.jpg"],
     "folds", "surprise and fear of sharp photos, bilinear before / Lanczos now"),
    ("lips", "lip_folds.png", LIPS_STRIP,
     [ROWS[2], ROWS[4], ROWS[5]],
     "mouth", "surprise, disgust and fear, mouth folds and specks before/now"),
    ("opening", "round_opening.png", OPENING_STRIP,
     [WILD / "44_t1.jpg", WILD / "42_kit_with_rose.jpg", ROWS[4], ROWS[5]],
     "mouth", "surprise and happy, openings untapered before / tapered now"),
    ("fear-taper", "fear_taper.png", FEAR_TAPER_STRIP,
     [Path("data/utkface_dev60/30_0_4_20170104170526912.jpg.chip.jpg"),
      Path("data/utkface_dev60/35_1_0_20170104181321972.jpg.chip.jpg"), WILD / "40_obama.jpg",
      WILD / "45_multi_face.jpg"],
     "mouth", "fear, the stretched opening untapered before / tapered toward its corners now"),
    ("teeth-light", "teeth_light.png", TEETH_LIGHT_STRIP,
     [WILD / "40_obama.jpg", WILD / "46_single_face.jpg",
      Path("data/utkface_dev60/8_1_0_20170109204818624.jpg.chip.jpg"),
      Path("data/utkface_dev60/26_1_3_20170109133009799.jpg.chip.jpg")],
     "mouth", "fear of photos that show their teeth, drawn teeth lit from the skin before / the photo's own teeth now"),
    ("lip-bodies", "lip_bodies.png", LIP_BODIES_STRIP,
     [WILD / "40_obama.jpg", UTK / "75_0_1_20170111205346848.jpg.chip.jpg",
      UTK / "61_1_2_20170105174916768.jpg.chip.jpg", UTK / "36_0_3_20170104220654654.jpg.chip.jpg"],
     "mouth", "sad and anger of broad smiles, thin lips before / lips kept now"),
    ("lid-droop", "lid_droop.png", LID_DROOP_STRIP,
     [WILD / "40_obama.jpg", WILD / "46_single_face.jpg", ROWS[3], ROWS[4]],
     "eyes", "sad's lid droop, squeezed eyes before / eyeball under the lid now"),
    ("closed-eyes", "closed_eyes.png", CLOSED_EYES_STRIP,
     [UTK / "57_0_0_20170105173713685.jpg.chip.jpg", UTK / "30_1_4_20170103183855083.jpg.chip.jpg",
      UTK / "49_0_0_20170104185744454.jpg.chip.jpg"],
     "eyes", "surprise and fear of eyes shown closed, opened onto nothing before / kept closed now"),
    ("defining", "defining_motion.png", DEFINING_STRIP,
     [WILD / "40_obama.jpg", WILD / "45_multi_face.jpg", WILD / "34_2008_001322.jpg",
      Path("data/utkface_dev60/29_0_0_20170104170138033.jpg.chip.jpg")],
     "face", "happy, anger, fear moved from the estimate before / at least 0.7 now"),
]


def main() -> None:
    from PIL import Image

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", default=None, help="one engine (default: warp and gan into docs/images)")
    ap.add_argument("-o", "--out", default=None, help="output PNG (with --engine or --texture-strip)")
    ap.add_argument("--texture-strip", action="store_true",
                    help="anger and sad at texture 0, 0.5, 1.5 (warp) -> docs/images/texture_strengths.png")
    ap.add_argument("--closing-strip", action="store_true",
                    help="sad and anger of smiling faces, closing mouth before/now -> docs/images/closing_mouth.png")
    for flag, name, _, _, _, what in STRIPS:
        ap.add_argument(f"--{flag}-strip", action="store_true", help=f"{what} -> docs/images/{name}")
    ap.add_argument("photos", nargs="*", type=Path, help="photos, one row each (default: 3 wild_dev + 2 UTKFace)")
    args = ap.parse_args()
    rows = args.photos or [p for p in ROWS if p.is_file()]
    if args.texture_strip:
        out = Path(args.out or "docs/images/texture_strengths.png")
        Image.fromarray(grid("warp", rows[::2] if not args.photos else rows, TEXTURE_STRIP)).save(out, optimize=True)
        print(f"wrote {out}")
        return
    if args.closing_strip:
        from importlib import resources

        astro = Path(str(resources.files("ganimation") / "assets" / "astronaut.png"))
        out = Path(args.out or "docs/images/closing_mouth.png")
        picked = args.photos or [astro, ROWS[0], ROWS[3], WILD / "39_two_people.jpg"]
        Image.fromarray(grid("warp", [p for p in picked if p.is_file()], CLOSING_STRIP)).save(out, optimize=True)
        print(f"wrote {out}")
        return
    for flag, name, columns, default, cut, _ in STRIPS:
        wanted = getattr(args, f"{flag.replace('-', '_')}_strip")
        if wanted:
            out = Path(args.out or f"docs/images/{name}")
            picked = args.photos or default
            Image.fromarray(grid("warp", [p for p in picked if p.is_file()], columns, cut=cut)).save(out, optimize=True)
            print(f"wrote {out}")
            return
    jobs = ([(args.engine, Path(args.out or f"presets_grid_{args.engine}.png"))] if args.engine else
            [("warp", Path("docs/images/presets_grid.png")), ("gan", Path("docs/images/presets_grid_gan.png"))])
    for engine, out in jobs:
        out.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(grid(engine, rows)).save(out, optimize=True)
        print(f"wrote {out} ({engine}, {len(rows)} rows)")


if __name__ == "__main__":
    main()
