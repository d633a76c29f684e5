#!/usr/bin/env bash
# The ResNet-style kernel benchmark of docs/benchmarks.md: a 3-stage residual CNN (16-32-64 channels,
# 77,706 parameters) on random 3x32x32 inputs, trace mode, float32, each method in its own process,
# ntkstream's methods and PyTorch's (bench/pytorch) on the same checkpoint and inputs, each timed as the
# best of its runs after a warm-up (`bench kernel --repeats 2`, torch_ntk_bench.py --repeats 1); then how far
# each kernel is from the first one (max |A - B| / max |B|).
#   bench/resnet/run.sh [N] [methods...]
#   methods: structured jacobian ntvp (ntkstream), torch-jacobian torch-ntvp torch-ntvp-batched
#   e.g. bench/resnet/run.sh 128 structured jacobian torch-jacobian
# PyTorch: Debian's python3-torch (1.13, functorch) with /usr/bin/python3; libopenblas0-pthread and
# libjemalloc2 as bench/pytorch/README.md recommends (jemalloc is preloaded when present).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
n="${1:-128}"; shift || true
methods=("${@:-structured jacobian ntvp}")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
threads=2
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -q avx512f /proc/cpuinfo 2>/dev/null; then
  export OPENBLAS_CORETYPE=Haswell   # the same BLAS kernels for both (docs/deploy.md)
fi
"$root/bin/ntkstream" init --arch "$here/resnet.arch.json" --seed 1 --out "$work/resnet.safetensors" >/dev/null
python3 - "$work/x.npy" "$n" <<'PY'
import sys, numpy as np
np.save(sys.argv[1], np.random.default_rng(1).standard_normal((int(sys.argv[2]), 3, 32, 32)).astype(np.float32))
PY
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
outs=()
for m in ${methods[@]}; do
  case "$m" in
    torch-*)
      envs=()
      [ -f "$jemalloc" ] && envs=(LD_PRELOAD="$jemalloc" MALLOC_CONF="retain:true,dirty_decay_ms:-1,muzzy_decay_ms:-1")
      env "${envs[@]}" /usr/bin/python3 "$root/bench/pytorch/torch_ntk_bench.py" --arch "$here/resnet.arch.json" \
          --params "$work/resnet.safetensors" --x "$work/x.npy" --mode trace --dtype float32 \
          --method "${m#torch-}" --threads "$threads" --repeats 1 --save "$work/k-$m.npy" ;;
    *)
      # timing as PyTorch's: the best of timed runs after a warm-up in one process
      "$root/bin/ntkstream" bench kernel --arch "$here/resnet.arch.json" --params "$work/resnet.safetensors" \
          --x1 "$work/x.npy" --mode trace --dtype float32 --method "$m" --threads "$threads" --repeats 2
      # the kernel itself, for the agreement check (one cold run; prints its seconds too)
      "$root/bin/ntkstream" kernel --arch "$here/resnet.arch.json" --params "$work/resnet.safetensors" \
          --x1 "$work/x.npy" --mode trace --dtype float32 --method "$m" --threads "$threads" \
          --out "$work/k-$m.npy" --quiet ;;
  esac
  outs+=("$work/k-$m.npy")
done
python3 - "${outs[@]}" <<'PY'
import json, os, sys, numpy as np
ref = np.load(sys.argv[1]).astype(np.float64)
for p in sys.argv[2:]:
    k = np.load(p).astype(np.float64)
    print(json.dumps({"agreement": os.path.basename(p)[2:-4], "vs": os.path.basename(sys.argv[1])[2:-4],
                      "max_rel_diff": float(np.abs(k - ref).max() / np.abs(ref).max())}))
PY
