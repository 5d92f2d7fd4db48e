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


@pytest.mark.parametrize("signed", ["AU12=+0.3", "AU12=-0.3", "AU06=0.5,AU12=+0"])
def test_a_signed_value_without_relative_asks_for_relative(signed):
    """A sign is what an offset looks like: without relative it was read as the intensity (+0.3 set AU12 to
    0.3, whatever the face showed) or refused as outside [0, 1]."""
    with pytest.raises(AUParseError, match="--relative"):
        A.parse_aus(signed)
    assert A.parse_aus(signed, relative=True)


def test_presets_and_interpolation():
    happy = A.preset_vector("happy")
    assert happy[A.au_index("AU12")] == 1.0 and happy[A.au_index("AU06")] > 0
    assert np.allclose(A.preset_vector("angry"), A.preset_vector("anger"))
    cur = np.full(17, 0.2, np.float32)
    cur[A.au_index("AU26")] = 0.0                  # below happy's AU25/AU26: the preset's values rule
    full = A.preset_target(cur, "happy")
    half = A.apply_preset(cur, "happy", 0.5)
    assert np.allclose(half, 0.5 * cur + 0.5 * full)
    assert np.allclose(A.apply_preset(cur, "happy", 1.0), full)
    assert np.allclose(A.apply_preset(cur, "happy", 0.0), cur)
    for k, code in enumerate(A.AU_CODES):
        if code in A.PRESETS["happy"]:
            assert full[k] == happy[k]              # the preset's own AUs: its values
        elif code in A.PRESET_AT_LEAST["happy"]:
            assert full[k] == pytest.approx(cur[k])  # a grin's opening, upper lip, dimples and stretch: kept
        elif code in A.PRESET_CLEARS:
            assert full[k] == 0.0                   # smile and mouth AUs it does not list: cleared
        else:
            assert full[k] == pytest.approx(0.2)    # brows, eyes, nose: kept (0.2 <= PRESET_KEEPS_UP_TO)
    # happy parts the lips but never closes a mouth that is already open wider
    open_smile = cur.copy()
    open_smile[A.au_index("AU25")] = 0.9
    out = A.apply_preset(open_smile, "happy", 1.0)
    assert out[A.au_index("AU25")] == pytest.approx(0.9)
    assert out[A.au_index("AU12")] == 1.0 and out[A.au_index("AU17")] == 0.0
    assert A.apply_preset(open_smile, "sad", 1.0)[A.au_index("AU25")] == 0.0    # other presets: exact
    # a broad grin's raised upper lip and wide stretch stay under happy; sad clears them
    grin = open_smile.copy()
    grin[[A.au_index("AU10"), A.au_index("AU20")]] = 0.7
    assert np.allclose(A.apply_preset(grin, "happy", 1.0)[[A.au_index("AU10"), A.au_index("AU20")]], 0.7)
    assert np.all(A.apply_preset(grin, "sad", 1.0)[[A.au_index("AU10"), A.au_index("AU20")]] == 0.0)
    # sad droops the lids (AU45 0.75) but does not open closed or blinking eyes
    blinking = cur.copy()
    blinking[A.au_index("AU45")] = 0.95
    assert A.apply_preset(cur, "sad", 1.0)[A.au_index("AU45")] == pytest.approx(A.PRESETS["sad"]["AU45"])
    assert A.apply_preset(blinking, "sad", 1.0)[A.au_index("AU45")] == pytest.approx(0.95)
    with pytest.raises(AUParseError):
        A.preset_vector("bored")


def test_preset_keeps_small_brow_and_eye_aus_and_brings_strong_ones_down():
    cur = np.zeros(17, np.float32)
    cur[A.au_index("AU04")] = 0.15                 # a trace of a frown: the face's own brows, kept
    cur[A.au_index("AU07")] = 0.9                  # a strong squint: brought down to the cap
    cur[A.au_index("AU12")] = 0.8                  # a smile: cleared by every other preset
    sad = A.preset_target(cur, "sad")
    assert sad[A.au_index("AU04")] == pytest.approx(A.PRESETS["sad"]["AU04"])   # listed: the preset's value
    surprise = A.preset_target(cur, "surprise")
    assert surprise[A.au_index("AU04")] == pytest.approx(0.15)
    assert surprise[A.au_index("AU07")] == pytest.approx(A.PRESET_KEEPS_UP_TO)
    assert surprise[A.au_index("AU12")] == 0.0
    assert A.preset_target(cur, "happy")[A.au_index("AU12")] == 1.0
    assert np.all(A.preset_target(None, "neutral") == 0.0)


def test_motion_start_moves_a_presets_defining_aus_at_least_part_of_the_way():
    cur = np.zeros(17, np.float32)
    cur[A.au_index("AU04")] = 0.9                  # low-set brows read as a frown
    cur[A.au_index("AU07")] = 0.2
    start = A.motion_start(cur, expression="anger")
    share = A.PRESET_MOVES_AT_LEAST
    assert start[A.au_index("AU04")] == pytest.approx(1.0 - share)   # anger's AU04 is 1.0
    others = [k for k in range(17) if k != A.au_index("AU04")]
    assert np.array_equal(start[others], cur[others])                 # only the defining AUs
    half = A.motion_start(cur, expression="anger", intensity=0.5)
    target = A.resolve_target(current=cur, expression="anger", intensity=0.5)
    assert np.array_equal(A.motion_start(cur, expression="anger", intensity=0.5, target=target), half)
    assert target[A.au_index("AU04")] - half[A.au_index("AU04")] == pytest.approx(0.5 * share)
    assert np.array_equal(A.motion_start(cur, expression="anger", intensity=0.0), cur)
    # a face far from the preset moves as before: the start is never above the estimate
    assert np.array_equal(A.motion_start(np.zeros(17, np.float32), expression="anger"), np.zeros(17))
    # AUs the user sets, and edits without a preset, start where the face is
    assert np.array_equal(A.motion_start(cur, expression="anger", aus="AU04=0.95"), cur)
    assert np.array_equal(A.motion_start(cur, aus="AU04=1"), cur)
    assert set(A.PRESET_DEFINES) == set(A.PRESETS) - {"neutral", "contempt"}
    assert all(code in A.PRESETS[p] for p, codes in A.PRESET_DEFINES.items() for code in codes)


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


def test_a_target_may_be_a_vector_or_a_dict_and_is_checked_as_a_string_is():
    """Python callers give AU targets as 17-vectors or dicts: the vector was an AttributeError, a dict's
    out-of-range or non-number value passed unchecked (clipped or a ValueError traceback)."""
    v = np.zeros(A.NUM_AUS)
    v[A.AU_CODES.index("AU12")] = 0.8
    assert A.resolve_target(aus=v)[A.AU_CODES.index("AU12")] == pytest.approx(0.8)
    assert A.resolve_target(aus=list(v)).tolist() == A.resolve_target(aus="AU12=0.8").tolist()
    assert A.target_items({12: 0.5, "au6": 0.2}) == {"AU12": 0.5, "AU06": 0.2}
    assert A.target_items({"AU12": -0.3}, relative=True) == {"AU12": -0.3}
    for bad, words in [(np.zeros(16), "17 values"), ({"AU12": 2}, "outside [0, 1]"), ({"AU12": "x"}, "not a number"),
                       ({"AU99": 0.5}, "unknown Action Unit"), ([float("nan")] * 17, "outside"),
                       (object(), "AU target of type object"), ({"AU12": -0.3}, "outside [0, 1]")]:
        with pytest.raises(AUParseError, match=words.replace("[", r"\[").replace("]", r"\]")):
            A.resolve_target(aus=bad)
