"""Estimator vs real OpenFace annotations (ganimation_sample: 4 images; weak evidence).

Usage: python benchmarks/faces_openface_agreement.py [../shared/data/ganimation_sample]
Writes benchmarks/results/faces_openface_agreement.json
"""

import json
import pickle
import sys
from pathlib import Path

import numpy as np


def main(root="../shared/data/ganimation_sample"):
    from ganimation.aus import AU_CODES, OPENFACE_SCALE
    from ganimation.faces.detect import FaceDetector
    from ganimation.faces.estimate import estimate_raw
    from ganimation.images import load_rgb

    root = Path(root)
    with open(root / "aus_openface.pkl", "rb") as fh:
        of = pickle.load(fh, encoding="latin1")
    det = FaceDetector(search="whole")
    E, T, names = [], [], []
    for stem, v in sorted(of.items()):
        img = load_rgb(root / "imgs" / f"{stem}.jpg")
        faces = det.detect(img)
        if not faces:
            continue
        E.append(estimate_raw(faces[0]))
        T.append(np.asarray(v, np.float32) / OPENFACE_SCALE)
        names.append(stem)
    E, T = np.array(E), np.array(T)
    per = {}
    for i, c in enumerate(AU_CODES):
        r = None
        if E[:, i].std() > 1e-6 and T[:, i].std() > 1e-6:
            r = float(np.corrcoef(E[:, i], T[:, i])[0, 1])
        per[c] = {"mae": round(float(np.abs(E[:, i] - T[:, i]).mean()), 4), "pearson_r": None if r is None else round(r, 3)}
    res = {"images": names, "n": len(names), "per_au": per,
           "mae_all": round(float(np.abs(E - T).mean()), 4),
           "mae_all_zero_baseline": round(float(np.abs(T).mean()), 4),
           "mae_all_mean_baseline": round(float(np.abs(T - T.mean(0)).mean()), 4),
           "estimates": E.round(3).tolist(), "openface": T.round(3).tolist()}
    Path("benchmarks/results/faces_openface_agreement.json").write_text(json.dumps(res, indent=1))
    print(json.dumps({k: v for k, v in res.items() if k not in ("estimates", "openface")}, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:])
