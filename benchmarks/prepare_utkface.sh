#!/usr/bin/env bash
# Prepare the UTKFace chips as a 128 px training set (git-ignored data/ folder),
# then plot the AU distribution. Re-running resumes an interrupted run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
time $PY -m ganimation.cli.main prepare ../shared/data/utkface -o data/utkface128 --size 128 --workers 2
$PY benchmarks/faces_utkface_stats.py data/utkface128
