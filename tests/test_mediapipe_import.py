"""MediaPipe imported without its plotting import (ganimation.faces.mediapipe_import), in fresh processes."""

import subprocess
import sys

import pytest

pytest.importorskip("mediapipe")
pytest.importorskip("matplotlib")


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_mediapipe_is_imported_without_matplotlib_and_its_drawing_still_works():
    out = _run(
        "import sys\n"
        "from ganimation.faces.models import require\n"
        "mp = require('mediapipe')\n"
        "print('matplotlib' in sys.modules, 'matplotlib.pyplot' in sys.modules)\n"
        "from mediapipe.tasks.python.vision import drawing_utils, face_landmarker\n"
        "print(hasattr(face_landmarker, 'FaceLandmarker'))\n"
        "print(drawing_utils.plt.figure.__module__)\n"          # the first use imports the real pyplot
        "import matplotlib.pyplot as plt\n"
        "print(type(plt).__name__, plt.figure is drawing_utils.plt.figure)\n")
    assert out.splitlines() == ["False False", "True", "matplotlib.pyplot", "module True"]


def test_matplotlib_imported_first_is_left_as_it_is():
    out = _run(
        "import sys, matplotlib.pyplot as plt\n"
        "from ganimation.faces.mediapipe_import import import_mediapipe\n"
        "import_mediapipe()\n"
        "from mediapipe.tasks.python.vision import drawing_utils\n"
        "print(drawing_utils.plt is plt, sys.modules['matplotlib.pyplot'] is plt)\n")
    assert out == "True True"
