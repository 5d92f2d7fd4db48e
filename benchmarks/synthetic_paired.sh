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
RES=benchmarks/results/synthetic_paired
[ -f data/synth64/dataset.json ] || $PY -m ganimation synth -o data/synth64 --count 12000 --size 64 --pairs 500 --workers 1 --no-progress
{ time OMP_NUM_THREADS=1 $PY -m ganimation train --data data/synth64 --out runs/synth64 \
    --config configs/cpu_small_64.yaml --set train.steps=$STEPS --set train.progress=false ; } > runs/synth64.log 2>&1
mkdir -p "$RES"
grep -E "^(real|user|sys)|trained" runs/synth64.log > "$RES/train_time.txt"
cp runs/synth64/summary.json "$RES/train_summary.json"
rm -rf "$RES/eval"
$PY -m ganimation evaluate --weights runs/synth64/generator.safetensors --data data/synth64/pairs -o "$RES/eval" --threads 2
rm -f "$RES/eval/"*.npz
