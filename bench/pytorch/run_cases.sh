#!/usr/bin/env bash
# Runs the benchmark cases recorded in RESULTS.md; appends "$ command" lines and
# the JSON output to results/<label>.log.  Usage: run_cases.sh LABEL CASE...
#   LABEL: tuned (jemalloc preloaded, no decay) | stock (glibc malloc)
set -u
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
label=$1; shift
log="$here/results/$label.log"
mkdir -p "$here/results"
if [ "$label" = tuned ]; then
  export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
  export MALLOC_CONF="retain:true,dirty_decay_ms:-1,muzzy_decay_ms:-1"
fi
C1="--in 784 --width 1024 --depth 3 --out 1 --mode trace --dtype float32"
C2="--in 64 --width 256 --depth 3 --out 10 --mode full"
run() {  # run TIMEOUT ARGS...
  local t=$1; shift
  local envs=""
  [ "$label" = tuned ] && envs="LD_PRELOAD=$LD_PRELOAD MALLOC_CONF=\"$MALLOC_CONF\" "
  echo "\$ ${envs}timeout $t $py bench/pytorch/torch_ntk_bench.py $*" | tee -a "$log"
  echo "# start $(date -u +%FT%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
  timeout "$t" "$py" "$here/torch_ntk_bench.py" "$@" 2>&1 | tee -a "$log"
  echo "# exit ${PIPESTATUS[0]} end $(date -u +%FT%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
}
for c in "$@"; do
  case $c in
    c1-jac)      run 900 $C1 --n 512 --method jacobian --repeats 3 ;;
    c1-ntvp-64)  run 900 $C1 --n 64 --method ntvp --repeats 2 ;;
    c1-ntvp-128) run 900 $C1 --n 128 --method ntvp --repeats 2 --time-budget 600 ;;
    c1-ntvp-32)  run 900 $C1 --n 32 --method ntvp --repeats 2 ;;
    c1-ntvp-512) run 900 $C1 --n 512 --method ntvp --repeats 1 ;;
    c1-ntvpb)    run 900 $C1 --n 512 --method ntvp-batched --repeats 3 --time-budget 600 ;;
    c2-f32)      run 900 $C2 --n 128 --dtype float32 --method all --repeats 3 --time-budget 600 ;;
    c2-f64)      run 900 $C2 --n 128 --dtype float64 --method all --repeats 3 --time-budget 600 ;;
    c2-f32-b)    run 900 $C2 --n 128 --dtype float32 --method ntvp-batched --repeats 3 ;;
    c2-f64-b)    run 900 $C2 --n 128 --dtype float64 --method ntvp-batched --repeats 3 ;;
    *) echo "unknown case $c" >&2 ;;
  esac
done
