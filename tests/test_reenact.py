"""``reenact`` end to end on frames of the project's synthetic renderer (MediaPipe finds those faces)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("mediapipe")

from ganimation.aus import AU_CODES  # noqa: E402
from ganimation.cli.main import main  # noqa: E402
from ganimation.data.synthetic import render, sample_identity  # noqa: E402


def synth(identity, **aus) -> np.ndarray:
    v = np.zeros(len(AU_CODES), np.float32)
    for k, val in aus.items():
        v[AU_CODES.index(k)] = val
    return render(identity, v, 192)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A source photo (one identity, padded into a larger frame) and a driving folder (another identity)."""
    root = tmp_path_factory.mktemp("reenact")
    rng = np.random.default_rng(3)
    src_id, drv_id = sample_identity(rng), sample_identity(rng)
    photo = np.full((260, 300, 3), 200, np.uint8)
    photo[40:232, 60:252] = synth(src_id)
    Image.fromarray(photo).save(root / "source.png")
    drv = root / "driving"
    drv.mkdir()
    opening = [0.0, 0.0, 0.5, 1.0, 1.0, 0.5]
    for i, a in enumerate(opening):
        Image.fromarray(synth(drv_id, AU25=a, AU26=a)).save(drv / f"f{i:02d}.png")
    return root, photo, opening


def read_folder(folder: Path) -> list[np.ndarray]:
    return [np.asarray(Image.open(p)) for p in sorted(folder.glob("frame_*.png"))]


def test_reenact_to_a_folder_keeps_size_count_and_outside_pixels(clip, capsys):
    root, photo, opening = clip
    out = root / "out_frames"
    assert main(["reenact", str(root / "source.png"), str(root / "driving"), "-o", str(out),
                 "--driving-ref", "first"]) == 0
    frames = read_folder(out)
    assert len(frames) == len(opening)
    assert all(f.shape == photo.shape for f in frames)
    # the first frame is the reference: nothing moves
    assert np.array_equal(frames[0], photo)
    # the grey margin around the pasted face is never touched
    for f in frames:
        assert np.array_equal(f[:20], photo[:20]) and np.array_equal(f[:, :30], photo[:, :30])
    # the mouth opens: the mouth region changes most on the widest frames
    mouth = (slice(150, 215), slice(120, 195))
    change = [np.abs(f[mouth].astype(int) - photo[mouth].astype(int)).mean() for f in frames]
    assert change[3] > 5 * max(change[1], 0.2)
    assert change[3] > change[2] > change[1]
    assert "6 frame(s) at 300x260" in capsys.readouterr().out


def test_reenact_mp4_and_gif(clip):
    import imageio.v2 as imageio

    root, photo, opening = clip
    for name in ("out.mp4", "out.gif"):
        out = root / name
        assert main(["reenact", str(root / "source.png"), str(root / "driving"), "-o", str(out),
                     "--fps", "10", "--max-frames", "4", "--region", "mouth"]) == 0
        frames = imageio.mimread(out, memtest=False)
        # (GIF merges identical consecutive frames into one longer frame: the first two are the reference)
        assert len(frames) == (4 if name.endswith(".mp4") else 3)
        assert frames[0].shape[:2] == (260, 300)
    assert not list(root.glob(".*tmp*"))


def test_python_api_streams_frames(clip):
    from ganimation.reenact import Reenactor, reenact

    root, photo, opening = clip
    drv = [np.asarray(Image.open(p)) for p in sorted((root / "driving").glob("*.png"))]
    frames = list(reenact(photo, iter(drv), fps=25.0, driving_ref="first"))
    assert len(frames) == len(drv) and frames[0].shape == photo.shape
    r = Reenactor(photo, driving_ref="first")
    out = list(r.run(drv, 25.0))
    assert out[3].warp.displacement_map().shape[-1] == 2
    assert np.abs(out[3].warp.displacement_map()).max() > 0.1   # the chin moved by more than 0.1 IOD


