"""The bad-input suite: every bad input to the CLI is one clean ``error:`` line, exit status 2.

Each case of :data:`CASES` builds its inputs (generated here, tiny; nothing
from ../shared) in a fresh folder, runs ``ganimation`` in-process and checks:
exit status 2, exactly one stderr line and it starts with ``error:``, no
traceback, every input's bytes unchanged, and no file or folder added to the
working folder (no output, no temporary file). A few checks run in a
subprocess (the real stderr of the program; images that once killed it with
SIGABRT). Classes are those of issue 27; docs/reliability.md has the totals.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganimation.cli.main import main

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# --------------------------------------------------------------------------- generated inputs


def png(path: Path, w: int = 32, h: int = 32, value: int = 120) -> Path:
    Image.fromarray(np.full((h, w, 3), value, np.uint8)).save(path)
    return path


def gif(path: Path) -> Path:
    frames = [Image.fromarray(np.full((16, 16, 3), v, np.uint8)) for v in (40, 200)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return path


def huge_png(path: Path, w: int = 33_000, h: int = 10) -> Path:
    """A valid PNG with a side over OpenCV's 32,767 px limit (small in bytes and pixels)."""
    Image.new("L", (w, h), 90).save(path)
    return path


def png_header_only(path: Path, w: int, h: int) -> Path:
    """A PNG whose header claims ``w x h`` (a decompression bomb: nothing is ever decoded)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))
    return path


def truncated_png(path: Path) -> Path:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)).save(buf, format="PNG")
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    return path


def random_bytes(path: Path, n: int = 2048) -> Path:
    path.write_bytes(np.random.default_rng(1).integers(0, 256, n, np.uint8).tobytes())
    return path


def tiny_weights(path: Path) -> Path:
    from ganimation.checkpoint import save_release
    from ganimation.config import ModelConfig
    from ganimation.nn import build_generator

    mc = ModelConfig(image_size=32, g_channels=8, g_res_blocks=1, d_channels=8, d_layers=3)
    save_release(path, build_generator(mc), mc)
    return path


# --------------------------------------------------------------------------- the cases


@dataclass
class Case:
    id: str
    cls: str                                   # issue 27 class
    argv: Callable[[Path], list[str]]          # builds inputs under the folder, returns the arguments
    expect: str = ""                           # a fragment of the error line
    inputs: tuple[str, ...] = field(default=())  # files (relative) whose bytes must not change


def C(id, cls, argv, expect="", inputs=()):
    return Case(id, cls, argv, expect, tuple(inputs))


def _photo(d: Path, name: str = "in.png") -> str:
    return str(png(d / name))


def _dir(d: Path, name: str = "adir") -> str:
    (d / name).mkdir(exist_ok=True)
    return str(d / name)


def _file(d: Path, name: str = "afile", data: bytes = b"keep me") -> str:
    (d / name).parent.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)
    return str(d / name)


def _with(*_made) -> list[str]:
    """No arguments: lets a case create files before its argument list."""
    return []


LONG = "n" * 300
EDIT = ["--aus", "AU12=1"]
ANIM = ["--to", "happy"]

CASES = [
    # ---- output paths: a folder, a parent that is a file, /proc, a name too long, a bad suffix
    C("edit-o-is-dir", "output path", lambda d: ["edit", _photo(d), "-o", _dir(d, "x.png"), *EDIT], "folder", ["in.png"]),
    C("edit-o-proc", "output path", lambda d: ["edit", _photo(d), "-o", "/proc/ganimation.png", *EDIT], "/proc"),
    C("animate-o-is-dir", "output path", lambda d: ["animate", _photo(d), "-o", _dir(d, "x.gif"), *ANIM], "folder",
      ["in.png"]),
    C("animate-o-parent-is-file", "output path",
      lambda d: ["animate", _photo(d), "-o", _file(d) + "/x.gif", *ANIM], "is a file", ["in.png", "afile"]),
    C("animate-o-proc", "output path", lambda d: ["animate", _photo(d), "-o", "/proc/x.gif", *ANIM], "/proc"),
    C("animate-o-sys", "output path", lambda d: ["animate", _photo(d), "-o", "/sys/x.gif", *ANIM], "/sys"),
    C("animate-o-long-name", "output path", lambda d: ["animate", _photo(d), "-o", str(d / f"{LONG}.gif"), *ANIM],
      "too long"),
    C("animate-o-bad-suffix", "output path", lambda d: ["animate", _photo(d), "-o", str(d / "x.txt"), *ANIM],
      "unsupported output type"),
    C("export-o-is-dir", "output path",
      lambda d: ["export", "-w", str(tiny_weights(d / "w.safetensors")), "-o", _dir(d, "m.onnx")], "folder",
      ["w.safetensors"]),
    C("export-o-proc", "output path",
      lambda d: ["export", "-w", str(tiny_weights(d / "w.safetensors")), "-o", "/proc/m.onnx"], "/proc",
      ["w.safetensors"]),
    C("export-o-bad-suffix", "output path",
      lambda d: ["export", "-w", str(tiny_weights(d / "w.safetensors")), "-o", str(d / "m.txt")],
      "unsupported output type", ["w.safetensors"]),
    C("prepare-o-is-file", "output path", lambda d: ["prepare", _dir(d, "photos"), "-o", _file(d)], "is a file",
      ["afile"]),
    C("prepare-o-parent-is-file", "output path", lambda d: ["prepare", _dir(d, "photos"), "-o", _file(d) + "/ds"],
      "is a file", ["afile"]),
    C("prepare-o-proc", "output path", lambda d: ["prepare", _dir(d, "photos"), "-o", "/proc/ds"], "/proc"),
    C("prepare-o-long-name", "output path", lambda d: ["prepare", _dir(d, "photos"), "-o", str(d / LONG)],
      "too long"),
    C("synth-o-is-file", "output path", lambda d: ["synth", "-o", _file(d), "--count", "2", "--no-progress"],
      "is a file", ["afile"]),
    C("synth-o-parent-is-file", "output path",
      lambda d: ["synth", "-o", _file(d) + "/ds", "--count", "2", "--no-progress"], "is a file", ["afile"]),
    C("synth-o-proc", "output path", lambda d: ["synth", "-o", "/proc/ds", "--count", "2", "--no-progress"], "/proc"),
    C("train-out-is-file", "output path", lambda d: ["train", "--data", _dir(d, "data"), "--out", _file(d)],
      "is a file", ["afile"]),
    C("train-out-proc", "output path", lambda d: ["train", "--data", _dir(d, "data"), "--out", "/proc/run"], "/proc"),
    C("demo-out-is-file", "output path", lambda d: ["demo", "--out", _file(d)], "is a file", ["afile"]),
    C("demo-out-parent-is-file", "output path", lambda d: ["demo", "--out", _file(d) + "/sub/x"], "is a file",
      ["afile"]),
    C("demo-out-proc", "output path", lambda d: ["demo", "--out", "/proc/demo"], "/proc"),
    C("evaluate-o-is-file", "output path", lambda d: ["evaluate", "--data", _dir(d, "data"), "-o", _file(d)],
      "is a file", ["afile"]),
    C("evaluate-o-proc", "output path", lambda d: ["evaluate", "--data", _dir(d, "data"), "-o", "/proc/rep"], "/proc"),
    C("reenact-o-is-dir-with-files", "output path",
      lambda d: [*_with(_file(d, "frames/keep.txt")), "reenact", _photo(d), str(gif(d / "drive.gif")), "-o",
                 str(d / "frames"), "--max-frames", "2"], "other files", ["in.png", "drive.gif", "frames/keep.txt"]),

    # ---- output equal to an input (without --overwrite)
    C("edit-o-is-input", "output = input", lambda d: ["edit", _photo(d), "-o", str(d / "in.png"), *EDIT],
      "also an input", ["in.png"]),
    C("animate-o-is-input", "output = input", lambda d: ["animate", str(gif(d / "x.gif")), "-o", str(d / "x.gif"),
                                                         *ANIM], "also an input", ["x.gif"]),
    C("export-o-is-weights", "output = input",
      lambda d: ["export", "-w", str(tiny_weights(d / "w.safetensors")), "-o", str(d / "w.safetensors")],
      "also an input", ["w.safetensors"]),
    C("export-o-is-weights-via-link", "output = input",
      lambda d: ["export", "-w", str(tiny_weights(d / "w.safetensors")), "-o",
                 str(os.symlink(d / "w.safetensors", d / "l.safetensors") or d / "l.safetensors")],
      "also an input", ["w.safetensors"]),
    C("train-out-is-data", "output = input",
      lambda d: ["train", "--data", _dir(d, "data"), "--out", str(d / "data")], "also an input"),

    # ---- numbers
    *[C(f"animate-fps-{v}", "numbers", lambda d, v=v: ["animate", _photo(d), "-o", str(d / "o.gif"), *ANIM,
                                                       "--fps", v], "--fps", ["in.png"])
      for v in ("0", "-5", "nan", "1e-9", "inf", "1000", "abc")],
    C("animate-mp4-fps-0", "numbers", lambda d: ["animate", _photo(d), "-o", str(d / "o.mp4"), *ANIM, "--fps", "0"],
      "--fps"),
    *[C(f"animate-frames-{v}", "numbers", lambda d, v=v: ["animate", _photo(d), "-o", str(d / "o.gif"), *ANIM,
                                                          "--frames", v], "--frames")
      for v in ("100000", "1", "0", "-3", "2.5")],
    C("animate-frames-pingpong-over-cap", "numbers",
      lambda d: ["animate", _photo(d), "-o", str(d / "o.gif"), *ANIM, "--frames", "400", "--pingpong"], "600"),
    C("animate-intensity-2", "numbers",
      lambda d: ["animate", _photo(d), "-o", str(d / "o.gif"), *ANIM, "--intensity", "2"], "--intensity"),
    *[C(f"edit-texture-{v}", "numbers", lambda d, v=v: ["edit", _photo(d), "-o", str(d / "o.png"), *EDIT,
                                                       "--texture", v], "--texture")
      for v in ("-1", "nan", "5")],
    *[C(f"edit-stages-{n}", "numbers", lambda d, v=v: ["edit", _photo(d), "-o", str(d / "o.png"), *EDIT,
                                                      "--stages", v], "stages")
      for n, v in (("unknown", "warp,paint"), ("empty", ",,"), ("mouth-alone", "warp,mouth"))],
    *[C(f"evaluate-threads-{v}", "numbers",
        lambda d, v=v: ["evaluate", "--data", _dir(d, "data"), "-o", str(d / "rep"), "--threads", v], "--threads")
      for v in ("0", "-3")],
    C("evaluate-limit-0", "numbers", lambda d: ["evaluate", "--data", _dir(d, "data"), "-o", str(d / "rep"),
                                                 "--limit", "0"], "--limit"),
    *[C(f"annotate-max-faces-{v}", "numbers", lambda d, v=v: ["annotate", _photo(d), "--max-faces", v],
        "--max-faces", ["in.png"]) for v in ("0", "-1")],
    *[C(f"prepare-size-{v}", "numbers", lambda d, v=v: ["prepare", _dir(d, "photos"), "-o", str(d / "ds"),
                                                        "--size", v], "--size") for v in ("100000", "8", "nan")],
    *[C(f"prepare-workers-{v}", "numbers", lambda d, v=v: ["prepare", _dir(d, "photos"), "-o", str(d / "ds"),
                                                           "--workers", v], "--workers") for v in ("0", "-2")],
    C("prepare-test-fraction-1.5", "numbers",
      lambda d: ["prepare", _dir(d, "photos"), "-o", str(d / "ds"), "--test-fraction", "1.5"], "--test-fraction"),
    C("synth-count-0", "numbers", lambda d: ["synth", "-o", str(d / "ds"), "--count", "0"], "--count"),
    *[C(f"synth-workers-{v}", "numbers", lambda d, v=v: ["synth", "-o", str(d / "ds"), "--count", "2",
                                                         "--workers", v], "--workers") for v in ("0", "-1")],
    C("synth-size-8", "numbers", lambda d: ["synth", "-o", str(d / "ds"), "--count", "2", "--size", "8",
                                            "--no-progress"], "image size"),
    *[C(f"demo-steps-{v}", "numbers", lambda d, v=v: ["demo", "--synthetic", "--out", str(d / "demo"),
                                                      "--steps", v], "--steps") for v in ("-1", "0")],
    C("train-until-step--1", "numbers",
      lambda d: ["train", "--data", _dir(d, "data"), "--out", str(d / "run"), "--until-step", "-1"], "--until-step"),
    *[C(f"train-set-{kv.split('=')[0]}", "numbers",
        lambda d, kv=kv: ["train", "--data", _dir(d, "data"), "--out", str(d / "run"), "--set", kv],
        kv.split("=")[0].split(".")[1])
      for kv in ("train.lr_g=nan", "train.save_every=0", "train.log_every=0", "data.cache=bogus",
                 "data.num_workers=-1")],
    *[C(f"app-port-{v}", "numbers", lambda d, v=v: ["app", "--port", v], "--port") for v in ("0", "70000")],
    C("app-max-upload-nan", "numbers", lambda d: ["app", "--max-upload-mb", "nan"], "--max-upload-mb"),
    C("export-opset-0", "numbers",
      lambda d: ["export", "-w", str(tiny_weights(d / "w.safetensors")), "-o", str(d / "m.onnx"), "--opset", "0"],
      "--opset", ["w.safetensors"]),
    C("reenact-fps-0", "numbers",
      lambda d: ["reenact", _photo(d), str(gif(d / "g.gif")), "-o", str(d / "o.gif"), "--fps", "0"], "--fps",
      ["in.png", "g.gif"]),

    # ---- native aborts: a side of 32,767 px or more used to SIGABRT inside OpenCV
    C("edit-33000px", "native abort", lambda d: ["edit", str(huge_png(d / "pano.png")), "-o", str(d / "o.png"), *EDIT],
      "32000", ["pano.png"]),
    C("annotate-33000px", "native abort", lambda d: ["annotate", str(huge_png(d / "pano.png"))], "32000",
      ["pano.png"]),
    C("animate-33000px-tall", "native abort",
      lambda d: ["animate", str(huge_png(d / "pano.png", 10, 33_000)), "-o", str(d / "o.gif"), *ANIM], "32000",
      ["pano.png"]),

    # ---- datasets and files
    C("evaluate-unreadable-photos", "datasets",
      lambda d: ["evaluate", "--data", str(random_bytes(Path(_dir(d, "ph")) / "a.jpg") and d / "ph"),
                 "--kind", "photos", "-o", str(d / "rep")], "", ["ph/a.jpg"]),
    C("prepare-face-model-garbage", "datasets",
      lambda d: ["prepare", str(png(Path(_dir(d, "photos")) / "p.png")), "-o", str(d / "ds"),
                 "--face-model", str(random_bytes(d / "garbage.task"))], "garbage.task",
      ["garbage.task", "photos/p.png"]),
    C("prepare-calibration-bad-json", "datasets",
      lambda d: ["prepare", _dir(d, "photos"), "-o", str(d / "ds"), "--calibration", _file(d, "bad.json", b"{nope")],
      "calibration", ["bad.json"]),
    C("prepare-calibration-binary", "datasets",
      lambda d: ["prepare", _dir(d, "photos"), "-o", str(d / "ds"), "--calibration",
                 str(random_bytes(d / "bin.json"))], "calibration", ["bin.json"]),
    C("app-host-999", "datasets", lambda d: ["app", "--host", "999.1.1.1"], "--host"),
    C("train-binary-annotations", "datasets",
      lambda d: ["train", "--data", str(random_bytes(Path(_dir(d, "data")) / "annotations.csv") and d / "data"),
                 "--out", str(d / "run")], "", ["data/annotations.csv"]),
    C("train-bad-yaml", "datasets",
      lambda d: ["train", "--data", _dir(d, "data"), "--out", str(d / "run"),
                 "--config", _file(d, "c.yaml", b"model: [1, 2\n  bad: {")], "", ["c.yaml"]),
    C("export-weights-garbage", "datasets",
      lambda d: ["export", "-w", str(random_bytes(d / "w.safetensors")), "-o", str(d / "m.safetensors")], "",
      ["w.safetensors"]),

    # ---- messages and AU strings
    C("edit-aus-separators", "AU strings", lambda d: ["edit", _photo(d), "-o", str(d / "o.png"), "--aus", ",,,"],
      "no AU items", ["in.png"]),
    C("edit-intensity-without-preset", "AU strings", lambda d: ["edit", _photo(d), "-o", str(d / "o.png"), "--aus",
                                                                "AU12=0.8", "--intensity", "0.5"], "scales a preset",
      ["in.png"]),
    C("animate-intensity-without-preset", "AU strings", lambda d: ["animate", _photo(d), "-o", str(d / "o.gif"),
                                                                   "--to", "AU12=0.8", "--intensity", "0.5"],
      "scales a preset", ["in.png"]),
    C("animate-to-misspelt-preset", "AU strings", lambda d: ["animate", _photo(d), "-o", str(d / "o.gif"), "--to",
                                                             "hapy"], "neither a preset", ["in.png"]),
    C("edit-aus-100k", "messages", lambda d: ["edit", _photo(d), "-o", str(d / "o.png"), "--aus", "A" * 100_000], "",
      ["in.png"]),
    C("annotate-newline-name", "messages", lambda d: ["annotate", str(random_bytes(d / "a\nb.png"))], "a\\nb",
      ["a\nb.png"]),
    C("usage-unknown-option", "messages", lambda d: ["edit", "x.png", "-o", "y.png", "--no-such-option"],
      "unrecognized"),
    C("usage-unknown-command", "messages", lambda d: ["no-such-command"], "invalid choice"),

    # ---- inputs that already failed cleanly
    C("truncated-image", "files", lambda d: ["annotate", str(truncated_png(d / "t.png"))], "truncated", ["t.png"]),
    C("empty-file", "files", lambda d: ["annotate", _file(d, "e.png", b"")], "", ["e.png"]),
    C("random-bytes", "files", lambda d: ["annotate", str(random_bytes(d / "r.jpg"))], "not a readable image",
      ["r.jpg"]),
    C("decompression-bomb", "files", lambda d: ["annotate", str(png_header_only(d / "bomb.png", 100_000, 100_000))],
      "not a readable image", ["bomb.png"]),
    C("symlink-loop", "files", lambda d: ["annotate", str(os.symlink("loop.png", d / "loop.png") or d / "loop.png")],
      "no such file"),
    C("fifo", "files", lambda d: ["annotate", str(os.mkfifo(d / "pipe.png") or d / "pipe.png")], "not a regular file"),
    C("non-utf8-name", "files", lambda d: ["annotate", os.fsdecode(bytes(random_bytes(
        Path(os.fsdecode(os.fsencode(str(d)) + b"/\xff\xfe.png")))))], "", [os.fsdecode(b"\xff\xfe.png")]),
    C("edit-missing-input", "files", lambda d: ["edit", str(d / "missing.png"), "-o", str(d / "o.png"), *EDIT],
      "no such file"),
]


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` (links not followed) with the bytes of regular files."""
    out: dict[str, bytes | None] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            rel = p.relative_to(folder).as_posix()
            st = os.lstat(p)
            out[rel] = p.read_bytes() if stat.S_ISREG(st.st_mode) else None
    return out


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    capsys.readouterr()
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse: usage errors
        rc = exc.code
    return rc, capsys.readouterr().err


