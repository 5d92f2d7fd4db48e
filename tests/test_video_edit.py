"""``edit VIDEO``: every frame edited relative to its own expression; count, size and frame rate kept."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("mediapipe")

from ganimation.aus import AU_CODES  # noqa: E402
from ganimation.cli.main import main  # noqa: E402
from ganimation.data.synthetic import render, sample_identity  # noqa: E402
from ganimation.video import FrameWriter, open_frames  # noqa: E402


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    root = tmp_path_factory.mktemp("vid")
    ident = sample_identity(np.random.default_rng(11))
    path = root / "talk.mp4"
    with FrameWriter(path, 12.0) as w:
        for a in (0.0, 0.2, 0.4, 0.2, 0.0, 0.0):
            v = np.zeros(len(AU_CODES), np.float32)
            v[AU_CODES.index("AU25")] = v[AU_CODES.index("AU26")] = a
            frame = np.full((200, 240, 3), 190, np.uint8)
            frame[4:196, 24:216] = render(ident, v, 192)
            w.write(frame)
    return root, path


def test_edit_video_keeps_count_size_and_fps(video, capsys):
    root, path = video
    out = root / "smile.mp4"
    assert main(["edit", str(path), "--aus", "AU12=+0.6", "--relative", "-o", str(out)]) == 0
    assert "edited 6 of 6 frame(s) at 12 fps" in capsys.readouterr().out
    with open_frames(out) as src, open_frames(path) as ref:
        got, want = list(src), list(ref)
        assert src.fps == pytest.approx(12.0)
    assert len(got) == len(want) == 6
    assert got[0].shape == want[0].shape
    # the edit is visible on every frame, and the margin around the face is untouched
    for g, w in zip(got, want):
        assert np.abs(g.astype(int) - w.astype(int)).max() > 20
        assert np.abs(g[:, :12].astype(int) - w[:, :12].astype(int)).max() <= 3   # codec noise only


def test_edit_video_frame_to_frame_change_stays_close_to_the_input(video):
    from ganimation.video_edit import edit_video

    _, path = video
    with open_frames(path) as src:
        frames = list(src)
    out = list(edit_video(frames, 12.0, aus="AU12=+0.6", relative=True))
    change = lambda seq: np.mean([np.abs(b.astype(float) - a.astype(float)).mean()  # noqa: E731
                                  for a, b in zip(seq, seq[1:])])
    assert change(out) <= 1.10 * change(frames)


def test_edit_video_reads_float_frames_as_photos_are_read_and_checks_texture_first(video):
    """Frames as floats 0-1 (what many Python pipelines hold) give the uint8 frames' edit; a bad texture
    strength is refused before the first frame is read."""
    from ganimation.errors import GanimationError
    from ganimation.video_edit import edit_video

    _, path = video
    with open_frames(path) as src:
        frames = list(src)[:3]
    want = list(edit_video(frames, 12.0, expression="surprise"))
    got = list(edit_video([f / 255.0 for f in frames], 12.0, expression="surprise"))
    assert all(g.dtype == np.uint8 and np.array_equal(g, w) for g, w in zip(got, want))

    def never():
        pytest.fail("a frame was read")
        yield

    with pytest.raises(GanimationError, match="texture"):
        next(edit_video(never(), 12.0, expression="happy", texture=9))
    with pytest.raises(GanimationError, match="one size"):
        list(edit_video([frames[0], frames[1][:100, :120]], 12.0, expression="happy"))


def test_edit_video_like_a_reference_photo_adds_its_expression_to_every_frame(video, tmp_path, capsys):
    """``edit VIDEO --like REF``: the AU changes from the video's first face to the reference's expression
    (a surprised version of that face) are added to every frame's own expression: the mouth opens in
    every frame, and the frames still move as the video's do; a reference without a face is a one-line
    error."""
    from PIL import Image

    from ganimation.cli.edit import like_offsets
    from ganimation.faces.pipeline import edit_photo

    _, path = video
    with open_frames(path) as src:
        frames = list(src)
    ref = tmp_path / "surprised.png"
    Image.fromarray(edit_photo(None, frames[0], expression="surprise").image).save(ref)
    out = tmp_path / "like.mp4"
    assert main(["edit", str(path), "--like", str(ref), "-o", str(out)]) == 0
    assert "edited 6 of 6 frame(s)" in capsys.readouterr().out

    class Args:
        input, like, face_search, engine, weights = str(path), str(ref), "proposals", None, None
        start = end = max_frames = None
        intensity = 1.0

    offsets = like_offsets(Args)
    assert offsets["AU26"] > 0.2 and offsets["AU01"] + offsets["AU02"] > 0.2   # the jaw dropped, brows raised
    with open_frames(out) as src:
        got = list(src)
    assert len(got) == 6 and all(np.abs(g.astype(int) - f.astype(int)).max() > 40 for g, f in zip(got, frames))
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((200, 200, 3), 90, np.uint8)).save(blank)
    assert main(["edit", str(path), "--like", str(blank), "-o", str(tmp_path / "x.mp4")]) == 2
    assert "no face found in the reference photo" in capsys.readouterr().err
    with pytest.raises(SystemExit):                   # a usage error, as for photos
        main(["edit", str(path), "--like", str(ref), "--aus", "AU12=0.5", "-o", str(tmp_path / "y.mp4")])
    assert "--like REF replaces --aus/--expression" in capsys.readouterr().err


def test_a_face_that_comes_into_view_is_eased_into_its_edit(video):
    """A face seen from the first frame is edited in full from that frame on; one that appears later
    (here after three empty frames) goes from part of its edit to all of it over EASE_IN seconds
    instead of jumping in within one frame."""
    from ganimation.video_edit import EASE_IN, edit_video

    _, path = video
    with open_frames(path) as src:
        frames = [src_frame for src_frame in src]
    still = [frames[0]] * 8
    blank = np.full_like(frames[0], 190)
    fps = 10.0
    ease = round(EASE_IN * fps)

    def change(out, ins):
        return [float(np.abs(o.astype(int) - i.astype(int)).mean()) for o, i in zip(out, ins)]

    from_start = change(list(edit_video(still, fps, aus="AU12=+0.6", relative=True)), still)
    assert from_start[0] == pytest.approx(from_start[-1], rel=0.15)        # full from the first frame
    late = [blank] * 3 + still
    later = change(list(edit_video(late, fps, aus="AU12=+0.6", relative=True)), late)
    assert later[:3] == [0.0, 0.0, 0.0]
    ramp = later[3:3 + ease]
    assert all(b > a for a, b in zip(ramp, ramp[1:]))                      # eased in, frame by frame
    assert ramp[0] < 0.5 * from_start[-1]
    assert later[-1] == pytest.approx(from_start[-1], rel=0.15)            # then edited in full


def test_edit_video_without_faces_is_a_clean_error(tmp_path, capsys):
    path = tmp_path / "empty.mp4"
    with FrameWriter(path, 10.0) as w:
        for i in range(3):
            w.write(np.full((64, 64, 3), 80 + i, np.uint8))
    out = tmp_path / "o.mp4"
    assert main(["edit", str(path), "--expression", "happy", "-o", str(out)]) == 2
    assert "no face found in any of the 3 frame(s)" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".*tmp*"))


def test_edit_video_texture_strength_reaches_every_frame(video):
    """--texture on a video: 0 gives the warp alone, the default adds the same shading to every frame."""
    from ganimation.video_edit import edit_video

    _, path = video
    with open_frames(path) as src:
        frames = list(src)
    shape_only = list(edit_video(frames, 12.0, aus="AU12=+0.6", relative=True, texture=0))
    shaded = list(edit_video(frames, 12.0, aus="AU12=+0.6", relative=True))
    diffs = [np.abs(a.astype(int) - b.astype(int)).max() for a, b in zip(shape_only, shaded)]
    assert all(d > 0 for d in diffs)


def test_edit_animated_gif_edits_every_frame_and_a_still_gif_is_a_photo(video, tmp_path, capsys):
    """An animated GIF given to ``edit`` is a video (every frame, written as GIF or MP4); a GIF of one
    frame stays a photo (its first frame was all an animated one used to get)."""
    from PIL import Image

    _, path = video
    with open_frames(path) as src:
        frames = list(src)[:3]
    gif = tmp_path / "talk.gif"
    Image.fromarray(frames[0]).save(gif, save_all=True, append_images=[Image.fromarray(f) for f in frames[1:]],
                                    duration=100)
    out = tmp_path / "smile.gif"
    assert main(["edit", str(gif), "--aus", "AU12=+0.6", "--relative", "-o", str(out)]) == 0
    assert "edited 3 of 3 frame(s) at 10 fps" in capsys.readouterr().out
    with open_frames(out) as src, open_frames(gif) as ref:
        got, want = list(src), list(ref)
    assert len(got) == 3 and got[0].shape == want[0].shape
    assert all(np.abs(g.astype(int) - w.astype(int)).max() > 20 for g, w in zip(got, want))
    assert main(["edit", str(gif), "--expression", "happy", "-o", str(tmp_path / "one.png")]) == 2
    assert "use .mp4, .gif or a folder" in capsys.readouterr().err
    still = tmp_path / "still.gif"
    Image.fromarray(frames[0]).save(still)
    assert main(["edit", str(still), "--aus", "AU12=+0.6", "--relative", "-o", str(tmp_path / "still.png")]) == 0
    assert "edited 1 face(s)" in capsys.readouterr().out
    folder = tmp_path / "frames"                      # a folder of frames written as .mp4: one video, in name order
    folder.mkdir()
    for i, f in enumerate(frames):
        Image.fromarray(f).save(folder / f"f{i}.png")
    assert main(["edit", str(folder), "--aus", "AU12=+0.6", "--relative", "-o", str(tmp_path / "frames.mp4")]) == 0
    assert "edited 3 of 3 frame(s) at 25 fps" in capsys.readouterr().out
    with open_frames(tmp_path / "frames.mp4") as src:
        assert len(list(src)) == 3
    assert main(["edit", str(gif), "--aus", "AU12=+0.6", "--crop", "-o", str(tmp_path / "crop.gif")]) == 2
    assert "drop --engine/--weights/--crop/--stages" in capsys.readouterr().err


def test_edit_video_edits_every_face_each_followed_near_its_own_place(tmp_path, capsys):
    """Two people: ``--face all`` (the CLI default, as for photos) edits both in every frame, each
    face followed by its own tracker; ``--face largest`` and ``--face 1`` edit one of them."""
    from PIL import Image

    rng = np.random.default_rng(5)
    left_id, right_id = sample_identity(rng), sample_identity(rng)
    path = tmp_path / "two.mp4"
    with FrameWriter(path, 10.0) as w:
        for a in (0.0, 0.3, 0.6, 0.3, 0.0):
            v = np.zeros(len(AU_CODES), np.float32)
            v[AU_CODES.index("AU25")] = v[AU_CODES.index("AU26")] = a
            frame = np.full((208, 400, 3), 190, np.uint8)
            frame[8:200, 8:200] = render(left_id, v, 192)
            frame[24:184, 224:384] = np.asarray(Image.fromarray(render(right_id, v, 192)).resize((160, 160)))
            w.write(frame)
    with open_frames(path) as src:
        frames = [f.astype(int) for f in src]
    left, right = (slice(8, 200), slice(8, 200)), (slice(24, 184), slice(224, 384))
    runs = {}
    for face in ("all", "largest", "1"):
        out = tmp_path / f"{face}.mp4"
        assert main(["edit", str(path), "--aus", "AU12=+0.6", "--relative", "--face", face, "-o", str(out)]) == 0
        assert "edited 5 of 5 frame(s)" in capsys.readouterr().out
        with open_frames(out) as src:
            runs[face] = [f.astype(int) for f in src]

    def moved(face, side) -> list[float]:
        return [float(np.abs(g[side] - f[side]).max()) for g, f in zip(runs[face], frames)]

    assert min(moved("all", left)) > 20 and min(moved("all", right)) > 20
    assert min(moved("largest", left)) > 20 and max(moved("largest", right)) < 16      # codec noise only
    assert min(moved("1", right)) > 20 and max(moved("1", left)) < 16


def test_edit_video_picks_up_a_face_that_comes_in_later(tmp_path):
    """``face="all"``: a second person who comes into the video is found at the next search for
    newcomers (every FaceFollower.RESCAN seconds) and edited from then on; the first face stays
    edited throughout (its tracker now stays near it)."""
    from PIL import Image

    from ganimation.motion.tracking import FaceFollower
    from ganimation.video_edit import edit_video

    rng = np.random.default_rng(5)
    left_id, right_id = sample_identity(rng), sample_identity(rng)
    frames = []
    for i in range(8):
        frame = np.full((208, 400, 3), 190, np.uint8)
        frame[8:200, 8:200] = render(left_id, np.zeros(len(AU_CODES), np.float32), 192)
        if i >= 2:
            frame[24:184, 224:384] = np.asarray(Image.fromarray(render(right_id, np.zeros(len(AU_CODES), np.float32),
                                                                       192)).resize((160, 160)))
        frames.append(frame)
    fps = 4.0                                   # a search every 4 frames: frames 3 and 7
    assert round(FaceFollower.RESCAN * fps) == 4
    out = list(edit_video(frames, fps, aus="AU12=+0.6", relative=True, face="all"))
    left, right = (slice(8, 200), slice(8, 200)), (slice(24, 184), slice(224, 384))
    moved = [(np.abs(o[left].astype(int) - f[left]).max(), np.abs(o[right].astype(int) - f[right]).max())
             for o, f in zip(out, frames)]
    assert all(m[0] > 20 for m in moved)
    assert [m[1] > 20 for m in moved] == [False, False, False, True, True, True, True, True]


def test_edit_video_of_one_face_is_the_same_for_all_and_largest(video):
    """One face: ``face="all"`` (the CLI default) edits it exactly as ``face="largest"`` does."""
    from ganimation.video_edit import edit_video

    _, path = video
    with open_frames(path) as src:
        frames, fps = list(src), src.fps
    runs = [list(edit_video(frames, fps, expression="surprise", face=face)) for face in ("all", "largest")]
    assert all(np.array_equal(a, b) for a, b in zip(*runs)) and len(runs[0]) == len(frames)


def test_the_package_names_its_entry_points_without_importing_them():
    """``import ganimation`` loads neither torch nor MediaPipe; ``ganimation.edit_photo``,
    ``edit_video``, ``load_rgb`` and ``Editor`` are there when asked for."""
    import subprocess
    import sys

    code = ("import sys, ganimation; heavy = [m for m in ('torch', 'mediapipe', 'cv2') if m in sys.modules]; "
            "assert not heavy, heavy; "
            "from ganimation import Editor, edit_photo, edit_video, load_rgb; "
            "import ganimation.faces.pipeline as p, ganimation.video_edit as v; "
            "assert edit_photo is p.edit_photo and edit_video is v.edit_video")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-400:]


def test_edit_video_cuts_with_start_end_and_max_frames(video, tmp_path, capsys):
    """``edit VIDEO --start/--end/--max-frames`` (what the length limit's message tells a user to pass):
    only that part of the video is edited; on a photo they are a one-line error."""
    root, path = video                               # 6 frames at 12 fps
    out = tmp_path / "cut.mp4"
    assert main(["edit", str(path), "--expression", "happy", "--start", "0.1", "--max-frames", "3",
                 "-o", str(out)]) == 0
    assert "edited 3 of 3 frame(s) at 12 fps" in capsys.readouterr().out
    with open_frames(out) as src:
        assert len(list(src)) == 3
    from PIL import Image

    photo = tmp_path / "p.png"
    with open_frames(path) as src:
        Image.fromarray(next(iter(src))).save(photo)
    assert main(["edit", str(photo), "--expression", "happy", "--end", "1", "-o", str(tmp_path / "o.png")]) == 2
    assert "cut a video" in capsys.readouterr().err
