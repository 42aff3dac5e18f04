#!/usr/bin/env bash
# rank_speed.sh: the speed table of docs/distributed.md — one process with two threads against
# `mpiexec.mpich -n 2` with one thread per rank (data parallel, and expert parallel where E divides
# by 2), `moe bench train --device cpu --batch 8 --seq 64`, the three alternated, REPEATS times.
# Usage: Benchmarks/mpi/rank_speed.sh [path/to/moe] [repeats]   (default: moe on PATH, 3)
# Run it on a quiet machine; each line names the load average when it started.
set -euo pipefail
MOE=${1:-moe}
REPEATS=${2:-3}
speed() { grep -E "^  [0-9]+ tokens/s" | head -1 | sed -E 's/^ +//; s/ a step.*/ a step/'; }
for rep in $(seq "$REPEATS"); do
  for cfg in tiny small; do
    steps=20; [ "$cfg" = small ] && steps=10
    args=(bench train --config "$cfg" --device cpu --batch 8 --seq 64 --steps "$steps" --warmup 3)
    echo "repeat $rep, $cfg, load $(cut -d' ' -f1 /proc/loadavg)"
    echo "  1 process, 2 threads:  $("$MOE" "${args[@]}" 2>&1 | speed)"
    echo "  2 ranks, data:         $(mpiexec.mpich -n 2 "$MOE" "${args[@]}" --parallel data 2>&1 | speed)"
    if [ "$cfg" = tiny ]; then
      echo "  2 ranks, expert:       $(mpiexec.mpich -n 2 "$MOE" "${args[@]}" --parallel expert 2>&1 | speed)"
    fi
  done
done
