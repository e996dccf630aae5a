#!/usr/bin/env bash
# What deterministic mode (JANUS_DETERMINISTIC=1, core/deterministic.h) costs on the training
# step of the benchmark CNN: bench/train_bench (eager, batch 64, bn) with the mode off and on,
# interleaved ROUNDS times at 1 and 2 threads, the load logged before every program; prints
# the best of rounds and the ratio. With bench/dist_train_bench built, also 2 processes x 1
# thread under mpirun with syncbn (the gradient and SyncBN sums then go through the ordered
# allgather + tree instead of MPI_Allreduce).
#   bench/deterministic_cost.sh BUILD_DIR [ROUNDS]
set -u
build=${1:?usage: deterministic_cost.sh BUILD_DIR [ROUNDS]}
rounds=${2:-3}
tb=$build/bench/train_bench
dtb=$build/bench/dist_train_bench
[ -x "$tb" ] || { echo "deterministic_cost: $tb not built (cmake --build $build --target train_bench)"; exit 1; }
mpi=(mpirun --oversubscribe --mca btl_vader_single_copy_mechanism none)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
declare -A best
run() {  # key, command...: keeps the highest img/s of the rounds
  local key=$1; shift
  local out ips
  echo "load: $(uptime | sed 's/.*load average: //')  $key"
  out=$("$@" 2>&1 | tail -1)
  echo "  $out"
  ips=$(grep -oE '(train )?[0-9.]+ img/s' <<< "$out" | head -1 | grep -oE '[0-9.]+')
  [ -n "$ips" ] || { echo "deterministic_cost: no img/s in the output of $key"; exit 1; }
  if [ -z "${best[$key]:-}" ] || awk -v a="$ips" -v b="${best[$key]}" 'BEGIN{exit !(a>b)}'; then best[$key]=$ips; fi
}
for r in $(seq 1 "$rounds"); do
  for t in 1 2; do
    for d in 0 1; do
      run "train_bench threads=$t deterministic=$d" env JANUS_DETERMINISTIC=$d "$tb" --threads $t --batch 64 \
          --norm bn --mode eager --steps 10 --peak 0
    done
  done
  if [ -x "$dtb" ]; then
    for d in 0 1; do
      run "dist_train_bench 2x1 syncbn deterministic=$d" env JANUS_DETERMINISTIC=$d "${mpi[@]}" -x JANUS_DETERMINISTIC -np 2 "$dtb" \
          --threads 1 --batch 64 --norm syncbn --steps 10
    done
  fi
done
echo
echo "best of $rounds rounds (train img/s): default, deterministic, deterministic takes"
for key in "train_bench threads=1" "train_bench threads=2" "dist_train_bench 2x1 syncbn"; do
  a=${best["$key deterministic=0"]:-}; b=${best["$key deterministic=1"]:-}
  [ -n "$a" ] && [ -n "$b" ] && awk -v k="$key" -v a="$a" -v b="$b" \
    'BEGIN{printf "  %-28s %8.1f %8.1f   %.2fx the time\n", k, a, b, a / b}'
done
