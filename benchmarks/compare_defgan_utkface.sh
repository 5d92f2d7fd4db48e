#!/usr/bin/env bash
# DefGAN vs GANimation on real faces, same data and budget: UTKFace (prepared,
# data/utkface128), 64 px, configs/cpu_small_64.yaml (widths, batch 25,
# n_critic 3, lr, EMA, seed) for both, STEPS critic steps each; both trained at
# the same time on one CPU thread each; then the evaluation suite on the
# 887 held-out faces and a side-by-side table and grids.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
STEPS=${STEPS:-600}
RES=benchmarks/results/defgan_vs_ganimation_utkface
mkdir -p "$RES"
for arch in ganimation defgan; do
  rm -rf "runs/cmp_$arch"
  ( { time OMP_NUM_THREADS=1 $PY -m ganimation train --data data/utkface128 --out "runs/cmp_$arch" \
      --config configs/cpu_small_64.yaml --arch $arch --set train.n_critic=3 --set train.steps=$STEPS \
      --set train.progress=false ; } > "runs/cmp_$arch.log" 2>&1 ) &
done
wait
for arch in ganimation defgan; do
  grep -E "^(real|user|sys)|trained" "runs/cmp_$arch.log" > "$RES/train_time_$arch.txt"
  rm -rf "$RES/eval_$arch"
  $PY -m ganimation evaluate --weights "runs/cmp_$arch/generator.safetensors" --data data/utkface128 \
      --split test -o "$RES/eval_$arch" --threads 2
  rm -f "$RES/eval_$arch/"*.npz
  $PY benchmarks/before_after_grid.py --weights "runs/cmp_$arch/generator.safetensors" --data data/utkface128 \
      --split test --faces 6 --sweep AU12 -o "$RES/grid_$arch.png"
done
$PY benchmarks/compare_reports.py GANimation="$RES/eval_ganimation" DefGAN="$RES/eval_defgan" \
    -o "$RES/compare.md" --title "DefGAN vs GANimation: UTKFace 64 px, $STEPS steps each, same config"