def test_driving_without_a_face_is_a_clean_error(clip, tmp_path, capsys):
    root, photo, _ = clip
    empty = tmp_path / "noface"
    empty.mkdir()
    for i in range(3):
        Image.fromarray(np.full((64, 64, 3), 90 + i, np.uint8)).save(empty / f"{i}.png")
    out = tmp_path / "o.mp4"
    assert main(["reenact", str(root / "source.png"), str(empty), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: no face found in any of the 3 driving frame(s)")
    assert not out.exists() and not list(tmp_path.glob(".*tmp*"))


def test_source_without_a_face_and_bad_options(clip, tmp_path, capsys):
    root, photo, _ = clip
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((120, 120, 3), 128, np.uint8)).save(blank)
    out = tmp_path / "o.mp4"
    assert main(["reenact", str(blank), str(root / "driving"), "-o", str(out)]) == 2
    assert "no face found in the source photo" in capsys.readouterr().err
    assert not out.exists()
    assert main(["reenact", str(root / "source.png"), str(root / "driving"), "-o", str(out), "--fps", "0"]) == 2
    assert main(["reenact", str(root / "source.png"), str(root / "driving"), "-o", str(out),
                 "--max-frames", "-1"]) == 2
    capsys.readouterr()
    corrupt = tmp_path / "bad.mp4"
    corrupt.write_bytes(b"\x00" * 100)
    assert main(["reenact", str(root / "source.png"), str(corrupt), "-o", str(out)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert not out.exists()


def test_tracker_takes_one_pass_per_frame_for_a_face_a_third_of_the_frame(monkeypatch):
    """A face of about 190 px (landmark extent) in a 480x480 frame: under half the frame, so a whole
    pass has the detector landmark it again in a crop, and its 2.5x window is the frame, so each next
    frame is one landmarker pass over the frame instead of those two."""
    from ganimation.motion.tracking import LandmarkTracker

    face = np.asarray(Image.fromarray(synth(sample_identity(np.random.default_rng(4)))).resize((280, 280)))
    tracker = LandmarkTracker(25.0)
    run = tracker.detector._run
    passes = []
    monkeypatch.setattr(tracker.detector, "_run", lambda *a, **k: passes.append(1) or run(*a, **k))
    for k in range(3):
        frame = np.full((480, 480, 3), 120, np.uint8)
        frame[100 + 4 * k:380 + 4 * k, 100:380] = face
        passes.clear()
        t = tracker.update(frame)
        assert t is not None and t.found
        assert 100 < t.raw[:, 0].mean() < 380
        assert 0.8 * 480 ** 2 <= (2.5 * np.ptp(t.raw[:, :2], axis=0).max()) ** 2 and np.ptp(t.raw[:, :2], 0).max() < 240
        assert len(passes) == (2 if k == 0 else 1)      # the first frame: a whole pass and the refit


def test_tracker_finds_a_small_face_in_a_large_frame_and_follows_it():
    """A 96-px face in a 1000x700 frame: found (proposals fallback), then tracked in a window as it moves."""
    from ganimation.motion.tracking import LandmarkTracker

    face = np.asarray(Image.fromarray(synth(sample_identity(np.random.default_rng(4)))).resize((110, 110)))
    tracker = LandmarkTracker(25.0)
    for k in range(4):
        frame = np.full((700, 1000, 3), 120, np.uint8)
        x, y = 600 + 20 * k, 400 - 10 * k
        frame[y:y + 110, x:x + 110] = face
        t = tracker.update(frame)
        assert t is not None and t.found
        cx, cy = t.raw[:, :2].mean(0)
        assert x < cx < x + 110 and y < cy < y + 110
    assert tracker.lost == 0


def test_a_seeded_tracker_keeps_its_own_face_beside_a_larger_one_and_waits_when_it_hides():
    """``stay_near``: seeded on the smaller of two faces, the tracker keeps it although a larger one
    shares its window; when its face is covered it counts the frame lost rather than jumping to the
    other face, and takes its face back when it shows again."""
    from ganimation.faces.detect import get_detector
    from ganimation.motion.tracking import LandmarkTracker

    rng = np.random.default_rng(8)
    big = np.asarray(Image.fromarray(synth(sample_identity(rng))).resize((220, 220)))
    small = np.asarray(Image.fromarray(synth(sample_identity(rng))).resize((150, 150)))

    def frame(show_small: bool = True) -> np.ndarray:
        f = np.full((300, 420, 3), 120, np.uint8)
        f[40:260, 10:230] = big
        if show_small:
            f[70:220, 250:400] = small
        return f

    found = get_detector(search="whole", max_faces=4).detect(frame())
    assert len(found) == 2
    target = min(found, key=lambda f: f.area)
    tracker = LandmarkTracker(25.0, stay_near=True)
    tracker.seed(target.landmarks)
    for show in (True, True, False, True):
        t = tracker.update(frame(show))
        if show:
            assert t.found and 250 < t.raw[:, 0].mean() < 400
        else:
            assert not t.found and 250 < t.raw[:, 0].mean() < 400   # the last good landmarks, not the big face
    assert tracker.lost == 1


def test_two_trackers_on_one_face_leave_it_to_the_one_it_was_near():
    """One face passing in front of another can be taken by both trackers: the face is reported once,
    for the tracker that saw it nearest before, and the other counts the frame lost and goes back to
    its own face's last place (a face edited twice would be warped twice)."""
    from ganimation.motion.tracking import FaceFollower, TrackedFrame

    def face_at(x: float) -> np.ndarray:
        pts = np.zeros((478, 3))
        pts[:, 0] = x + np.linspace(-50, 50, 478)
        pts[:, 1] = 100 + np.linspace(-60, 60, 478)[::-1]
        return pts

    class Fixed:
        """A tracker that always finds the face at ``x``, having last seen its own at ``last``."""

        def __init__(self, last: float, x: float):
            self._last, self.x, self.lost = face_at(last), x, 0

        def update(self, frame):
            self._last = face_at(self.x)
            return TrackedFrame(index=0, landmarks=self._last, raw=self._last, found=True)

    follower = FaceFollower(25.0, "all")
    own_left = face_at(100.0)
    follower.trackers = [Fixed(100.0, 150.0), Fixed(170.0, 150.0)]   # both take the face at x=150
    follower.frames = 5
    seen = follower.update(np.zeros((200, 300, 3), np.uint8))
    assert [k for k, _ in seen] == [1]                     # the right tracker was nearer (20 px against 50)
    assert np.array_equal(follower.trackers[0]._last, own_left) and follower.trackers[0].lost == 1
    follower.trackers = [Fixed(100.0, 100.0), Fixed(170.0, 170.0)]   # two faces: both kept
    assert [k for k, _ in follower.update(np.zeros((200, 300, 3), np.uint8))] == [0, 1]


def test_reenact_a_group_photo_moves_every_face(clip, tmp_path, capsys):
    """``--face all``: both faces of a two-person photo open their mouths with the driving face,
    each from its own transfer; ``--face largest`` moves the larger alone."""
    root, _, opening = clip
    rng = np.random.default_rng(21)
    group = np.full((260, 520, 3), 200, np.uint8)
    group[40:232, 40:232] = synth(sample_identity(rng))
    group[60:220, 320:480] = np.asarray(Image.fromarray(synth(sample_identity(rng))).resize((160, 160)))
    Image.fromarray(group).save(tmp_path / "group.png")
    mouths = {"left": (slice(150, 215), slice(100, 175)), "right": (slice(160, 215), slice(365, 435))}
    change = {}
    for face in ("all", "largest"):
        out = tmp_path / face
        assert main(["reenact", str(tmp_path / "group.png"), str(root / "driving"), "-o", str(out),
                     "--driving-ref", "first", "--face", face]) == 0
        frames = read_folder(out)
        assert len(frames) == len(opening)
        change[face] = {side: np.abs(frames[3][m].astype(int) - group[m].astype(int)).mean()
                        for side, m in mouths.items()}
    assert change["all"]["left"] > 5 and change["all"]["right"] > 5
    assert change["largest"]["left"] > 5 and change["largest"]["right"] < 0.5
    assert "6 frame(s) at 520x260" in capsys.readouterr().out


def test_reenact_and_edit_keep_the_driving_clips_sound(clip, tmp_path):
    """An MP4 out of a driving video with sound speaks with it (`reenact`: the driving clip's, from
    --start; `edit VIDEO`: its own); at another --fps the frames no longer match it: silent."""
    import subprocess

    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    from ganimation.video import FrameWriter

    root, _, _ = clip
    silent = tmp_path / "silent.mp4"
    with FrameWriter(silent, 6.0) as w:
        for p in sorted((root / "driving").glob("f*.png")):
            w.write(np.asarray(Image.open(p)))
    talk = tmp_path / "talk.mp4"
    done = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(silent), "-f",
                           "lavfi", "-i", "sine=frequency=300:duration=2", "-map", "0:v", "-map", "1:a", "-c:v",
                           "copy", "-c:a", "aac", "-shortest", str(talk)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"this ffmpeg cannot add a test sound: {done.stderr.decode()[:200]}")

    def streams(path) -> str:
        return subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                              capture_output=True, check=False).stderr.decode(errors="replace")

    out = tmp_path / "speaks.mp4"
    assert main(["reenact", str(root / "source.png"), str(talk), "-o", str(out)]) == 0
    assert "Audio: aac" in streams(out)
    out = tmp_path / "fast.mp4"
    assert main(["reenact", str(root / "source.png"), str(talk), "-o", str(out), "--fps", "12"]) == 0
    assert "Audio:" not in streams(out)
    out = tmp_path / "edited.mp4"
    assert main(["edit", str(talk), "--aus", "AU12=+0.5", "--relative", "-o", str(out)]) == 0
    assert "Audio: aac" in streams(out)
