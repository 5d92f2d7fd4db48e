"""Crashes during training: SIGKILL in the middle of a save (and right after one), then resume.

Each case runs a tiny training in a subprocess whose ``save_state`` kills the
process at the chosen point, then resumes in-process and checks that the run
folder is consistent: the release weights match ``state.pt``, ``metrics.jsonl``
logs each step once, and no temporary file is left.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from conftest import tiny_config, write_toy_dataset

from ganimation.train import train
from ganimation.train.loop import release_step, sync_release
from ganimation.train.report import truncate_log

STEPS, SAVE_EVERY = 8, 2

# The child trains with save_every=2 and is killed at its second save (step 4):
#   "mid_state":  after the release weights for step 4, while state.pt's temporary file is half written;
#   "mid_release": while the release weights' temporary file is half written (state.pt still at step 2);
#   "after_save": right after state.pt for step 4 was written.
CHILD = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    import ganimation.train.loop as loop
    from conftest import tiny_config

    mode = {mode!r}
    calls = {{"state": 0, "release": 0}}
    real_state, real_release = loop.save_state, loop.save_release

    def half_written(path):
        tmp = path.parent / f".{{path.name}}.killed.tmp"
        tmp.write_bytes(b"PK\\x03\\x04 half a file")
        os.kill(os.getpid(), signal.SIGKILL)

    def save_release(path, *a, **k):
        calls["release"] += 1
        if mode == "mid_release" and calls["release"] == 2:
            half_written(path)
        return real_release(path, *a, **k)

    def save_state(path, state):
        calls["state"] += 1
        if mode == "mid_state" and calls["state"] == 2:
            half_written(path)
        out = real_state(path, state)
        if mode == "after_save" and calls["state"] == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return out

    loop.save_state, loop.save_release = save_state, save_release
    cfg = tiny_config({data!r}, steps={steps}, save_every={save_every}, log_every=1)
    loop.train(cfg, {run!r})
""")


def _kill_during_training(tmp_path: Path, mode: str) -> tuple[Path, Path]:
    data = write_toy_dataset(tmp_path / "toy", n=12, test=2)
    run = tmp_path / "run"
    code = CHILD.format(tests=str(Path(__file__).parent), mode=mode, data=str(data), run=str(run),
                        steps=STEPS, save_every=SAVE_EVERY)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=300, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode(errors="replace")[-2000:]
    return data, run


def _logged_steps(run: Path) -> list[int]:
    return [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]


# about 10 s each: the main case runs with the suite, the other two with -m slow
@pytest.mark.parametrize("mode,saved", [("mid_state", 2), pytest.param("mid_release", 2, marks=pytest.mark.slow),
                                        pytest.param("after_save", 4, marks=pytest.mark.slow)])
def test_sigkill_during_a_save_then_resume(tmp_path, mode, saved):
    data, run = _kill_during_training(tmp_path, mode)
    state = torch.load(run / "state.pt", weights_only=True)
    assert int(state["step"]) == saved  # the last complete save survived the kill
    assert list(run.glob(".*.tmp")) or mode == "after_save"  # the kill left a half-written file
    logged = _logged_steps(run)
    assert max(logged) >= saved and (max(logged) > saved or mode == "after_save")  # logged past the save
    if mode == "mid_state":  # the weights were written first: one save ahead, never behind
        assert release_step(run / "generator.safetensors") == 4

    result = train(tiny_config(data, steps=STEPS, save_every=SAVE_EVERY, log_every=1), run, resume=True)
    assert result.step == STEPS
    assert _logged_steps(run) == list(range(1, STEPS + 1))  # each step logged once, in order
    assert release_step(run / "generator.safetensors") == STEPS
    assert int(torch.load(run / "state.pt", weights_only=True)["step"]) == STEPS
    assert not list(run.rglob("*.tmp"))


def test_resume_rewrites_release_weights_that_differ_from_the_state(tmp_path):
    from ganimation.nn import build_generator

    cfg = tiny_config("")
    net = build_generator(cfg.model)
    path = tmp_path / "generator.safetensors"
    assert sync_release(path, net, cfg.model, 6, "paper")  # missing: written
    assert release_step(path) == 6
    assert not sync_release(path, net, cfg.model, 6, "paper")  # already at the step: left alone
    assert sync_release(path, net, cfg.model, 4, "paper") and release_step(path) == 4
    path.write_bytes(b"garbage")
    assert release_step(path) is None and sync_release(path, net, cfg.model, 4, "paper")


def test_truncate_log_keeps_steps_up_to_the_resumed_one(tmp_path):
    log = tmp_path / "metrics.jsonl"
    lines = [json.dumps({"step": s, "x": 1.0}) for s in (1, 2, 3, 4, 5)] + ['{"step": 6, "x"']
    log.write_text("\n".join(lines))
    assert truncate_log(log, 3) == 3
    assert [json.loads(x)["step"] for x in log.read_text().splitlines()] == [1, 2, 3]
    assert truncate_log(log, 3) == 0
    assert truncate_log(tmp_path / "missing.jsonl", 3) == 0
    assert not list(tmp_path.glob(".*tmp"))
