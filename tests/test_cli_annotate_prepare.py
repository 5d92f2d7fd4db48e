"""The annotate and prepare subcommands end to end on the bundled astronaut."""

import csv
import json
from importlib import resources

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("mediapipe")
pytest.importorskip("cv2")

from ganimation.aus import AU_CODES  # noqa: E402
from ganimation.cli.main import main  # noqa: E402

ASTRO = str(resources.files("ganimation") / "assets" / "astronaut.png")


def test_annotate_text_and_json(capsys):
    assert main(["annotate", ASTRO]) == 0
    out = capsys.readouterr().out
    assert "1 face(s)" in out and "AU12" in out and "lip corner puller" in out
    assert main(["annotate", ASTRO, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["width"] == 512 and len(data["faces"]) == 1
    f = data["faces"][0]
    assert list(f["aus"]) == list(AU_CODES)
    assert len(f["landmarks"]) == 478 and len(f["box"]) == 4
    for c in AU_CODES:
        assert 0 <= f["aus"][c] <= 1
        assert f["aus_openface"][c] == pytest.approx(5 * f["aus"][c], abs=2e-3)
    assert f["aus"]["AU12"] > 0.5


def test_annotate_writes_a_photos_json_with_o_and_an_animated_gifs_csv(tmp_path, capsys):
    """``annotate PHOTO -o FACES.json`` writes what ``--json`` prints (``-o`` was ignored for photos);
    an animated GIF is annotated frame by frame like a video (it was read as its first frame, and its
    ``-o AUS.csv`` never written); a photo refuses the video-only cuts and a CSV name."""
    out = tmp_path / "faces.json"
    assert main(["annotate", ASTRO, "-o", str(out)]) == 0
    assert "1 face(s)" in capsys.readouterr().out
    data = json.loads(out.read_text())
    assert len(data["faces"]) == 1 and len(data["faces"][0]["landmarks"]) == 478
    assert main(["annotate", ASTRO, "-o", str(out)]) == 2                      # not replaced without --overwrite
    assert "already exists" in capsys.readouterr().err
    assert main(["annotate", ASTRO, "-o", str(tmp_path / "faces.csv")]) == 2
    assert ".json" in capsys.readouterr().err
    assert main(["annotate", ASTRO, "--start", "1"]) == 2
    assert "not one" in capsys.readouterr().err
    assert main(["annotate", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err

    astro = Image.open(ASTRO).convert("RGB").resize((256, 256))
    gif = tmp_path / "moving.gif"
    frames = [Image.fromarray(np.roll(np.asarray(astro), 4 * i, axis=1)) for i in range(3)]
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100, loop=0)
    table = tmp_path / "aus.csv"
    assert main(["annotate", str(gif), "-o", str(table)]) == 0, capsys.readouterr().err
    rows = _rows(table)
    assert [int(r["frame"]) for r in rows] == [0, 1, 2] and all(r["success"] == "1" for r in rows)
    assert float(rows[0]["AU12_r"]) > 2.5                                       # her smile, on the 0-5 scale


def test_annotate_bad_face_model(tmp_path, capsys):
    bad = tmp_path / "model.task"
    bad.write_bytes(b"not a bundle")
    assert main(["annotate", ASTRO, "--face-model", str(bad)]) == 2
    assert "bundle" in capsys.readouterr().err


def _folder(tmp_path):
    src = tmp_path / "photos"
    (src / "sub").mkdir(parents=True)
    astro = Image.open(ASTRO).convert("RGB")
    astro.save(src / "a.png")
    astro.transpose(Image.FLIP_LEFT_RIGHT).save(src / "b.jpg", quality=92)
    astro.resize((300, 300)).save(src / "sub" / "c.png")
    (src / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    Image.fromarray(np.full((120, 160, 3), 60, np.uint8)).save(src / "blank.png")
    (src / "notes.txt").write_text("ignored")
    return src


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_annotate_video_writes_every_frames_aus_as_an_openface_csv(tmp_path, capsys):
    """``annotate VIDEO -o AUS.csv``: one row per frame (OpenFace's columns and 0-5 scale), the jaw's
    AU26 rising and falling with the mouth; the file is read back by the dataset loader's OpenFace
    reader; an existing output is not replaced without --overwrite; printed without -o."""
    from ganimation.data.sources import read_openface_csv
    from ganimation.data.synthetic import render, sample_identity
    from ganimation.video import FrameWriter

    ident = sample_identity(np.random.default_rng(12))
    video = tmp_path / "talk.mp4"
    opening = (0.0, 0.5, 1.0, 0.5, 0.0)
    with FrameWriter(video, 10.0) as w:
        for a in opening:
            v = np.zeros(len(AU_CODES), np.float32)
            v[AU_CODES.index("AU25")] = v[AU_CODES.index("AU26")] = a
            w.write(render(ident, v, 192))
    out = tmp_path / "aus.csv"
    assert main(["annotate", str(video), "-o", str(out)]) == 0
    assert "5 face-frame(s) annotated" in capsys.readouterr().out
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["frame"]) for r in rows] == list(range(5))
    assert {r["face_id"] for r in rows} == {"0"} and all(r["success"] == "1" for r in rows)
    assert [float(r["timestamp"]) for r in rows] == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    jaw = [float(r["AU26_r"]) for r in rows]
    assert jaw[2] > jaw[1] > jaw[0] and jaw[2] > jaw[3] > jaw[4]
    assert all(0.0 <= float(r[f"{c}_r"]) <= 5.0 for r in rows for c in AU_CODES)
    assert read_openface_csv(out).shape == (len(AU_CODES),)
    assert main(["annotate", str(video), "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["annotate", str(video), "--max-frames", "2"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[0].startswith("frame,face_id,timestamp,confidence,success,AU01_r") and len(printed) == 3
    assert main(["annotate", str(video), "--start", "0.2", "--max-frames", "2"]) == 0   # a cut keeps the video's
    cut = list(csv.DictReader(capsys.readouterr().out.strip().splitlines()))             # frame numbers and times
    assert [(r["frame"], r["timestamp"]) for r in cut] == [("2", "0.2"), ("3", "0.3")]


def test_prepare_folder_skips_and_resumes(tmp_path, capsys):
    from ganimation.data.prepared import read_meta, read_table

    src = _folder(tmp_path)
    out = tmp_path / "ds"
    assert main(["prepare", str(src), "-o", str(out), "--size", "64", "--no-progress", "--test-fraction", "0.5", "--seed", "3"]) == 0
    msg = capsys.readouterr().out
    assert "3 face(s)" in msg
    meta = read_meta(out)
    assert meta["image_size"] == 64
    recs = read_table(out)
    assert sorted(r.source for r in recs) == ["a.png", "b.jpg", "sub/c.png"]
    for r in recs:
        assert (out / "crops" / r.file).is_file()
        assert Image.open(out / "crops" / r.file).size == (64, 64)
        assert r.transform is not None and r.transform.shape == (2, 3)
        assert 0 < r.confidence <= 1 and r.split in ("train", "test")
        assert r.aus.shape == (17,)
    skipped = {r["source"]: r["reason"] for r in _rows(out / "skipped.csv")}
    assert set(skipped) == {"broken.jpg", "blank.png"}
    assert "not an image" in skipped["broken.jpg"] or "truncated" in skipped["broken.jpg"]
    assert "no face" in skipped["blank.png"]
    # resume: nothing new, nothing duplicated
    assert main(["prepare", str(src), "-o", str(out), "--size", "64", "--no-progress"]) == 0
    assert "0 face(s)" in capsys.readouterr().out
    assert len(read_table(out)) == 3 and len(_rows(out / "skipped.csv")) == 2
    # a new photo is picked up
    Image.open(ASTRO).convert("RGB").resize((400, 400)).save(src / "d.png")
    assert main(["prepare", str(src), "-o", str(out), "--size", "64", "--no-progress", "--test-fraction", "0.5", "--seed", "3"]) == 0
    recs2 = read_table(out)
    assert len(recs2) == 4
    # the split is deterministic: a fresh run with 2 workers gives the same table
    out2 = tmp_path / "ds2"
    assert main(["prepare", str(src), "-o", str(out2), "--size", "64", "--no-progress", "--workers", "2",
                 "--test-fraction", "0.5", "--seed", "3"]) == 0
    a = {r.source: (r.split, r.file) for r in recs2}
    b = {r.source: (r.split, r.file) for r in read_table(out2)}
    assert a == b


def test_prepare_with_openface_csv(tmp_path, capsys):
    from ganimation.data.prepared import read_table

    src = tmp_path / "p"
    src.mkdir()
    Image.open(ASTRO).convert("RGB").save(src / "x.png")
    Image.open(ASTRO).convert("RGB").resize((256, 256)).save(src / "y.png")
    of = tmp_path / "of"
    of.mkdir()
    header = "face, confidence, " + ", ".join(f"{c}_r" for c in AU_CODES)
    (of / "x.csv").write_text(header + "\n0, 0.98, " + ", ".join(["2.5"] * 16 + ["5.0"]) + "\n")
    out = tmp_path / "ds"
    assert main(["prepare", str(src), "-o", str(out), "--openface-csv", str(of), "--no-progress"]) == 0
    recs = read_table(out)
    assert len(recs) == 1 and recs[0].source == "x.png"
    np.testing.assert_allclose(recs[0].aus, [0.5] * 16 + [1.0], atol=1e-4)
    skipped = _rows(out / "skipped.csv")
    assert skipped[0]["source"] == "y.png" and "OpenFace" in skipped[0]["reason"]
