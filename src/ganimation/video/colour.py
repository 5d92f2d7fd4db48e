"""Video colour: HDR input (HLG, PQ) tone-mapped to SDR as it is read, and the BT.709 conversion and tags
of the MP4s written (docs/video.md, "HDR video")."""

from __future__ import annotations

import functools

from ganimation.video.formats import _ask_ffmpeg

#: transfer functions of HDR video, as ffmpeg names them: HLG (what phones record) and PQ (HDR10)
HDR_TRANSFERS = ("arib-std-b67", "smpte2084")

#: ffmpeg filters that bring HDR frames into SDR before they are read as RGB: linear light with the
#: HDR reference white of BT.2408 (203 nits, where phones put diffuse white) at 1, BT.2020 primaries to
#: BT.709, the highlights above 0.7 compressed into what is left below 1 (mobius; the levels under it
#: unchanged), and the sRGB curve the frames are then treated with, as photos are. Read without them,
#: an HLG clip of the bundled photo's colours had a mean error of 21-28 levels (darker, washed-out
#: colours); through them 5-6 (tests/test_video.py checks it)
HDR_TO_SDR = ("zscale=t=linear:npl=203,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=mobius:param=0.7:desat=0,"
              "zscale=t=iec61966-2-1:m=bt709:r=tv,format=yuv420p")

#: what an MP4 is encoded and tagged as: BT.709 (ffmpeg converts RGB with BT.601 by default and tags
#: nothing, and players show untagged HD video as BT.709: skin and reds shifted)
MP4_COLOUR = ["-vf", ("scale=out_color_matrix=bt709:out_range=tv,"
                      "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv")]


def hdr_transfer(meta: dict) -> str | None:
    """The HDR transfer function (:data:`HDR_TRANSFERS`) of a video whose imageio-ffmpeg metadata is
    ``meta`` (ffmpeg reports it in the pixel format, e.g. ``yuv420p10le(tv, bt2020nc/bt2020/arib-std-b67)``),
    or None for SDR video."""
    described = str(meta.get("pix_fmt", ""))
    return next((t for t in HDR_TRANSFERS if t in described), None)


@functools.lru_cache(maxsize=1)
def _ffmpeg_tone_maps() -> bool:
    """Whether imageio-ffmpeg's ffmpeg has the filters of :data:`HDR_TO_SDR` (zscale, tonemap)."""
    listed = _ask_ffmpeg("-filters") or ""
    names = {line.split()[1] for line in listed.splitlines() if len(line.split()) > 2}
    return {"zscale", "tonemap"} <= names
