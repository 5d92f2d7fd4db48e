"""Geometry-first editing: the warp engine on real and synthetic faces, ``edit --like``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("mediapipe")

from ganimation.aus import AU_CODES  # noqa: E402
from ganimation.cli.main import main  # noqa: E402
from ganimation.errors import GanimationError  # noqa: E402
from ganimation.faces.detect import get_detector  # noqa: E402
from ganimation.faces.pipeline import edit_photo  # noqa: E402
from ganimation.images import load_rgb  # noqa: E402
from ganimation.motion.frame import to_frame  # noqa: E402

ASTRO = str(resources.files("ganimation") / "assets" / "astronaut.png")


def frame_of(image: np.ndarray) -> np.ndarray:
    return to_frame(get_detector(search="whole").detect(image)[0].landmarks)[0]


@pytest.fixture(scope="module")
def astronaut():
    return load_rgb(ASTRO)


def test_warp_engine_changes_only_the_face_region(astronaut):
    res = edit_photo(None, astronaut, expression="surprise", engine="warp")
    assert res.image.shape == astronaut.shape
    changed = np.any(res.image != astronaut, axis=-1)
    assert changed.sum() > 500
    x0, y0, x1, y1 = res.faces[0].box
    w, h = x1 - x0, y1 - y0
    ys, xs = np.nonzero(changed)
    # the change stays within the face box grown by its own size (the warp's outer ring)
    assert xs.min() >= x0 - w and xs.max() <= x1 + w and ys.min() >= y0 - h and ys.max() <= y1 + h
    # and the bottom of the photo (the suit) is untouched
    assert not changed[int(y1 + 1.2 * h):].any()


def test_warp_engine_moves_the_defining_landmarks(astronaut):
    before = frame_of(astronaut)
    surprise = frame_of(edit_photo(None, astronaut, expression="surprise").image)
    assert surprise[14, 1] - surprise[13, 1] > before[14, 1] - before[13, 1] + 0.05   # mouth opens
    assert surprise[105, 1] < before[105, 1] - 0.02                                     # brows rise
    sad = frame_of(edit_photo(None, astronaut, expression="sad").image)
    corner = lambda f: (f[61, 1] + f[291, 1]) / 2 - (f[13, 1] + f[14, 1]) / 2  # noqa: E731 (+ = corners low)
    assert corner(sad) > corner(before) + 0.03


def test_happy_on_a_smile_smiles_more(astronaut):
    # the astronaut smiles (AU12 read at about 0.9): happy still lifts her lip corners visibly
    before = frame_of(astronaut)
    happy = frame_of(edit_photo(None, astronaut, expression="happy").image)
    lift = lambda f: -(f[61, 1] + f[291, 1]) / 2  # noqa: E731
    assert lift(happy) > lift(before) + 0.03


def test_zero_change_is_bit_identical(astronaut):
    from ganimation.faces.estimate import estimate_aus

    face = get_detector().detect(astronaut)[0]
    res = edit_photo(None, astronaut, targets=[estimate_aus(face)], engine="warp")
    assert np.array_equal(res.image, astronaut)


def test_unknown_engine_and_missing_editor_are_clear(astronaut):
    with pytest.raises(GanimationError, match="engine 'paint'"):
        edit_photo(None, astronaut, expression="happy", engine="paint")
    with pytest.raises(GanimationError, match="needs an editor"):
        edit_photo(None, astronaut, expression="happy", engine="gan")


def test_edit_like_reference_opens_the_mouth(tmp_path):
    from ganimation.data.synthetic import render, sample_identity

    rng = np.random.default_rng(5)
    aus = np.zeros(len(AU_CODES), np.float32)
    aus[AU_CODES.index("AU25")] = aus[AU_CODES.index("AU26")] = 1.0
    ref = render(sample_identity(rng), aus, 192)
    src = render(sample_identity(rng), np.zeros(len(AU_CODES), np.float32), 192)
    Image.fromarray(ref).save(tmp_path / "ref.png")
    Image.fromarray(src).save(tmp_path / "src.png")
    out = tmp_path / "out.png"
    assert main(["edit", str(tmp_path / "src.png"), "--like", str(tmp_path / "ref.png"), "-o", str(out)]) == 0
    a, b = frame_of(src), frame_of(load_rgb(out))
    full = (b[14, 1] - b[13, 1]) - (a[14, 1] - a[13, 1])
    assert full > 0.1
    # --intensity: the share of the reference's motion (it had been ignored with --like)
    half, none = tmp_path / "half.png", tmp_path / "none.png"
    for path, share in ((half, "0.5"), (none, "0")):
        assert main(["edit", str(tmp_path / "src.png"), "--like", str(tmp_path / "ref.png"), "--intensity", share,
                     "-o", str(path)]) == 0
    c = frame_of(load_rgb(half))
    assert 0.3 * full < (c[14, 1] - c[13, 1]) - (a[14, 1] - a[13, 1]) < 0.7 * full
    assert np.array_equal(load_rgb(none), src)
    assert main(["edit", str(tmp_path / "src.png"), "--like", str(tmp_path / "ref.png"), "--intensity", "0.5",
                 "--engine", "gan", "-o", str(tmp_path / "gan.png")]) == 2


def test_edit_refuses_to_overwrite_its_input(tmp_path, capsys):
    p = tmp_path / "a.png"
    Image.open(ASTRO).save(p)
    before = p.read_bytes()
    assert main(["edit", str(p), "--expression", "happy", "-o", str(p)]) == 2
    assert "is also an input" in capsys.readouterr().err
    assert p.read_bytes() == before


def test_largest_face_skips_the_small_face_search(astronaut, monkeypatch):
    """face='largest' takes the whole-photo pass when it keeps a face; the small-face search is the
    fallback, and it does not repeat the whole-photo pass."""
    from ganimation.faces import pipeline
    from ganimation.faces.detect import FaceDetector

    calls = []
    for name in ("_run", "_proposals"):
        orig = getattr(FaceDetector, name)
        monkeypatch.setattr(FaceDetector, name,
                            lambda self, image, *a, _o=orig, _n=name, **k: calls.append(_n) or _o(self, image, *a, **k))
    faces = pipeline.find_faces(astronaut, "largest")
    assert len(faces) == 1 and "_proposals" not in calls
    calls.clear()
    pipeline.find_faces(astronaut, "all")
    assert "_proposals" in calls
    blank = np.full((300, 300, 3), 120, np.uint8)
    calls.clear()
    assert pipeline.find_faces(blank, "largest") == [] and calls == ["_run", "_proposals"]


def test_edit_like_with_learned_stages(tmp_path, monkeypatch):
    """edit --like REF --stages warp,refine,mouth: the wg-GAN stages after the warp, face region only."""
    from ganimation.refine import available_stages
    from ganimation.warp import dense

    if "refine" not in available_stages():
        pytest.skip("no shipped wg-GAN weights")
    img = load_rgb(ASTRO)
    ref = get_detector(search="whole").detect(img)[0].landmarks.copy()
    ref[[14, 17, 87, 178, 88, 95, 317, 402, 318, 324, 152], 1] += 25     # the reference opens its mouth
    staged = edit_photo(None, img, like=ref, engine="warp", texture=0, stages="warp,refine,mouth")
    # the learned stages follow a warp that reads the photo as their training frames were warped
    monkeypatch.setattr(dense, "INTERPOLATION", dense.SMOOTH)
    warp_only = edit_photo(None, img, like=ref, engine="warp", texture=0)
    changed = np.any(staged.image != warp_only.image, axis=-1)
    assert changed.sum() > 300
    x0, y0, x1, y1 = warp_only.faces[0].box
    ys, xs = np.nonzero(changed)
    assert xs.min() >= x0 - 0.3 * (x1 - x0) and xs.max() <= x1 + 0.3 * (x1 - x0)
    assert ys.max() <= y1 + 0.5 * (y1 - y0)
    with pytest.raises(GanimationError, match="stages"):
        edit_photo(None, img, expression="happy", stages="warp,paint")
    out = tmp_path / "o.png"
    assert main(["edit", ASTRO, "--expression", "surprise", "--stages", "warp,refine", "-o", str(out)]) == 0
    assert main(["edit", ASTRO, "--expression", "surprise", "--stages", "refine", "-o", str(tmp_path / "p.png")]) == 2
    assert not (tmp_path / "p.png").exists()


def test_closing_a_smile_redraws_the_lips_without_the_squeezed_mouth(astronaut):
    """Sad on the smiling astronaut: the teeth and dark mouth corners the warp squeezes between the
    closing lips (near-black, jagged specks) are replaced by lip colour with a soft seam."""
    from ganimation.aus import resolve_target
    from ganimation.faces.estimate import estimate_aus
    from ganimation.geometry_edit import edit_face_geometry
    from ganimation.images import luminance
    from ganimation.motion.regions import INNER_LIPS
    from ganimation.warp.mouth import close_mouth

    face = get_detector().detect(astronaut)[0]
    est = estimate_aus(face)
    raw = edit_face_geometry(astronaut, face.landmarks, est, resolve_target(current=est, expression="sad"),
                             mouth=False, texture=0)
    t = raw.warp.target
    closed = close_mouth(raw.image, raw.warp.source, t, raw.warp.iod)
    poly = t[list(INNER_LIPS)]
    (x0, y0), (x1, y1) = poly.min(0).astype(int) - 3, poly.max(0).astype(int) + 4
    lum_before = luminance(raw.image[y0:y1, x0:x1])
    lum_after = luminance(closed[y0:y1, x0:x1])
    assert lum_before.min() < 60 and lum_after.min() > 80            # no near-black specks left
    rough = lambda lum: np.abs(np.diff(lum, axis=1)).mean()          # noqa: E731 - jaggedness along the lips
    assert rough(lum_after) < 0.85 * rough(lum_before)
    # a mouth that stays open is left alone
    opened = edit_face_geometry(astronaut, face.landmarks, est, resolve_target(current=est, expression="surprise"),
                                mouth=False, texture=0)
    assert close_mouth(opened.image, opened.warp.source, opened.warp.target, opened.warp.iod) is opened.image


def test_closing_a_smile_redraws_the_corners_the_warp_turned_over(obama):
    """A broad smile closed by sad (wild_dev's obama): its corners are pulled in past the lip points beside
    them and the warp paints those turned-over triangles as hard wedges; close_mouth repaints them."""
    from ganimation.aus import resolve_target
    from ganimation.faces.estimate import estimate_aus
    from ganimation.geometry_edit import edit_face_geometry
    from ganimation.warp.dense import polygon_mask
    from ganimation.warp.mouth import close_mouth, turned_over_near_mouth

    photo, face = obama
    est = estimate_aus(face)
    assert len(turned_over_near_mouth(face.landmarks, face.landmarks)) == 0          # no motion, no fold
    raw = edit_face_geometry(photo, face.landmarks, est, resolve_target(current=est, expression="sad"),
                             mouth=False, texture=0)
    folded = turned_over_near_mouth(raw.warp.source, raw.warp.target)
    assert len(folded) > 0
    closed = close_mouth(raw.image, raw.warp.source, raw.warp.target, raw.warp.iod)
    h, w = photo.shape[:2]
    foot = np.zeros((h, w), bool)
    for corners in folded:
        foot |= polygon_mask((h, w), corners) > 0.5
    # the part of the wedges beyond the band around the closed lips (which is repainted anyway)
    import cv2

    from ganimation.motion.regions import INNER_LIPS

    lips = polygon_mask((h, w), raw.warp.target[list(INNER_LIPS)]) > 0.5
    far = foot & (cv2.distanceTransform((~lips).astype(np.uint8), cv2.DIST_L2, 3) > 0.06 * raw.warp.iod)
    assert far.sum() > 10                                       # (29 px since follow_lips, 16 since uncross stops lips as bodies)
    changed = np.any(closed != raw.image, axis=-1)
    assert changed[far].mean() > 0.8                                                  # the wedges are repainted


def test_anger_moves_the_brows_without_folding_the_eyes(astronaut):
    """Lowered brows over the astronaut's lids turned the triangles of the crease and the hidden iris top
    over (iris pixels painted above the lid); unfold_eyes removes every fold and keeps the frown."""
    from ganimation.aus import preset_target
    from ganimation.faces.estimate import estimate_aus
    from ganimation.motion.au_model import AUMotionModel
    from ganimation.motion.frame import fit_pose
    from ganimation.motion.regions import RIGHT_BROW, LEFT_BROW, uncross
    from ganimation.motion.unfold import folded_eye_triangles, unfold_eyes

    face = get_detector(search="whole").detect(astronaut)[0]
    lm = np.asarray(face.landmarks, np.float64)
    est = estimate_aus(face, None)
    frame = fit_pose(lm).to_frame(lm)
    motion = uncross(frame, AUMotionModel.load().motion(est, preset_target(est, "anger")))
    assert len(folded_eye_triangles(frame, motion)) > 0
    fixed = unfold_eyes(frame, motion)
    assert len(folded_eye_triangles(frame, fixed)) == 0
    brows = list(RIGHT_BROW + LEFT_BROW)
    assert fixed[brows, 1].mean() > 0.8 * motion[brows, 1].mean() > 0.02    # the brows still come down
    far = np.linalg.norm(frame[:, :2] - frame[brows + [33, 263], :2].mean(0), axis=1) > 1.0
    assert np.array_equal(fixed[far], motion[far])                            # nothing away from the eyes changes


def test_teeth_shown_tells_a_smiles_teeth_from_a_dark_gap(astronaut):
    """The astronaut's smile shows its upper teeth (in full); the same opening painted as a dark gap shows
    none, so the drawn interior keeps its own upper teeth there (warp.mouth.teeth_shown)."""
    from ganimation.motion.regions import INNER_LIPS
    from ganimation.warp.dense import polygon_mask
    from ganimation.warp.mouth import teeth_shown

    face = get_detector(search="whole").detect(astronaut)[0]
    lm = np.asarray(face.landmarks, np.float64)
    assert teeth_shown(astronaut, lm) == pytest.approx(1.0)
    gap = polygon_mask(astronaut.shape[:2], lm[list(INNER_LIPS), :2]) > 0.5
    dark = astronaut.copy()
    dark[gap] = 25
    assert teeth_shown(dark, lm) == 0.0


def test_an_edit_at_intensity_0_changes_no_pixel():
    """Every face of a photo of two people, a preset at intensity 0: the photo comes back bit for bit."""
    two = Path(__file__).resolve().parents[2] / "shared/data/wild_dev/39_two_people.jpg"
    img = load_rgb(two) if two.is_file() else load_rgb(ASTRO)
    for preset in ("surprise", "anger"):
        assert np.array_equal(edit_photo(None, img, expression=preset, intensity=0).image, img)


def test_drawn_teeth_take_the_colour_of_the_photos_own_teeth(astronaut):
    """A photo that shows its teeth says what teeth look like in it: photo_teeth reads their colour, and in
    full (weight 1) the interior's light makes the drawn teeth (TEETH_RGB) that colour; weight 0 leaves
    the light read from the skin and lips as it was."""
    from ganimation.motion.regions import INNER_LIPS
    from ganimation.warp.dense import polygon_mask
    from ganimation.warp.mouth import _teeth_light, photo_teeth
    from ganimation.warp.mouth_interior import TEETH_RGB

    lm = np.asarray(get_detector(search="whole").detect(astronaut)[0].landmarks, np.float64)
    yellow = astronaut.copy()
    gap = polygon_mask(astronaut.shape[:2], lm[list(INNER_LIPS), :2]) > 0.5
    teeth = gap & (astronaut.astype(np.float32).mean(-1) > 150)
    yellow[teeth] = (235, 205, 150)
    own = photo_teeth(yellow, lm)
    assert np.abs(own - [235, 205, 150]).max() <= 3
    from ganimation.warp.light import light_gain

    light = light_gain(np.array([200, 140, 100], np.float32))       # a warm light, read from the skin
    brightness, gain = _teeth_light(yellow, lm, 0.6, light, 1.0)
    np.testing.assert_allclose(brightness * gain * TEETH_RGB, own, rtol=0.01)
    assert _teeth_light(yellow, lm, 0.6, light, 0.0)[0] == pytest.approx(0.6)
    np.testing.assert_allclose(_teeth_light(yellow, lm, 0.6, light, 0.0)[1], light, rtol=1e-3)


@pytest.mark.parametrize("preset", ["surprise", "sad"])
def test_the_stages_drawn_in_place_equal_the_stages_on_copies(astronaut, monkeypatch, preset):
    """The warp engine's stages draw into one copy of the warped photo: the same pixels as each stage
    on a copy of its own, the caller's photo untouched, and the warp's own image still the warp's."""
    import ganimation.geometry_edit as G
    import ganimation.texture.au_texture as T
    import ganimation.texture.folds as F
    from ganimation.aus import motion_start
    from ganimation.faces.estimate import estimate_aus
    from ganimation.faces.pipeline import resolve_target

    photo = astronaut.copy()
    face = get_detector().detect(photo)[0]
    current = estimate_aus(face)
    target = resolve_target(current=current, aus=None, expression=preset, intensity=1.0, relative=False)
    start = motion_start(current, aus=None, expression=preset, intensity=1.0, relative=False, target=target)
    in_place = G.edit_face_geometry(photo, face.landmarks, start, target)
    assert np.array_equal(photo, astronaut)
    assert not np.shares_memory(in_place.image, in_place.warp.image)
    for module, name in ((G, "redraw_eyes"), (G, "shade_mouth"), (T, "shade_expression"), (F, "release_folds")):
        stage = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _stage=stage, inplace=False, **k: _stage(*a, **k))
    copies = G.edit_face_geometry(photo, face.landmarks, start, target)
    assert np.array_equal(in_place.image, copies.image)
    assert np.array_equal(in_place.warp.image, copies.warp.image)
    assert not np.array_equal(in_place.image, in_place.warp.image)


