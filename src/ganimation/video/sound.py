"""Sound: :class:`AudioTrack` names the track of a video file (from a start time) and :func:`mux_audio`
puts it under a written MP4 (frames copied, sound encoded as AAC, cut to the frames)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ganimation.video.formats import VIDEO_SUFFIXES, _one_line


@dataclass(frozen=True)
class AudioTrack:
    """The sound of the video at ``path`` from ``start`` seconds on: what :class:`FrameWriter` puts
    under an ``.mp4``'s frames (as long as the frames last; AAC)."""

    path: Path
    start: float = 0.0

    @staticmethod
    def of(path: str | os.PathLike | None, start: float | None = None) -> AudioTrack | None:
        """The track of a video file, or None for what has no sound to carry (a GIF, a folder, None)."""
        if path is None or Path(path).suffix.lower() not in VIDEO_SUFFIXES:
            return None
        return AudioTrack(Path(path), float(start or 0.0))


def mux_audio(video: Path, audio: AudioTrack, seconds: float, out: Path) -> str | None:
    """Write ``video`` (an ``.mp4``) with ``audio`` under it, cut to ``seconds``, to ``out``.

    The frames are copied, not encoded again; the sound is encoded as AAC. A source without sound gives
    the video alone. Returns None, or why it failed (``out`` is then removed).
    """
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        return _one_line(exc)
    # absolute paths: a file name that starts with "-" must not read as an option
    cmd = [exe, "-y", "-loglevel", "error", "-i", os.path.abspath(video), "-ss", f"{audio.start:.3f}",
           "-i", os.path.abspath(audio.path), "-t", f"{seconds:.3f}", "-map", "0:v:0", "-map", "1:a:0?",
           "-c:v", "copy", "-c:a", "aac", "-f", "mp4", os.path.abspath(out)]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=max(60.0, 4 * seconds), check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        done = None
        why = _one_line(exc)
    else:
        why = _one_line(RuntimeError(done.stderr.decode(errors="replace").strip()
                                     or f"ffmpeg exit status {done.returncode}"))
    if done is not None and done.returncode == 0 and out.is_file() and out.stat().st_size > 0:
        return None
    try:
        out.unlink()
    except FileNotFoundError:
        pass
    return why
