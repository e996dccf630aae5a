#!/usr/bin/env bash
# Installs what is missing, builds janus optimized, and runs every test through ctest.
# Set JANUS_SANITIZE=1 for the AddressSanitizer + UndefinedBehaviorSanitizer build.
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