def test_cli_photo_edit_reads_the_photo_once_and_matches_the_api(tmp_path, astronaut, monkeypatch):
    """``ganimation edit photo`` decodes the input once (a 20 MP JPEG takes a quarter of a second) and
    writes what ``edit_photo`` returns for the same arguments."""
    from ganimation import images

    calls = []
    real = images.open_image

    def counting(path, **kw):
        calls.append(str(path))
        return real(path, **kw)

    monkeypatch.setattr(images, "open_image", counting)
    out = tmp_path / "o.png"
    assert main(["edit", ASTRO, "--expression", "anger", "-o", str(out)]) == 0
    assert calls == [ASTRO]
    expected = edit_photo(None, astronaut, expression="anger", engine="warp").image
    assert np.array_equal(load_rgb(out), expected)


def test_cli_edits_a_folder_photo_by_photo_and_names_what_it_skips(tmp_path, astronaut, capsys):
    """``edit FOLDER -o OUT``: each photo edited as one photo would be, under its own name; a photo
    without a face and a damaged one are named with the reason and skipped, and the status is 2."""
    import shutil

    src = tmp_path / "photos"
    src.mkdir()
    shutil.copy(ASTRO, src / "astro.png")
    Image.fromarray(np.full((120, 160, 3), 128, np.uint8)).save(src / "blank.jpg")
    (src / "broken.jpg").write_bytes(Path(ASTRO).read_bytes()[:3000])
    (src / "notes.txt").write_text("not a photo")
    (src / "sub").mkdir()
    out = tmp_path / "edited"
    assert main(["edit", str(src), "--expression", "surprise", "-o", str(out)]) == 2
    io = capsys.readouterr()
    assert "edited 1 of 3 photo(s)" in io.out
    assert "skipped blank.jpg: no face found" in io.err and "skipped broken.jpg:" in io.err
    assert sorted(p.name for p in out.iterdir()) == ["astro.png"]
    expected = edit_photo(None, astronaut, expression="surprise", engine="warp").image
    assert np.array_equal(load_rgb(out / "astro.png"), expected)
    # nothing is replaced without --overwrite: neither earlier outputs nor the photos themselves
    assert main(["edit", str(src), "--expression", "happy", "-o", str(out)]) == 2
    assert "already holds 1 of the outputs" in capsys.readouterr().err
    assert main(["edit", str(src), "--expression", "happy", "-o", str(src)]) == 2
    assert "is the input folder" in capsys.readouterr().err
    assert np.array_equal(load_rgb(out / "astro.png"), expected)
    assert main(["edit", str(src / "sub"), "--expression", "happy", "-o", str(tmp_path / "x")]) == 2
    assert "holds no photos" in capsys.readouterr().err


