#!/usr/bin/env bash
# Installs what is missing, builds janus optimized, and runs every test through ctest.
# Set JANUS_SANITIZE=1 for the AddressSanitizer + UndefinedBehaviorSanitizer build. Then,
# where clang with libFuzzer is installed (scripts/deps.sh installs it), the fuzz targets of
# tests/fuzz are built into build-fuzz/ and each runs a few seconds on its seed corpus
# (JANUS_FUZZ_SMOKE=0 leaves that out).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${JANUS_SANITIZE:-0}" = "1" ]; then
  export JANUS_BUILD_DIR="${JANUS_BUILD_DIR:-build-sanitize}"
  bash scripts/build.sh -DJANUS_SANITIZE=ON -DJANUS_BUILD_BENCH=OFF -DJANUS_BUILD_EXAMPLES=OFF
else
  bash scripts/build.sh
fi
cd "${JANUS_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)"
cd - > /dev/null
if [ "${JANUS_FUZZ_SMOKE:-1}" = "1" ] && [ "${JANUS_SANITIZE:-0}" != "1" ]; then
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
