"""edit_photo with stand-in editors; AU targets; estimator and calibration."""

import json
from importlib import resources

import numpy as np
import pytest

pytest.importorskip("mediapipe")
pytest.importorskip("cv2")

from ganimation.aus import AU_CODES, au_index  # noqa: E402
from ganimation.edit import CropEdit  # noqa: E402
from ganimation.errors import FaceNotFoundError  # noqa: E402


class StandIn:
    """Editor stand-in with the lead's Editor interface."""

    engine = "gan"  # stands in for the generator: photo edits go through the crop path

    def __init__(self, size=128, attention=1.0, shift=0):
        self.image_size = size
        self.att = attention
        self.shift = shift
        self.calls = []

    def edit_crops(self, crops, targets):
        assert crops.dtype == np.uint8 and crops.ndim == 4 and crops.shape[1:] == (self.image_size, self.image_size, 3)
        assert targets.dtype == np.float32 and targets.shape == (len(crops), 17)
        self.calls.append(targets.copy())
        out = np.clip(crops.astype(int) + self.shift, 0, 255).astype(np.uint8)
        n, s = crops.shape[:2]
        return CropEdit(out, np.full((n, s, s), self.att, np.float32), out, targets)


@pytest.fixture(scope="module")
def astronaut():
    from ganimation.images import load_rgb

    return load_rgb(str(resources.files("ganimation") / "assets" / "astronaut.png"))


def test_identity_edit_leaves_photo_bit_identical(astronaut):
    from ganimation.faces.pipeline import edit_photo

    res = edit_photo(StandIn(128, 1.0), astronaut, expression="happy")
    assert len(res.faces) == 1
    assert np.array_equal(res.image, astronaut)
    f = res.faces[0]
    assert f.crop.shape == (128, 128, 3) and f.edited.shape == (128, 128, 3) and f.attention.shape == (128, 128)
    assert f.estimated.shape == (17,) and f.target.shape == (17,)


def test_edit_changes_only_the_face_region(astronaut):
    from ganimation.faces.pipeline import edit_photo

    res = edit_photo(StandIn(128, 0.0, shift=40), astronaut, aus="AU12=0.1")
    diff = np.abs(res.image.astype(int) - astronaut.astype(int)).sum(-1)
    ys, xs = np.nonzero(diff)
    x0, y0, x1, y1 = res.faces[0].box
    w = x1 - x0
    assert diff.max() > 30  # the face did change
    assert xs.min() > x0 - 0.3 * w and xs.max() < x1 + 0.3 * w
    assert diff[:50].sum() == 0 and diff[-50:].sum() == 0  # far away: bit-identical


def test_absolute_and_relative_targets(astronaut):
    from ganimation.faces.pipeline import edit_photo

    ed = StandIn()
    res = edit_photo(ed, astronaut, aus="AU12=0.1,AU26=0.7")
    est, tgt = res.faces[0].estimated, res.faces[0].target
    assert tgt[au_index("AU12")] == pytest.approx(0.1) and tgt[au_index("AU26")] == pytest.approx(0.7)
    others = [i for i in range(17) if i not in (au_index("AU12"), au_index("AU26"))]
    np.testing.assert_allclose(tgt[others], est[others], atol=1e-6)
    np.testing.assert_allclose(ed.calls[-1][0], tgt)

    res = edit_photo(ed, astronaut, aus={"AU12": -0.5, "AU01": 0.2}, relative=True)
    est, tgt = res.faces[0].estimated, res.faces[0].target
    assert tgt[au_index("AU12")] == pytest.approx(max(0.0, est[au_index("AU12")] - 0.5), abs=1e-6)
    assert tgt[au_index("AU01")] == pytest.approx(min(1.0, est[au_index("AU01")] + 0.2), abs=1e-6)

    res = edit_photo(ed, astronaut, expression="sad", intensity=0.5)
    est, tgt = res.faces[0].estimated, res.faces[0].target
    from ganimation.aus import preset_target

    np.testing.assert_allclose(tgt, 0.5 * est + 0.5 * preset_target(est, "sad"), atol=1e-6)

    v = np.linspace(0, 1, 17).astype(np.float32)
    res = edit_photo(ed, astronaut, targets=[v], face="largest")
    np.testing.assert_allclose(res.faces[0].target, v)


def test_no_face_raises(tmp_path):
    from ganimation.faces.pipeline import edit_photo

    blank = np.full((200, 300, 3), 127, np.uint8)
    with pytest.raises(FaceNotFoundError, match="no face"):
        edit_photo(StandIn(), blank, aus="AU12=1")