def test_animate_moves_every_face_of_a_group_photo(tmp_path, astronaut, capsys):
    """``animate --face all``: each face of a two-person photo moves from no change (frame 0 is the
    photo) to its own target, the last frame is the photo edit of both faces, and the default still
    moves the largest face alone."""
    from ganimation.animate import render_faces, trajectory
    from ganimation.aus import motion_start, resolve_target
    from ganimation.faces.estimate import estimate_aus
    from ganimation.faces.pipeline import find_faces

    small = np.asarray(Image.fromarray(astronaut).resize((astronaut.shape[1] * 3 // 4, astronaut.shape[0] * 3 // 4)))
    group = np.full((astronaut.shape[0], astronaut.shape[1] + small.shape[1], 3), 128, np.uint8)
    group[:, :astronaut.shape[1]] = astronaut
    group[:small.shape[0], astronaut.shape[1]:] = small
    left, right = (slice(None), slice(0, astronaut.shape[1])), (slice(None), slice(astronaut.shape[1], None))
    faces = find_faces(group, "all")
    assert len(faces) == 2
    paths, starts = [], []
    for f in faces:
        est = estimate_aus(f)
        target = resolve_target(current=est, expression="surprise")
        starts.append(motion_start(est, expression="surprise", target=target))
        paths.append(trajectory(starts[-1], target, 3))
    frames = [np.asarray(f, np.int16) for f in render_faces(None, group, faces, np.stack(paths), starts=np.stack(starts))]
    photo = group.astype(np.int16)
    assert len(frames) == 3
    assert np.abs(frames[0] - photo).max() <= 1                   # no motion yet
    for side in (left, right):
        assert np.abs(frames[-1][side] - photo[side]).max() > 60  # both faces moved
    both = edit_photo(None, group, expression="surprise", engine="warp").image
    assert np.array_equal(frames[-1], both)
    src = tmp_path / "two.png"
    Image.fromarray(group).save(src)
    for face in ("all", "largest"):
        assert main(["animate", str(src), "--to", "surprise", "--frames", "3", "--face", face,
                     "-o", str(tmp_path / f"{face}.mp4")]) == 0
    out = capsys.readouterr().out
    assert "(2 faces, warp engine)" in out and "(warp engine)" in out


def test_like_fits_a_reference_of_the_same_person_by_the_aus_alone(astronaut, obama):
    """edit --like: a reference of the photo's own person (the photo edited toward surprise) is fitted by
    the AUs alone, another person's (Obama) with the face-shape basis; the choice is dlib's distance."""
    pytest.importorskip("dlib")
    from ganimation.faces.identity import descriptor_or_none, same_person_for_like
    from ganimation.faces.pipeline import find_faces

    face = find_faces(astronaut, "largest")[0]
    surprised = edit_photo(None, astronaut, expression="surprise").image
    own = find_faces(surprised, "largest")[0]
    other_photo, other = obama
    own_d, other_d = descriptor_or_none(surprised, own.box), descriptor_or_none(other_photo, other.box)
    if own_d is None:
        pytest.skip("dlib's model files are not installed")
    assert same_person_for_like(own_d, astronaut, face.box)
    assert not same_person_for_like(other_d, astronaut, face.box)
    got = edit_photo(None, astronaut, like=own.landmarks, like_descriptor=own_d, face="largest").image
    assert np.array_equal(got, edit_photo(None, astronaut, like=own.landmarks, like_same=[True], face="largest").image)
    assert not np.array_equal(got, edit_photo(None, astronaut, like=own.landmarks, face="largest").image)
    got = edit_photo(None, astronaut, like=other.landmarks, like_descriptor=other_d, face="largest").image
    assert np.array_equal(got, edit_photo(None, astronaut, like=other.landmarks, face="largest").image)
    with pytest.raises(GanimationError, match="like_same"):
        edit_photo(None, astronaut, like=own.landmarks, like_same=[True, False], face="largest")


def test_animate_like_moves_a_face_toward_a_reference_photos_expression(tmp_path, astronaut, capsys):
    """``animate --like REF``: edit --like's motion at a share from 0 (the photo itself) to 1 (the photo
    edit), half of it in between; --to and --like exclude each other; a reference without a face is a
    one-line error."""
    from ganimation.faces.pipeline import find_faces

    surprised = edit_photo(None, astronaut, expression="surprise").image
    ref = find_faces(surprised, "largest")[0].landmarks
    faces = find_faces(astronaut, "all")
    shares = [edit_photo(None, astronaut, like=ref, like_amount=a, found=faces).image.astype(np.int16)
              for a in (0.0, 0.5, 1.0)]
    photo = astronaut.astype(np.int16)
    assert np.array_equal(shares[0], photo)
    assert np.array_equal(shares[2], edit_photo(None, astronaut, like=ref, found=faces).image)
    half, full = np.abs(shares[1] - photo).mean(), np.abs(shares[2] - photo).mean()
    assert 0.2 * full < half < 0.9 * full
    with pytest.raises(GanimationError, match="like_amount"):
        edit_photo(None, astronaut, like=ref, like_amount=1.5, found=faces)

    src, reference = tmp_path / "photo.png", tmp_path / "ref.png"
    Image.fromarray(astronaut).save(src)
    Image.fromarray(surprised).save(reference)
    out = tmp_path / "like.gif"
    assert main(["animate", str(src), "--like", str(reference), "--frames", "3", "-o", str(out)]) == 0
    assert "(warp engine, like" in capsys.readouterr().out
    with Image.open(out) as gif:
        assert gif.n_frames == 3
    # --intensity: the last frame is the edit at that share (it had been ignored with --like)
    half_mp4 = tmp_path / "half.mp4"
    assert main(["animate", str(src), "--like", str(reference), "--frames", "2", "--intensity", "0.5", "--linear",
                 "-o", str(half_mp4)]) == 0
    from ganimation.video import open_frames

    with open_frames(half_mp4) as frames:
        last = list(frames)[-1].astype(np.int16)
    moved = np.abs(shares[2] - shares[1]).max(-1) > 30           # where the half and the full edit differ
    assert np.abs(last - shares[1])[moved].mean() < 0.5 * np.abs(last - shares[2])[moved].mean()
    assert main(["animate", str(src), "--like", str(reference), "--to", "happy", "-o", str(tmp_path / "x.gif")]) == 2
    assert "not allowed with" in capsys.readouterr().err
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((200, 200, 3), 90, np.uint8)).save(blank)
    assert main(["animate", str(src), "--like", str(blank), "-o", str(tmp_path / "y.gif")]) == 2
    assert "no face found in the reference photo" in capsys.readouterr().err
