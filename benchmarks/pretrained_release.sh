#!/usr/bin/env bash
# Build the shipped model from a finished training run: fp16 release, evaluation
# on the held-out split, before/after grid and a copy of the training logs.
#
#   bash benchmarks/prepare_utkface.sh          # data/utkface128 (8,011 train / 887 test)
#   .venv/bin/ganimation train --data data/utkface128 --out runs/utk64 \
#       --config configs/cpu_small_64.yaml --set train.steps=1800
#   .venv/bin/ganimation train --data data/utkface128 --out runs/utk64 \
#       --config configs/cpu_small_64.yaml --set train.steps=3600 --resume   # optional: longer
#   bash benchmarks/pretrained_release.sh runs/utk64
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:?usage: pretrained_release.sh RUN_DIR}
PY=${PY:-.venv/bin/python}
ASSET=src/ganimation/assets/ganimation_default.safetensors
RES=benchmarks/results/pretrained

$PY -m ganimation export --weights "$RUN/generator.safetensors" -o "$ASSET" --half
mkdir -p "$RES"
cp "$RUN/config.yaml" "$RUN/summary.json" "$RUN/metrics.jsonl" "$RES/"
rm -rf "$RES/eval"
$PY -m ganimation evaluate --weights "$ASSET" --data data/utkface128 --split test -o "$RES/eval" --threads 2
rm -f "$RES/eval/"*.npz   # per-image arrays stay out of the repository
$PY benchmarks/before_after_grid.py --weights "$ASSET" --data data/utkface128 --split test \
    --faces 6 --sweep AU12 -o docs/images/before_after.png