def check_clean(case: Case, folder: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(folder)  # anything written to the working folder is caught too
    argv = case.argv(folder)
    before = _tree(folder)
    rc, err = run_cli(argv, capsys)
    lines = err.splitlines()
    assert rc == 2, f"{case.id}: exit status {rc}, stderr {err[-2000:]!r}"
    assert "Traceback" not in err, err[-2000:]
    assert len(lines) == 1 and lines[0].startswith("error: "), f"{case.id}: stderr {err[-2000:]!r}"
    assert len(lines[0]) <= 400
    assert case.expect in lines[0], f"{case.id}: {case.expect!r} not in {lines[0]!r}"
    after = _tree(folder)
    added = sorted(set(after) - set(before))
    assert not added, f"{case.id}: left {added}"
    for name in case.inputs:
        assert after[name] == before[name], f"{case.id}: input {name!r} changed"
    assert after == before, f"{case.id}: files changed"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_clean_error(case, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "w"
    folder.mkdir()
    check_clean(case, folder, capsys, monkeypatch)


# --------------------------------------------------------------------------- odd but valid inputs


def _cmyk(path: Path) -> Path:
    Image.new("CMYK", (40, 30), (0, 128, 255, 10)).save(path, format="JPEG")
    return path


def _sixteen_bit(path: Path) -> Path:
    Image.fromarray(np.full((30, 40), 40_000, np.uint16)).save(path)
    return path


def _palette(path: Path) -> Path:
    Image.new("RGB", (40, 30), (200, 10, 10)).convert("P", palette=Image.Palette.ADAPTIVE).save(path)
    return path


def _exif_rotated(path: Path) -> Path:
    img = Image.new("RGB", (40, 30), (10, 200, 10))
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    img.save(path, format="JPEG", exif=exif.tobytes())
    return path


ODD = {"cmyk.jpg": (_cmyk, (30, 40)), "gray16.png": (_sixteen_bit, (30, 40)), "palette.png": (_palette, (30, 40)),
       "exif.jpg": (_exif_rotated, (40, 30))}


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_but_valid_images_load_as_rgb(tmp_path, name):
    from ganimation.images import load_rgb

    make, hw = ODD[name]
    arr = load_rgb(make(tmp_path / name))
    assert arr.dtype == np.uint8 and arr.shape == (*hw, 3)


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_but_valid_images_reach_the_detector(tmp_path, name, capsys, monkeypatch):
    """A faceless odd image is read, then refused for having no face: one line, input untouched."""
    pytest.importorskip("mediapipe")
    make, _ = ODD[name]
    case = C(f"odd-{name}", "files", lambda d: ["annotate", str(make(d / name))], "no face found", [name])
    folder = tmp_path / "w"
    folder.mkdir()
    check_clean(case, folder, capsys, monkeypatch)


# --------------------------------------------------------------------------- prepare skips bad files


def test_prepare_skips_and_lists_a_huge_image(tmp_path, capsys):
    pytest.importorskip("mediapipe")
    photos = tmp_path / "photos"
    photos.mkdir()
    huge_png(photos / "pano.png")
    random_bytes(photos / "noise.jpg")
    png(photos / "flat.png", 64, 64)
    out = tmp_path / "ds"
    assert main(["prepare", str(photos), "-o", str(out), "--no-progress"]) == 0
    skipped = (out / "skipped.csv").read_text()
    assert 'pano.png,"image too large' in skipped and "32000" in skipped
    assert "noise.jpg" in skipped and "flat.png" in skipped
    assert "3 skipped" in capsys.readouterr().out
    # a re-run does not stop at the same file: it is already listed
    assert main(["prepare", str(photos), "-o", str(out), "--no-progress"]) == 0
    assert "3 already done" in capsys.readouterr().out


# --------------------------------------------------------------------------- in a real process


def _subprocess(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "ganimation", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.parametrize("args", [
    ["animate", "in.png", "-o", "o.gif", "--to", "happy", "--fps", "nan"],
    ["edit", "pano.png", "-o", "o.png", "--aus", "AU12=1"],
    ["export", "-o", "o.txt"],
], ids=["usage-error", "33000px-no-sigabrt", "export-default-weights"])
def test_real_process_stderr_is_one_line(tmp_path, args):
    png(tmp_path / "in.png")
    huge_png(tmp_path / "pano.png")
    before = _tree(tmp_path)
    proc = _subprocess(args, tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr[-2000:]
    assert _tree(tmp_path) == before


def test_export_defaults_to_the_shipped_weights(tmp_path, capsys):
    from ganimation.edit import DEFAULT_WEIGHTS

    if not DEFAULT_WEIGHTS.is_file():
        pytest.skip("no shipped weights in this installation")
    out = tmp_path / "half.safetensors"
    assert main(["export", "-o", str(out), "--half"]) == 0
    assert out.is_file() and "ganimation_default.safetensors" in capsys.readouterr().out
    assert not list(tmp_path.glob(".*tmp*"))


def test_overwrite_allows_output_equal_to_input(tmp_path, capsys):
    w = tiny_weights(tmp_path / "w.safetensors")
    assert main(["export", "-w", str(w), "-o", str(w), "--half", "--overwrite"]) == 0
    from ganimation.checkpoint import read_release

    _, tensors, _ = read_release(w)
    assert all(t.dtype.is_floating_point is False or str(t.dtype) == "torch.float16" for t in tensors.values())
    assert not list(tmp_path.glob(".*tmp*"))


def test_save_image_leaves_no_temporary_file_on_failure(tmp_path, monkeypatch):
    from PIL import Image as PILImage

    from ganimation.errors import ImageError
    from ganimation.images import save_image

    def fail(self, fp, *a, **k):
        Path(fp).write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(PILImage.Image, "save", fail)
    with pytest.raises(ImageError, match="No space left"):
        save_image(tmp_path / "o.png", np.zeros((8, 8, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_validate_output_dir(tmp_path):
    from ganimation.errors import OutputPathError
    from ganimation.video import validate_output_dir

    assert validate_output_dir(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert validate_output_dir(tmp_path) == tmp_path
    (tmp_path / "f").write_text("x")
    for bad, match in [(tmp_path / "f", "is a file"), (tmp_path / "f" / "sub", "is a file"),
                       ("/proc/x", "virtual file system"), ("/sys", "virtual file system"), (tmp_path / ("n" * 300), "too long"), ("", "name")]:
        with pytest.raises(OutputPathError, match=match):
            validate_output_dir(bad)
    with pytest.raises(OutputPathError, match="also an input"):
        validate_output_dir(tmp_path, inputs=[tmp_path])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]  # the probe file is gone


def test_app_frame_count_is_validated():
    from ganimation.app.logic import check_frames
    from ganimation.errors import GanimationError

    assert check_frames(16) == 16 and check_frames(6.0) == 6
    for bad in (float("nan"), float("inf"), -1, 0, 1, 10_000, 2.5, "x", None):
        with pytest.raises(GanimationError, match="frame count"):
            check_frames(bad)


def test_case_totals():
    """The counts docs/reliability.md reports (update both together)."""
    assert len(CASES) == len({c.id for c in CASES})
    classes = {c.cls for c in CASES}
    assert {"output path", "output = input", "numbers", "native abort", "datasets", "files"} <= classes


def test_output_piped_into_a_command_that_stops_reading_ends_quietly(monkeypatch, capsys):
    """``ganimation annotate photo.jpg | head -2``: the write after ``head`` exits fails with a broken
    pipe; the command ends with status 1 and no traceback."""
    import ganimation.cli.annotate as annotate
    from ganimation.cli.main import main

    def writes_into_a_closed_pipe(args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(annotate, "run", writes_into_a_closed_pipe)
    monkeypatch.setattr(annotate, "add_parser", _with_func(annotate.add_parser, writes_into_a_closed_pipe))
    assert main(["annotate", "photo.jpg"]) == 1
    assert "Traceback" not in capsys.readouterr().err


def _with_func(add_parser, func):
    """``add_parser`` with the subcommand's function replaced by ``func``."""
    def add(sub):
        p = add_parser(sub)
        p.set_defaults(func=func)
        return p
    return add
