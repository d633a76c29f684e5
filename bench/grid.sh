#!/usr/bin/env bash
# The benchmark grid of docs/benchmarks.md: every method on each case, one JSON line per method.
# Usage: bench/grid.sh [--threads T] > grid.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
run() { bin/ntkstream bench kernel "$@" --method all --repeats 3; }
run --in 784 --width 1024 --depth 3 --out 1  --n 512 --mode trace --dtype float32 "$@"
run --in 64  --width 256  --depth 3 --out 10 --n 128 --mode full  --dtype float32 "$@"
run --in 64  --width 256  --depth 3 --out 10 --n 128 --mode full  --dtype float64 "$@"
run --in 64  --width 256  --depth 3 --out 10 --n 128 --mode trace --dtype float32 "$@"
run --in 64  --width 256  --depth 3 --out 10 --n 128 --mode pseudo --dtype float32 "$@"
run --in 8   --width 16   --depth 2 --out 4  --n 64  --mode full  --dtype float64 "$@"
run --in 8   --width 16   --depth 1 --out 1  --n 8   --mode trace --dtype float64 "$@"
run --in 128 --width 512  --depth 2 --out 1  --n 16  --mode trace --dtype float32 "$@"
