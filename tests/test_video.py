"""Frame sequences: reading and writing videos, GIFs and frame folders, and every bad input."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganimation import video
from ganimation.errors import VideoError
from ganimation.video import FrameSource, FrameWriter, open_frames, validate_output_path

W, H = 64, 48


def make_frames(n: int = 10, w: int = W, h: int = H) -> list[np.ndarray]:
    """``n`` distinct ``(h, w, 3)`` uint8 frames: a smooth gradient plus a per-frame brightness."""
    yy, xx = np.mgrid[:h, :w]
    base = np.stack([xx * 2, yy * 3, (xx + yy)], axis=-1).astype(np.int32)
    return [np.clip(base + 15 * i, 0, 255).astype(np.uint8) for i in range(n)]


def write(path, frames, fps=10.0) -> Path:
    with FrameWriter(path, fps) as w:
        for f in frames:
            w.write(f)
    return Path(path)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


def one_line(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and msg
    return msg


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """A 10-frame 64x48 MP4 at 10 fps."""
    return write(tmp_path_factory.mktemp("clip") / "clip.mp4", make_frames(10))


# ------------------------------------------------------------------ round trips


def test_round_trip_mp4(clip):
    frames = make_frames(10)
    with open_frames(clip) as src:
        assert isinstance(src, FrameSource)
        assert src.size == (W, H)
        assert src.fps == pytest.approx(10.0, rel=0.02)
        assert src.frame_count == 10
        got = list(src)
    assert len(got) == 10
    for a, b in zip(got, frames):
        assert a.shape == (H, W, 3) and a.dtype == np.uint8
        assert np.abs(a.astype(int) - b.astype(int)).mean() < 6


def test_round_trip_gif(tmp_path):
    frames = make_frames(8)
    out = write(tmp_path / "a.gif", frames, fps=12.0)
    with open_frames(out) as src:
        assert src.size == (W, H)
        assert src.fps == pytest.approx(12.0, rel=0.05)  # mean of 80/90 ms durations
        got = list(src)
    assert len(got) == 8
    assert all(g.shape == (H, W, 3) and g.dtype == np.uint8 for g in got)
    for a, b in zip(got, frames):
        assert np.abs(a.astype(int) - b.astype(int)).mean() < 8
    assert Image.open(out).info.get("loop") == 0


def test_round_trip_folder(tmp_path):
    frames = make_frames(5)
    out = write(str(tmp_path / "frames") + "/", frames)
    assert sorted(p.name for p in out.iterdir()) == [f"frame_{i:05d}.png" for i in range(5)]
    with open_frames(out) as src:
        assert src.fps is None and src.size == (W, H) and src.frame_count == 5
        got = list(src)
    assert all(np.array_equal(a, b) for a, b in zip(got, frames))
    # a second write replaces a folder of frames
    write(out, make_frames(3))
    assert len(list(out.iterdir())) == 3
    assert leftovers(tmp_path) == []


def test_folder_natural_sort(tmp_path):
    frames = make_frames(11)
    for i, f in enumerate(frames):
        Image.fromarray(f).save(tmp_path / f"f{i}.png")
    got = list(open_frames(tmp_path))
    assert all(np.array_equal(a, b) for a, b in zip(got, frames))


def test_still_gif(tmp_path):
    Image.fromarray(make_frames(1)[0]).save(tmp_path / "s.gif")
    src = open_frames(tmp_path / "s.gif")
    assert len(list(src)) == 1 and src.size == (W, H)


def test_max_side_downscales(clip):
    with open_frames(clip, max_side=32) as src:
        assert src.size == (32, 24)
        assert next(src).shape == (24, 32, 3)


def test_write_animation_uses_frame_writer(tmp_path):
    from ganimation.animate import write_animation

    frames = np.stack(make_frames(6, w=33, h=21))  # odd sides are cropped to even for MP4
    for suffix in (".gif", ".mp4"):
        out = write_animation(tmp_path / "sub" / f"anim{suffix}", frames)
        assert out.exists()
        got = list(open_frames(out))
        assert len(got) == 6
        assert got[0].shape == ((21, 33, 3) if suffix == ".gif" else (20, 32, 3))
    assert leftovers(tmp_path / "sub") == []
    for suffix, written in ((".mp4", (32, 20)), (".gif", (33, 21))):   # what the writer says it wrote
        with FrameWriter(tmp_path / f"odd{suffix}", 10) as w:
            w.write(frames[0])
        assert w.size == (33, 21) and w.written_size == written


# ------------------------------------------------------------------ cutting and streaming


def test_start_end_cut(clip):
    src = open_frames(clip, start=0.2, end=0.6)
    assert src.frame_count == 4
    got = list(src)
    assert len(got) == 4
    ref = make_frames(10)
    assert np.abs(got[0].astype(int) - ref[2].astype(int)).mean() < 6
    assert np.abs(got[-1].astype(int) - ref[5].astype(int)).mean() < 6


def test_start_only_and_max_frames(clip):
    assert len(list(open_frames(clip, start=0.5))) == 5
    src = open_frames(clip, max_frames=3)
    assert src.frame_count == 3 and len(list(src)) == 3
    assert len(list(open_frames(clip, start=0.3, max_frames=100))) == 7


def test_gif_cut(tmp_path):
    out = write(tmp_path / "a.gif", make_frames(10), fps=10.0)
    assert len(list(open_frames(out, start=0.2, end=0.5))) == 3


def test_start_past_end(clip):
    with pytest.raises(VideoError) as exc:
        open_frames(clip, start=5.0)
    assert "past the end" in one_line(exc)


def test_bad_cut_arguments(clip, tmp_path):
    for kwargs in ({"start": -1}, {"end": 0}, {"start": 0.5, "end": 0.2}, {"max_frames": 0}):
        with pytest.raises(VideoError) as exc:
            open_frames(clip, **kwargs)
        one_line(exc)
    write(tmp_path / "f/", make_frames(2))
    with pytest.raises(VideoError, match="no frame rate") as exc:
        open_frames(tmp_path / "f", start=1.0)


def test_streams_without_reading_everything(tmp_path, monkeypatch):
    out = write(tmp_path / "long.mp4", make_frames(60), fps=25.0)
    src = open_frames(out)
    assert iter(src) is src and hasattr(src, "__next__")
    calls = []
    reader_next = src._frames

    def counting():
        for f in reader_next:
            calls.append(1)
            yield f

    src._frames = counting()
    next(src)  # the first frame was decoded at open time
    next(src)
    assert len(calls) == 1  # one more decoded, not the other 58
    src.close()
    assert list(src) == []


def test_default_cap_known_length(clip, monkeypatch):
    monkeypatch.setattr(video.reading, "DEFAULT_MAX_FRAMES", 5)
    with pytest.raises(VideoError, match="--max-frames") as exc:
        open_frames(clip)
    assert "--start/--end" in one_line(exc)
    assert len(list(open_frames(clip, max_frames=8))) == 8
    assert len(list(open_frames(clip, start=0.0, end=0.4))) == 4


def test_default_cap_folder_and_gif(tmp_path, monkeypatch):
    write(tmp_path / "f/", make_frames(6))
    write(tmp_path / "a.gif", make_frames(6))
    monkeypatch.setattr(video.reading, "DEFAULT_MAX_FRAMES", 5)
    for p in (tmp_path / "f", tmp_path / "a.gif"):
        with pytest.raises(VideoError, match="--max-frames"):
            open_frames(p)


def test_default_cap_unknown_length(clip, monkeypatch):
    """Without a length in the metadata the cap is enforced while reading."""
    monkeypatch.setattr(video.reading, "DEFAULT_MAX_FRAMES", 5)
    real = video.reading._finite_positive
    monkeypatch.setattr(video.reading, "_finite_positive", lambda v: real(v) if v in (10, 10.0) else None)
    src = open_frames(clip)
    assert src.frame_count is None
    with pytest.raises(VideoError, match="--max-frames"):
        list(src)


def test_bad_fps_metadata_falls_back(clip, monkeypatch, caplog):
    import imageio.v2 as imageio

    real = imageio.get_reader

    def reader(*a, **k):
        r = real(*a, **k)
        r.get_meta_data()["fps"] = float("nan")
        return r

    monkeypatch.setattr(imageio, "get_reader", reader)
    with caplog.at_level("WARNING", logger="ganimation.video"):
        src = open_frames(clip)
    assert src.fps == video.FALLBACK_FPS
    assert "assuming 25" in caplog.text
    src.close()


# ------------------------------------------------------------------ bad input


def test_missing_file(tmp_path):
    with pytest.raises(VideoError, match="no such file") as exc:
        open_frames(tmp_path / "nope.mp4")
    one_line(exc)


def test_zero_length_file(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(VideoError, match="empty") as exc:
        open_frames(tmp_path / "empty.mp4")
    one_line(exc)


def test_random_bytes_mp4(tmp_path):
    (tmp_path / "noise.mp4").write_bytes(np.random.default_rng(0).bytes(20000))
    with pytest.raises(VideoError, match="corrupt") as exc:
        open_frames(tmp_path / "noise.mp4")
    one_line(exc)


def test_a_sound_only_mp4_is_named_so(tmp_path):
    """An .mp4 with sound and no pictures: refused, saying so (it read as "corrupt or not a video")."""
    import subprocess

    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    sound = tmp_path / "voice.mp4"
    done = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                           "sine=frequency=440:duration=1", "-c:a", "aac", str(sound)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot make an audio clip here")
    with pytest.raises(VideoError, match="sound but no pictures") as exc:
        open_frames(sound)
    one_line(exc)


def test_truncated_mp4(clip, tmp_path):
    data = clip.read_bytes()
    (tmp_path / "half.mp4").write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoError, match="corrupt") as exc:
        list(open_frames(tmp_path / "half.mp4"))
    one_line(exc)


def test_corrupt_gif(tmp_path):
    out = write(tmp_path / "a.gif", make_frames(5))
    data = out.read_bytes()
    (tmp_path / "bad.gif").write_bytes(b"GIF89a" + np.random.default_rng(1).bytes(300))
    (tmp_path / "half.gif").write_bytes(data[: len(data) // 2])
    for name in ("bad.gif", "half.gif"):
        with pytest.raises(VideoError) as exc:
            list(open_frames(tmp_path / name))
        one_line(exc)


def test_unsupported_suffix(tmp_path):
    (tmp_path / "clip.flv2").write_bytes(b"x" * 100)
    with pytest.raises(VideoError, match="unsupported") as exc:
        open_frames(tmp_path / "clip.flv2")
    one_line(exc)


def test_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("no frames here")
    with pytest.raises(VideoError, match="no frames") as exc:
        open_frames(tmp_path)
    one_line(exc)


def test_mixed_sizes_folder(tmp_path):
    a, b = make_frames(2)
    Image.fromarray(a).save(tmp_path / "f1.png")
    Image.fromarray(b).save(tmp_path / "f2.png")
    Image.fromarray(make_frames(1, w=40, h=40)[0]).save(tmp_path / "f3.png")
    src = open_frames(tmp_path)
    with pytest.raises(VideoError, match="f3.png") as exc:
        list(src)
    one_line(exc)


# ------------------------------------------------------------------ writer safety


@pytest.mark.parametrize("name", ["out.mp4", "out.gif", "out/"])
def test_writer_leaves_nothing_on_exception(tmp_path, name):
    with pytest.raises(KeyError), FrameWriter(str(tmp_path / name), 10) as w:
        for f in make_frames(3):
            w.write(f)
        raise KeyError("boom")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["out.mp4", "out.gif", "out/"])
def test_writer_zero_frames(tmp_path, name):
    with pytest.raises(VideoError, match="no frames") as exc, FrameWriter(str(tmp_path / name), 10):
        pass
    one_line(exc)
    assert list(tmp_path.iterdir()) == []


def test_writer_keeps_old_output_on_failure(clip, tmp_path):
    target = tmp_path / "keep.mp4"
    target.write_bytes(clip.read_bytes())
    with pytest.raises(RuntimeError), FrameWriter(target, 10) as w:
        w.write(make_frames(1)[0])
        raise RuntimeError("interrupted")
    assert target.read_bytes() == clip.read_bytes()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fps", [0, float("nan"), float("inf"), -5, 241, "fast"])
def test_writer_refuses_bad_fps(tmp_path, fps):
    with pytest.raises(VideoError, match="frame rate") as exc:
        FrameWriter(tmp_path / "x.mp4", fps)
    one_line(exc)
    assert list(tmp_path.iterdir()) == []


def test_writer_refuses_size_change(tmp_path):
    with pytest.raises(VideoError, match="one size") as exc, FrameWriter(tmp_path / "x.mp4", 10) as w:
        w.write(make_frames(1)[0])
        w.write(make_frames(1, w=32, h=32)[0])
    one_line(exc)
    assert list(tmp_path.iterdir()) == []


def test_writer_gif_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(video.writing, "DEFAULT_MAX_GIF_FRAMES", 3)
    with pytest.raises(VideoError, match="at most 3") as exc:
        write(tmp_path / "a.gif", make_frames(4))
    one_line(exc)
    assert list(tmp_path.iterdir()) == []


def test_writer_overwrite_false(clip, tmp_path):
    target = tmp_path / "x.mp4"
    target.write_bytes(b"old")
    with pytest.raises(VideoError, match="already exists"):
        FrameWriter(target, 10, overwrite=False)
    write(target, make_frames(2))
    assert len(list(open_frames(target))) == 2


def test_writer_refuses_foreign_folder(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("precious")
    with pytest.raises(VideoError, match="other files"):
        FrameWriter(str(tmp_path / "mine") + "/", 10)
    assert (tmp_path / "mine" / "thesis.docx").exists()


# ------------------------------------------------------------------ validate_output_path


def test_validate_ok(tmp_path):
    assert validate_output_path(tmp_path / "out.mp4") == tmp_path / "out.mp4"
    assert validate_output_path(str(tmp_path / "frames") + "/") == tmp_path / "frames"
    assert list(tmp_path.iterdir()) == []  # the write probe is removed


def test_validate_directory_for_file(tmp_path):
    (tmp_path / "d.mp4").mkdir()
    with pytest.raises(VideoError, match="is a folder") as exc:
        validate_output_path(tmp_path / "d.mp4")
    one_line(exc)


def test_validate_parent_is_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(VideoError, match="is a file") as exc:
        validate_output_path(tmp_path / "f" / "out.mp4")
    one_line(exc)


def test_validate_parent_missing(tmp_path):
    with pytest.raises(VideoError, match="does not exist"):
        validate_output_path(tmp_path / "no" / "out.mp4")


def test_validate_same_as_input(clip, tmp_path):
    with pytest.raises(VideoError, match="also an input") as exc:
        validate_output_path(clip, inputs=[tmp_path / "photo.png", clip])
    one_line(exc)
    link = tmp_path / "link.mp4"
    os.symlink(clip, link)
    with pytest.raises(VideoError, match="also an input"):
        validate_output_path(link, inputs=[clip])
    assert validate_output_path(clip, inputs=[clip], overwrite=True) == clip


def test_validate_name_too_long(tmp_path):
    with pytest.raises(VideoError, match="too long") as exc:
        validate_output_path(tmp_path / ("a" * 300 + ".mp4"))
    one_line(exc)


def test_validate_unsupported_suffix(tmp_path):
    with pytest.raises(VideoError, match="unsupported") as exc:
        validate_output_path(tmp_path / "out.avi")
    one_line(exc)


def test_validate_unwritable(tmp_path):
    with pytest.raises(VideoError, match="cannot write") as exc:
        validate_output_path("/proc/x")
    one_line(exc)
    with pytest.raises(VideoError, match="cannot write"):
        validate_output_path("/proc/x.mp4")


def test_a_rotated_phone_video_is_read_upright_without_a_warning(tmp_path, caplog):
    """A rotation tag (phones record landscape streams and tag them) is applied by the decoder: the
    frames come upright, at the displayed size, and imageio-ffmpeg's note about the size change is
    not shown to the user."""
    import logging
    import subprocess

    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    frames = make_frames(4, w=64, h=48)
    frames[0][:8, :8] = 255                                       # a mark in the stream's top-left corner
    plain = write(tmp_path / "plain.mp4", frames)
    rotated = tmp_path / "rotated.mp4"
    done = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-display_rotation", "90",
                           "-i", str(plain), "-c", "copy", str(rotated)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"this ffmpeg cannot tag a rotation: {done.stderr.decode()[:200]}")
    caplog.set_level(logging.WARNING)
    with open_frames(rotated) as src:
        got = list(src)
        assert src.size == (48, 64)
    assert len(got) == 4 and got[0].shape == (64, 48, 3)
    # a quarter turn counter-clockwise: the stream's top-left corner is now the bottom-left one
    assert got[0][-8:, :8].mean() > 200 and got[0][:8, :8].mean() < 200
    assert not [r for r in caplog.records if "source frame size" in r.getMessage()]


def _streams(path: Path) -> str:
    """ffmpeg's description of the streams of ``path``."""
    import subprocess

    import imageio_ffmpeg

    done = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                          capture_output=True, check=False)
    return done.stderr.decode(errors="replace")