def test_edit_photo_file_keeps_size_format_and_orientation(tmp_path, astronaut):
    from PIL import Image

    from ganimation.faces.pipeline import edit_photo_file

    src = tmp_path / "rot.jpg"
    im = Image.fromarray(astronaut).rotate(90, expand=True)  # stored sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # viewer rotates 90 CW back to upright (PIL: ROTATE_270)
    im.save(src, quality=95, exif=exif.tobytes())
    out = tmp_path / "out.jpg"
    res = edit_photo_file(StandIn(128, 1.0), src, out, expression="happy")
    assert len(res.faces) == 1
    o = Image.open(out)
    assert o.format == "JPEG" and o.size == (512, 512)
    assert o.getexif().get(0x0112, 1) == 1
    png = tmp_path / "out.png"
    edit_photo_file(StandIn(128, 1.0), src, png, aus="AU12=0.5")
    assert Image.open(png).format == "PNG"


def test_estimate_crop_aus_and_calibration_roundtrip(tmp_path, astronaut):
    from ganimation.faces.align import align_face
    from ganimation.faces.detect import detect_faces
    from ganimation.faces.estimate import Calibration, calibrate, estimate_raw
    from ganimation.faces.pipeline import estimate_crop_aus

    face = detect_faces(astronaut)[0]
    crop = align_face(astronaut, face, 128).crop
    aus = estimate_crop_aus(crop)
    assert aus.shape == (17,) and aus.min() >= 0 and aus.max() <= 1
    assert aus[au_index("AU12")] > 0.5  # she smiles broadly
    raw = estimate_raw(face)
    rows = [{"raw": raw * k, "aus": np.clip(0.5 * raw * k + 0.1, 0, 1)} for k in (0.2, 0.5, 0.8, 1.0)]
    cal = calibrate(rows, ridge=0.0)
    j = au_index("AU12")
    assert cal.scale[j] == pytest.approx(0.5, abs=1e-3) and cal.offset[j] == pytest.approx(0.1, abs=1e-3)
    p = cal.save(tmp_path / "cal.json")
    assert json.loads(p.read_text())["au_codes"] == list(AU_CODES)
    cal2 = Calibration.load(p)
    np.testing.assert_allclose(cal2.apply(raw), cal.apply(raw), atol=1e-6)
    # calibration from an OpenFace-style CSV (leading spaces in headers)
    from PIL import Image

    Image.fromarray(astronaut).save(tmp_path / "a.png")
    Image.fromarray(astronaut[:, ::-1].copy()).save(tmp_path / "b.png")
    Image.fromarray(astronaut[20:492, 20:492].copy()).save(tmp_path / "c.png")
    header = "path," + ", ".join(f"{c}_r" for c in AU_CODES)
    lines = [header] + [f"{n}," + ",".join(["2.5"] * 17) for n in ("a.png", "b.png", "c.png")]
    (tmp_path / "of.csv").write_text("\n".join(lines) + "\n")
    cal3 = calibrate(tmp_path / "of.csv")
    assert cal3.n == 3
    np.testing.assert_allclose(cal3.apply(raw), 0.5, atol=0.1)


def test_identity_embedding_same_person(astronaut):
    pytest.importorskip("dlib")
    from ganimation.faces.align import align_face
    from ganimation.faces.detect import detect_faces
    from ganimation.faces.identity import SAME_PERSON, embed, embed_crops, identity_distance

    faces = detect_faces(astronaut)
    e = embed(astronaut, faces)
    assert e.shape == (1, 128)
    crop = align_face(astronaut, faces[0], 128).crop
    ec = embed_crops(np.stack([crop, crop[:, ::-1]]))
    assert ec.shape == (2, 128)
    assert identity_distance(e[0], ec[0]) < SAME_PERSON
    assert identity_distance(ec[0], ec[1]) < SAME_PERSON


