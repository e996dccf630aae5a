#!/usr/bin/env bash
# Installs what is missing, builds janus optimized, and runs every test through ctest.
# On a machine with AVX-512 it proves both ISAs every x86-64 CPU of ours can take:
#   1. build/ (-march=native), janus' AVX-512 kernels;
#   2. build-x86-64-v3/ (-march=x86-64-v3, the AVX2 baseline), i.e. the janus code an AVX2-only
#      CPU such as Zen 3 runs (no bench/: it has no tests).
# Elsewhere: pass 1 only. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are left as the machine sets them
# (some machines set them because older OpenBLAS builds misbehave on their CPU); the tolerance
# policy holds for whichever SGEMM kernel OpenBLAS picks. JANUS_BASELINE=0 skips pass 2
# (docs/testing.md).
# Set JANUS_SANITIZE=1 for the AddressSanitizer + UndefinedBehaviorSanitizer build instead (one
# pass). Then, where clang with libFuzzer is installed (scripts/deps.sh installs it), the fuzz
# targets of tests/fuzz are built into build-fuzz/ and each runs a few seconds on its seed
# corpus (JANUS_FUZZ_SMOKE=0 leaves that out).
set -euo pipefail
cd "$(dirname "$0")/.."
run_suite() {  # run_suite DIR
  echo "janus: ctest in $1 (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset})"
  (cd "$1" && ctest --output-on-failure -j "$(nproc)")
}
avx512() { grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo; }

if [ "${JANUS_SANITIZE:-0}" = "1" ]; then
  export JANUS_BUILD_DIR="${JANUS_BUILD_DIR:-build-sanitize}"
  bash scripts/build.sh -DJANUS_SANITIZE=ON -DJANUS_BUILD_BENCH=OFF
  run_suite "$JANUS_BUILD_DIR"
  exit 0
fi

bash scripts/build.sh
if avx512; then
  run_suite "${JANUS_BUILD_DIR:-build}"
  if [ "${JANUS_BASELINE:-1}" = "1" ]; then
    JANUS_BUILD_DIR="${JANUS_BASELINE_BUILD_DIR:-build-x86-64-v3}" \
      bash scripts/build.sh -DJANUS_ARCH=x86-64-v3 -DJANUS_BUILD_BENCH=OFF
    run_suite "${JANUS_BASELINE_BUILD_DIR:-build-x86-64-v3}"
  fi
else
  run_suite "${JANUS_BUILD_DIR:-build}"
fi

if [ "${JANUS_FUZZ_SMOKE:-1}" = "1" ]; then
  probe="$(mktemp -d)"
  if command -v clang++ > /dev/null &&
     echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
       clang++ -x c++ -fsanitize=fuzzer,address,undefined - -o "$probe/probe" > /dev/null 2>&1; then
    FUZZ_DIR="${JANUS_FUZZ_BUILD_DIR:-build-fuzz}"
    mkdir -p "$FUZZ_DIR"
    CC=clang CXX=clang++ cmake -S . -B "$FUZZ_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJANUS_FUZZ=ON \
      -DJANUS_BUILD_EXAMPLES=OFF -DJANUS_BUILD_BENCH=OFF > "$FUZZ_DIR.configure.log" 2>&1 \
      || { cat "$FUZZ_DIR.configure.log"; exit 1; }
    cmake --build "$FUZZ_DIR" -j "$(nproc)" --target janus_fuzz_all
    (cd "$FUZZ_DIR" && ctest --output-on-failure -L fuzz -j "$(nproc)")
  else
    echo "test.sh: clang++ with libFuzzer not found: the fuzz targets were not run (scripts/fuzz.sh)"
  fi
  rm -rf "$probe"
fi
