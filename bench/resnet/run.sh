#!/usr/bin/env bash
# The ResNet-style kernel benchmark of docs/benchmarks.md: a 3-stage residual CNN (16-32-64 channels,
# 77,706 parameters) on random 3x32x32 inputs, trace mode, float32, each method in its own JVM.
#   bench/resnet/run.sh [N] [methods...]      e.g. bench/resnet/run.sh 128 structured jacobian
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
n="${1:-128}"; shift || true
methods=("${@:-structured jacobian ntvp}")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$root/bin/ntkstream" init --arch "$here/resnet.arch.json" --seed 1 --out "$work/resnet.safetensors" >/dev/null
# random N x 3 x 32 x 32 float32 inputs (.npy written by the ntkstream data tools' format: a tiny header + data)
python3 - "$work/x.npy" "$n" <<'PY'
import sys, numpy as np
np.save(sys.argv[1], np.random.default_rng(1).standard_normal((int(sys.argv[2]), 3, 32, 32)).astype(np.float32))
PY
for m in ${methods[@]}; do
  "$root/bin/ntkstream" kernel --arch "$here/resnet.arch.json" --params "$work/resnet.safetensors" \
      --x1 "$work/x.npy" --mode trace --dtype float32 --method "$m" --threads 2 --out "$work/k-$m.npy" --quiet
done
