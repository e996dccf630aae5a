#!/usr/bin/env bash
# Runs janus' benchmarks and their PyTorch counterparts interleaved, ROUNDS times, logging the
# load before each program, then prints best-of-rounds figures and janus/PyTorch ratios
# (bench/side_by_side_summary.py). On a shared machine only interleaved best-of figures
# compare fairly (see bench/README.md).
#
#   bench/side_by_side.sh [BUILD_DIR=build] [ROUNDS=3] [OUT=/tmp/janus_side_by_side]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
rounds=${2:-3}
out=${3:-/tmp/janus_side_by_side}
threads=${THREADS:-2}
py=/usr/bin/python3
ref=$here/../../shared/reference
mkdir -p "$out"
: > "$out/log.txt"
run() {  # name, command...
  local name=$1
  shift
  { echo "=== $name round $r $(uptime | sed 's/.*load average: /load /')"; "$@" 2>&1; } >> "$out/log.txt"
}
for r in $(seq 1 "$rounds"); do
  run torch_header $py "$here/torch_header.py" --threads "$threads"
  run torch_conv $py "$here/torch_conv_bench.py" --threads "$threads" --batch 64 --reps 10
  run janus_conv "$build/bench/conv_bench" --threads "$threads" --batch 64 --reps 10
  for norm in bn pcn; do
    run "torch_train_$norm" $py "$ref/torch_cifar_bench.py" --threads "$threads" --batch 64 --norm $norm --steps 20
    run "janus_train_$norm" "$build/bench/train_bench" --threads "$threads" --batch 64 --norm $norm --steps 20
  done
done
$py "$here/side_by_side_summary.py" "$out/log.txt"