@pytest.mark.parametrize("search", ["proposals", "thorough"])
def test_small_tilted_face_found_through_a_proposal(search):
    """wild_dev's Einstein photo: the upturned 80 px face is found only via a BlazeFace proposal."""
    from pathlib import Path

    from ganimation.faces.detect import get_detector
    from ganimation.images import load_rgb

    path = Path(__file__).resolve().parents[2] / "shared/data/wild_dev/48_einstein.jpg"
    if not path.is_file():
        pytest.skip("../shared/data/wild_dev is not beside the repository")
    faces = get_detector(None, search=search).detect(load_rgb(path))
    centres = [((f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2) for f in faces]
    assert len(faces) == 2
    assert any(350 < x < 450 and 280 < y < 380 for x, y in centres)   # Einstein
    assert any(120 < x < 200 and 620 < y < 690 for x, y in centres)   # the seated man


@pytest.mark.parametrize("photo, count", [("35_2008_002079.jpg", 6), ("36_2008_004176.jpg", 8)])
def test_proposals_find_small_faces_beside_bigger_ones(photo, count):
    """Group photos of wild_dev: 30-40 px faces next to larger ones are found by the default search
    (a proposal overlapping a found face a little is still searched; a tight crop is tried second)."""
    from pathlib import Path

    from ganimation.faces.detect import get_detector
    from ganimation.images import load_rgb

    path = Path(__file__).resolve().parents[2] / "shared/data/wild_dev" / photo
    if not path.is_file():
        pytest.skip("../shared/data/wild_dev is not beside the repository")
    assert len(get_detector(None).detect(load_rgb(path))) == count
    assert len(get_detector(None, search="whole").detect(load_rgb(path))) < count


def test_neighbours_whole_in_a_proposal_crop_need_no_crop_of_their_own():
    """36_2008_004176 (a group photo the whole-photo pass finds nothing in): the faces a proposal's
    crop shows whole are kept, so fewer crops are landmarked than faces are found."""
    from pathlib import Path

    from ganimation.faces.detect import FaceDetector
    from ganimation.images import load_rgb

    path = Path(__file__).resolve().parents[2] / "shared/data/wild_dev/36_2008_004176.jpg"
    if not path.is_file():
        pytest.skip("../shared/data/wild_dev is not beside the repository")
    det = FaceDetector(None, workers=1)   # passes one by one: no early pass thrown away
    crops = []
    landmark = det._landmark_proposal
    det._landmark_proposal = lambda image, box, pair=None: crops.append(box) or landmark(image, box, pair)
    try:
        faces = det.detect(load_rgb(path))
    finally:
        det.close()
    assert len(faces) == 8
    assert len(crops) < 10                       # 11 crops when each face needed its own


@pytest.mark.parametrize("largest", [False, True])
def test_passes_side_by_side_find_the_faces_one_by_one_passes_find(largest):
    """Two workers (ganimation.faces.parallel) give the faces of the one-by-one search to the last bit,
    on a group photo whose search needs many crops (8 faces of 30-40 px)."""
    from pathlib import Path

    from ganimation.faces.detect import FaceDetector
    from ganimation.images import load_rgb

    path = Path(__file__).resolve().parents[2] / "shared/data/wild_dev/36_2008_004176.jpg"
    if not path.is_file():
        pytest.skip("../shared/data/wild_dev is not beside the repository")
    image = load_rgb(path)
    found = {}
    for workers in (1, 2):
        det = FaceDetector(None, workers=workers)
        try:
            found[workers] = det.detect(image, largest=largest)
        finally:
            det.close()
    assert len(found[1]) == len(found[2]) >= 1
    assert largest or len(found[2]) == 8
    for a, b in zip(found[1], found[2]):
        np.testing.assert_array_equal(a.landmarks, b.landmarks)
        np.testing.assert_array_equal(a.blendshapes, b.blendshapes)


def test_a_proposal_crop_without_a_detection_near_the_box_is_not_landmarked(monkeypatch):
    """_landmark_proposal runs the landmarker on a crop only where BlazeFace finds a face whose centre lies
    near the proposal (PROPOSAL_REACH), and hands it those detections (no second detector pass)."""
    from ganimation.faces.detect import PROPOSAL_REACH, get_detector

    det = get_detector(None, search="proposals", workers=1)
    image = np.zeros((600, 600, 3), np.uint8)
    # the box in crop pixels: (75, 75, 125, 125) in the wide crop (half-side 100), (50, 50, 100, 100) in
    # the tight one (75); the detections below are the same in both crops
    box = np.array([250, 250, 300, 300], np.float32)
    reach = PROPOSAL_REACH * 50
    runs = []
    monkeypatch.setattr(det, "_run", lambda img, pair=None, detections=None: runs.append(detections) or [])
    for centre, score, landmarked in (((20, 20), 0.9, False),                       # a face away from the box
                                      ((75 - 0.9 * reach, 75), 0.9, True),          # within the reach of both
                                      ((50 - 1.1 * reach, 50), 0.9, False),         # beyond it in both
                                      ((75, 75), 0.3, False)):                      # too weak a detection
        found = (np.array([[centre[0] - 20, centre[1] - 20, centre[0] + 20, centre[1] + 20]], np.float32),
                 np.array([score], np.float32))
        monkeypatch.setattr(det, "_detections", lambda img, pair=None, found=found: found)
        runs.clear()
        assert det._landmark_proposal(image, box) == (None, [])
        assert len(runs) == (2 if landmarked else 0)
        assert all(r[0] is found[0] and r[1] is found[1] for r in runs)


def test_proposal_crops_skipped_by_their_detections_lose_no_face(monkeypatch):
    """44_t1 (six faces of 100-135 px, large doubtful BlazeFace boxes on hair and shoulders): the search
    finds the same faces, to the last bit, with fewer landmarker passes than when every proposal's crop
    is landmarked."""
    from pathlib import Path

    import ganimation.faces.detect as detect
    from ganimation.images import load_rgb

    path = Path(__file__).resolve().parents[2] / "shared/data/wild_dev/44_t1.jpg"
    if not path.is_file():
        pytest.skip("../shared/data/wild_dev is not beside the repository")
    image = load_rgb(path)
    found, passes = {}, {}
    default = detect.PROPOSAL_REACH
    for reach in (default, 1e6):            # 1e6: every crop with any detection is landmarked
        monkeypatch.setattr(detect, "PROPOSAL_REACH", reach)
        det = detect.FaceDetector(None, workers=1)
        run = det._run
        count = []
        det._run = lambda img, pair=None, detections=None: count.append(1) or run(img, pair, detections)
        try:
            found[reach] = det.detect(image, largest=True)
        finally:
            det.close()
        passes[reach] = len(count)
    ours, every = found[default], found[1e6]
    assert len(ours) == len(every) == 6
    for a, b in zip(ours, every):
        np.testing.assert_array_equal(a.landmarks, b.landmarks)
    assert passes[default] < passes[1e6]


def test_a_face_touching_a_crop_border_inside_the_photo_is_not_whole():
    from ganimation.faces.detect import _whole_in

    shape = (400, 600, 3)
    window = (100, 50, 300, 250)
    assert _whole_in(np.array([150, 100, 200, 160], np.float32), window, shape)
    assert not _whole_in(np.array([100, 100, 150, 160], np.float32), window, shape)   # cut at x0
    assert not _whole_in(np.array([250, 200, 300, 250], np.float32), window, shape)   # cut at x1 and y1
    # a window at the photo's edge: a face there is cut by the photo, not by the window
    assert _whole_in(np.array([0, 0, 40, 50], np.float32), (0, 0, 200, 200), shape)


def test_get_detector_shares_one_instance_for_equal_settings():
    from ganimation.faces.detect import get_detector

    det = get_detector(None)
    assert get_detector(None, search="proposals", max_faces=20, min_confidence=0.5) is det
    assert get_detector(None, search="whole") is not det


def test_unknown_search_mode_is_refused():
    from ganimation.faces.detect import FaceDetector

    with pytest.raises(ValueError, match="search="):
        FaceDetector(search="tiles")


def test_proposal_centred_in_a_found_face_is_that_face():
    from ganimation.faces.detect import _centre_inside

    found = np.array([[100, 100, 200, 220]], np.float32)
    assert _centre_inside(np.array([140, 150, 170, 180], np.float32), found)       # a part of the same face
    assert not _centre_inside(np.array([60, 150, 110, 200], np.float32), found)    # a neighbour overlapping it


def test_small_face_of_a_group_photo_is_landmarked_again_in_a_crop():
    """wild_dev's 45_multi_face: the whole-photo pass put the largest face's mesh 0.95 inter-ocular
    distances too low (its mouth on the chin); the refit in a crop puts mouth and eyes where they are
    (points marked by hand on the photo: pupils (713, 340) and (760, 342), mouth centre (730, 386))."""
    from pathlib import Path

    from ganimation.faces.detect import get_detector
    from ganimation.images import load_rgb

    path = Path(__file__).resolve().parents[2] / "shared/data/wild_dev/45_multi_face.jpg"
    if not path.is_file():
        pytest.skip("../shared/data/wild_dev is not beside the repository")
    lm = get_detector(None, search="whole").detect(load_rgb(path))[0].landmarks[:, :2]
    iod = float(np.linalg.norm(lm[468] - lm[473]))
    for point, where in ((lm[468], (713, 340)), (lm[473], (760, 342)), ((lm[13] + lm[14]) / 2, (730, 386))):
        assert np.linalg.norm(point - np.array(where)) < 0.25 * iod


def test_largest_refits_only_faces_that_could_be_the_largest(monkeypatch):
    """detect(largest=True) does not landmark again a small face below LARGEST_MARGIN of a larger one;
    the full detect refits both."""
    from ganimation.faces.detect import LARGEST_MARGIN, Face, get_detector

    det = get_detector(None, search="whole", workers=1)   # passes one by one: the order is the search's
    image = np.zeros((400, 400, 3), np.uint8)

    def face(x0, side):
        lm = np.zeros((478, 3), np.float32)
        lm[:, 0] = np.linspace(x0, x0 + side, 478)
        lm[:, 1] = np.linspace(100, 100 + side, 478)
        return Face(box=np.array([x0, 100, x0 + side, 100 + side], np.float32), landmarks=lm,
                    blendshapes=np.zeros(52, np.float32), confidence=0.9)

    small = 0.9 * LARGEST_MARGIN * 100
    monkeypatch.setattr(det, "_run", lambda img, pair=None: [face(250, small), face(20, 100)])
    around = []
    monkeypatch.setattr(det, "_run_around",
                        lambda img, centre, half, pair=None: around.append(half) or ([], (0, 0, 1, 1)))
    faces = det.detect(image, largest=True)
    assert around == [100] and [f.box[0] for f in faces] == [20, 250]
    around.clear()
    det.detect(image)
    assert sorted(around) == [small, 100]


def test_largest_landmarks_the_largest_proposals_first(monkeypatch):
    """The small-face search with largest=True landmarks the sure proposals (SURE_PROPOSAL) largest first,
    whatever their scores, skips those below LARGEST_MARGIN of the face it kept, and then the doubtful
    ones; the full search takes the surest proposals first and landmarks them all."""
    from ganimation.faces.detect import LARGEST_MARGIN, SURE_PROPOSAL, Face, get_detector

    det = get_detector(None, search="proposals", workers=1)   # passes one by one: the order is the search's
    image = np.zeros((600, 600, 3), np.uint8)
    small = 0.8 * LARGEST_MARGIN * 100

    def box(x0, side):
        return np.array([x0, 100, x0 + side, 100 + side], np.float32)

    proposals = [(box(400, small), 0.97), (box(40, 100), SURE_PROPOSAL + 0.05),   # the small one surer
                 (box(200, 150), SURE_PROPOSAL - 0.2)]                          # a large, doubtful box
    monkeypatch.setattr(det, "_run", lambda img, pair=None: [])
    monkeypatch.setattr(det, "_proposals", lambda img, min_score=0.45, pair=None: list(proposals))
    monkeypatch.setattr(det, "_verify", lambda img, face: 1.0)
    landmarked = []

    def landmark(img, b, pair=None):
        landmarked.append(float(b[0]))
        lm = np.zeros((478, 3), np.float32)
        lm[:, 0] = np.linspace(b[0], b[2], 478)
        lm[:, 1] = np.linspace(b[1], b[3], 478)
        return Face(box=b.copy(), landmarks=lm, blendshapes=np.zeros(52, np.float32), confidence=0.9), []

    monkeypatch.setattr(det, "_landmark_proposal", landmark)
    faces = det.detect(image, largest=True)
    assert landmarked == [40.0, 200.0] and faces[0].box[0] == 200
    landmarked.clear()
    det.detect(image)
    assert landmarked == [400.0, 40.0, 200.0]


def test_refit_leaves_faces_that_fill_the_photo_alone(astronaut):
    from ganimation.faces.detect import get_detector

    det = get_detector(None, search="whole")
    crop = np.ascontiguousarray(np.asarray(astronaut)[40:210, 140:310])    # the face fills most of it
    calls = []
    run = det._run
    det._run = lambda image, pair=None: calls.append(image.shape) or run(image, pair)
    try:
        faces = det.detect(crop)
    finally:
        del det._run
    assert len(faces) == 1 and len(calls) == 1


def test_detect_in_a_window_gives_the_faces_in_photo_pixels(astronaut):
    """detect_in cuts the window (clipped to the photo), detects and shifts the faces back: the same face
    as a detection on the cut itself, moved by the window's corner (x, y only; depth and the original
    arrays untouched)."""
    from ganimation.faces.detect import get_detector

    det = get_detector(None, search="whole")
    photo = np.asarray(astronaut)
    window = (120, 20, 330, 10_000)                                    # runs past the bottom: clipped
    inside = det.detect_in(photo, window)
    cut = det.detect(np.ascontiguousarray(photo[20:, 120:330]), refit=False)
    assert len(inside) == len(cut) == 1
    before = cut[0].landmarks.copy()
    assert np.allclose(inside[0].landmarks, before + np.array([120, 20, 0], np.float32), atol=1e-3)
    assert np.allclose(inside[0].box, cut[0].box + np.array([120, 20, 120, 20], np.float32), atol=1e-3)
    moved = cut[0].shift(-5.0, 7.0)
    assert moved is cut[0] and np.allclose(moved.landmarks - before, [-5.0, 7.0, 0.0])
