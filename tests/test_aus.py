import numpy as np
import pytest

from ganimation import aus as A
from ganimation.errors import AUParseError


def test_codes_and_order():
    assert len(A.AU_CODES) == 17 and A.AU_CODES[0] == "AU01" and A.AU_CODES[-1] == "AU45"
    assert set(A.AU_NAMES) == set(A.AU_CODES)
    assert sorted(c for g in A.AU_REGIONS.values() for c in g) == sorted(A.AU_CODES)


@pytest.mark.parametrize("text,expected", [
    ("AU12=0.8,AU06=0.5", {"AU12": 0.8, "AU06": 0.5}),
    ("au12:0.8 6=0.5", {"AU12": 0.8, "AU06": 0.5}),
    ("AU1=1", {"AU01": 1.0}),
    (" AU45 = 0.25 ", None),  # spaces around = are not items of their own -> error
])
def test_parse(text, expected):
    if expected is None:
        with pytest.raises(AUParseError):
            A.parse_aus(text)
    else:
        assert A.parse_aus(text) == pytest.approx(expected)


@pytest.mark.parametrize("bad", ["", "AU12", "AU12=abc", "AU13=0.5", "AU12=1.5", "AU12=-0.1", "AU12=nan",
                                 "AU12=0.5,AU12=0.6"])
def test_parse_errors(bad):
    with pytest.raises(AUParseError):
        A.parse_aus(bad)


def test_relative_allows_negative():
    assert A.parse_aus("AU12=-0.3", relative=True) == {"AU12": -0.3}


def test_presets_and_interpolation():
    happy = A.preset_vector("happy")
    assert happy[A.au_index("AU12")] == 1.0 and happy[A.au_index("AU06")] > 0
    assert np.allclose(A.preset_vector("angry"), A.preset_vector("anger"))
    cur = np.full(17, 0.2, np.float32)
    cur[A.au_index("AU26")] = 0.0                  # below happy's AU25/AU26: the preset's values rule
    half = A.apply_preset(cur, "happy", 0.5)
    assert np.allclose(half, 0.5 * cur + 0.5 * happy)
    assert np.allclose(A.apply_preset(cur, "happy", 1.0), happy)
    # happy parts the lips but never closes a mouth that is already open wider
    open_smile = cur.copy()
    open_smile[A.au_index("AU25")] = 0.9
    out = A.apply_preset(open_smile, "happy", 1.0)
    assert out[A.au_index("AU25")] == pytest.approx(0.9)
    assert out[A.au_index("AU12")] == 1.0 and out[A.au_index("AU17")] == 0.0
    assert A.apply_preset(open_smile, "sad", 1.0)[A.au_index("AU25")] == 0.0    # other presets: exact
    with pytest.raises(AUParseError):
        A.preset_vector("bored")


def test_resolve_target_absolute_relative():
    cur = np.zeros(17, np.float32)
    cur[A.au_index("AU12")] = 0.5
    t = A.resolve_target(current=cur, aus="AU06=0.4")
    assert t[A.au_index("AU06")] == pytest.approx(0.4) and t[A.au_index("AU12")] == pytest.approx(0.5)
    r = A.resolve_target(current=cur, aus="AU12=0.7", relative=True)
    assert r[A.au_index("AU12")] == pytest.approx(1.0)  # clipped
    with pytest.raises(AUParseError):
        A.resolve_target(current=cur)


def test_vector_checks():
    with pytest.raises(AUParseError):
        A.to_vector([0.1] * 16)
    with pytest.raises(AUParseError):
        A.to_vector([np.nan] * 17)
    assert A.to_dict(A.to_vector({"AU26": 0.3}))["AU26"] == pytest.approx(0.3)
