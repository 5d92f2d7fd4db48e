"""The CLI end to end on a tiny dataset the test writes: train -> edit -> animate."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from ganimation.cli.main import main

TINY = ["--set", "model.image_size=32", "--set", "model.g_channels=8", "--set", "model.g_res_blocks=1",
        "--set", "model.d_channels=8", "--set", "model.d_layers=3", "--set", "train.batch_size=4",
        "--set", "train.steps=3", "--set", "train.n_critic=1", "--set", "train.progress=false"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from conftest import write_toy_dataset

    root = tmp_path_factory.mktemp("cli")
    data = write_toy_dataset(root / "toy", n=12)
    assert main(["train", "--data", str(data), "--out", str(root / "run"), *TINY]) == 0
    return root, root / "run" / "generator.safetensors", data


def test_edit_crop_aus_and_masks(trained, capsys):
    root, weights, data = trained
    crop = data / "crops" / "f000.png"
    out = root / "e.png"
    assert main(["edit", str(crop), "--crop", "-w", str(weights), "--aus", "AU12=0.8,AU06=0.5",
                 "-o", str(out), "--save-masks", "--device", "cpu"]) == 0
    assert Image.open(out).size == (32, 32)
    assert (root / "e_attention.png").is_file() and (root / "e_color.png").is_file()


def test_edit_expression_with_intensity_and_other_size(trained):
    root, weights, data = trained
    big = root / "big.png"
    Image.open(data / "crops" / "f001.png").resize((96, 96)).save(big)
    out = root / "h.jpg"
    assert main(["edit", str(big), "--crop", "-w", str(weights), "--expression", "happy", "--intensity", "0.7",
                 "--from", "AU01=0.2", "-o", str(out), "--device", "cpu"]) == 0
    assert Image.open(out).size == (96, 96)


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_animate(trained, suffix):
    root, weights, data = trained
    out = root / f"anim{suffix}"
    assert main(["animate", str(data / "crops" / "f002.png"), "-w", str(weights), "--to", "happy",
                 "--frames", "6", "--from", "AU12=0", "-o", str(out), "--device", "cpu"]) == 0
    import imageio.v2 as imageio

    frames = imageio.mimread(out) if suffix == ".gif" else [f for f in imageio.get_reader(out, format="FFMPEG")]
    assert len(frames) == 6


def test_resume_via_cli(trained):
    root, _, data = trained
    run = root / "run2"
    assert main(["train", "--data", str(data), "--out", str(run), *TINY, "--until-step", "1"]) == 0
    assert main(["train", "--data", str(data), "--out", str(run), *TINY, "--resume"]) == 0


@pytest.mark.parametrize("args,message", [
    (["edit", "{crop}", "--crop", "-w", "{w}", "--aus", "AU12=2", "-o", "{o}"], "outside [0, 1]"),
    (["edit", "{crop}", "--crop", "-w", "{w}", "--aus", "AU99=1", "-o", "{o}"], "unknown Action Unit"),
    (["edit", "{crop}", "--crop", "-w", "{w}", "--expression", "bored", "-o", "{o}"], "unknown expression"),
    (["edit", "{crop}", "--crop", "-w", "{root}/missing.safetensors", "--aus", "AU12=1", "-o", "{o}"], "not found"),
    (["edit", "{root}/garbage.png", "--crop", "-w", "{w}", "--aus", "AU12=1", "-o", "{o}"], "not a readable image"),
    (["edit", "{crop}", "--crop", "-w", "{root}/trunc.safetensors", "--aus", "AU12=1", "-o", "{o}"], "truncated"),
    (["train", "--data", "{root}/nowhere", "--out", "{root}/r"], "not found"),
    (["train", "--data", "{data}", "--out", "{root}/r", "--set", "train.bogus=1"], "unknown key"),
])
def test_user_mistakes_are_one_line_errors(trained, args, message):
    root, weights, data = trained
    (root / "garbage.png").write_bytes(b"\x89PNG garbage")
    (root / "trunc.safetensors").write_bytes(weights.read_bytes()[:1000])
    fill = {"crop": data / "crops" / "f000.png", "w": weights, "o": root / "x.png", "root": root, "data": data}
    argv = [a.format(**fill) for a in args]
    proc = subprocess.run([sys.executable, "-m", "ganimation", *argv], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip().splitlines()
    assert err[-1].startswith("error: ") and message in err[-1], proc.stderr
    assert "Traceback" not in proc.stderr
