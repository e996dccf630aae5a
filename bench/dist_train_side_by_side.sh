#!/usr/bin/env bash
# Issue 10's speed check, side by side in one run: the benchmark CNN's training step at global
# batch 64, 1 process x 2 threads against 2 processes x 1 thread (mpirun), bn and syncbn,
# interleaved ROUNDS times (the load is logged before each), then the median img/s of each
# configuration, the ratio 2x1 / 1x2 (target >= 0.9) and the communication share of a step
# (target < 5%). Then allreduce_bench for the alpha-beta figures.
#   bench/dist_train_side_by_side.sh BUILD_DIR [ROUNDS=3] [STEPS=20] > log
set -u
build=${1:?usage: dist_train_side_by_side.sh BUILD_DIR [ROUNDS] [STEPS]}
rounds=${2:-3} steps=${3:-20}
mpirun=(mpirun --oversubscribe --mca btl_vader_single_copy_mechanism none)
if [ "$(id -u)" -eq 0 ]; then mpirun+=(--allow-run-as-root); fi
bench=$build/bench/dist_train_bench
results=$(mktemp)
for r in $(seq 1 "$rounds"); do
  for norm in bn syncbn; do
    for cfg in 1x2 2x1; do
      echo "=== round $r $norm $cfg, load $(uptime | sed 's/.*load average: //')"
      if [ $cfg = 1x2 ]; then out=$("$bench" --threads 2 --batch 64 --norm $norm --steps "$steps" 2>&1)
      else out=$("${mpirun[@]}" -np 2 "$bench" --threads 1 --batch 64 --norm $norm --steps "$steps" 2>&1); fi
      echo "$out"
      line=$(grep '^dist_train_bench:' <<< "$out") || { echo "FAILED"; exit 1; }
      ips=$(sed -E 's/.*: ([0-9.]+) img\/s.*/\1/' <<< "$line")
      comm=$(sed -E 's/.*mean over ranks \(([0-9.]+)% of a step\).*/\1/' <<< "$line")
      least=$(sed -E 's/.*least [0-9.]+ ms\/step \(([0-9.]+)%\).*/\1/' <<< "$line")
      echo "$norm $cfg $ips $comm $least" >> "$results"
    done
  done
done
echo
echo "=== summary: median over $rounds round(s), $steps steps each, global batch 64"
for norm in bn syncbn; do
  med() { grep "^$norm $1 " "$results" | awk -v c="$2" '{print $c}' | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
  a=$(med 1x2 3) b=$(med 2x1 3) c=$(med 2x1 4) l=$(med 2x1 5)
  awk -v n=$norm -v a="$a" -v b="$b" -v c="$c" -v l="$l" 'BEGIN {
    printf "%-6s 1x2 %7.1f img/s   2x1 %7.1f img/s   2x1/1x2 %.3f (target >= 0.9)   comm %.1f%% of a step (least rank %.1f%%; target < 5%%)\n", n, a, b, b / a, c, l }'
done
echo "load after: $(uptime | sed 's/.*load average: //')"
echo
"${mpirun[@]}" -np 2 "$build/bench/allreduce_bench" --max-mb 4 --reps 50
rm -f "$results"