def test_an_mp4_carries_the_sound_of_its_source_cut_to_its_frames(tmp_path, caplog):
    """``FrameWriter(audio=AudioTrack(src, start))``: the output's sound is the source's from
    ``start``, as long as the frames; a source without sound gives a silent video, and one whose sound
    cannot be read a silent video with a warning, never a lost output."""
    import logging
    import re
    import subprocess

    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    from ganimation.video import AudioTrack

    src = tmp_path / "talk.mp4"
    done = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                           "testsrc=size=64x48:rate=10:duration=3", "-f", "lavfi", "-i",
                           "sine=frequency=440:duration=3", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
                           "-shortest", str(src)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"this ffmpeg cannot make a test clip: {done.stderr.decode()[:200]}")
    assert "Audio:" in _streams(src)
    out = tmp_path / "out.mp4"
    with FrameWriter(out, 10.0, audio=AudioTrack(src, start=1.0)) as w:
        for f in make_frames(15):
            w.write(f)
    info = _streams(out)
    assert "Audio: aac" in info and "Video: h264" in info
    seconds = float(re.search(r"Duration: \d+:\d+:([\d.]+)", info).group(1))
    assert abs(seconds - 1.5) < 0.15                          # 15 frames at 10 fps, not the source's 3 s
    with open_frames(out) as got:
        assert len(list(got)) == 15
    assert AudioTrack.of(tmp_path / "x.gif") is None and AudioTrack.of(None) is None
    # a source without sound: a silent video, no warning
    silent = write(tmp_path / "silent_src.mp4", make_frames(5))
    caplog.set_level(logging.WARNING)
    write_out = tmp_path / "silent.mp4"
    with FrameWriter(write_out, 10.0, audio=AudioTrack(silent)) as w:
        for f in make_frames(5):
            w.write(f)
    assert "Audio:" not in _streams(write_out) and not caplog.records
    # a source that is not a video: the frames are kept, silent, with a warning
    bogus = tmp_path / "bogus.mp4"
    bogus.write_bytes(b"not a video")
    with FrameWriter(tmp_path / "kept.mp4", 10.0, audio=AudioTrack(bogus)) as w:
        for f in make_frames(5):
            w.write(f)
    assert (tmp_path / "kept.mp4").stat().st_size > 0
    assert any("without the sound of" in r.getMessage() for r in caplog.records)
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------ colour: HDR input, BT.709 output


