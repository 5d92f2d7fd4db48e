"""The web demo's API, driven with gradio_client (the functions behind the page's events)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gradio")
gradio_client = pytest.importorskip("gradio_client")

from test_app_logic import ASTRONAUT, ESTIMATED, StandIn, serve  # noqa: E402

from ganimation.aus import AU_CODES, NUM_AUS  # noqa: E402

# gradio 5 announces its 6.0 renames when components are updated
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from ganimation.edit import Editor
    from test_app_logic import tiny_weights

    editor = Editor.from_pretrained(tiny_weights(tmp_path_factory.mktemp("w") / "tiny.safetensors"), device="cpu")
    demo, url = serve(editor, StandIn())
    yield url
    demo.close()


def _pixels(path):
    from PIL import Image

    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def test_api_analyze_edit_preset_reset_animate(app, tmp_path):
    from gradio_client import Client, handle_file

    client = Client(app, verbose=False, download_files=str(tmp_path))
    out = client.predict(handle_file(str(ASTRONAUT)), api_name="/analyze")
    # faces image, face selector, edited photo, face before/after, crop, attention, colour, 17 sliders,
    # downloads, status
    assert len(out) == 2 + 6 + NUM_AUS + 2
    sliders = list(out[8:8 + NUM_AUS])
    assert sliders == pytest.approx(ESTIMATED.tolist(), abs=1e-3)
    assert out[1]["value"] == 0 and "1 face found" in out[-1]
    before = _pixels(out[2])
    assert before.shape == (512, 512, 3)

    sliders[AU_CODES.index("AU12")] = 1.0
    sliders[AU_CODES.index("AU26")] = 1.0
    edited = client.predict(*sliders, api_name="/edit")
    after = _pixels(edited[0])
    assert np.abs(after - before).max() > 0
    assert any(str(p).endswith(".png") for p in edited[6]) and "edited" in edited[-1]

    happy = client.predict(1.0, api_name="/preset_happy")
    assert happy[AU_CODES.index("AU12")] == pytest.approx(1.0)

    reset = client.predict(api_name="/reset")
    assert list(reset[:NUM_AUS]) == pytest.approx(ESTIMATED.tolist(), abs=1e-3)

    client.predict(*sliders, api_name="/edit")
    mp4, gif, files, status = client.predict(6, api_name="/animate")
    paths = [str(mp4["video"] if isinstance(mp4, dict) else mp4), str(gif)]
    assert paths[0].endswith(".mp4") and paths[1].endswith(".gif")
    assert "Animation" in status


def test_api_errors_are_reported_and_sessions_are_separate(app, tmp_path):
    from gradio_client import Client, handle_file

    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG not really" * 20)
    a = Client(app, verbose=False, download_files=str(tmp_path))
    out = a.predict(handle_file(str(bad)), api_name="/analyze")
    assert "not a readable image" in out[-1]
    # without a photo in this session, an edit says so and the server keeps serving
    assert "upload a photo first" in a.predict(*ESTIMATED.tolist(), api_name="/edit")[-1]
    b = Client(app, verbose=False, download_files=str(tmp_path))
    ok = b.predict(handle_file(str(ASTRONAUT)), api_name="/analyze")
    assert "1 face found" in ok[-1]
    # session a still has no photo: state is per session
    assert "upload a photo first" in a.predict(*ESTIMATED.tolist(), api_name="/edit")[-1]


def test_api_edit_video(app, tmp_path):
    """The Video tab's endpoint: a clip in, an edited MP4 of as many frames out."""
    pytest.importorskip("mediapipe")
    from gradio_client import Client, handle_file

    from ganimation.data.synthetic import render as render_face, sample_identity
    from ganimation.video import FrameWriter, open_frames

    ident = sample_identity(np.random.default_rng(9))
    clip = tmp_path / "clip.mp4"
    with FrameWriter(clip, 8.0) as w:
        for _ in range(3):
            w.write(render_face(ident, np.zeros(NUM_AUS, np.float32), 192))
    client = Client(app, verbose=False, download_files=str(tmp_path / "dl"))
    video, status = client.predict(handle_file(str(clip)), "happy", "", 1.0, True, "all", api_name="/edit_video")
    path = video["video"] if isinstance(video, dict) else video
    with open_frames(path) as got:
        assert len(list(got)) == 3
    assert status.startswith("Edited: 3 of 3 frames")


def test_api_transfer(app, tmp_path):
    """The Transfer tab's endpoint: a photo and a reference in, the edited photo and a status out."""
    pytest.importorskip("mediapipe")
    from gradio_client import Client, handle_file
    from PIL import Image

    from ganimation.faces.pipeline import edit_photo
    from ganimation.images import load_rgb

    ref = tmp_path / "ref.png"
    Image.fromarray(edit_photo(None, load_rgb(ASTRONAUT), expression="surprise").image).save(ref)
    client = Client(app, verbose=False, download_files=str(tmp_path / "dl"))
    image, status = client.predict(handle_file(str(ASTRONAUT)), handle_file(str(ref)), "all", api_name="/transfer")
    assert status.startswith("Transferred: 1 face(s)")
    assert _pixels(image).shape == (512, 512, 3)
    _, status = client.predict(handle_file(str(ASTRONAUT)), None, "all", api_name="/transfer")
    assert "no reference photo" in status
