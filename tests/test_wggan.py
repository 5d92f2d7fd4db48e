"""wg-GAN's refinement and mouth networks: shapes, budget, training steps, pairs, weights, reenact stages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from ganimation.errors import CheckpointError, DatasetError, GanimationError
from ganimation.nn.mouth import MouthConfig, MouthInpainter
from ganimation.nn.refiner import Refiner, RefinerConfig
from ganimation.refine import load_weights, parse_stages, save_weights
from ganimation.train.wggan import (
    HistoryBuffer,
    Trainer,
    WgganConfig,
    WgganTrainConfig,
    load_wggan_config,
)

TINY_R = RefinerConfig(image_size=32, channels=4, res_blocks=1)
TINY_M = MouthConfig(patch=32, channels=4, res_blocks=1)
TINY_T = WgganTrainConfig(steps=3, batch_size=2, mouth_batch_size=2, d_channels=4, d_layers=2, mouth_d_layers=2,
                          pairs=6, history=4, log_every=1, sample_every=2, save_every=1, threads=1, open_iod=0.0,
                          exclude="", colour_jitter=0.2, soften=0.5)


def n_params(net) -> int:
    return sum(p.numel() for p in net.parameters())


def test_shapes_and_parameter_budget_of_the_shipped_settings():
    import yaml

    cfg = yaml.safe_load(Path(__file__).resolve().parents[1].joinpath("configs/wggan_cpu.yaml").read_text())
    for section in ("refiner", "mouth"):
        for path in ("configs/wggan_cpu.yaml", "configs/wggan.yaml"):
            cfg = yaml.safe_load(Path(__file__).resolve().parents[1].joinpath(path).read_text())
            net = Refiner(RefinerConfig(**cfg["refiner"])) if section == "refiner" else MouthInpainter(
                MouthConfig(**cfg["mouth"]))
            assert n_params(net) <= 5_000_000, (path, section)
    r = Refiner(RefinerConfig()).eval()
    out, color, att = r(torch.rand(2, 6, 64, 48) * 2 - 1)
    assert out.shape == (2, 3, 64, 48) and color.shape == (2, 3, 64, 48) and att.shape == (2, 1, 64, 48)
    assert float(att.detach().min()) >= 0 and float(att.detach().max()) <= 1
    with pytest.raises(ValueError):
        r(torch.zeros(1, 5, 64, 64))


def test_mouth_network_leaves_pixels_outside_its_mask_unchanged():
    m = MouthInpainter(TINY_M).eval()
    img = torch.rand(2, 3, 32, 32) * 2 - 1
    mask = torch.zeros(2, 1, 32, 32)
    mask[:, :, 10:20, 8:24] = 1
    out, color = m(img, mask)
    keep = (mask == 0).expand_as(img)
    assert torch.equal(out[keep], img[keep])
    assert color.shape == img.shape
    # what is under the mask on input does not matter
    img2 = img.clone()
    img2[:, :, 10:20, 8:24] = 0.7
    assert torch.allclose(m(img2, mask)[0], out)


def test_history_buffer_size_and_sampling():
    buf = HistoryBuffer(5, seed=0)
    first = torch.zeros(4, 3, 2, 2)
    assert torch.equal(buf.push_and_sample(first), first) and len(buf) == 4
    mixed = [buf.push_and_sample(torch.full((4, 3, 2, 2), float(k))) for k in range(1, 30)]
    assert len(buf) == 5
    # once full, about half of each batch comes from earlier batches
    old = sum(int((b[:, 0, 0, 0] != k + 1).sum()) for k, b in enumerate(mixed[2:], start=2))
    assert 0.25 * 27 * 4 < old < 0.75 * 27 * 4
    assert torch.equal(HistoryBuffer(0).push_and_sample(first), first)
    state = buf.state()
    again = HistoryBuffer(5)
    again.load(state)
    assert len(again) == 5


def _fixed_batch(seed=0):
    g = torch.Generator().manual_seed(seed)
    s = TINY_R.image_size
    target = torch.rand(2, 3, s, s, generator=g) * 2 - 1
    face = torch.zeros(2, 1, s, s)
    face[:, :, 4:28, 6:26] = 1
    mouth = torch.zeros(2, 1, s, s)
    mouth[:, :, 20:24, 12:20] = 1
    return {"warped": (target + 0.3 * torch.randn(2, 3, s, s, generator=g)).clamp(-1, 1), "target": target,
            "disp": 0.05 * torch.randn(2, 2, s, s, generator=g), "face": face, "mouth": mouth}


def test_training_steps_lower_the_l1_on_a_fixed_batch_without_nan():
    cfg = WgganConfig(refiner=TINY_R, mouth=TINY_M, train=TINY_T.__class__(**{**TINY_T.__dict__, "lr_g": 2e-3}))
    trainer = Trainer(cfg)
    b = _fixed_batch()
    mb = {"image": b["target"], "mask": b["mouth"]}
    logs = [trainer.refine_step(b) | trainer.mouth_step(mb) for _ in range(12)]
    assert all(np.isfinite(v) for d in logs for v in d.values())
    assert logs[-1]["g/l1"] < logs[0]["g/l1"]
    assert logs[-1]["mouth/l1"] < logs[0]["mouth/l1"]
    assert len(trainer.history) == 4


def test_weights_round_trip_fp16_and_bad_files(tmp_path):
    r = Refiner(TINY_R)
    path = save_weights(tmp_path / "r.safetensors", r, TINY_R, dtype=torch.float16, extra={"step": 7})
    net, cfg = load_weights(path, "refiner")
    assert cfg == TINY_R
    x = torch.rand(1, 6, 32, 32)
    assert torch.allclose(net(x)[0], r.eval()(x)[0], atol=2e-2)
    m = MouthInpainter(TINY_M)
    mpath = save_weights(tmp_path / "m.safetensors", m, TINY_M)
    assert load_weights(mpath, "mouth")[1] == TINY_M

    def one_line_error(p, kind="refiner"):
        with pytest.raises(CheckpointError) as e:
            load_weights(p, kind)
        assert "\n" not in str(e.value)
        return str(e.value)

    assert "not found" in one_line_error(tmp_path / "missing.safetensors")
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(path.read_bytes()[:200])
    assert "truncated" in one_line_error(cut)
    assert "not wg-GAN refiner" in one_line_error(mpath)          # a mouth file given as the refiner
    other = save_weights(tmp_path / "o.safetensors", Refiner(RefinerConfig(image_size=32, channels=6, res_blocks=1)),
                         TINY_R)                                   # config and tensors disagree
    assert "do not match" in one_line_error(other)


def test_stage_names():
    assert parse_stages("warp") == ("warp",)
    assert parse_stages("refine, warp") == ("warp", "refine")
    assert parse_stages(["warp", "refine", "mouth"]) == ("warp", "refine", "mouth")
    for bad in ("refine", "warp,mouth", "warp,sharpen", ""):
        with pytest.raises(GanimationError):
            parse_stages(bad)


def test_config_overrides_and_errors(tmp_path):
    cfg = load_wggan_config("configs/wggan_cpu.yaml", ["train.steps=5", "refiner.channels=8"], data="x")
    assert cfg.train.steps == 5 and cfg.refiner.channels == 8 and cfg.data == "x"
    from ganimation.errors import ConfigError

    with pytest.raises(ConfigError):
        load_wggan_config(None, ["train.stepz=5"])
    with pytest.raises(ConfigError):
        load_wggan_config(None, ["refiner.image_size=40"])


# -- with MediaPipe: pairs from synthetic frames, training from a dataset, reenact stages ------------------


def _synth(identity, size=192, **aus):
    from ganimation.aus import AU_CODES
    from ganimation.data.synthetic import render

    v = np.zeros(len(AU_CODES), np.float32)
    for k, val in aus.items():
        v[AU_CODES.index(k)] = val
    return render(identity, v, size)


@pytest.fixture(scope="module")
def synth_clip():
    pytest.importorskip("mediapipe")
    from ganimation.data.synthetic import sample_identity
    from ganimation.faces.detect import get_detector

    ident = sample_identity(np.random.default_rng(5))
    det = get_detector(search="whole", max_faces=1)
    frames, lms = [], []
    for a in (0.0, 0.5, 1.0):
        f = _synth(ident, AU25=a, AU26=a, AU12=0.5 * a)
        faces = det.detect(f)
        assert faces
        frames.append(f)
        lms.append(faces[0].landmarks.astype(np.float32))
    return np.stack(frames), np.stack(lms)


def test_pair_builder_on_synthetic_frames(synth_clip):
    from ganimation.data.video_pairs import make_pair

    frames, lms = synth_clip
    p = make_pair(frames[0], lms[0], frames[2], lms[2], 64)
    assert p.warped.shape == p.target.shape == (64, 64, 3) and p.warped.dtype == np.uint8
    assert p.disp.shape == (64, 64, 2) and np.isfinite(p.disp).all() and np.abs(p.disp).max() > 0.02
    assert p.face.shape == p.mouth.shape == (64, 64) and 0 <= p.face.min() and p.face.max() <= 1
    assert p.opens > 0.05 and p.mouth.sum() > 5
    # the warp brings the source closer to the target than the unwarped source is
    from ganimation.data.video_pairs import points5
    from ganimation.faces.align import align_transform, warp

    raw = warp(frames[0], align_transform(points5(lms[2]), 64), 64)
    m = p.face > 0.5
    err = lambda a: np.abs(a.astype(float) - p.target.astype(float))[m].mean()
    assert err(p.warped) < err(raw)


def _write_dataset(root: Path, clips: dict):
    (root / "clips").mkdir(parents=True)
    for name, (frames, lms) in clips.items():
        np.savez(root / "clips" / f"{name}.npz", frames=frames, landmarks=lms, aus=np.zeros((len(frames), 17),
                 np.float32), index=np.arange(len(frames), dtype=np.int32), window=np.zeros(4, np.float32))
    (root / "video_index.json").write_text(json.dumps({"format": "ganimation-video", "size": 192,
                                                       "clips": {k: len(v[0]) for k, v in clips.items()}}))


def test_dataset_without_pairs_is_refused(tmp_path, synth_clip):
    from ganimation.data.video_pairs import load_clips

    frames, lms = synth_clip
    _write_dataset(tmp_path / "d", {"one": (frames[:1], lms[:1])})
    with pytest.raises(DatasetError, match="no .source, target. pairs"):
        load_clips(tmp_path / "d")
    with pytest.raises(DatasetError, match="video_index.json"):
        load_clips(tmp_path)


def test_train_cli_runs_resumes_and_writes_weights(tmp_path, synth_clip):
    from ganimation.cli.main import main

    frames, lms = synth_clip
    data = tmp_path / "d"
    _write_dataset(data, {"a": (frames, lms)})
    run = tmp_path / "run"
    sets = ["--set", "refiner.image_size=32", "--set", "refiner.channels=4", "--set", "refiner.res_blocks=1",
            "--set", "mouth.patch=32", "--set", "mouth.channels=4", "--set", "mouth.res_blocks=1"]
    for k, v in TINY_T.__dict__.items():
        sets += ["--set", f"train.{k}={v}"]
    args = ["train", "--arch", "wggan", "--data", str(data), "-o", str(run), *sets]
    assert main(args + ["--until-step", "2"]) == 0
    assert json.loads((run / "summary.json").read_text())["step"] == 2
    assert main(args + ["--resume"]) == 0
    assert json.loads((run / "summary.json").read_text())["step"] == 3
    assert load_weights(run / "refiner.safetensors", "refiner")[1].image_size == 32
    assert load_weights(run / "mouth.safetensors", "mouth")[1].patch == 32
    assert (run / "samples").is_dir() and (run / "metrics.jsonl").is_file()


def test_reenact_stages_change_only_the_face_region(tmp_path, synth_clip):
    from ganimation.reenact import Reenactor

    frames, _ = synth_clip
    torch.manual_seed(0)
    rw = save_weights(tmp_path / "r.safetensors", Refiner(RefinerConfig(image_size=64, channels=4, res_blocks=1)),
                      RefinerConfig(image_size=64, channels=4, res_blocks=1))
    mw = save_weights(tmp_path / "m.safetensors", MouthInpainter(MouthConfig(patch=32, channels=4, res_blocks=1)),
                      MouthConfig(patch=32, channels=4, res_blocks=1))
    photo = np.full((260, 300, 3), 200, np.uint8)
    photo[40:232, 60:252] = frames[0]
    outs = {}
    for stages in ("warp", "warp,refine", "warp,refine,mouth"):
        r = Reenactor(photo, driving_ref="first", stages=stages, refiner_weights=rw, mouth_weights=mw)
        assert r.stages == tuple(stages.split(","))
        outs[stages] = [f.image for f in r.run(iter(frames))]
    warp, refine, full = outs["warp"], outs["warp,refine"], outs["warp,refine,mouth"]
    assert np.array_equal(refine[0], photo)                 # no motion: nothing refined
    for a, b in zip(warp[1:], refine[1:]):
        assert not np.array_equal(a, b)
        diff = np.any(a != b, axis=2)
        assert not diff[:40].any() and not diff[:, :60].any() and not diff[:, 252:].any()
    assert not np.array_equal(refine[2], full[2])           # the mouth opens: the mouth network paints
    with pytest.raises(CheckpointError):
        Reenactor(photo, stages="warp,refine", refiner_weights=tmp_path / "none.safetensors")


def test_reenact_cli_bad_stages_and_bad_weights_exit_2(tmp_path, synth_clip, capsys):
    from PIL import Image

    from ganimation.cli.main import main

    frames, _ = synth_clip
    Image.fromarray(frames[0]).save(tmp_path / "s.png")
    drv = tmp_path / "drv"
    drv.mkdir()
    Image.fromarray(frames[1]).save(drv / "f0.png")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not weights")
    for extra in (["--stages", "warp,sharpen"], ["--stages", "warp,refine", "--refiner-weights", str(bad)]):
        capsys.readouterr()
        assert main(["reenact", str(tmp_path / "s.png"), str(drv), "-o", str(tmp_path / "o"), *extra]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error:") and "\n" not in err


def test_default_stages_are_the_warp_until_the_learned_stages_pass_their_goal():
    from ganimation.refine import DEFAULT_STAGES, available_stages, default_stages

    assert default_stages() == parse_stages(None) == DEFAULT_STAGES[: len(default_stages())]
    assert default_stages()[0] == "warp" and available_stages()[0] == "warp"


def test_prepare_video_cli_writes_clips_resumes_and_refuses_faceless_videos(tmp_path, synth_clip, capsys):
    from ganimation.cli.main import main
    from ganimation.data.video_pairs import load_clips
    from ganimation.video import FrameWriter

    frames, _ = synth_clip
    vids = tmp_path / "videos"
    vids.mkdir()
    with FrameWriter(vids / "talk.mp4", 10) as w:
        for f in frames:
            w.write(f)
    with FrameWriter(vids / "held.mp4", 10) as w:
        for f in frames:
            w.write(f)
    out = tmp_path / "ds"
    args = ["prepare", str(vids), "--video", "-o", str(out), "--every", "1", "--video-size", "128",
            "--exclude", "held", "--no-progress"]
    assert main(args) == 0
    clips = load_clips(out)
    assert [c.name for c in clips] == ["talk"] and clips[0].frames.shape[1:] == (128, 128, 3)
    assert clips[0].landmarks.shape[1:] == (478, 3)
    assert main(args) == 0 and "1 already done" in capsys.readouterr().out
    blank = tmp_path / "blank"
    blank.mkdir()
    with FrameWriter(blank / "empty.mp4", 10) as w:
        for _ in range(3):
            w.write(np.full((96, 96, 3), 128, np.uint8))
    capsys.readouterr()
    assert main(["prepare", str(blank), "--video", "-o", str(tmp_path / "ds2"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err
