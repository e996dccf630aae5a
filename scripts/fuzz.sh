#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (AddressSanitizer + UBSan) into
# build-fuzz/ and runs each for SECONDS (default 60) on a working corpus seeded from the
# committed tests/fuzz/corpus/<target>; inputs that crash go to build-fuzz/fuzz/findings/.
# Prints each target's executions; exits 1 if any target found a crash.
#   scripts/fuzz.sh [seconds] [target...]     targets: safetensors training_checkpoint cifar idx idx_gz image weights_h5
# JANUS_FUZZ_PARALLEL=1 runs the targets at the same time instead of one after the other.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
[ $# -gt 0 ] && shift
BUILD_DIR="${JANUS_FUZZ_BUILD_DIR:-build-fuzz}"
if ! command -v clang++ > /dev/null; then
  echo "fuzz.sh: clang++ not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
mkdir -p "$BUILD_DIR"
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJANUS_FUZZ=ON \
  -DJANUS_BUILD_EXAMPLES=OFF -DJANUS_BUILD_BENCH=OFF > "$BUILD_DIR.configure.log" 2>&1 \
  || { cat "$BUILD_DIR.configure.log"; exit 1; }
cmake --build "$BUILD_DIR" -j "${JANUS_JOBS:-$(nproc)}" --target janus_fuzz_all
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(safetensors training_checkpoint cifar idx idx_gz image weights_h5)
out="$BUILD_DIR/fuzz"
mkdir -p "$out/findings"
run_one() {
  local t="$1"
  mkdir -p "$out/corpus/$t"
  "$out/fuzz_$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/findings/${t}_" "$out/corpus/$t" "tests/fuzz/corpus/$t" "$out/generated_seeds/$t" > "$out/$t.log" 2>&1
}
failed=()
if [ "${JANUS_FUZZ_PARALLEL:-0}" = "1" ]; then
  pids=()
  for t in "${targets[@]}"; do run_one "$t" & pids+=($!); done
  for i in "${!targets[@]}"; do wait "${pids[$i]}" || failed+=("${targets[$i]}"); done
else
  for t in "${targets[@]}"; do run_one "$t" || failed+=("$t"); done
fi
for t in "${targets[@]}"; do
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$t.log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$out/$t.log" | grep -o '[0-9]*$' || echo "?")
  echo "fuzz_$t: ${execs} executions (${rate}/s) in about ${seconds} s (log $out/$t.log)"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: findings in: ${failed[*]} (inputs in $out/findings/, details in the logs)" >&2
  exit 1
fi
