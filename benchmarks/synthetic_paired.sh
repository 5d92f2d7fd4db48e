#!/usr/bin/env bash
# Paired benchmark on synthetic faces: a GANimation model trained for about one
# CPU hour at 64 px (one thread) edits 500 source renders toward their target
# AUs; the evaluation compares each edit with the true target render (PSNR/SSIM,
# PSNR over the changed region) and reads AUs with the AU judge, beside the
# trivial baseline that returns the input unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
STEPS=${STEPS:-2100}
RUN=${RUN:-runs/synth64}                       # training run folder
RES=${RES:-benchmarks/results/synthetic_paired}
EXTRA=${EXTRA:-}                               # more --set overrides, e.g. "--set train.lr_g=3e-4"
[ -f data/synth64/dataset.json ] || $PY -m ganimation synth -o data/synth64 --count 12000 --size 64 --pairs 500 --workers 1 --no-progress
mkdir -p "$(dirname "$RUN")"
# shellcheck disable=SC2086
{ time OMP_NUM_THREADS=1 $PY -m ganimation train --data data/synth64 --out "$RUN" \
    --config configs/cpu_small_64.yaml --set train.steps=$STEPS --set train.progress=false $EXTRA ; } > "$RUN.log" 2>&1
mkdir -p "$RES"
grep -E "^(real|user|sys)|trained" "$RUN.log" > "$RES/train_time.txt"
cp "$RUN/summary.json" "$RES/train_summary.json"
rm -rf "$RES/eval"
$PY -m ganimation evaluate --weights "$RUN/generator.safetensors" --data data/synth64/pairs -o "$RES/eval" --threads 2
rm -f "$RES/eval/"*.npz
