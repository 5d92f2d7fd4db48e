"""The web demo's logic (ganimation.app.logic): no gradio, tiny random-weight model.

Detection is a stand-in (a face box with template landmarks) unless the test
says otherwise, so these tests need OpenCV (alignment) but not MediaPipe.
The helpers here are reused by tests/test_app_client.py and test_app_browser.py.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import numpy as np
from PIL import Image
import pytest
import torch

from ganimation.aus import AU_CODES, NUM_AUS, PRESETS, motion_start, resolve_target
from ganimation.errors import FaceNotFoundError, GanimationError, ImageError

pytest.importorskip("cv2")

ASTRONAUT = Path(__file__).resolve().parent.parent / "src" / "ganimation" / "assets" / "astronaut.png"
#: the astronaut's face box as MediaPipe finds it (x0, y0, x1, y1)
ASTRONAUT_BOX = (181.0, 72.0, 270.0, 177.0)


# -- helpers shared with the other app tests ---------------------------------------
def tiny_weights(path: Path) -> Path:
    """A 32 px random-weight generator saved as release weights."""
    from ganimation.checkpoint import save_release
    from ganimation.config import ModelConfig
    from ganimation.nn import build_generator

    cfg = ModelConfig(image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3)
    torch.manual_seed(0)
    return save_release(path, build_generator(cfg), cfg)


def fake_face(box=ASTRONAUT_BOX):
    """A :class:`Face` with template landmarks inside ``box`` (what alignment and masks need)."""
    from ganimation.faces.detect import (FACE_OVAL, LEFT_EYE, MOUTH_LEFT, MOUTH_RIGHT, NOSE_TIP, RIGHT_EYE,
                                         NUM_LANDMARKS, BLENDSHAPE_NAMES, Face)

    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    lm = np.zeros((NUM_LANDMARKS, 3), np.float32)
    lm[:, 0], lm[:, 1] = x0 + 0.5 * w, y0 + 0.55 * h
    lm[list(RIGHT_EYE), :2] = (x0 + 0.3 * w, y0 + 0.4 * h)
    lm[list(LEFT_EYE), :2] = (x0 + 0.7 * w, y0 + 0.4 * h)
    lm[NOSE_TIP, :2] = (x0 + 0.5 * w, y0 + 0.6 * h)
    lm[MOUTH_RIGHT, :2] = (x0 + 0.35 * w, y0 + 0.8 * h)
    lm[MOUTH_LEFT, :2] = (x0 + 0.65 * w, y0 + 0.8 * h)
    t = np.linspace(0, 2 * np.pi, len(FACE_OVAL), endpoint=False)
    lm[list(FACE_OVAL), 0] = x0 + w * (0.5 + 0.5 * np.sin(t))
    lm[list(FACE_OVAL), 1] = y0 + h * (0.5 - 0.5 * np.cos(t))
    return Face(box=np.array(box, np.float32), landmarks=lm,
                blendshapes=np.zeros(len(BLENDSHAPE_NAMES), np.float32), confidence=0.9)


ESTIMATED = np.linspace(0.05, 0.45, NUM_AUS).astype(np.float32)


class StandIn:
    """Stand-in detector/estimator counting its calls."""

    def __init__(self, boxes=(ASTRONAUT_BOX,)):
        self.boxes = list(boxes)
        self.calls = 0

    def detect(self, image):
        self.calls += 1
        return [fake_face(b) for b in self.boxes]

    @staticmethod
    def estimate(face):
        return ESTIMATED.copy()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CountingEditor:
    """Wraps an editor and counts generator calls."""

    def __init__(self, editor):
        self.editor, self.calls = editor, 0
        self.image_size = editor.image_size

    def edit_crops(self, crops, targets):
        self.calls += 1
        return self.editor.edit_crops(crops, targets)


# -- fixtures ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def editor(tmp_path_factory):
    from ganimation.edit import Editor

    return Editor.from_pretrained(tiny_weights(tmp_path_factory.mktemp("w") / "tiny.safetensors"), device="cpu")


@pytest.fixture(scope="module")
def photo():
    from ganimation.app import logic

    return logic.load_image(ASTRONAUT)


def session_for(photo, editor, fake=None, **kw):
    from ganimation.app import logic

    fake = fake or StandIn()
    kw.setdefault("engine", "gan")  # the stand-in faces have template landmarks: test the generator path
    return logic.analyze(photo, editor.image_size, detect_fn=fake.detect, estimate_fn=fake.estimate, **kw)


# -- tests ---------------------------------------------------------------------------
def test_import_needs_no_gradio():
    import sys

    import ganimation.app.logic  # noqa: F401

    src = Path(ganimation.app.logic.__file__).read_text()
    assert "import gradio" not in src and "from gradio" not in src
    assert ganimation.app.logic.EXAMPLES[0].is_file()
    assert "ganimation.app.ui" not in sys.modules or "gradio" in sys.modules


def test_load_image_errors(tmp_path):
    from ganimation.app import logic

    bad = tmp_path / "broken.png"
    bad.write_bytes(b"this is not an image" * 10)
    with pytest.raises(ImageError, match="not a readable image") as info:
        logic.load_image(bad)
    assert str(tmp_path) not in str(info.value)  # temp paths are not shown to the user
    with pytest.raises(ImageError, match="MB limit"):
        logic.load_image(ASTRONAUT, max_mb=0.01)
    with pytest.raises(ImageError):
        logic.load_image(tmp_path / "missing.png")
    with pytest.raises(ImageError):
        logic.load_image(None)
    big = logic.load_image(ASTRONAUT, max_side=256)
    assert big.shape == (256, 256, 3) and big.dtype == np.uint8


def test_analyze_caches_detection_per_photo(photo, editor):
    from ganimation.app import logic

    fake = StandIn()
    s = session_for(photo, editor, fake, name="astronaut.png")
    assert fake.calls == 1 and len(s.faces) == 1
    assert session_for(photo, editor, fake, session=s) is s
    assert fake.calls == 1  # same photo: not detected again
    other = photo.copy()
    other[0, 0] ^= 1
    s2 = session_for(other, editor, fake, session=s)
    assert s2 is not s and fake.calls == 2
    f = s.faces[0]
    assert f.crop.shape == (32, 32, 3) and f.region.shape == (32, 32) and f.transform.shape == (2, 3)
    assert logic.initial_sliders(s, 0) == pytest.approx(ESTIMATED.tolist(), abs=1e-3)


def test_no_face_is_a_clear_error(photo, editor):
    with pytest.raises(FaceNotFoundError, match="no face found"):
        session_for(photo, editor, StandIn(boxes=()))


def test_render_edits_only_the_face_and_caches_the_generator(photo, editor):
    from ganimation.app import logic

    counting = CountingEditor(editor)
    s = session_for(photo, editor)
    values = logic.initial_sliders(s, 0)
    first = logic.render(s, counting, 0, values)
    assert counting.calls == 1
    assert first.image.shape == photo.shape and first.image.dtype == np.uint8
    assert first.attention.shape == (32, 32, 3) and first.color.shape == (32, 32, 3)
    again = logic.render(s, counting, 0, values)
    assert counting.calls == 1  # same target: cached
    np.testing.assert_array_equal(again.image, first.image)
    values[AU_CODES.index("AU12")] = 1.0
    values[AU_CODES.index("AU26")] = 1.0
    edited = logic.render(s, counting, 0, values)
    assert counting.calls == 2
    assert np.abs(edited.image.astype(int) - first.image).max() > 0  # the slider changed the photo
    x0, y0, x1, y1 = (int(v) for v in ASTRONAUT_BOX)
    far = np.ones(photo.shape[:2], bool)
    far[max(0, y0 - 60):y1 + 60, max(0, x0 - 60):x1 + 60] = False
    np.testing.assert_array_equal(edited.image[far], photo[far])  # outside the face: untouched
    assert edited.target[AU_CODES.index("AU12")] == pytest.approx(1.0)
    with pytest.raises(GanimationError):
        logic.render(s, counting, 0, values[:5])
    with pytest.raises(FaceNotFoundError):
        logic.render(s, counting, 3, values)


def test_presets_intensity_and_reset(photo, editor):
    from ganimation.app import logic

    s = session_for(photo, editor)
    happy = logic.preset_sliders(s, 0, "happy", 1.0)
    expected = resolve_target(current=ESTIMATED, expression="happy", intensity=1.0)
    assert happy == pytest.approx(expected.tolist(), abs=1e-3)
    assert happy[AU_CODES.index("AU12")] == pytest.approx(PRESETS["happy"]["AU12"])
    # the warp engine moves this face from where the preset's motion starts (aus.motion_start)
    assert 0 in s.starts and np.allclose(s.start(0), motion_start(ESTIMATED, expression="happy"))
    assert logic.preset_sliders(s, 0, "happy", 0.0) == pytest.approx(ESTIMATED.tolist(), abs=1e-3)
    assert np.allclose(s.start(0), ESTIMATED)
    with pytest.raises(GanimationError, match="unknown expression"):
        logic.preset_sliders(s, 0, "bored", 1.0)
    logic.render(s, editor, 0, happy)
    assert logic.initial_sliders(s, 0) == pytest.approx(happy, abs=1e-3)  # the face keeps its target
    assert logic.reset(s, 0) == pytest.approx(ESTIMATED.tolist(), abs=1e-3)
    assert 0 not in s.targets and 0 not in s.starts
    assert logic.initial_sliders(s, 0) == pytest.approx(ESTIMATED.tolist(), abs=1e-3)


def test_sessions_do_not_share_state(photo, editor):
    from ganimation.app import logic

    a, b = session_for(photo, editor), session_for(photo, editor)
    values = logic.preset_sliders(a, 0, "surprise")
    ra = logic.render(a, editor, 0, values)
    rb = logic.render(b, editor, 0)
    assert b.targets == {} and a.targets
    assert np.abs(ra.image.astype(int) - rb.image).max() > 0


def test_several_faces_select_and_annotate(editor):
    from ganimation.app import logic

    img = np.full((240, 400, 3), 120, np.uint8)
    fake = StandIn(boxes=[(30, 40, 150, 190), (240, 60, 330, 170)])
    s = logic.analyze(img, editor.image_size, detect_fn=fake.detect, estimate_fn=fake.estimate, engine="gan")
    assert [i for _, i in logic.face_choices(s)] == [0, 1]
    assert logic.face_at(s, 280, 100) == 1 and logic.face_at(s, 5, 5) is None
    ann = logic.annotate(s, selected=1)
    assert ann.shape == img.shape and np.abs(ann.astype(int) - img).max() > 0
    v0 = logic.preset_sliders(s, 0, "happy")
    logic.render(s, editor, 0, v0)
    r1 = logic.render(s, editor, 1)          # selecting face 1 keeps face 0's edit
    assert set(s.cache) == {0, 1}
    assert np.abs(r1.image[40:190, 30:150].astype(int) - img[40:190, 30:150]).max() > 0


def test_animate_writes_mp4_and_gif(photo, editor):
    from ganimation.app import logic

    s = session_for(photo, editor, name="my photo.png")
    logic.render(s, editor, 0, logic.preset_sliders(s, 0, "happy"))
    frames = logic.animation_frames(s, editor, 0, frames=4, pingpong=True)
    assert frames.shape[0] == 6 and frames.shape[1] % 2 == 0 and frames.shape[2] % 2 == 0
    mp4, gif = logic.animate(s, editor, 0, frames=4)
    assert Path(mp4).stat().st_size > 0 and Path(gif).stat().st_size > 0
    assert mp4.endswith(".mp4") and gif.endswith(".gif") and " " not in Path(mp4).name
    png, js = logic.save_photo(s, photo, 0)
    info = json.loads(Path(js).read_text())
    assert info["faces"][0]["target"]["AU12"] == pytest.approx(1.0)
    assert Path(png).suffix == ".png"


def test_real_faces_pipeline_on_the_astronaut(photo, editor):
    pytest.importorskip("mediapipe")
    from ganimation.app import logic
    from ganimation.faces.models import face_landmarker_path

    try:
        face_landmarker_path()
    except GanimationError as exc:
        pytest.skip(f"no face model: {exc}")
    s = logic.analyze(photo, editor.image_size)
    assert len(s.faces) == 1
    box = s.faces[0].box
    assert abs(box[0] - ASTRONAUT_BOX[0]) < 20 and abs(box[3] - ASTRONAUT_BOX[3]) < 20
    est = s.faces[0].estimated
    assert est.shape == (NUM_AUS,) and est.min() >= 0 and est.max() <= 1
    assert est[AU_CODES.index("AU12")] > 0.3  # she smiles
    values = logic.initial_sliders(s, 0)
    values[AU_CODES.index("AU12")] = 0.0
    r = logic.render(s, editor, 0, values)
    assert r.image.shape == photo.shape
    # the default engine warps: the smile goes, only the face region changes, large before/after views
    assert s.engine == "warp"
    changed = np.any(r.image != photo, axis=-1)
    assert changed.any() and not changed[300:].any()
    assert r.before.shape == r.after.shape and max(r.before.shape[:2]) == logic.FACE_VIEW
    assert not np.array_equal(r.before, r.after)
    frames = logic.animation_frames(s, editor, 0, frames=3, pingpong=False)
    assert len(frames) == 3 and not np.array_equal(frames[0], frames[-1])
    # the texture slider: 0 is shape only, more shading changes the same warped face further
    logic.set_texture(s, 0.0)
    shape_only = logic.render(s, editor, 0).image
    logic.set_texture(s, 2.0)
    shaded = logic.render(s, editor, 0).image
    assert not np.array_equal(shape_only, shaded)
    assert not np.any(shaded != photo, axis=-1)[300:].any()
    for bad in (-0.1, 2.5, float("nan")):
        with pytest.raises(GanimationError, match="texture strength"):
            logic.set_texture(s, bad)
    logic.set_engine(s, "gan")
    assert logic.render(s, editor, 0).image.shape == photo.shape
    with pytest.raises(GanimationError, match="engine 'paint'"):
        logic.set_engine(s, "paint")


def test_reenact_tab_logic(tmp_path):
    pytest.importorskip("mediapipe")
    from ganimation.app import logic
    from ganimation.data.synthetic import render as render_face, sample_identity
    from ganimation.video import FrameWriter, open_frames

    rng = np.random.default_rng(2)
    src, drv = sample_identity(rng), sample_identity(rng)
    photo = tmp_path / "p.png"
    Image.fromarray(render_face(src, np.zeros(NUM_AUS, np.float32), 192)).save(photo)
    video = tmp_path / "d.mp4"
    with FrameWriter(video, 10.0) as w:
        for a in (0.0, 0.5, 1.0):
            v = np.zeros(NUM_AUS, np.float32)
            v[AU_CODES.index("AU26")] = a
            w.write(render_face(drv, v, 192))
    mp4, summary = logic.reenact_clip(str(photo), str(video), workdir=str(tmp_path), max_frames=3)
    assert summary.startswith("3 frames at 10 fps, 192x192")
    with open_frames(mp4) as fr:
        assert len(list(fr)) == 3
    with pytest.raises(GanimationError, match="no driving video"):
        logic.reenact_clip(str(photo), None)
    with pytest.raises(GanimationError, match="MB limit"):
        logic.reenact_clip(str(photo), str(video), max_mb=0.000001)


def test_video_tab_logic(tmp_path):
    """The Video tab: an uploaded clip's face edited frame by frame (a preset, or AU offsets), the
    count, size and frame rate kept; a missing video, no target, a bad AU string or faces choice
    is a one-line error before any frame is read."""
    pytest.importorskip("mediapipe")
    from ganimation.app import logic
    from ganimation.data.synthetic import render as render_face, sample_identity
    from ganimation.video import FrameWriter, open_frames

    ident = sample_identity(np.random.default_rng(6))
    video = tmp_path / "talk.mp4"
    with FrameWriter(video, 10.0) as w:
        for a in (0.0, 0.4, 0.0, 0.4):
            v = np.zeros(NUM_AUS, np.float32)
            v[AU_CODES.index("AU25")] = v[AU_CODES.index("AU26")] = a
            w.write(render_face(ident, v, 192))
    with open_frames(video) as src:
        frames = [f.astype(int) for f in src]
    for kw in ({"expression": "surprise"}, {"expression": "none", "aus": "AU12=+0.6"}):
        mp4, summary = logic.edit_clip(str(video), workdir=str(tmp_path), max_frames=3, **kw)
        assert summary.startswith("3 of 3 frames at 10 fps, 192x192")
        with open_frames(mp4) as out:
            got = [f.astype(int) for f in out]
        assert len(got) == 3 and all(np.abs(g - f).max() > 20 for g, f in zip(got, frames))
    with pytest.raises(GanimationError, match="no video given"):
        logic.edit_clip(None, expression="happy")
    with pytest.raises(GanimationError, match="pick an expression"):
        logic.edit_clip(str(video), expression="none", aus="  ")
    with pytest.raises(GanimationError, match="AU"):
        logic.edit_clip(str(video), aus="AU99=1")
    with pytest.raises(GanimationError, match="faces"):
        logic.edit_clip(str(video), expression="happy", face="3")


def test_transfer_tab_logic(tmp_path):
    """The Transfer tab: the photo's face takes the reference photo's expression (as edit --like: the
    same pixels), written as a PNG of the photo's size; a reference without a face, no reference or a
    bad faces choice is a one-line error."""
    pytest.importorskip("mediapipe")
    from ganimation.app import logic
    from ganimation.faces.pipeline import edit_photo, find_faces
    from ganimation.images import load_rgb

    photo = load_rgb(ASTRONAUT)
    surprised = edit_photo(None, photo, expression="surprise").image
    ref = tmp_path / "ref.png"
    Image.fromarray(surprised).save(ref)
    png, summary = logic.transfer_photo(str(ASTRONAUT), str(ref), workdir=str(tmp_path))
    assert summary.startswith("1 face(s) given the reference's expression, 512x512")
    got = load_rgb(png)
    # the reference is the same person (the photo edited): its motion fitted by the AUs alone
    like = edit_photo(None, photo, like=find_faces(load_rgb(ref), "largest")[0].landmarks, engine="warp",
                      like_same=[True]).image
    assert np.array_equal(got, like)
    assert np.abs(got.astype(int) - photo).max() > 60
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((200, 200, 3), 90, np.uint8)).save(blank)
    with pytest.raises(GanimationError, match="no face found in the reference photo"):
        logic.transfer_photo(str(ASTRONAUT), str(blank))
    with pytest.raises(GanimationError, match="no reference photo"):
        logic.transfer_photo(str(ASTRONAUT), None)
    with pytest.raises(GanimationError, match="no photo given"):          # neither: the photo is named first
        logic.transfer_photo(None, None)
    with pytest.raises(GanimationError, match="faces"):
        logic.transfer_photo(str(ASTRONAUT), str(ref), face="2")


def test_cli_parser_defaults():
    from ganimation.cli.main import build_parser

    args = build_parser().parse_args(["app", "--weights", "w.safetensors"])
    assert (args.host, args.port, args.max_upload_mb) == ("127.0.0.1", 7860, 20.0)
    assert args.func.__module__ == "ganimation.cli.app"


def test_cli_rejects_bad_arguments(tmp_path):
    from ganimation.cli.main import main

    assert main(["app", "--weights", "w.safetensors", "--port", "0"]) == 2
    assert main(["app", "--weights", "w.safetensors", "--max-upload-mb", "0"]) == 2
    assert main(["app", "--weights", str(tmp_path / "missing.safetensors")]) == 2


def serve(editor, fake: StandIn | None = None, **kw):
    """Start the page on a free localhost port in this process; returns ``(demo, url)``.

    ``fake``: stand-in detection (None = the real faces extra). Close with ``demo.close()``.
    """
    from ganimation.app import ui

    if fake is not None:
        kw.setdefault("engine", "gan")  # stand-in faces carry template landmarks only
    demo = ui.build_demo(editor, detect_fn=fake.detect if fake else None,
                         estimate_fn=fake.estimate if fake else None, **kw)
    port = free_port()
    ui.launch(demo, port=port, prevent_thread_lock=True, quiet=True)
    return demo, f"http://127.0.0.1:{port}/"
