"""``ganimation demo`` (what ``make demo`` runs) on the bundled photo with the default engine."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("mediapipe")

from ganimation.cli.main import main  # noqa: E402
from ganimation.images import load_rgb  # noqa: E402


def test_photo_demo_writes_edits_sheet_animation_and_reenactment(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    for n in ("happy", "surprise", "sad", "anger", "disgust", "fear"):
        assert f"astronaut_{n}.jpg" in names
    assert {"astronaut_presets.png", "astronaut_surprise.gif", "astronaut_surprise.mp4",
            "astronaut_reenact.mp4"} <= names
    sheet = load_rgb(out / "astronaut_presets.png")
    assert sheet.shape[0] == 256 and sheet.shape[1] > 6 * 200
    # the surprise edit differs from the photo, only around the face (the suit at the bottom is untouched)
    from importlib import resources

    src = load_rgb(resources.files("ganimation") / "assets" / "astronaut.png")
    surprise = load_rgb(out / "astronaut_surprise.jpg")
    assert np.abs(surprise.astype(int) - src.astype(int))[100:200, 180:280].mean() > 3
    assert "(warp engine)" in capsys.readouterr().out
    # the animation moves the face: its middle frame (the turn of the ping-pong) opens the mouth
    from ganimation.video import open_frames

    with open_frames(out / "astronaut_surprise.mp4") as clip:
        frames = list(clip)
    first, middle = frames[0].astype(int), frames[len(frames) // 2].astype(int)
    assert np.abs(middle - first)[150:230, 180:280].mean() > 5
    assert np.abs(frames[-1].astype(int) - first)[150:230, 180:280].mean() < np.abs(middle - first)[150:230, 180:280].mean()
