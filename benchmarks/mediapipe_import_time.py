"""Process start: ``import mediapipe`` as it is, and without its plotting import (``import_mediapipe``).

Each measurement is a fresh Python process (nothing cached in it), timed from inside around the import:
``import mediapipe`` (which imports ``matplotlib.pyplot`` through MediaPipe's drawing helpers) and
``ganimation.faces.mediapipe_import.import_mediapipe()`` (the same without matplotlib), alternately in
``--rounds`` rounds; and the wall time of a whole one-photo edit, ``ganimation edit`` of the bundled
astronaut photo toward surprise, as a user runs it (process start, imports, models, detection, edit,
writing the JPEG).

Usage: python benchmarks/mediapipe_import_time.py [--rounds 5]
Writes benchmarks/results/mediapipe_import_time.{json,md}.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

import numpy as np

TIMED = ("import time, sys; t = time.perf_counter(); {stmt}; "
         "print(time.perf_counter() - t, 'matplotlib' in sys.modules)")
WAYS = {"import mediapipe": "import mediapipe",
        "import_mediapipe()": "from ganimation.faces.mediapipe_import import import_mediapipe; import_mediapipe()"}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("-o", "--output", default="benchmarks/results/mediapipe_import_time")
    args = ap.parse_args(argv)
    times = {w: [] for w in WAYS}
    loaded = {}
    for _ in range(args.rounds):
        for way, stmt in WAYS.items():
            out = subprocess.run([sys.executable, "-c", TIMED.format(stmt=stmt)], capture_output=True, text=True,
                                 check=True).stdout.split()
            times[way].append(1000 * float(out[0]))
            loaded[way] = out[1] == "True"
    photo = str(resources.files("ganimation") / "assets" / "astronaut.png")
    cli = Path(sys.executable).with_name("ganimation")
    edits = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            t = time.perf_counter()
            subprocess.run([str(cli), "edit", photo, "--expression", "surprise", "-o", str(Path(tmp) / "out.jpg")],
                           capture_output=True, check=True)
            edits.append(1000 * (time.perf_counter() - t))
    res = {"command": "python " + " ".join(sys.argv), "cpus": len(os.sched_getaffinity(0)),
           "load_average": [round(v, 2) for v in os.getloadavg()], "rounds": args.rounds,
           "import_ms": {w: round(float(np.median(v)), 1) for w, v in times.items()},
           "matplotlib_imported": loaded, "edit_cli_ms": round(float(np.median(edits)), 1),
           "all": {"import_ms": times, "edit_cli_ms": edits}}
    out = Path(args.output)
    out.with_suffix(".json").write_text(json.dumps(res, indent=1))
    lines = ["# Process start: importing MediaPipe with and without its plotting import", "",
             (f"`{res['command']}`: each import timed inside a fresh Python process, median of {args.rounds} "
              f"alternating rounds; {res['cpus']} CPU cores, load average at the end {res['load_average']}."), "",
             "| import | ms (median) | matplotlib imported |", "|---|---|---|"]
    for w in WAYS:
        lines.append(f"| `{w}` | {res['import_ms'][w]:.0f} | {'yes' if loaded[w] else 'no'} |")
    lines += ["", (f"A whole `ganimation edit astronaut.png --expression surprise -o out.jpg` (process start to "
                   f"the written JPEG), median of {args.rounds}: **{res['edit_cli_ms']:.0f} ms**.")]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(json.dumps({k: res[k] for k in ("import_ms", "matplotlib_imported", "edit_cli_ms")}))


if __name__ == "__main__":
    main()
