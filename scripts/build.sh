#!/usr/bin/env bash
# Configures and builds janus (optimized) into build/ (or $JANUS_BUILD_DIR).
# Extra arguments go to CMake, e.g. scripts/build.sh -DJANUS_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
# ccache (from deps.sh) makes a rebuild of unchanged sources cheap (each -march is its own cache
# entry, so the first baseline-ISA build compiles everything once).
if command -v ccache > /dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER="${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}"
  export CMAKE_C_COMPILER_LAUNCHER="${CMAKE_C_COMPILER_LAUNCHER:-ccache}"
fi
BUILD_DIR="${JANUS_BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release "$@" > "$BUILD_DIR.configure.log" 2>&1 \
  || { cat "$BUILD_DIR.configure.log"; exit 1; }
cmake --build "$BUILD_DIR" -j "$(nproc)"
