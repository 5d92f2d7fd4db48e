"""Native log lines (MediaPipe / TensorFlow Lite) stay off the terminal unless ``ganimation -v``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ASTRONAUT = Path(__file__).resolve().parents[1] / "src" / "ganimation" / "assets" / "astronaut.png"


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)


def test_silenced_stderr_drops_fd2_writes_and_restores():
    r = _run("""
        import os, sys
        from ganimation.quiet import QuietCalls, silenced_stderr
        print("before", file=sys.stderr)
        with silenced_stderr():
            os.write(2, b"NATIVE-LOG-LINE\\n")
            with silenced_stderr():
                os.write(2, b"NESTED-LOG-LINE\\n")
        print("after", file=sys.stderr, flush=True)
        class Native:
            def run(self):
                os.write(2, b"FROM-A-CALL\\n")
                return 7
        assert QuietCalls(Native()).run() == 7
        assert QuietCalls(Native(), enabled=False).run() == 7
        with silenced_stderr(enabled=False):
            os.write(2, b"SHOWN\\n")
    """)
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == ["before", "after", "FROM-A-CALL", "SHOWN"]


@pytest.mark.parametrize("verbose", [False, True])
def test_annotate_prints_no_mediapipe_lines(verbose, tmp_path):
    pytest.importorskip("mediapipe")
    from ganimation.faces import models

    try:
        models.face_landmarker_path(None)
    except Exception as exc:  # noqa: BLE001 - no model file in this installation
        pytest.skip(f"no face model: {exc}")
    args = ["-v"] * verbose + ["annotate", str(ASTRONAUT), "--json"]
    r = subprocess.run([sys.executable, "-m", "ganimation.cli.main", *args], capture_output=True, text=True,
                       timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    native = [line for line in r.stderr.splitlines()
              if line.startswith(("W0000", "I0000", "INFO: ")) or "TensorFlow Lite" in line or "InitGoogle" in line]
    if verbose:
        assert native, r.stderr  # shown again with -v
    else:
        assert native == [] and r.stderr == "", r.stderr
