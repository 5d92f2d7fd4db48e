"""Leftovers: a run killed during a save leaves temporary files; the next start removes them (only those)."""

from __future__ import annotations

import pytest

from ganimation.train import train
from ganimation.train.loop import remove_stale_temporaries

from conftest import tiny_config

STALE = [".state.pt.abc123.tmp", ".generator.safetensors.k9_x.tmp", "samples/.step_0000100.png.tmp",
         "samples/.step_0000200.png.q1w2.tmp"]
KEPT = ["state.pt", "generator.safetensors", "notes.tmp", ".other.pt.abc.tmp", "samples/step_0000100.png",
        "samples/.hidden", "mine/.state.pt.abc.tmp", ".state.pt.tmp.keep"]


def _populate(run):
    for name in STALE + KEPT:
        (run / name).parent.mkdir(parents=True, exist_ok=True)
        (run / name).write_bytes(b"x" * 10)


def test_only_the_project_patterns_are_removed(tmp_path):
    run = tmp_path / "run"
    _populate(run)
    removed = remove_stale_temporaries(run)
    assert sorted(p.relative_to(run).as_posix() for p in removed) == sorted(STALE)
    for name in STALE:
        assert not (run / name).exists(), name
    for name in KEPT:
        assert (run / name).exists(), name
    assert remove_stale_temporaries(run) == []
    assert remove_stale_temporaries(tmp_path / "missing") == []


def test_training_start_clears_stale_temporaries(toy_dataset, tmp_path):
    run = tmp_path / "run"
    train(tiny_config(toy_dataset, steps=2), run, until_step=1)
    stale = [run / ".state.pt.dead01.tmp", run / ".generator.safetensors.dead02.tmp",
             run / "samples" / ".step_0000001.png.tmp"]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"partial")
    result = train(tiny_config(toy_dataset, steps=2), run, resume=True)
    assert result.step == 2
    assert not any(p.exists() for p in stale)
    assert not list(run.rglob("*.tmp"))


@pytest.mark.parametrize("until", [-1, 0])
def test_until_step_must_be_positive(toy_dataset, tmp_path, until):
    from ganimation.errors import ConfigError

    with pytest.raises(ConfigError, match="--until-step"):
        train(tiny_config(toy_dataset, steps=2), tmp_path / "run", until_step=until)
    assert not (tmp_path / "run").exists()
