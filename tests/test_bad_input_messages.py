"""Bad inputs, messages and AU strings: errors are one line of bounded length whatever the input."""

from __future__ import annotations

import time

import pytest

from ganimation.aus import parse_aus
from ganimation.cli.main import ERROR_LIMIT, main
from ganimation.errors import AUParseError, GanimationError, one_line


@pytest.mark.parametrize("text", [",,,", " , ; ,", ";;", "\t,\n"])
def test_separators_only_is_an_au_error(text):
    with pytest.raises(AUParseError, match="no AU items"):
        parse_aus(text)


@pytest.mark.parametrize("text", ["x" * 100_000, "AU" + "0" * 100_000 + "x", "AU12=0.5," + "AU" * 50_000,
                                  "bad\nitem=1", "AU99=1" + "9" * 10_000])
def test_long_or_odd_au_strings_are_short_one_line_errors(text):
    t0 = time.perf_counter()
    with pytest.raises(AUParseError) as exc:
        parse_aus(text)
    msg = str(exc.value)
    assert "\n" not in msg and len(msg) < 200, msg
    assert time.perf_counter() - t0 < 1.0  # no regex backtracking on long input


def test_valid_au_strings_still_parse():
    assert parse_aus("AU12=0.8, au6:0.5;AU0001=0.1") == {"AU12": 0.8, "AU06": 0.5, "AU01": 0.1}


@pytest.mark.parametrize("value,expected", [
    ("plain", "plain"), ("a\nb", "a\\nb"), ("tab\there", "tab\\there"), ("nul\x00", "nul\\x00"),
    ("line\u2028sep", "line\\u2028sep"), ("bad\udcffname", "bad\\udcffname"), ("naïve", "naïve"),
])
def test_one_line_escapes(value, expected):
    assert one_line(value) == expected


def test_one_line_bounds_length():
    out = one_line("y" * 10_000, 80)
    assert len(out) <= 80 and "10000 characters" in out
    assert one_line("\n" * 1000, 50).count("\n") == 0 and len(one_line("\n" * 1000, 50)) <= 50


def test_cli_error_line_is_one_bounded_line(capsys, monkeypatch):
    import ganimation.cli.train as train_cli

    def boom(args):
        raise GanimationError("first line\nsecond line " + "z" * 5000)

    monkeypatch.setattr(train_cli, "run", boom)
    assert main(["train", "--data", "d", "--out", "o"]) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: first line\\nsecond line")
    assert len(lines[0]) <= len("error: ") + ERROR_LIMIT


def test_cli_long_au_string_is_not_echoed_whole(tmp_path, capsys):
    from PIL import Image
    import numpy as np

    crop = tmp_path / "c.png"
    Image.fromarray(np.full((32, 32, 3), 100, np.uint8)).save(crop)
    assert main(["edit", str(crop), "--crop", "--aus", "A" * 100_000, "-o", str(tmp_path / "o.png")]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and len(lines[0]) < 300
    assert main(["edit", str(crop), "--crop", "--aus", ",,,", "-o", str(tmp_path / "o.png")]) == 2
    assert "no AU items" in capsys.readouterr().err
    assert not (tmp_path / "o.png").exists()
