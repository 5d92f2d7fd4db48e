"""Reading and writing frame sequences: videos, GIFs and folders of frames.

Reading (:func:`open_frames`, :mod:`ganimation.video.reading`) streams ``(H, W, 3)`` uint8 RGB frames
one at a time from a video file (``.mp4 .mov .webm .mkv .avi .m4v`` through imageio-ffmpeg), an
animated or still GIF, or a folder of images (natural sort by name). Memory does not grow with the
length of the input. Without ``max_frames`` at most :data:`DEFAULT_MAX_FRAMES` frames are read; longer
inputs are refused with a one-line :class:`~ganimation.errors.VideoError` (at open time when the length
is known from the metadata). A phone's HDR video is tone-mapped to SDR as it is read
(:mod:`ganimation.video.colour`).

Writing (:class:`FrameWriter`, :mod:`ganimation.video.writing`) produces an H.264 ``.mp4``, a looping
``.gif`` or a folder of ``frame_00000.png`` files. Output goes to a hidden temporary file or folder
beside the target and is moved into place only when the writer closes successfully; on an error nothing
is left behind (:mod:`ganimation.video.paths` checks where outputs may go). An ``.mp4`` can carry the
sound of another video (:class:`AudioTrack`, :mod:`ganimation.video.sound`: an edited clip keeps its
own, a reenacted portrait speaks with the driving clip's).

See ``docs/video.md`` for the formats, caps and error messages.
"""

from ganimation.video.colour import (
    HDR_TO_SDR,
    HDR_TRANSFERS,
    MP4_COLOUR,
    hdr_transfer,
)
from ganimation.video.formats import (
    FALLBACK_FPS,
    FRAME_SUFFIXES,
    GIF_SUFFIXES,
    MAX_FPS,
    OUTPUT_SUFFIXES,
    VIDEO_SUFFIXES,
    is_moving,
)
from ganimation.video.paths import (
    VIRTUAL_FILESYSTEMS,
    output_kind,
    validate_output_dir,
    validate_output_path,
)
from ganimation.video.reading import (
    DEFAULT_MAX_FRAMES,
    FrameSource,
    list_frame_files,
    open_frames,
)
from ganimation.video.sound import AudioTrack, mux_audio
from ganimation.video.writing import DEFAULT_MAX_GIF_FRAMES, FrameWriter

__all__ = [
    "DEFAULT_MAX_FRAMES", "DEFAULT_MAX_GIF_FRAMES", "FALLBACK_FPS", "FRAME_SUFFIXES", "GIF_SUFFIXES",
    "HDR_TO_SDR", "HDR_TRANSFERS", "MAX_FPS", "MP4_COLOUR", "OUTPUT_SUFFIXES", "VIDEO_SUFFIXES",
    "VIRTUAL_FILESYSTEMS", "AudioTrack", "FrameSource", "FrameWriter",
    "hdr_transfer", "is_moving", "list_frame_files", "mux_audio", "open_frames", "output_kind",
    "validate_output_dir", "validate_output_path",
]