def _colourful(w: int = 96, h: int = 64) -> np.ndarray:
    """A frame of saturated patches (red, green, blue, skin, grey) for colour round trips."""
    colours = [(200, 60, 50), (60, 160, 70), (50, 70, 190), (220, 170, 140), (128, 128, 128), (240, 240, 240)]
    frame = np.zeros((h, w, 3), np.uint8)
    step = w // len(colours)
    for i, c in enumerate(colours):
        frame[:, i * step:(i + 1) * step] = c
    frame[:, len(colours) * step:] = colours[-1]
    return frame


def _saturation(frame: np.ndarray) -> float:
    f = frame.astype(np.int32)
    return float((f.max(2) - f.min(2)).mean())


def test_an_hdr_phone_video_is_tone_mapped_to_sdr_as_it_is_read(tmp_path):
    """Phones record HLG (BT.2020) video: read as plain RGB its frames look washed out and dark; open_frames
    tone-maps it to SDR BT.709, close to the SDR frames the clip was made from."""
    import subprocess

    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    if not video.colour._ffmpeg_tone_maps():
        pytest.skip("this ffmpeg has no zscale/tonemap filters")
    sdr = tmp_path / "sdr.png"
    Image.fromarray(_colourful()).save(sdr)
    hlg = tmp_path / "hlg.mp4"
    # the photo's white at HLG's reference white (BT.2408: 203 nits), as a phone grades it
    to_hlg = ("format=gbrpf32le,zscale=min=gbr:tin=iec61966-2-1:pin=bt709:rin=full:m=gbr:t=linear:p=bt709:npl=203,"
              "zscale=min=gbr:tin=linear:pin=bt709:p=bt2020:t=arib-std-b67:m=bt2020nc:r=tv:npl=203,format=yuv420p10le")
    done = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-loop", "1", "-i", str(sdr),
                           "-t", "0.5", "-r", "10", "-vf", to_hlg, "-c:v", "libx265", "-x265-params", "log-level=error",
                           "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc",
                           str(hlg)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot make an HLG clip here: {done.stderr.decode(errors='replace')[-200:]}")
    import imageio.v2 as imageio

    reader = imageio.get_reader(hlg, format="FFMPEG")
    assert video.hdr_transfer(reader.get_meta_data()) == "arib-std-b67"
    raw = reader.get_next_data()
    reader.close()
    source = _colourful()
    assert _saturation(raw) < 0.8 * _saturation(source)            # the clip is HDR: read plainly, washed out
    assert np.abs(raw.astype(int) - source).mean() > 20
    with open_frames(hlg) as frames:
        frame = next(iter(frames))
    assert frame.shape == source.shape
    assert _saturation(frame) > 0.9 * _saturation(source)
    assert np.abs(frame.astype(int) - source).mean() < 9
    with open_frames(hlg, start=0.2) as frames:                     # a seek keeps the tone mapping
        assert np.abs(next(iter(frames)).astype(int) - source).mean() < 9


def test_hdr_transfer_is_read_from_the_pixel_format():
    assert video.hdr_transfer({"pix_fmt": "yuv420p10le(tv, bt2020nc/bt2020/smpte2084, progressive)"}) == "smpte2084"
    assert video.hdr_transfer({"pix_fmt": "yuv420p(tv, bt709, progressive)"}) is None
    assert video.hdr_transfer({}) is None


def test_an_mp4_is_written_as_bt709_and_read_back_in_its_colours(tmp_path):
    """Players show untagged HD video as BT.709; the writer converts with BT.709 and says so."""
    import imageio.v2 as imageio

    frame = _colourful()
    path = write(tmp_path / "c.mp4", [frame] * 3)
    reader = imageio.get_reader(path, format="FFMPEG")
    described = reader.get_meta_data()["pix_fmt"]
    assert "bt709" in described and "unknown" not in described      # matrix, primaries and transfer tagged
    back = reader.get_next_data()
    reader.close()
    inner = (slice(8, -8), slice(None))                              # away from chroma edges between patches
    assert np.abs(back[inner].astype(int) - frame[inner]).mean() < 4
